#!/bin/sh
# oci-bundle.sh BUNDLE ROOTFS CGROUPS_PATH [--seccomp FILE] [--rootless] -
# write BUNDLE/config.json for `crun run` / `runc run`: /bin/true from ROOTFS,
# in the cgroup CGROUPS_PATH (none if it is empty).
#   --seccomp FILE  FILE holds an OCI linux.seccomp object (seccomp-oci.py)
#   --rootless      what `crun spec --rootless` changes: a user namespace
#                   (crun maps the calling user to root), devpts without gid=5
#
# It is `crun spec` (crun 1.8) with four changes, so both runtimes do what a
# production runtime does by default: args, no terminal, root.path, and
# cgroupsPath. Namespaces: pid, network, ipc, uts, mount (crun's default
# set; the network namespace is left empty, as kobako's --net none does).
# No jq: the file is written from this template, nothing parsed.
#
# spec: https://github.com/opencontainers/runtime-spec/blob/main/config.md
set -eu
bundle=$1 rootfs=$2 cgroups_path=$3
shift 3
seccomp= userns= devpts_gid=', "gid=5"'
while [ $# -gt 0 ]; do
	case $1 in
	--seccomp) seccomp="\"seccomp\": $(cat "$2"),"; shift ;;
	--rootless) userns='{ "type": "user" }, ' devpts_gid= ;;
	*) echo "oci-bundle: unknown option $1" >&2; exit 1 ;;
	esac
	shift
done
cgroups=
[ -n "$cgroups_path" ] && cgroups="\"cgroupsPath\": \"$cgroups_path\","
case "$rootfs$cgroups_path" in *'"'* | *'\'*) echo "oci-bundle: no quotes in paths" >&2; exit 1 ;; esac
mkdir -p "$bundle"
cat > "$bundle/config.json" <<JSON
{
	"ociVersion": "1.0.0",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "/bin/true" ],
		"env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"inheritable": [],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "$rootfs", "readonly": true },
	"hostname": "bench",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"$devpts_gid ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": [ "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
	],
	"linux": {
		$cgroups
		$seccomp
		"resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
		"namespaces": [
			{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
			{ "type": "uts" }, $userns{ "type": "mount" }
		],
		"maskedPaths": [ "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi" ],
		"readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			"/proc/sysrq-trigger" ]
	}
}
JSON
