/* net.c - a network namespace of its own, and a virtual cable to the host.
 *
 * CLONE_NEWNET gives the child an empty network stack: a loopback that is
 * down, no other interface, no route. To reach it we create a veth pair (two
 * interfaces joined like the ends of a cable) whose host end is plugged into
 * the bridge kobako0 (a virtual switch, holding the gateway address) and
 * whose other end is born directly inside the child's namespace as eth0.
 * Because that end lives in the container's namespace, the kernel destroys
 * it, and with it the whole pair, when the namespace dies.
 * All link, address and route requests are rtnetlink messages, as ip(8)
 * sends them (`ip -d monitor` shows them live).
 *
 * man: network_namespaces(7), veth(4), rtnetlink(7), ip-link(8), ip-address(8)
 * LWN: "Namespaces in operation, part 7: Network namespaces"
 *      (https://lwn.net/Articles/580893/)
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"
#include "dns.h"
#include "nat.h"
#include "netlink.h"

#define LEASE_DIR KOBAKO_RUN_DIR "/net" /* one lease file per subnet */
#define RUN_DIR_MODE 0755

uint64_t net_namespace(const struct options *opt)
{
	return opt->net == NET_HOST ? 0 : CLONE_NEWNET;
}

/* The index of a link in our network namespace, or 0 after printing why. */
static unsigned link_index(const char *name)
{
	unsigned index = if_nametoindex(name);

	if (index == 0)
		fail("link %s", name);
	return index;
}

/* ip link set NAME up */
static int link_up(int nl, const char *name)
{
	struct ifinfomsg link = {
	    .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct nl_msg m;

	if ((link.ifi_index = link_index(name)) == 0)
		return -1;
	nl_init(&m, RTM_NEWLINK, 0, &link, sizeof(link));
	return nl_talk(nl, &m) < 0 ? nl_fail(&m, name) : 0;
}

/* ip address add ADDR/PREFIX dev NAME (already there: fine) */
static int add_address(int nl, const char *name, struct in_addr addr, int prefix)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = prefix};
	struct in_addr broadcast = {addr.s_addr | htonl(~0u >> prefix)};
	struct nl_msg m;

	if ((ifa.ifa_index = link_index(name)) == 0)
		return -1;
	nl_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_put(&m, IFA_LOCAL, &addr, sizeof(addr));
	nl_put(&m, IFA_ADDRESS, &addr, sizeof(addr));
	nl_put(&m, IFA_BROADCAST, &broadcast, sizeof(broadcast));
	return nl_talk(nl, &m) < 0 && errno != EEXIST ? nl_fail(&m, name) : 0;
}

/* ip route add default via GATEWAY dev NAME */
static int add_default_route(int nl, const char *name, struct in_addr gateway)
{
	struct rtmsg rt = {.rtm_family = AF_INET,
			   .rtm_table = RT_TABLE_MAIN,
			   .rtm_protocol = RTPROT_BOOT,
			   .rtm_scope = RT_SCOPE_UNIVERSE,
			   .rtm_type = RTN_UNICAST}; /* rtm_dst_len 0: every destination */
	unsigned index = link_index(name);
	struct nl_msg m;

	if (index == 0)
		return -1;
	nl_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	nl_put(&m, RTA_GATEWAY, &gateway, sizeof(gateway));
	nl_put_u32(&m, RTA_OIF, index);
	return nl_talk(nl, &m) < 0 ? nl_fail(&m, name) : 0;
}

/* ip link add kobako0 address MAC type bridge (already there: reuse it) */
static int create_bridge(int nl)
{
	struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
	unsigned char mac[ETH_ALEN];
	struct nl_msg m;

	/* A bridge with no MAC of its own takes the lowest of its ports', so
	 * it would change as containers come and go and leave the others
	 * with a stale ARP entry for their gateway. Give it a fixed random
	 * one: locally administered (bit 1), unicast (bit 0 clear). */
	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		return fail("getrandom");
	mac[0] = (mac[0] & ~0x01) | 0x02;
	nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &link, sizeof(link));
	nl_put_str(&m, IFLA_IFNAME, BRIDGE_NAME);
	nl_put(&m, IFLA_ADDRESS, mac, sizeof(mac));
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&m, info);
	/* EEXIST: an earlier container made it (or one racing with us). */
	return nl_talk(nl, &m) < 0 && errno != EEXIST ? nl_fail(&m, BRIDGE_NAME) : 0;
}

/* The bridge, created on first use, with the gateway address, up. */
static int ensure_bridge(struct in_addr gateway, int prefix)
{
	int nl = nl_open(), ok;

	if (nl < 0)
		return fail("netlink socket");
	ok = create_bridge(nl) == 0 && add_address(nl, BRIDGE_NAME, gateway, prefix) == 0 &&
	     link_up(nl, BRIDGE_NAME) == 0;
	close(nl);
	return ok ? 0 : -1;
}

/* Write `text` into the new file `path`. */
static int write_new_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return fail("write %s", path);
	return 0;
}

/* /run/kobako/<id>/hosts and hostname, to be bind-mounted over the
 * rootfs's, as Docker does: the image's files stay untouched. */
static int write_etc_files(struct net *n, const struct options *opt)
{
	char hosts[8192], addr[INET_ADDRSTRLEN], name[HOSTNAME_MAX + 2];
	int len = snprintf(hosts, sizeof(hosts),
			   "127.0.0.1\tlocalhost\n"
			   "::1\tlocalhost ip6-localhost ip6-loopback\n");

	if (n->mode == NET_BRIDGE) {
		inet_ntop(AF_INET, &n->lease.addr, addr, sizeof(addr));
		snprintf(hosts + len, sizeof(hosts) - len, "%s\t%s\n", addr, opt->hostname);
	}
	snprintf(name, sizeof(name), "%s\n", opt->hostname);
	if (path_join(n->dir, sizeof(n->dir), KOBAKO_RUN_DIR, opt->id) < 0 ||
	    mkdir_p(n->dir, RUN_DIR_MODE) < 0)
		return fail("mkdir %s/%s", KOBAKO_RUN_DIR, opt->id);
	n->files[0] = (struct volume){.target = "/etc/hosts"};
	n->files[1] = (struct volume){.target = "/etc/hostname"};
	path_join(n->files[0].host, sizeof(n->files[0].host), n->dir, "hosts");
	path_join(n->files[1].host, sizeof(n->files[1].host), n->dir, "hostname");
	n->n_files = 2;
	if (dns_add_hosts(hosts, sizeof(hosts), opt) < 0)
		return failx("--add-host: too many lines for /etc/hosts");
	if (write_new_file(n->files[0].host, hosts) < 0 ||
	    write_new_file(n->files[1].host, name) < 0)
		return -1;
	if (n->mode != NET_BRIDGE)
		return 0;
	n->files[n->n_files] = (struct volume){.target = "/etc/resolv.conf"};
	path_join(n->files[n->n_files].host, sizeof(n->files[0].host), n->dir, "resolv.conf");
	return dns_write_resolv_conf(n->files[n->n_files++].host, opt);
}

int net_prepare(struct net *n, const struct options *opt)
{
	*n = (struct net){.mode = opt->net, .id = opt->id};
	snprintf(n->veth, sizeof(n->veth), "kb%s", opt->short_id);
	/* Before the container exists, so "port in use" costs nothing. */
	if (proxy_listen(&n->proxy, opt->ports, opt->n_ports) < 0)
		return -1;
	if (n->mode == NET_BRIDGE) {
		n->gateway = ipam_gateway(opt->subnet);
		if (ipam_acquire(&n->lease, LEASE_DIR, opt->subnet, opt->prefix, opt->ip, getpid(),
				 opt->id) < 0 ||
		    ensure_bridge(n->gateway, opt->prefix) < 0 ||
		    nat_setup(opt->subnet, opt->prefix) < 0) /* the way out, made once */
			return -1;
	}
	if (write_etc_files(n, opt) < 0)
		return -1;
	if (n->mode != NET_BRIDGE)
		return 0;
	/* Take back the rules of containers whose supervisor was killed. */
	return nat_reclaim(NULL) < 0 ? -1 : 0;
}

/* eth0's MAC address, derived from its IPv4 address as Docker did
 * (moby/moby#8371): 02:42, then the address's four bytes, so 10.213.0.2 is
 * 02:42:0a:d5:00:02 (locally administered, unicast). Why not a random one:
 * the next container usually gets the address of the one before it, and
 * the host's neighbour (ARP) table keeps that address's old MAC for seconds
 * after the old container is gone; packets from the host (-p) would go to
 * a MAC nobody has. With the MAC following the address, the entry is
 * right for the new container too. */
static void mac_from_address(unsigned char mac[ETH_ALEN], struct in_addr addr)
{
	static const unsigned char prefix[2] = {0x02, 0x42};

	memcpy(mac, prefix, sizeof(prefix));
	memcpy(mac + sizeof(prefix), &addr.s_addr, sizeof(addr.s_addr)); /* network order */
}

/* ip link add kbID master kobako0 up type veth peer name eth0 address MAC netns PID
 *
 * One request creates both ends. The peer's IFLA_NET_NS_PID makes the
 * kernel create eth0 straight inside the child's network namespace (the
 * namespace of process `child`): nothing to move, no moment where eth0
 * exists on the host. Its IFLA_ADDRESS gives eth0 its MAC from birth. */
static int create_veth(int nl, const char *host_end, unsigned bridge, pid_t child,
		       struct in_addr addr)
{
	unsigned char mac[ETH_ALEN];
	struct ifinfomsg host = {
	    .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct ifinfomsg peer = {.ifi_family = AF_UNSPEC};
	struct nl_msg m;

	nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &host, sizeof(host));
	nl_put_str(&m, IFLA_IFNAME, host_end);
	nl_put_u32(&m, IFLA_MASTER, bridge); /* plugged into the bridge */
	struct rtattr *info = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	struct rtattr *data = nl_nest_begin(&m, IFLA_INFO_DATA);
	struct rtattr *other_end = nl_nest_begin(&m, VETH_INFO_PEER);
	nl_put_raw(&m, &peer, sizeof(peer)); /* the peer is described like a link */
	nl_put_str(&m, IFLA_IFNAME, CONTAINER_IFNAME);
	mac_from_address(mac, addr);
	nl_put(&m, IFLA_ADDRESS, mac, sizeof(mac));
	nl_put_u32(&m, IFLA_NET_NS_PID, child);
	nl_nest_end(&m, other_end);
	nl_nest_end(&m, data);
	nl_nest_end(&m, info);
	return nl_talk(nl, &m) < 0 ? nl_fail(&m, host_end) : 0;
}

int net_attach(struct net *n, pid_t child)
{
	unsigned bridge;
	int nl, ok;

	if (n->mode != NET_BRIDGE)
		return 0;
	if ((nl = nl_open()) < 0)
		return fail("netlink socket");
	bridge = link_index(BRIDGE_NAME);
	ok = bridge ? create_veth(nl, n->veth, bridge, child, n->lease.addr) : -1;
	n->veth_created = ok == 0;
	close(nl);
	if (ok < 0)
		return -1;
	n->published = n->proxy.n_ports > 0; /* -p from other hosts: DNAT */
	if (nat_publish(n->id, n->proxy.ports, n->proxy.n_ports, n->lease.addr) < 0)
		return -1;
	return proxy_start(&n->proxy, n->lease.addr); /* -p: host -> container */
}

void net_inside(const struct net *n)
{
	int nl;

	if (n->mode == NET_HOST)
		return; /* the host's network, as it is */
	if ((nl = nl_open()) < 0)
		die_child("netlink socket");
	/* Even loopback starts down in a new namespace. */
	if (link_up(nl, "lo") < 0)
		_exit(EXIT_RUNTIME);
	if (n->mode == NET_BRIDGE) {
		if (add_address(nl, CONTAINER_IFNAME, n->lease.addr, n->lease.prefix) < 0 ||
		    link_up(nl, CONTAINER_IFNAME) < 0 ||
		    add_default_route(nl, CONTAINER_IFNAME, n->gateway) < 0)
			_exit(EXIT_RUNTIME);
	}
	close(nl);
}

/* ip link set kbID nomaster (gone already: fine) */
static void unplug_veth(const char *name)
{
	struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
	struct nl_msg m;
	int nl = nl_open();

	if (nl < 0) {
		fail("netlink socket");
		return;
	}
	nl_init(&m, RTM_NEWLINK, 0, &link, sizeof(link));
	nl_put_str(&m, IFLA_IFNAME, name);
	nl_put_u32(&m, IFLA_MASTER, 0); /* 0: no bridge */
	if (nl_talk(nl, &m) < 0 && errno != ENODEV)
		nl_fail(&m, name);
	close(nl);
}

void net_release(struct net *n)
{
	proxy_stop(&n->proxy);
	/* The pair dies with the container's namespace, which the kernel
	 * frees later, in a work queue, once nothing holds it (a process that
	 * entered it with nsenter(1) keeps it, and eth0 with it). Deleting it
	 * ourselves (RTM_DELLINK) would make every exit wait for RCU grace
	 * periods, about 20 ms. Unplugging it from the bridge is immediate and
	 * enough: the dying eth0 can no longer answer for the address that we
	 * give back below, should the next container get it. */
	if (n->veth_created)
		unplug_veth(n->veth);
	n->veth_created = false;
	if (n->published && nat_reclaim(n->id) >= 0) /* our DNAT rules */
		n->published = false;
	ipam_release(&n->lease);
	for (size_t i = 0; i < n->n_files; i++)
		if (unlink(n->files[i].host) < 0 && errno != ENOENT)
			fail("remove %s", n->files[i].host);
	n->n_files = 0; /* their directory is the container's state (state.c) */
}
