/* cli.h - the command line every step shares:
 *
 *     container run [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * Every step parses the same options, but only those its mechanisms support:
 * step01 refuses --hostname and says which step brings it.
 */
#pragma once

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_VOLUMES 16 /* -v given at most this many times */
#define MAX_PORTS 64 /* published ports, a range counting each of its ports */
#define MAX_DNS 3 /* --dns: resolv.conf(5) reads at most 3 nameservers (MAXNS) */
#define MAX_DNS_SEARCH 6 /* --dns-search: glibc reads at most 6 domains */
#define MAX_ADD_HOSTS 16 /* --add-host given at most this many times */
#define DOMAIN_MAX 253 /* characters in a DNS name */
#define HOSTNAME_MAX 64 /* one RFC 1123 label: 1..63, Docker allows 64 */
#define ID_HEX_LEN 64 /* container id: 32 random bytes in hex, as Docker */
#define SHORT_ID_LEN 12 /* the short id Docker prints */
#define MAX_CAP_OPTIONS 64 /* --cap-add, --cap-drop: at most this many each */
#define MAX_ENV_OPTIONS 256 /* -e given at most this many times */
#define MAX_ENV_FILES 16 /* --env-file given at most this many times */

enum net_mode { NET_BRIDGE, NET_NONE, NET_HOST };

struct volume {
	char host[PATH_MAX]; /* absolute, existing path on the host */
	char target[PATH_MAX]; /* absolute path inside the container */
	bool read_only; /* ":ro" */
};

struct port {
	struct in_addr host_addr; /* where the supervisor listens (127.0.0.1) */
	uint16_t host_port;
	uint16_t container_port;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct host_entry {
	char name[DOMAIN_MAX + 1]; /* --add-host NAME:ADDR */
	struct in_addr addr;
};

struct options {
	int step; /* the step that parses: 1..8 */
	const char *rootfs; /* ROOTFS directory (or IMAGE in step06) */
	char **command; /* COMMAND [ARG...], NULL-terminated (empty from step06 on) */
	char id[ID_HEX_LEN + 1];
	char short_id[SHORT_ID_LEN + 1];
	/* step02: UTS and PID namespaces */
	char hostname[HOSTNAME_MAX + 1];
	bool init;
	/* step03: mount namespace */
	struct volume volumes[MAX_VOLUMES];
	size_t n_volumes;
	bool read_only;
	/* step04: network namespace */
	enum net_mode net;
	struct in_addr subnet; /* network address, e.g. 10.213.0.0 */
	int prefix; /* e.g. 24 */
	struct in_addr ip; /* --ip, or 0.0.0.0: allocate one */
	struct port ports[MAX_PORTS];
	size_t n_ports;
	struct in_addr dns[MAX_DNS]; /* --dns: instead of the host's nameservers */
	size_t n_dns;
	const char *dns_search[MAX_DNS_SEARCH]; /* --dns-search */
	size_t n_dns_search;
	struct host_entry hosts[MAX_ADD_HOSTS]; /* --add-host: more /etc/hosts lines */
	size_t n_hosts;
	/* step05: cgroups (0 means "not set") */
	uint64_t memory; /* bytes */
	int64_t memory_swap; /* bytes of memory+swap, -1 unlimited */
	long long cpu_millis; /* --cpus 0.25 -> 250 */
	long long cpu_shares;
	long long pids_limit;
	const char *cgroup_parent; /* --cgroup-parent, $KOBAKO_CGROUP_PARENT, /kobako */
	bool stats;
	/* step06: images */
	bool keep;
	const char *store; /* --root, $KOBAKO_ROOT, /var/lib/kobako */
	const char *env[MAX_ENV_OPTIONS]; /* -e KEY=VALUE or KEY, in order */
	size_t n_env;
	const char *env_files[MAX_ENV_FILES]; /* --env-file FILE, in order */
	size_t n_env_files;
	const char *entrypoint; /* --entrypoint; "" clears the image's; NULL: the image's */
	const char *workdir; /* -w: instead of the image's WorkingDir */
	const char *user; /* -u USER[:GROUP]: instead of the image's User */
	/* step07: security (capability names are checked by the step, which knows them) */
	bool tty; /* -t: a pty of its own */
	bool interactive; /* -i: stdin stays open */
	const char *cap_add[MAX_CAP_OPTIONS]; /* "NET_ADMIN", "CAP_SYS_TIME", "ALL" */
	size_t n_cap_add;
	const char *cap_drop[MAX_CAP_OPTIONS];
	size_t n_cap_drop;
	bool privileged; /* every capability, no seccomp, no masks, every device */
	bool no_new_privs; /* --security-opt no-new-privileges */
	const char *seccomp; /* NULL: the step's own profile; "unconfined"; or a JSON file */
	/* step08: user namespaces */
	bool userns_remap; /* --userns remap: root inside is an unprivileged range outside */
};

/* One command-line option. Options are looked up by their whole name:
 * glibc's getopt_long(3) also takes any unambiguous prefix, so "--pid host"
 * would be read as --pids-limit and "--ro X" as --root, which a runtime must
 * not guess. */
struct flag {
	int id;
	const char *name; /* "memory": --memory */
	const char *alias; /* Docker's other long name ("network" for net), or NULL */
	char letter; /* 'm': -m, or 0 */
	const char *arg; /* what the value looks like ("SIZE"); NULL: takes none */
	int step; /* the first step that has it */
	const char *help;
};

/* Take the option at argv[*next] and move *next past it (and its value).
 * Returns the flag, with *value set (NULL for a switch), or NULL at the
 * first word that is not an option ("--" is skipped). Short switches may be
 * combined ("-it"). An unknown option, a missing value or a value given to a
 * switch exits 125 with one line naming the word, after `cmd` ("" for run,
 * "image ls: "). */
const struct flag *next_flag(int argc, char **argv, int *next, const struct flag *flags, size_t n,
			     const char *cmd, char **value);

/* next_flag() for a verb whose options may come before or after its
 * operands, as docker reads them (`image import FILE NAME --ref TAG`): the
 * operands go into operands[] (at most max of them, *n counts them all).
 * Returns the next flag, or NULL at the end of argv. */
const struct flag *next_verb_flag(int argc, char **argv, int *next, const struct flag *flags,
				  size_t n_flags, const char *cmd, char **value, char **operands,
				  int max, int *n);

/* Print "  -m, --memory SIZE    memory limit" for each flag up to `step`. */
void print_flags(const struct flag *flags, size_t n, int step);

#define DEFAULT_SUBNET "10.213.0.0/24" /* clear of Docker 172.17/16, Podman 10.88/16 */
#define DEFAULT_CGROUP_PARENT "/kobako"
#define DEFAULT_STORE "/var/lib/kobako"

/* Parse argv for `container run`, as the given step knows it. Prints --help
 * and exits 0; on bad input prints one line and exits 125. */
void parse_options(int argc, char **argv, int step, struct options *opt);

/* Exit 125 with "must be run as root" unless we are root. */
void require_root(void);
