/* test_netlink.c - step04_net/netlink.c: request assembly (anyone), and
 * request/ack against the kernel (root: in a network namespace of the test's
 * own, so the machine's network is never touched). */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "step04_net/netlink.h"
#include "tests/harness.h"

/* The attributes that follow a struct ifinfomsg. */
#define LINK_ATTRS(m) ((const struct rtattr *)((m)->buf + NLMSG_LENGTH(sizeof(struct ifinfomsg))))
#define LINK_ATTRS_LEN(m) ((m)->hdr.nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg)))

static void new_link(struct nl_msg *m, const char *name)
{
	struct ifinfomsg link = {.ifi_family = AF_UNSPEC};

	nl_init(m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &link, sizeof(link));
	nl_put_str(m, IFLA_IFNAME, name);
}

START_TEST(header_and_flags)
{
	struct nl_msg m;

	new_link(&m, "kb0123456789ab");
	ck_assert_int_eq(m.hdr.nlmsg_type, RTM_NEWLINK);
	ck_assert_int_eq(m.hdr.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	/* 16 header + 16 ifinfomsg + 4 rtattr + 15 name (with NUL), aligned to 4 */
	ck_assert_uint_eq(m.hdr.nlmsg_len, 16 + 16 + NLMSG_ALIGN(4 + 15));
	const struct rtattr *name = nl_find(LINK_ATTRS(&m), LINK_ATTRS_LEN(&m), IFLA_IFNAME);
	ck_assert_ptr_nonnull(name);
	ck_assert_uint_eq(name->rta_len, 4 + 15);
	ck_assert_str_eq(RTA_DATA(name), "kb0123456789ab");
	ck_assert_str_eq(nl_type_name(&m), "RTM_NEWLINK");
}
END_TEST

START_TEST(nested_attributes)
{
	struct nl_msg m;

	new_link(&m, "a");
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	struct rtattr *data = nl_nest_begin(&m, IFLA_INFO_DATA);
	nl_put_u32(&m, IFLA_MTU, 1500);
	nl_nest_end(&m, data);
	nl_nest_end(&m, info);
	nl_put_u32(&m, IFLA_MASTER, 7); /* after the nest: must not land inside it */

	const struct rtattr *li = nl_find(LINK_ATTRS(&m), LINK_ATTRS_LEN(&m), IFLA_LINKINFO);
	ck_assert_ptr_nonnull(li);
	/* kind: 4 + 5 -> 12 aligned; data: 4 + (4 + 4) = 12 */
	ck_assert_uint_eq(li->rta_len, 4 + 12 + 12);
	const struct rtattr *kind = nl_find(RTA_DATA(li), RTA_PAYLOAD(li), IFLA_INFO_KIND);
	ck_assert_str_eq(RTA_DATA(kind), "veth");
	const struct rtattr *d = nl_find(RTA_DATA(li), RTA_PAYLOAD(li), IFLA_INFO_DATA);
	const struct rtattr *mtu = nl_find(RTA_DATA(d), RTA_PAYLOAD(d), IFLA_MTU);
	ck_assert_uint_eq(*(uint32_t *)RTA_DATA(mtu), 1500);
	ck_assert_ptr_null(nl_find(RTA_DATA(li), RTA_PAYLOAD(li), IFLA_MASTER));
	const struct rtattr *master = nl_find(LINK_ATTRS(&m), LINK_ATTRS_LEN(&m), IFLA_MASTER);
	ck_assert_uint_eq(*(uint32_t *)RTA_DATA(master), 7);
	ck_assert_uint_eq((char *)master - m.buf + RTA_ALIGN(master->rta_len), m.hdr.nlmsg_len);
}
END_TEST

START_TEST(type_names)
{
	struct nl_msg m;
	struct ifaddrmsg ifa = {0};

	nl_init(&m, RTM_NEWADDR, 0, &ifa, sizeof(ifa));
	ck_assert_str_eq(nl_type_name(&m), "RTM_NEWADDR");
	nl_init(&m, RTM_NEWROUTE, 0, &ifa, sizeof(ifa));
	ck_assert_str_eq(nl_type_name(&m), "RTM_NEWROUTE");
}
END_TEST

START_TEST(overflow_aborts)
{
	struct nl_msg m;
	char big[NL_REQUEST_MAX / 2] = {0};

	new_link(&m, "a");
	nl_put(&m, IFLA_IFALIAS, big, sizeof(big));
	nl_put(&m, IFLA_IFALIAS, big, sizeof(big)); /* does not fit: abort() */
}
END_TEST

/* ---- against the kernel, in a network namespace of this test's own ---- */

static void own_network_namespace(void)
{
	/* Check runs each test in its own fork: the namespace ends with it. */
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
}

static int create_bridge(int nl, const char *name)
{
	struct nl_msg m;

	new_link(&m, name);
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&m, info);
	return nl_talk(nl, &m);
}

START_TEST(create_and_exists)
{
	own_network_namespace();
	int nl = nl_open();

	ck_assert_int_ge(nl, 0);
	ck_assert_int_eq(create_bridge(nl, "nltest0"), 0);
	ck_assert_uint_ne(if_nametoindex("nltest0"), 0);
	errno = 0;
	ck_assert_int_eq(create_bridge(nl, "nltest0"), -1);
	ck_assert_int_eq(errno, EEXIST);
	close(nl);
}
END_TEST

START_TEST(error_message_names_request_and_device)
{
	own_network_namespace();
	int nl = nl_open(), err = memfd_create("stderr", 0), saved = dup(2);
	struct nl_msg m;
	struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
	char text[256] = "";

	nl_init(&m, RTM_DELLINK, 0, &link, sizeof(link));
	nl_put_str(&m, IFLA_IFNAME, "kbnosuchlink");
	ck_assert_int_eq(nl_talk(nl, &m), -1);
	ck_assert_int_eq(errno, ENODEV);
	dup2(err, 2);
	ck_assert_int_eq(nl_fail(&m, "kbnosuchlink"), -1);
	dup2(saved, 2);
	ck_assert_int_gt(pread(err, text, sizeof(text) - 1, 0), 0);
	ck_assert_str_eq(text, "test_netlink: netlink: RTM_DELLINK kbnosuchlink: No such device\n");
	close(nl);
}
END_TEST

START_TEST(bad_request_is_refused)
{
	own_network_namespace();
	int nl = nl_open();
	struct nl_msg m;

	new_link(&m, "nltest1");
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "no-such-kind");
	nl_nest_end(&m, info);
	ck_assert_int_eq(nl_talk(nl, &m), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_uint_eq(if_nametoindex("nltest1"), 0);
	close(nl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("assembly");

	tcase_add_test(tc, header_and_flags);
	tcase_add_test(tc, nested_attributes);
	tcase_add_test(tc, type_names);
	tcase_add_test_raise_signal(tc, overflow_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	if (geteuid() == 0) {
		TCase *kernel = tcase_create("kernel");
		tcase_add_test(kernel, create_and_exists);
		tcase_add_test(kernel, error_message_names_request_and_device);
		tcase_add_test(kernel, bad_request_is_refused);
		suite_add_tcase(s, kernel);
	} else {
		printf("test_netlink: kernel tests SKIPPED: they need root to "
		       "unshare(CLONE_NEWNET)\n");
	}
	return run_unit_suite(s);
}
