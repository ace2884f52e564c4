/* test_parse.c - common/parse.c: sizes, integers, CPU fractions, addresses. */
#include <arpa/inet.h>
#include <errno.h>

#include "common/parse.h"
#include "tests/harness.h"

START_TEST(size_units)
{
	uint64_t n;

	ck_assert_int_eq(parse_size("512", &n), 0);
	ck_assert_uint_eq(n, 512);
	ck_assert_int_eq(parse_size("64m", &n), 0);
	ck_assert_uint_eq(n, 64ULL << 20);
	ck_assert_int_eq(parse_size("1g", &n), 0);
	ck_assert_uint_eq(n, 1ULL << 30);
	ck_assert_int_eq(parse_size("2K", &n), 0);
	ck_assert_uint_eq(n, 2048);
	ck_assert_int_eq(parse_size("0", &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(size_rejects_junk)
{
	const char *bad[] = {"", "abc", "-5m", " 5m", "5x", "5mm", "m", "+5"};
	uint64_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(parse_size(bad[i], &n) == -1, "accepted '%s'", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

START_TEST(size_overflow)
{
	uint64_t n;

	ck_assert_int_eq(parse_size("99999999999999g", &n), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(parse_size("99999999999999999999", &n), -1);
}
END_TEST

START_TEST(int_range)
{
	long long v;

	ck_assert_int_eq(parse_int("20", 1, 100, &v), 0);
	ck_assert_int_eq(v, 20);
	ck_assert_int_eq(parse_int("-3", -5, 5, &v), 0);
	ck_assert_int_eq(v, -3);
	ck_assert_int_eq(parse_int("0", 1, 100, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(parse_int("101", 1, 100, &v), -1);
	ck_assert_int_eq(parse_int("", 1, 100, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(parse_int("12x", 1, 100, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(parse_int("99999999999999999999999", 1, 100, &v), -1);
}
END_TEST

START_TEST(millis)
{
	long long m;

	ck_assert_int_eq(parse_millis("0.25", 2000, &m), 0);
	ck_assert_int_eq(m, 250);
	ck_assert_int_eq(parse_millis("2", 2000, &m), 0);
	ck_assert_int_eq(m, 2000);
	ck_assert_int_eq(parse_millis("1.5", 2000, &m), 0);
	ck_assert_int_eq(m, 1500);
	ck_assert_int_eq(parse_millis("0.001", 2000, &m), 0);
	ck_assert_int_eq(m, 1);
}
END_TEST

START_TEST(millis_rejects)
{
	const char *bad[] = {"0", "0.0", "-1", "1e9", "", ".5", "1.", "1.2345", "3", "abc", "1.x"};
	long long m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_millis(bad[i], 2000, &m) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(cidr)
{
	struct in_addr net;
	int prefix;

	ck_assert_int_eq(parse_cidr("10.213.0.0/24", &net, &prefix), 0);
	ck_assert_int_eq(prefix, 24);
	ck_assert_uint_eq(ntohl(net.s_addr), 0x0ad50000);
	ck_assert_int_eq(parse_cidr("10.213.0.1/24", &net, &prefix), -1); /* host bits */
	ck_assert_int_eq(parse_cidr("10.213.0.0", &net, &prefix), -1);
	ck_assert_int_eq(parse_cidr("10.213.0.0/", &net, &prefix), -1);
	ck_assert_int_eq(parse_cidr("10.213.0.0/33", &net, &prefix), -1);
	ck_assert_int_eq(parse_cidr("10.213.0.0/31", &net, &prefix), -1); /* no room for hosts */
	ck_assert_int_eq(parse_cidr("300.1.1.0/24", &net, &prefix), -1);
	ck_assert_int_eq(parse_cidr("", &net, &prefix), -1);
}
END_TEST

START_TEST(ipv4)
{
	struct in_addr a;

	ck_assert_int_eq(parse_ipv4("127.0.0.1", &a), 0);
	ck_assert_uint_eq(ntohl(a.s_addr), 0x7f000001);
	ck_assert_int_eq(parse_ipv4("1.2.3", &a), -1);
	ck_assert_int_eq(parse_ipv4("localhost", &a), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, size_units);
	tcase_add_test(tc, size_rejects_junk);
	tcase_add_test(tc, size_overflow);
	tcase_add_test(tc, int_range);
	tcase_add_test(tc, millis);
	tcase_add_test(tc, millis_rejects);
	tcase_add_test(tc, cidr);
	tcase_add_test(tc, ipv4);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
