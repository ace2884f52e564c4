/* netlink.c - rtnetlink request assembly and request/ack. */
#include "netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/die.h"

#define NL_ACK_MAX 4096 /* bytes: an ack (NETLINK_CAP_ACK: no echoed request) */

int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), one = 1;

	if (fd < 0)
		return -1;
	/* Without CAP_ACK an error ack echoes our whole request back. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

void nl_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *body, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.nlmsg_len = NLMSG_LENGTH(0);
	m->hdr.nlmsg_type = type;
	/* NLM_F_ACK: answer even on success, so every request gets a verdict. */
	m->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nl_put_raw(m, body, len);
}

/* Room for len more bytes (aligned), or abort: a request that does not fit
 * is a bug in the code that builds it, not a run-time condition. */
static void *nl_tail(struct nl_msg *m, size_t len)
{
	size_t at = NLMSG_ALIGN(m->hdr.nlmsg_len);

	if (len > sizeof(m->buf) || at + NLMSG_ALIGN(len) > sizeof(m->buf))
		abort();
	m->hdr.nlmsg_len = at + NLMSG_ALIGN(len);
	return (char *)m + at;
}

void nl_put_raw(struct nl_msg *m, const void *data, size_t len)
{
	memcpy(nl_tail(m, len), data, len);
}

void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta = nl_tail(m, RTA_LENGTH(len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1); /* the kernel wants the NUL */
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type)
{
	struct rtattr *nest = nl_tail(m, RTA_LENGTH(0));

	nest->rta_type = type;
	return nest;
}

void nl_nest_end(struct nl_msg *m, struct rtattr *nest)
{
	nest->rta_len = m->buf + m->hdr.nlmsg_len - (char *)nest;
}

/* Wait for the ack of request `seq`: 0, or -1 with the kernel's errno. */
static int nl_read_ack(int fd, uint32_t seq)
{
	char buf[NL_ACK_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue; /* not the answer to our request */
			const struct nlmsgerr *e = NLMSG_DATA(h);
			errno = -e->error;
			return e->error ? -1 : 0;
		}
	}
}

int nl_talk(int fd, struct nl_msg *m)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK}; /* nl_pid 0: the kernel */

	m->hdr.nlmsg_seq = ++seq;
	if (sendto(fd, m->buf, m->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -1;
	return nl_read_ack(fd, m->hdr.nlmsg_seq);
}

const char *nl_type_name(const struct nl_msg *m)
{
	switch (m->hdr.nlmsg_type) {
	case RTM_NEWLINK: return "RTM_NEWLINK";
	case RTM_DELLINK: return "RTM_DELLINK";
	case RTM_SETLINK: return "RTM_SETLINK";
	case RTM_NEWADDR: return "RTM_NEWADDR";
	case RTM_DELADDR: return "RTM_DELADDR";
	case RTM_NEWROUTE: return "RTM_NEWROUTE";
	case RTM_DELROUTE: return "RTM_DELROUTE";
	default: return "RTM_?";
	}
}

int nl_fail(const struct nl_msg *m, const char *device)
{
	return fail("netlink: %s %s", nl_type_name(m), device);
}

const struct rtattr *nl_find(const struct rtattr *attrs, size_t len, uint16_t type)
{
	unsigned int left = len;

	for (; RTA_OK(attrs, left); attrs = RTA_NEXT(attrs, left))
		if (attrs->rta_type == type)
			return attrs;
	return NULL;
}
