/* cli.c - `container run [OPTIONS] ROOTFS COMMAND [ARG...]` for every step. */
#include "cli.h"

#include <arpa/inet.h>
#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "die.h"
#include "parse.h"
#include "path.h"

#define MAX_MEMORY (1ULL << 50) /* 1 PiB: anything above is a typo */
#define MAX_PIDS (1LL << 22) /* the kernel's PID_MAX_LIMIT */
/* Below this a container is OOM-killed before its command starts; Docker
 * refuses it too ("Minimum memory limit allowed is 6MB"). */
#define MIN_MEMORY (6ULL << 20)

enum option_id {
	OPT_HELP = 1,
	OPT_HOSTNAME,
	OPT_INIT,
	OPT_VOLUME,
	OPT_READ_ONLY,
	OPT_NET,
	OPT_SUBNET,
	OPT_IP,
	OPT_PUBLISH,
	OPT_MEMORY,
	OPT_MEMORY_SWAP,
	OPT_CPUS,
	OPT_CPU_SHARES,
	OPT_PIDS_LIMIT,
	OPT_CGROUP_PARENT,
	OPT_STATS,
	OPT_KEEP,
	OPT_RM,
	OPT_ROOT,
	OPT_ENV,
	OPT_ENV_FILE,
	OPT_ENTRYPOINT,
	OPT_WORKDIR,
	OPT_USER,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_ADD_HOST,
	OPT_TTY,
	OPT_INTERACTIVE,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_SECURITY_OPT,
	OPT_USERNS,
};

/* Every option of every step; `step` is the first step that has it. The
 * alias and the letter are Docker's names for the same option. */
static const struct flag OPTIONS[] = {
    {OPT_HELP, "help", NULL, 0, NULL, 1, "show this help"},
    {OPT_HOSTNAME, "hostname", NULL, 'h', "NAME", 2, "hostname (default: the short id)"},
    {OPT_INIT, "init", NULL, 0, NULL, 2, "run a tiny init as PID 1"},
    {OPT_VOLUME, "volume", NULL, 'v', "HOST:DEST[:ro]", 3, "bind-mount HOST at DEST"},
    {OPT_READ_ONLY, "read-only", NULL, 0, NULL, 3, "mount the root read-only"},
    {OPT_NET, "net", "network", 0, "bridge|none|host", 4, "network (default: bridge)"},
    {OPT_SUBNET, "subnet", NULL, 0, "CIDR", 4, "bridge subnet (default: " DEFAULT_SUBNET ")"},
    {OPT_IP, "ip", NULL, 0, "ADDR", 4, "fixed address in the subnet"},
    {OPT_PUBLISH, "publish", NULL, 'p', "[ADDR:]PORT[-PORT]:PORT[-PORT][/udp]", 4,
     "publish ports (ADDR defaults to 127.0.0.1: this host only)"},
    {OPT_DNS, "dns", NULL, 0, "ADDR", 4, "nameserver (default: the host's)"},
    {OPT_DNS_SEARCH, "dns-search", NULL, 0, "DOMAIN", 4, "search domain"},
    {OPT_ADD_HOST, "add-host", NULL, 0, "NAME:ADDR", 4, "a line in /etc/hosts"},
    {OPT_MEMORY, "memory", NULL, 'm', "SIZE", 5, "memory limit (64m, 1g; at least 6m)"},
    {OPT_MEMORY_SWAP, "memory-swap", NULL, 0, "SIZE", 5, "memory+swap limit, -1 unlimited"},
    {OPT_CPUS, "cpus", NULL, 0, "N.NN", 5, "CPU limit in CPUs (0.5)"},
    {OPT_CPU_SHARES, "cpu-shares", NULL, 'c', "N", 5, "relative CPU weight (2..262144)"},
    {OPT_PIDS_LIMIT, "pids-limit", NULL, 0, "N", 5, "most processes at once"},
    {OPT_CGROUP_PARENT, "cgroup-parent", NULL, 0, "PATH", 5,
     "parent cgroup (default: " DEFAULT_CGROUP_PARENT ")"},
    {OPT_STATS, "stats", NULL, 0, NULL, 5, "print peak memory, CPU time, pids at exit"},
    {OPT_KEEP, "keep", NULL, 0, NULL, 6, "keep the container's upper layer"},
    {OPT_RM, "rm", NULL, 0, NULL, 6, "remove the upper layer at exit (default)"},
    {OPT_ROOT, "root", NULL, 0, "DIR", 6, "image store (default: " DEFAULT_STORE ")"},
    {OPT_ENV, "env", NULL, 'e', "KEY[=VALUE]", 6, "set a variable (KEY alone: the host's value)"},
    {OPT_ENV_FILE, "env-file", NULL, 0, "FILE", 6, "read variables from FILE (KEY=VALUE lines)"},
    {OPT_ENTRYPOINT, "entrypoint", NULL, 0, "CMD", 6, "instead of the image's Entrypoint"},
    {OPT_WORKDIR, "workdir", NULL, 'w', "DIR", 6, "working directory (default: the image's)"},
    {OPT_USER, "user", NULL, 'u', "USER[:GROUP]", 6, "name or uid (default: the image's User)"},
    {OPT_TTY, "tty", NULL, 't', NULL, 7, "give the container a terminal of its own"},
    {OPT_INTERACTIVE, "interactive", NULL, 'i', NULL, 7, "keep stdin open (else /dev/null)"},
    {OPT_CAP_ADD, "cap-add", NULL, 0, "CAP", 7, "add a capability (NET_ADMIN, ALL)"},
    {OPT_CAP_DROP, "cap-drop", NULL, 0, "CAP", 7, "drop a capability (NET_RAW, ALL)"},
    {OPT_PRIVILEGED, "privileged", NULL, 0, NULL, 7, "every capability, no seccomp, no masks"},
    {OPT_SECURITY_OPT, "security-opt", NULL, 0, "OPT", 7,
     "no-new-privileges, seccomp=unconfined|FILE"},
    {OPT_USERNS, "userns", NULL, 0, "host|remap", 8,
     "root only: remap = root inside is nobody outside (default: host)"},
};
#define N_OPTIONS (sizeof(OPTIONS) / sizeof(OPTIONS[0]))

static const char *STEP_NAMES[] = {"",
				   "step01_chroot",
				   "step02_uts_pid",
				   "step03_mount",
				   "step04_net",
				   "step05_cgroups",
				   "step06_rootfs",
				   "step07_security",
				   "step08_rootless"};

static void print_help(int step)
{
	printf("Usage: container run [OPTIONS] %s\n\n"
	       "Run COMMAND in a container (kobako %s).\n\nOptions:\n",
	       step >= 6 ? "IMAGE|ROOTFS [COMMAND] [ARG...]" : "ROOTFS COMMAND [ARG...]",
	       STEP_NAMES[step]);
	print_flags(OPTIONS, N_OPTIONS, step);
	if (step >= 6)
		printf("\n       container image import|ls|rm ... (container image --help)\n");
	printf("\nExit status: the command's own, or 125 (kobako failed), 126 (not\n"
	       "executable), 127 (not found), 128+N (killed by signal N).\n");
}

void print_flags(const struct flag *flags, size_t n, int step)
{
	for (const struct flag *f = flags; f < flags + n; f++) {
		char left[80], letter[8] = "    ";

		if (f->step > step)
			continue;
		if (f->letter)
			snprintf(letter, sizeof(letter), "-%c, ", f->letter);
		snprintf(left, sizeof(left), "%s--%s%s%s%s%s", letter, f->name,
			 f->alias ? ", --" : "", f->alias ? f->alias : "", f->arg ? " " : "",
			 f->arg ? f->arg : "");
		if (strlen(left) > 40) /* a long one on a line of its own */
			printf("  %s\n  %-40s %s\n", left, "", f->help);
		else
			printf("  %-40s %s\n", left, f->help);
	}
}

static const struct flag *find_long(const struct flag *flags, size_t n, const char *name,
				    size_t len)
{
	for (const struct flag *f = flags; f < flags + n; f++)
		if ((strlen(f->name) == len && strncmp(f->name, name, len) == 0) ||
		    (f->alias && strlen(f->alias) == len && strncmp(f->alias, name, len) == 0))
			return f;
	return NULL;
}

static const struct flag *find_short(const struct flag *flags, size_t n, char letter)
{
	for (const struct flag *f = flags; f < flags + n; f++)
		if (f->letter && f->letter == letter)
			return f;
	return NULL;
}

/* The value of option `word`: the rest of the word, else the next word. */
static char *take_value(int argc, char **argv, int *next, const char *cmd, const char *word,
			char *rest)
{
	if (rest && *rest)
		return rest;
	if (*next >= argc)
		diex("%s%s: needs a value (see --help)", cmd, word);
	return argv[(*next)++];
}

const struct flag *next_flag(int argc, char **argv, int *next, const struct flag *flags, size_t n,
			     const char *cmd, char **value)
{
	static char *word, *combined; /* "-it", and its letters still to read */
	const struct flag *f;

	*value = NULL;
	if (combined && *combined)
		goto short_option; /* the next letter of "-it" */
	if (*next >= argc || argv[*next][0] != '-' || argv[*next][1] == '\0')
		return NULL; /* ROOTFS, or the verb's first argument */
	word = argv[(*next)++];
	if (strcmp(word, "--") == 0)
		return NULL;
	if (word[1] == '-') { /* --name or --name=value */
		char *eq = strchr(word, '=');

		f = find_long(flags, n, word + 2, eq ? (size_t)(eq - word - 2) : strlen(word + 2));
		if (!f)
			diex("%s%s: unknown option (see --help)", cmd, word);
		if (f->arg)
			*value = take_value(argc, argv, next, cmd, word, eq ? eq + 1 : NULL);
		else if (eq)
			diex("%s%s: takes no value", cmd, word);
		return f;
	}
	combined = word + 1;
short_option:
	if (!(f = find_short(flags, n, *combined)))
		diex(word[2] ? "%s%s: unknown option -%c (see --help)"
			     : "%s%s: unknown option (see --help)",
		     cmd, word, *combined);
	combined++;
	if (f->arg) {
		char letter[3] = {'-', f->letter, '\0'};

		*value = take_value(argc, argv, next, cmd, letter, combined);
		combined = NULL;
	}
	return f;
}

static void new_id(struct options *opt)
{
	unsigned char bytes[ID_HEX_LEN / 2];

	if (getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes))
		die("getrandom");
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(opt->id + 2 * i, 3, "%02x", bytes[i]);
	strlcpy(opt->short_id, opt->id, sizeof(opt->short_id));
}

/* RFC 1123 label: letters, digits and '-', not starting or ending with '-'. */
static void set_hostname(struct options *opt, const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > HOSTNAME_MAX)
		diex("--hostname '%s': must be 1 to %d characters", name, HOSTNAME_MAX);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			diex("--hostname '%s': only letters, digits and '-' are allowed", name);
	if (name[0] == '-' || name[len - 1] == '-')
		diex("--hostname '%s': must not start or end with '-'", name);
	strlcpy(opt->hostname, name, sizeof(opt->hostname));
}

/* "HOST:DEST[:ro|:rw]", both absolute; HOST must exist. */
static void add_volume(struct options *opt, const char *spec)
{
	struct volume *v = &opt->volumes[opt->n_volumes];
	char buf[2 * PATH_MAX], *target, *mode;
	struct stat st;

	if (opt->n_volumes == MAX_VOLUMES)
		diex("-v %s: at most %d volumes", spec, MAX_VOLUMES);
	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		diex("-v %s: too long", spec);
	target = strchr(buf, ':');
	if (!target || !target[1])
		diex("-v %s: expected HOST:CONTAINER[:ro]", spec);
	*target++ = '\0';
	mode = strchr(target, ':');
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
			diex("-v %s: unknown mode '%s' (use ro or rw)", spec, mode);
	}
	if (buf[0] != '/' || target[0] != '/')
		diex("-v %s: both paths must be absolute", spec);
	if (target[strspn(target, "/")] == '\0')
		diex("-v %s: the destination cannot be / (the container's root itself)", spec);
	if (stat(buf, &st) < 0)
		die("-v %s: %s", spec, buf);
	if (strlcpy(v->host, buf, sizeof(v->host)) >= sizeof(v->host) ||
	    strlcpy(v->target, target, sizeof(v->target)) >= sizeof(v->target))
		diex("-v %s: path too long", spec);
	v->read_only = mode && strcmp(mode, "ro") == 0;
	opt->n_volumes++;
}

static uint16_t parse_port(const char *spec, const char *text)
{
	long long port;

	if (parse_int(text, 1, 65535, &port) < 0)
		diex("-p %s: '%s' is not a port (1-65535)", spec, text);
	return port;
}

/* "PORT" or "FIRST-LAST": the first port, and how many. */
static int parse_port_range(const char *spec, char *text, uint16_t *first)
{
	char *dash = strchr(text, '-');
	uint16_t last;

	if (dash)
		*dash++ = '\0';
	*first = parse_port(spec, text);
	last = dash ? parse_port(spec, dash) : *first;
	if (last < *first)
		diex("-p %s: range %s-%s goes backwards", spec, text, dash);
	return last - *first + 1;
}

/* "[ADDR:]HOSTPORT[-LAST]:CONTAINERPORT[-LAST][/tcp|/udp]"; a range
 * publishes each of its ports, HOSTPORT+i to CONTAINERPORT+i, as Docker. */
static void add_port(struct options *opt, const char *spec)
{
	char buf[128], *fields[3], *proto, *save = NULL;
	struct port p = {.proto = IPPROTO_TCP};
	int n = 0, count;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		diex("-p %s: too long", spec);
	proto = strchr(buf, '/');
	if (proto) {
		*proto++ = '\0';
		if (strcmp(proto, "udp") == 0)
			p.proto = IPPROTO_UDP;
		else if (strcmp(proto, "tcp") != 0)
			diex("-p %s: unknown protocol '%s' (tcp or udp)", spec, proto);
	}
	for (char *f = strtok_r(buf, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		if (n == 3)
			diex("-p %s: expected [ADDR:]HOSTPORT:CONTAINERPORT", spec);
		fields[n++] = f;
	}
	if (n < 2)
		diex("-p %s: expected [ADDR:]HOSTPORT:CONTAINERPORT", spec);
	p.host_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (n == 3 && parse_ipv4(fields[0], &p.host_addr) < 0)
		diex("-p %s: '%s' is not an IPv4 address", spec, fields[0]);
	count = parse_port_range(spec, fields[n - 2], &p.host_port);
	if (parse_port_range(spec, fields[n - 1], &p.container_port) != count)
		diex("-p %s: the two ranges differ in length", spec);
	if (opt->n_ports + count > MAX_PORTS)
		diex("-p %s: at most %d published ports", spec, MAX_PORTS);
	for (int i = 0; i < count; i++, p.host_port++, p.container_port++)
		opt->ports[opt->n_ports++] = p;
}

/* --add-host NAME:ADDR */
static void add_host(struct options *opt, const char *spec)
{
	struct host_entry *h = &opt->hosts[opt->n_hosts];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : 0;

	if (opt->n_hosts == MAX_ADD_HOSTS)
		diex("--add-host %s: at most %d", spec, MAX_ADD_HOSTS);
	if (!colon || len == 0 || len > DOMAIN_MAX)
		diex("--add-host %s: expected NAME:ADDR", spec);
	if (strspn(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len)
		diex("--add-host %s: a name has only letters, digits, '.' and '-'", spec);
	if (parse_ipv4(colon + 1, &h->addr) < 0)
		diex("--add-host %s: '%s' is not an IPv4 address", spec, colon + 1);
	memcpy(h->name, spec, len);
	h->name[len] = '\0';
	opt->n_hosts++;
}

/* --dns ADDR, --dns-search DOMAIN */
static void add_dns(struct options *opt, int id, const char *arg)
{
	if (id == OPT_DNS && opt->n_dns == MAX_DNS)
		diex("--dns %s: at most %d nameservers (resolv.conf reads no more)", arg, MAX_DNS);
	if (id == OPT_DNS && parse_ipv4(arg, &opt->dns[opt->n_dns++]) < 0)
		diex("--dns %s: not an IPv4 address", arg);
	if (id == OPT_DNS)
		return;
	if (opt->n_dns_search == MAX_DNS_SEARCH)
		diex("--dns-search %s: at most %d domains", arg, MAX_DNS_SEARCH);
	if (!arg[0] || strlen(arg) > DOMAIN_MAX ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		strlen(arg))
		diex("--dns-search %s: not a domain name", arg);
	opt->dns_search[opt->n_dns_search++] = arg;
}

static void set_size(const char *name, const char *text, uint64_t *bytes)
{
	bool failed = parse_size(text, bytes) < 0;

	if (failed && errno != ERANGE)
		diex("%s %s: not a positive size (use 64m, 1g, ...)", name, text);
	if (failed || *bytes > MAX_MEMORY)
		diex("%s %s: too large", name, text);
	if (*bytes == 0)
		diex("%s %s: not a positive size (use 64m, 1g, ...)", name, text);
}

static void set_cpus(struct options *opt, const char *text)
{
	long long max = 1000LL * get_nprocs();

	if (parse_millis(text, max, &opt->cpu_millis) < 0 || opt->cpu_millis < 10)
		diex("--cpus %s: must be a number from 0.01 to %lld (CPUs available)", text,
		     max / 1000);
}

static void set_number(const char *name, const char *text, long long min, long long max,
		       long long *value)
{
	if (parse_int(text, min, max, value) < 0)
		diex("%s %s: must be an integer from %lld to %lld", name, text, min, max);
}

static void set_memory_swap(struct options *opt, const char *text)
{
	uint64_t bytes;

	if (strcmp(text, "-1") == 0) {
		opt->memory_swap = -1;
		return;
	}
	set_size("--memory-swap", text, &bytes);
	opt->memory_swap = bytes;
}

/* Ranges a bridge must never claim (RFC 6890): the kernel treats them
 * specially, so an address there on kobako0 breaks the host's own traffic
 * (127/8 on a bridge) or cannot be assigned at all (multicast). */
static const struct {
	uint32_t network; /* host byte order */
	int prefix;
	const char *what;
} RESERVED[] = {
    {0x00000000, 8, "\"this network\" (0/8)"},	  {0x7f000000, 8, "loopback (127/8)"},
    {0xa9fe0000, 16, "link-local (169.254/16)"},  {0xe0000000, 4, "multicast (224/4)"},
    {0xf0000000, 4, "reserved (class E, 240/4)"},
};

static void check_subnet(const char *text, struct in_addr subnet, int prefix)
{
	for (size_t i = 0; i < sizeof(RESERVED) / sizeof(RESERVED[0]); i++) {
		/* Two networks overlap when they agree on the shorter prefix. */
		int shorter = prefix < RESERVED[i].prefix ? prefix : RESERVED[i].prefix;
		uint32_t mask = ~0u << (32 - shorter);

		if ((ntohl(subnet.s_addr) & mask) == (RESERVED[i].network & mask))
			diex("--subnet %s: overlaps the %s range", text, RESERVED[i].what);
	}
}

/* qsort(3) order of volumes: fewer '/' in the target first (as Docker mounts). */
static int by_target_depth(const void *a, const void *b)
{
	int depth[2] = {0, 0};
	const char *t[2] = {((const struct volume *)a)->target, ((const struct volume *)b)->target};

	for (int i = 0; i < 2; i++)
		for (const char *p = t[i]; *p; p++)
			depth[i] += *p == '/';
	return depth[0] - depth[1];
}

/* -e KEY[=VALUE], --env-file FILE: kept in order; config.c reads them. */
static void add_env(const char *name, const char *text, const char **list, size_t *n, size_t max)
{
	if (*n == max)
		diex("%s %s: at most %zu times", name, text, max);
	if (text[0] == '=' || text[0] == '\0')
		diex("%s '%s': no variable name", name, text);
	list[(*n)++] = text;
}

static void add_cap(const char *name, const char *text, const char **list, size_t *n)
{
	if (*n == MAX_CAP_OPTIONS)
		diex("%s %s: at most %d times", name, text, MAX_CAP_OPTIONS);
	list[(*n)++] = text;
}

/* Docker's spellings: "no-new-privileges[:true|=true|:false]", "seccomp=X"
 * (and the older "seccomp:X"). */
static void set_security_opt(struct options *opt, const char *text)
{
	if (strcmp(text, "no-new-privileges") == 0 || strcmp(text, "no-new-privileges:true") == 0 ||
	    strcmp(text, "no-new-privileges=true") == 0)
		opt->no_new_privs = true;
	else if (strcmp(text, "no-new-privileges:false") == 0 ||
		 strcmp(text, "no-new-privileges=false") == 0)
		opt->no_new_privs = false;
	else if ((strncmp(text, "seccomp=", 8) == 0 || strncmp(text, "seccomp:", 8) == 0) &&
		 text[8])
		opt->seccomp = text + 8;
	else
		diex("--security-opt %s: expected no-new-privileges or seccomp=unconfined|FILE",
		     text);
}

static void set_option(struct options *opt, int id, char *arg)
{
	switch (id) {
	case OPT_HOSTNAME: set_hostname(opt, arg); break;
	case OPT_INIT: opt->init = true; break;
	case OPT_VOLUME: add_volume(opt, arg); break;
	case OPT_READ_ONLY: opt->read_only = true; break;
	case OPT_NET:
		if (strcmp(arg, "bridge") == 0)
			opt->net = NET_BRIDGE;
		else if (strcmp(arg, "none") == 0)
			opt->net = NET_NONE;
		else if (strcmp(arg, "host") == 0)
			opt->net = NET_HOST;
		else
			diex("--net %s: expected bridge, none or host", arg);
		break;
	case OPT_SUBNET:
		if (parse_cidr(arg, &opt->subnet, &opt->prefix) < 0)
			diex("--subnet %s: expected a network like 10.213.0.0/24 (prefix 8-30)",
			     arg);
		check_subnet(arg, opt->subnet, opt->prefix);
		break;
	case OPT_IP:
		if (parse_ipv4(arg, &opt->ip) < 0)
			diex("--ip %s: not an IPv4 address", arg);
		break;
	case OPT_PUBLISH: add_port(opt, arg); break;
	case OPT_DNS:
	case OPT_DNS_SEARCH: add_dns(opt, id, arg); break;
	case OPT_ADD_HOST: add_host(opt, arg); break;
	case OPT_MEMORY:
		set_size("--memory", arg, &opt->memory);
		if (opt->memory < MIN_MEMORY)
			diex("--memory %s: below the minimum of 6m", arg);
		break;
	case OPT_MEMORY_SWAP: set_memory_swap(opt, arg); break;
	case OPT_CPUS: set_cpus(opt, arg); break;
	case OPT_CPU_SHARES: set_number("--cpu-shares", arg, 2, 262144, &opt->cpu_shares); break;
	case OPT_PIDS_LIMIT: set_number("--pids-limit", arg, 1, MAX_PIDS, &opt->pids_limit); break;
	case OPT_CGROUP_PARENT: opt->cgroup_parent = arg; break;
	case OPT_STATS: opt->stats = true; break;
	case OPT_KEEP: opt->keep = true; break;
	case OPT_RM: opt->keep = false; break;
	case OPT_ROOT: opt->store = arg; break;
	case OPT_ENV: add_env("-e", arg, opt->env, &opt->n_env, MAX_ENV_OPTIONS); break;
	case OPT_ENV_FILE:
		add_env("--env-file", arg, opt->env_files, &opt->n_env_files, MAX_ENV_FILES);
		break;
	case OPT_ENTRYPOINT: opt->entrypoint = arg; break;
	case OPT_WORKDIR:
		if (arg[0] != '/')
			diex("-w %s: the working directory must be an absolute path", arg);
		opt->workdir = arg;
		break;
	case OPT_USER:
		if (!arg[0] || arg[0] == ':' || strchr(arg, '\n'))
			diex("-u '%s': expected USER[:GROUP] (a name or a number)", arg);
		opt->user = arg;
		break;
	case OPT_TTY: opt->tty = true; break;
	case OPT_INTERACTIVE: opt->interactive = true; break;
	case OPT_CAP_ADD: add_cap("--cap-add", arg, opt->cap_add, &opt->n_cap_add); break;
	case OPT_CAP_DROP: add_cap("--cap-drop", arg, opt->cap_drop, &opt->n_cap_drop); break;
	case OPT_PRIVILEGED: opt->privileged = true; break;
	case OPT_SECURITY_OPT: set_security_opt(opt, arg); break;
	case OPT_USERNS:
		if (strcmp(arg, "host") != 0 && strcmp(arg, "remap") != 0)
			diex("--userns %s: expected host or remap", arg);
		opt->userns_remap = strcmp(arg, "remap") == 0;
		break;
	}
}

/* Checks that need several options at once. */
static void check_combination(struct options *opt, int step)
{
	uint32_t mask = htonl(~0u << (32 - opt->prefix));

	char ip[INET_ADDRSTRLEN], subnet[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &opt->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &opt->subnet, subnet, sizeof(subnet));
	if (opt->ip.s_addr && (opt->ip.s_addr & mask) != opt->subnet.s_addr)
		diex("--ip %s: not in the subnet %s/%d", ip, subnet, opt->prefix);
	if (opt->memory_swap > 0 && (!opt->memory || (uint64_t)opt->memory_swap < opt->memory))
		diex("--memory-swap must be at least --memory (it is memory plus swap)");
	if (opt->net != NET_BRIDGE && (opt->n_ports || opt->ip.s_addr))
		diex("-p and --ip need --net bridge");
	/* A relative store would depend on where the user stands, and a typo
	 * would quietly start an empty store there. */
	if (step >= 6 && opt->store[0] != '/')
		diex("--root %s: the image store must be an absolute path", opt->store);
	if (opt->net != NET_BRIDGE && (opt->n_dns || opt->n_dns_search || opt->n_hosts))
		diex("--dns, --dns-search and --add-host need --net bridge");
	for (size_t i = 0; i < opt->n_ports; i++) /* UDP has no proxy: only DNAT */
		if (opt->ports[i].proto == IPPROTO_UDP &&
		    ntohl(opt->ports[i].host_addr.s_addr) >> 24 == IN_LOOPBACKNET)
			diex("-p %s:%u:%u/udp: UDP is published by DNAT only, which cannot reach "
			     "a loopback address; use 0.0.0.0 or an address of the host",
			     inet_ntoa(opt->ports[i].host_addr), opt->ports[i].host_port,
			     opt->ports[i].container_port);
	if (opt->cgroup_parent && strstr(opt->cgroup_parent, ".."))
		diex("--cgroup-parent %s: must not contain '..'", opt->cgroup_parent);
}

static void set_defaults(struct options *opt, int step)
{
	*opt = (struct options){.step = step, .net = NET_BRIDGE};
	new_id(opt);
	strlcpy(opt->hostname, opt->short_id, sizeof(opt->hostname));
	parse_cidr(DEFAULT_SUBNET, &opt->subnet, &opt->prefix);
	opt->store = getenv("KOBAKO_ROOT") ? getenv("KOBAKO_ROOT") : DEFAULT_STORE;
	opt->cgroup_parent =
	    getenv("KOBAKO_CGROUP_PARENT") ? getenv("KOBAKO_CGROUP_PARENT") : DEFAULT_CGROUP_PARENT;
}

const struct flag *next_verb_flag(int argc, char **argv, int *next, const struct flag *flags,
				  size_t n_flags, const char *cmd, char **value, char **operands,
				  int max, int *n)
{
	const struct flag *f;

	while (*next < argc) {
		if ((f = next_flag(argc, argv, next, flags, n_flags, cmd, value)))
			return f;
		if (*next < argc) { /* an operand (or the word after "--") */
			if (*n < max)
				operands[*n] = argv[*next];
			(*n)++, (*next)++;
		}
	}
	return NULL;
}

/* "--memory: not in this step" for an option a later step brings. */
static void check_step(const struct flag *f, int step)
{
	char letter[8] = "";

	if (f->letter)
		snprintf(letter, sizeof(letter), " (-%c)", f->letter);
	if (f->step > step)
		diex("--%s%s: not in this step (it comes with %s)", f->name, letter,
		     STEP_NAMES[f->step]);
}

void parse_options(int argc, char **argv, int step, struct options *opt)
{
	const struct flag *f;
	char *value;
	int next = 2;

	set_defaults(opt, step);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		print_help(step);
		exit(0);
	}
	if (argc < 2 || strcmp(argv[1], "run") != 0)
		diex("usage: container run [OPTIONS] ROOTFS COMMAND [ARG...] (see --help)");
	/* Options stop at ROOTFS, so the command's own options stay its own. */
	while ((f = next_flag(argc, argv, &next, OPTIONS, N_OPTIONS, "", &value))) {
		if (f->id == OPT_HELP) {
			print_help(step);
			exit(0);
		}
		check_step(f, step);
		set_option(opt, f->id, value);
	}
	/* From step06 on the image may say what to run: COMMAND is optional. */
	if (argc - next < (step >= 6 ? 1 : 2))
		diex("usage: container run [OPTIONS] %s (see --help)",
		     step >= 6 ? "IMAGE|ROOTFS [COMMAND] [ARG...]" : "ROOTFS COMMAND [ARG...]");
	/* Parents before children: -v /b:/d -v /a:/d/sub must not hide /d/sub. */
	qsort(opt->volumes, opt->n_volumes, sizeof(opt->volumes[0]), by_target_depth);
	opt->rootfs = argv[next];
	opt->command = &argv[next + 1];
	/* From step06 on ROOTFS may also name an image; the step checks it. */
	if (step < 6 && !is_directory(opt->rootfs))
		diex("rootfs %s: not an existing directory", opt->rootfs);
	check_combination(opt, step);
}

void require_root(void)
{
	if (geteuid() != 0)
		diex("must be run as root (namespaces, mounts and cgroups need CAP_SYS_ADMIN)");
}
