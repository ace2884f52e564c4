/* nat.c - the container reaches the internet, and the internet its -p ports.
 *
 * The container's address (10.213.0.2) is private: a reply from the internet
 * could never find its way back to it. So the host rewrites the source of
 * every packet that leaves the subnet through another interface to its own
 * address on that interface (masquerade, a kind of source NAT), and conntrack
 * remembers the connection, so that the replies are rewritten back and
 * forwarded to the container. A -p port is the other direction: a packet that
 * arrives for the host's port gets the container's address and port as its
 * destination (DNAT), before the routing decision sends it over the bridge.
 * And the host must forward at all: /proc/sys/net/ipv4/ip_forward.
 *
 * The rules live in nftables, in a table of our own, `table ip kobako`. nft(8)
 * itself only builds netlink messages, the same kind of messages as net.c's
 * rtnetlink ones (nlmsghdr, then attributes), to NETLINK_NETFILTER. We build
 * them here, too: `nft --debug=netlink list table ip kobako` shows a rule as
 * this file writes it, one expression at a time (load a header field into a
 * register, compare, then act). Changes go in a batch, which the kernel
 * applies as one transaction: all of it or nothing.
 * (Why not libnftnl: the steps are linked statically, and Debian ships no
 * static libmnl, which libnftnl needs.)
 *
 * A table's accept cannot overrule another table's drop: every base chain on
 * a hook sees the packet. Docker sets the FORWARD policy of iptables to drop;
 * we do not touch another program's table, but say what blocks us.
 *
 * man: nft(8), netlink(7); kernel: include/uapi/linux/netfilter/nf_tables.h
 * wiki: https://wiki.nftables.org ("Performing Network Address Translation")
 */
#include "nat.h"

#include <arpa/inet.h>
#include <bsd/libutil.h>
#include <bsd/string.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/path.h"
#include "net.h"
#include "state.h"

#define PREROUTING "prerouting" /* DNAT of the -p ports */
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
#define BATCH_MAX (64 * 1024) /* bytes: the largest batch, 64 DNAT rules, is ~20 KiB */
#define RECV_MAX (32 * 1024) /* bytes read at a time from a dump */
#define PRIO_DSTNAT (-100) /* nft's "dstnat": before the routing decision */
#define PRIO_SRCNAT 100 /* nft's "srcnat": after it */
#define UDATA_COMMENT 0 /* nft's NFTNL_UDATA_RULE_COMMENT: `comment "..."` */
#define IPV4_SADDR 12 /* offsets in the IPv4 header, bytes */
#define IPV4_DADDR 16
#define L4_DPORT 2 /* offset of the destination port in TCP and UDP */

/*** messages: a batch of nf_tables requests in one buffer ***/

struct batch {
	char buf[BATCH_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
	struct nlmsghdr *msg; /* the message being built */
	uint32_t first_seq, last_seq;
};

static uint32_t next_seq;

/* Room for len more bytes at the end of the current message, zeroed.
 * Aborts on overflow: a bug in the code that builds the batch. */
static void *tail(struct batch *b, size_t len)
{
	size_t at = b->len;

	if (at + NLMSG_ALIGN(len) > sizeof(b->buf))
		abort();
	b->len += NLMSG_ALIGN(len);
	b->msg->nlmsg_len = b->buf + b->len - (char *)b->msg;
	return memset(b->buf + at, 0, NLMSG_ALIGN(len));
}

/* Start a message: header, then nfgenmsg (which address family, and for the
 * batch markers which subsystem). NLM_F_ACK: a verdict for each request. */
static void msg_begin(struct batch *b, uint16_t type, uint16_t flags, uint8_t family)
{
	bool marker = type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END;
	struct nfgenmsg *g;

	if (b->len + NLMSG_HDRLEN > sizeof(b->buf))
		abort();
	b->msg = (struct nlmsghdr *)(b->buf + b->len);
	b->msg->nlmsg_type = marker ? type : (NFNL_SUBSYS_NFTABLES << 8) | type;
	b->msg->nlmsg_flags = NLM_F_REQUEST | (marker ? 0 : NLM_F_ACK) | flags;
	b->msg->nlmsg_seq = b->last_seq = ++next_seq;
	b->len += NLMSG_HDRLEN;
	g = tail(b, sizeof(*g));
	*g = (struct nfgenmsg){.nfgen_family = family, .version = NFNETLINK_V0};
	if (marker)
		g->res_id = htons(NFNL_SUBSYS_NFTABLES);
}

static void put(struct batch *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = tail(b, NLA_HDRLEN + len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
}

static void put_str(struct batch *b, uint16_t type, const char *s)
{
	put(b, type, s, strlen(s) + 1);
}

/* nf_tables wants its numbers in network byte order. */
static void put_be32(struct batch *b, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put(b, type, &v, sizeof(v));
}

static struct nlattr *nest_begin(struct batch *b, uint16_t type)
{
	struct nlattr *a = tail(b, NLA_HDRLEN);

	a->nla_type = type | NLA_F_NESTED;
	return a;
}

static void nest_end(struct batch *b, struct nlattr *a)
{
	a->nla_len = b->buf + b->len - (char *)a;
}

/* A value inside a nest (NFTA_CMP_DATA, NFTA_IMMEDIATE_DATA, ...). */
static void put_value(struct batch *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nest = nest_begin(b, type);

	put(b, NFTA_DATA_VALUE, data, len);
	nest_end(b, nest);
}

/*** talking to the kernel ***/

/* One socket for the whole process, never closed by us: closing a socket
 * that talked to nf_tables waits until the kernel has freed the last
 * transaction, after an RCU grace period (milliseconds). At exit, that wait
 * comes once, and not in the middle of a container's start. */
static int nft_socket(void)
{
	static int fd = -1;

	if (fd < 0 && (fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)) < 0)
		fail("netlink socket (nftables)");
	return fd;
}

/* Read answers until the verdict on request `last`; errno of the first
 * error, or 0. With a dump (`each` not NULL) call it on every object. */
static int read_answers(int fd, uint32_t last, void (*each)(const struct nlmsghdr *, void *),
			void *arg)
{
	static char buf[RECV_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	int error = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				error = error ? error : -e->error;
			} else if (h->nlmsg_type != NLMSG_DONE && each) {
				each(h, arg);
			}
			if (h->nlmsg_seq == last &&
			    (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE))
				return error;
		}
	}
}

/* Send the batch as one transaction: 0, or -1 with errno (the kernel's). */
static int batch_commit(struct batch *b)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int fd = nft_socket(), error;
	uint32_t last = b->last_seq;

	if (fd < 0)
		return -1;
	msg_begin(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC);
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		error = errno;
	else
		error = read_answers(fd, last, NULL, NULL);
	errno = error;
	return error ? -1 : 0;
}

static void batch_begin(struct batch *b)
{
	b->len = 0;
	msg_begin(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC);
	b->first_seq = b->last_seq;
}

/* Ask for objects (a get, or with NLM_F_DUMP all of them), call `each` on
 * every answer. Returns 0, or -1 with errno (ENOENT: no such object). */
static int query(struct batch *b, void (*each)(const struct nlmsghdr *, void *), void *arg)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int fd = nft_socket(), error;

	if (fd < 0)
		return -1;
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		error = errno;
	else
		error = read_answers(fd, b->last_seq, each, arg);
	errno = error;
	return error ? -1 : 0;
}

/* The attribute `type` of an answer, or NULL. */
static const struct nlattr *find(const struct nlattr *a, size_t len, uint16_t type)
{
	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static const struct nlattr *find_in_msg(const struct nlmsghdr *h, uint16_t type)
{
	size_t skip = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (h->nlmsg_len < skip)
		return NULL;
	return find((const void *)((const char *)h + skip), h->nlmsg_len - skip, type);
}

#define ATTR_DATA(a) ((const void *)((const char *)(a) + NLA_HDRLEN))
#define ATTR_LEN(a) ((a)->nla_len - NLA_HDRLEN)

/*** the table and its chains ***/

/* nft add table ip kobako (there already: fine) */
static void add_table(struct batch *b)
{
	msg_begin(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, NFPROTO_IPV4);
	put_str(b, NFTA_TABLE_NAME, NAT_TABLE);
}

/* nft add chain ip kobako NAME { type nat hook HOOK priority PRIO; }
 * A base chain: the kernel calls it from the hook, for every packet. */
static void add_nat_chain(struct batch *b, const char *name, uint32_t hook, int prio,
			  uint16_t flags)
{
	msg_begin(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | flags, NFPROTO_IPV4);
	put_str(b, NFTA_CHAIN_TABLE, NAT_TABLE);
	put_str(b, NFTA_CHAIN_NAME, name);
	struct nlattr *h = nest_begin(b, NFTA_CHAIN_HOOK);
	put_be32(b, NFTA_HOOK_HOOKNUM, hook);
	put_be32(b, NFTA_HOOK_PRIORITY, prio);
	nest_end(b, h);
	put_str(b, NFTA_CHAIN_TYPE, "nat");
	put_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
}

/* Start `nft add rule ip kobako CHAIN ...`; its expressions follow. */
static struct nlattr *rule_begin(struct batch *b, const char *chain)
{
	msg_begin(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, NFPROTO_IPV4);
	put_str(b, NFTA_RULE_TABLE, NAT_TABLE);
	put_str(b, NFTA_RULE_CHAIN, chain);
	return nest_begin(b, NFTA_RULE_EXPRESSIONS);
}

/* End the rule: `comment "TEXT"`, kept by the kernel as opaque user data. */
static void rule_end(struct batch *b, struct nlattr *exprs, const char *comment)
{
	char udata[2 + 128];
	size_t len = strlen(comment) + 1;

	nest_end(b, exprs);
	udata[0] = UDATA_COMMENT; /* type, length, value (with its NUL) */
	udata[1] = len;
	memcpy(udata + 2, comment, len);
	put(b, NFTA_RULE_USERDATA, udata, 2 + len);
}

/*** expressions: the steps of a rule, one register machine instruction each ***/

/* Open an expression NAME; its attributes follow, then expr_end(). */
static struct nlattr *expr_begin(struct batch *b, const char *name, struct nlattr **data)
{
	struct nlattr *elem = nest_begin(b, NFTA_LIST_ELEM);

	put_str(b, NFTA_EXPR_NAME, name);
	*data = nest_begin(b, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct batch *b, struct nlattr *elem, struct nlattr *data)
{
	nest_end(b, data);
	nest_end(b, elem);
}

/* counter, masquerade: no attributes */
static void expr_plain(struct batch *b, const char *name)
{
	struct nlattr *data, *elem = expr_begin(b, name, &data);

	expr_end(b, elem, data);
}

/* register 1 = `len` bytes of the packet at `base` + `offset` */
static void expr_payload(struct batch *b, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nlattr *data, *elem = expr_begin(b, "payload", &data);

	put_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	put_be32(b, NFTA_PAYLOAD_BASE, base);
	put_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	put_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, elem, data);
}

/* register 1 = packet metadata `key` (output interface name, protocol) */
static void expr_meta(struct batch *b, uint32_t key)
{
	struct nlattr *data, *elem = expr_begin(b, "meta", &data);

	put_be32(b, NFTA_META_KEY, key);
	put_be32(b, NFTA_META_DREG, NFT_REG_1);
	expr_end(b, elem, data);
}

/* register 1 &= mask (for `ip saddr 10.213.0.0/24`) */
static void expr_mask(struct batch *b, const void *mask, uint32_t len)
{
	static const char zero[4];
	struct nlattr *data, *elem = expr_begin(b, "bitwise", &data);

	put_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
	put_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
	put_be32(b, NFTA_BITWISE_LEN, len);
	put_value(b, NFTA_BITWISE_MASK, mask, len);
	put_value(b, NFTA_BITWISE_XOR, zero, len);
	expr_end(b, elem, data);
}

/* Go on with the rule only if register 1 `op` (==, !=) value. */
static void expr_cmp(struct batch *b, uint32_t op, const void *value, uint32_t len)
{
	struct nlattr *data, *elem = expr_begin(b, "cmp", &data);

	put_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	put_be32(b, NFTA_CMP_OP, op);
	put_value(b, NFTA_CMP_DATA, value, len);
	expr_end(b, elem, data);
}

/* `iifname/oifname OP NAME`: interface names compare as IFNAMSIZ bytes. */
static void match_ifname(struct batch *b, uint32_t key, uint32_t op, const char *name)
{
	char padded[IFNAMSIZ] = {0};

	strlcpy(padded, name, sizeof(padded));
	expr_meta(b, key);
	expr_cmp(b, op, padded, sizeof(padded));
}

/* `fib daddr type local`: the destination is one of this host's addresses. */
static void match_local_daddr(struct batch *b)
{
	uint32_t local = RTN_LOCAL; /* host byte order: the fib result is a number */
	struct nlattr *data, *elem = expr_begin(b, "fib", &data);

	put_be32(b, NFTA_FIB_DREG, NFT_REG_1);
	put_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	put_be32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_end(b, elem, data);
	expr_cmp(b, NFT_CMP_EQ, &local, sizeof(local));
}

/* `dnat to ADDR:PORT`: the new destination goes through registers 1 and 2. */
static void expr_dnat(struct batch *b, struct in_addr addr, uint16_t port)
{
	uint16_t port_be = htons(port);
	struct nlattr *data, *elem = expr_begin(b, "immediate", &data);

	put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_1);
	put_value(b, NFTA_IMMEDIATE_DATA, &addr.s_addr, sizeof(addr.s_addr));
	expr_end(b, elem, data);
	elem = expr_begin(b, "immediate", &data);
	put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_2);
	put_value(b, NFTA_IMMEDIATE_DATA, &port_be, sizeof(port_be));
	expr_end(b, elem, data);
	elem = expr_begin(b, "nat", &data);
	put_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_be32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	put_be32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	put_be32(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	expr_end(b, elem, data);
}

/*** the way out: forwarding and masquerade, made once per subnet ***/

static struct batch batch; /* 64 KiB: not on the stack */

/* The host must route packets that are not its own at all: Docker turns
 * this on, too. Here, in a test's namespace, it is that namespace's. */
static int enable_forwarding(void)
{
	char on[4];

	if (read_file(IP_FORWARD, on, sizeof(on)) >= 0 && strcmp(on, "1") == 0)
		return 0;
	return write_file(IP_FORWARD, "1") < 0 ? fail("write 1 to %s", IP_FORWARD) : 0;
}

/* nft add rule ip kobako CHAIN ip saddr SUBNET oifname != "kobako0" counter masquerade
 * The subnet's packets that leave by another interface get the address
 * of that interface as their source; conntrack undoes it on the replies. */
static void add_masquerade(struct batch *b, const char *chain, struct in_addr subnet, int prefix)
{
	uint32_t mask = htonl(~0u << (32 - prefix));
	struct nlattr *exprs = rule_begin(b, chain);

	expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, IPV4_SADDR, sizeof(mask));
	expr_mask(b, &mask, sizeof(mask));
	expr_cmp(b, NFT_CMP_EQ, &subnet.s_addr, sizeof(subnet.s_addr));
	match_ifname(b, NFT_META_OIFNAME, NFT_CMP_NEQ, BRIDGE_NAME);
	expr_plain(b, "counter"); /* nft list shows how many went out */
	expr_plain(b, "masq");
	rule_end(b, exprs, "containers reach other networks");
}

/* Does chain `name` exist in our table? One question, no transaction. */
static bool chain_exists(const char *name)
{
	batch.len = 0;
	msg_begin(&batch, NFT_MSG_GETCHAIN, 0, NFPROTO_IPV4);
	put_str(&batch, NFTA_CHAIN_TABLE, NAT_TABLE);
	put_str(&batch, NFTA_CHAIN_NAME, name);
	return query(&batch, NULL, NULL) == 0;
}

/* One line if a base chain on the forward hook, in another table, drops
 * what no rule accepts: kobako0's packets, too (Docker's iptables FORWARD). */
static void warn_if_forward_drops(const struct nlmsghdr *h, void *unused)
{
	const struct nfgenmsg *g = NLMSG_DATA(h);
	const struct nlattr *table = find_in_msg(h, NFTA_CHAIN_TABLE),
			    *name = find_in_msg(h, NFTA_CHAIN_NAME),
			    *hook = find_in_msg(h, NFTA_CHAIN_HOOK),
			    *policy = find_in_msg(h, NFTA_CHAIN_POLICY), *num = NULL;
	const char *family = g->nfgen_family == NFPROTO_INET ? "inet" : "ip";

	(void)unused;
	if (hook)
		num = find(ATTR_DATA(hook), ATTR_LEN(hook), NFTA_HOOK_HOOKNUM);
	if (!table || !name || !num || !policy || strcmp(ATTR_DATA(table), NAT_TABLE) == 0 ||
	    (g->nfgen_family != NFPROTO_IPV4 && g->nfgen_family != NFPROTO_INET) ||
	    ntohl(*(const uint32_t *)ATTR_DATA(num)) != NF_INET_FORWARD ||
	    ntohl(*(const uint32_t *)ATTR_DATA(policy)) != NF_DROP)
		return;
	if (strcmp(ATTR_DATA(table), "filter") == 0 && strcmp(ATTR_DATA(name), "FORWARD") == 0)
		failx("warning: iptables' FORWARD policy is DROP (Docker sets it): it drops "
		      "%s's traffic; to let it through: iptables -I FORWARD -i %s -j ACCEPT; "
		      "iptables -I FORWARD -o %s -m conntrack --ctstate RELATED,ESTABLISHED -j "
		      "ACCEPT",
		      BRIDGE_NAME, BRIDGE_NAME, BRIDGE_NAME);
	else
		failx("warning: table %s %s, chain %s drops forwarded packets (policy drop), %s's "
		      "too; to let them through: nft insert rule %s %s %s iifname %s accept; "
		      "nft insert rule %s %s %s oifname %s ct state established,related accept",
		      family, (const char *)ATTR_DATA(table), (const char *)ATTR_DATA(name),
		      BRIDGE_NAME, family, (const char *)ATTR_DATA(table),
		      (const char *)ATTR_DATA(name), BRIDGE_NAME, family,
		      (const char *)ATTR_DATA(table), (const char *)ATTR_DATA(name), BRIDGE_NAME);
}

/* nft list chains: every table of every family, checked for a drop. */
static void check_forward_policies(void)
{
	batch.len = 0;
	msg_begin(&batch, NFT_MSG_GETCHAIN, NLM_F_DUMP, NFPROTO_UNSPEC);
	query(&batch, warn_if_forward_drops, NULL); /* a failed check is no failure */
}

int nat_setup(struct in_addr subnet, int prefix)
{
	char chain[64], net[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &subnet, net, sizeof(net));
	snprintf(chain, sizeof(chain), "masquerade-%s-%d", net, prefix);
	if (enable_forwarding() < 0)
		return -1;
	if (chain_exists(chain))
		return 0; /* an earlier container made it all */
	batch_begin(&batch);
	add_table(&batch);
	add_nat_chain(&batch, PREROUTING, NF_INET_PRE_ROUTING, PRIO_DSTNAT, 0);
	/* EXCL: if a container racing with us made it first, the whole
	 * transaction is dropped with EEXIST, and there is one rule, not two. */
	add_nat_chain(&batch, chain, NF_INET_POST_ROUTING, PRIO_SRCNAT, NLM_F_EXCL);
	add_masquerade(&batch, chain, subnet, prefix);
	if (batch_commit(&batch) < 0)
		return errno == EEXIST ? 0
				       : fail("nftables: table ip %s, chain %s", NAT_TABLE, chain);
	check_forward_policies();
	return 0;
}

/*** the way in: -p ports as DNAT rules, owned by their container ***/

static bool is_loopback(struct in_addr a)
{
	return ntohl(a.s_addr) >> 24 == IN_LOOPBACKNET;
}

/* nft add rule ip kobako prerouting fib daddr type local (or: ip daddr ADDR)
 *     iifname != "kobako0" meta l4proto tcp th dport 8080 counter
 *     dnat to 10.213.0.2:80 comment "ID"
 * Not from the bridge: a container that calls the host's port goes to the
 * proxy, which answers it from the right address (as Docker's rules). */
static void add_dnat(struct batch *b, const char *id, const struct port *p, struct in_addr to)
{
	uint16_t port = htons(p->host_port);
	struct nlattr *exprs = rule_begin(b, PREROUTING);

	if (p->host_addr.s_addr == htonl(INADDR_ANY)) {
		match_local_daddr(b);
	} else {
		expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, IPV4_DADDR, sizeof(in_addr_t));
		expr_cmp(b, NFT_CMP_EQ, &p->host_addr.s_addr, sizeof(in_addr_t));
	}
	match_ifname(b, NFT_META_IIFNAME, NFT_CMP_NEQ, BRIDGE_NAME);
	expr_meta(b, NFT_META_L4PROTO);
	expr_cmp(b, NFT_CMP_EQ, &p->proto, sizeof(p->proto));
	expr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, L4_DPORT, sizeof(port));
	expr_cmp(b, NFT_CMP_EQ, &port, sizeof(port));
	expr_plain(b, "counter");
	expr_dnat(b, to, p->container_port);
	rule_end(b, exprs, id);
}

int nat_publish(const char *id, const struct port *ports, size_t n, struct in_addr container)
{
	size_t rules = 0;

	batch_begin(&batch);
	for (size_t i = 0; i < n; i++)
		if (!is_loopback(ports[i].host_addr)) { /* nothing comes from outside to 127/8 */
			add_dnat(&batch, id, &ports[i], container);
			rules++;
		}
	if (rules > 0 && batch_commit(&batch) < 0)
		return fail("nftables: -p: DNAT rules in chain %s", PREROUTING);
	return 0;
}

/* Is container `id` alive, i.e. does its supervisor hold its lock (state.c)? */
static bool owner_alive(const char *id)
{
	return !state_is_id(id) || state_alive(id); /* not a rule of ours: leave it */
}

#define RECLAIM_MAX 256 /* rules deleted per call; more: the next call */

struct reclaim {
	const char *mine; /* delete these, too (NULL: none) */
	uint64_t handles[RECLAIM_MAX]; /* network byte order, as the kernel gave them */
	size_t n;
};

/* For each rule of the dump: keep its handle if its owner is gone. */
static void collect_dead(const struct nlmsghdr *h, void *arg)
{
	struct reclaim *r = arg;
	const struct nlattr *handle = find_in_msg(h, NFTA_RULE_HANDLE),
			    *udata = find_in_msg(h, NFTA_RULE_USERDATA);
	char id[ID_HEX_LEN + 1] = "";
	const unsigned char *u;

	if (!handle || !udata || ATTR_LEN(udata) < 3 || r->n == RECLAIM_MAX)
		return;
	u = ATTR_DATA(udata); /* the comment: type, length, text */
	if (u[0] == UDATA_COMMENT && u[1] + 2 <= ATTR_LEN(udata))
		strlcpy(id, (const char *)u + 2, MIN(sizeof(id), (size_t)u[1]));
	if ((r->mine && strcmp(id, r->mine) == 0) || !owner_alive(id))
		memcpy(&r->handles[r->n++], ATTR_DATA(handle), sizeof(uint64_t));
}

int nat_reclaim(const char *id)
{
	static struct reclaim r;

	r = (struct reclaim){.mine = id};
	batch.len = 0; /* nft list chain ip kobako prerouting */
	msg_begin(&batch, NFT_MSG_GETRULE, NLM_F_DUMP, NFPROTO_IPV4);
	put_str(&batch, NFTA_RULE_TABLE, NAT_TABLE);
	put_str(&batch, NFTA_RULE_CHAIN, PREROUTING);
	if (query(&batch, collect_dead, &r) < 0)
		return errno == ENOENT ? 0 : fail("nftables: list chain %s", PREROUTING);
	if (r.n == 0)
		return 0;
	batch_begin(&batch);
	for (size_t i = 0; i < r.n; i++) { /* nft delete rule ip kobako prerouting handle N */
		msg_begin(&batch, NFT_MSG_DELRULE, 0, NFPROTO_IPV4);
		put_str(&batch, NFTA_RULE_TABLE, NAT_TABLE);
		put_str(&batch, NFTA_RULE_CHAIN, PREROUTING);
		put(&batch, NFTA_RULE_HANDLE, &r.handles[i], sizeof(uint64_t));
	}
	/* ENOENT: another container took them back at the same time. */
	if (batch_commit(&batch) < 0 && errno != ENOENT)
		return fail("nftables: delete %zu rules of %s", r.n, PREROUTING);
	return r.n;
}
