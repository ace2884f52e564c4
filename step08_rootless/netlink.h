/* netlink.h - build rtnetlink requests and send them, the way ip(8) does.
 *
 * A request is one buffer: a struct nlmsghdr, the family's fixed header
 * (struct ifinfomsg, ifaddrmsg or rtmsg), then attributes (struct rtattr:
 * length, type, value), some of them nested. The kernel answers each request
 * with an ack that carries 0 or an errno.
 *
 * man: netlink(7), rtnetlink(7), netlink(3)
 */
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

#define NL_REQUEST_MAX 1024 /* bytes: our largest request (a veth pair) is ~200 */

struct nl_msg {
	union {
		struct nlmsghdr hdr;
		char buf[NL_REQUEST_MAX];
	};
};

/* Open a NETLINK_ROUTE socket in the caller's network namespace.
 * Returns the fd, or -1 with errno. */
int nl_open(void);

/* Start a request of type (RTM_NEWLINK, ...) with extra flags
 * (NLM_F_CREATE|NLM_F_EXCL, ...), followed by the family header `body`. */
void nl_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *body, size_t len);

/* Append an attribute. Aborts on overflow: requests are fixed by the code. */
void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);

/* Append raw bytes without an attribute header (the ifinfomsg at the start
 * of a VETH_INFO_PEER). */
void nl_put_raw(struct nl_msg *m, const void *data, size_t len);

/* Open a nested attribute; nl_nest_end() sets its length once its content
 * has been appended. */
struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct rtattr *nest);

/* Send the request and read the kernel's ack. Returns 0, or -1 with errno
 * set to the kernel's answer (EEXIST, ENODEV, ...). Prints nothing: the
 * caller decides which errors matter and reports them with nl_fail(). */
int nl_talk(int fd, struct nl_msg *m);

/* "RTM_NEWLINK", "RTM_NEWADDR", ... for error messages. */
const char *nl_type_name(const struct nl_msg *m);

/* Report a failed request in one line, "netlink: RTM_NEWLINK kb3f2a: File
 * exists" (errno from nl_talk), and return -1, like fail(). */
int nl_fail(const struct nl_msg *m, const char *device);

/* Find attribute `type` among the attributes in [attrs, attrs+len), e.g.
 * IFLA_RTA(ifi) and IFLA_PAYLOAD(hdr). NULL if absent. For the tests. */
const struct rtattr *nl_find(const struct rtattr *attrs, size_t len, uint16_t type);
