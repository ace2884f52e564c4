# report.awk - the Markdown report of one bench run (see report.sh for the
# input files; each is preceded by a section=NAME assignment). Also writes
# the plot's data to the file `plot`: INDEX LABEL MEDIAN P95 COLOUR.

section == "stats" { runs[$1] = $2; med[$1] = $3; p95[$1] = $4; mean[$1] = $5; min[$1] = $6; next }
section == "rounds" { per_round[$1] = per_round[$1] (per_round[$1] == "" ? "" : ", ") sprintf("%.2f", $3); next }
section == "rss" { rss[$1, ++rss_n[$1]] = $2; next }
section == "parallel" { par_order[++n_par] = $1; par_med[$1] = $3; par_p95[$1] = $4; next }
section == "import" { imp_order[++n_imp] = $1; imp_med[$1] = $3; imp_p95[$1] = $4; next }
section == "tarball" { tarball = $0; split($0, w, " "); tar_bytes = w[1]; next }
section == "importfs" { import_fs = $0; next }
section == "pull" { pull_order[++n_pull] = $1; pull_med[$1] = $3; pull_p95[$1] = $4; next }
section == "repull" { repull_n = $2; repull_order[++n_repull] = $1; repull_med[$1] = $3; repull_p95[$1] = $4; next }
section == "pullimage" { split($0, w, " "); pull_layers = w[1]; pull_packed = w[2]; pull_unpacked = w[3]; next }
section == "pullfs" { pull_fs = $0; next }
section == "busy" { busy = busy (busy == "" ? "" : ", ") $2 "%"; next }
section == "notes" { notes[++n_notes] = "`" $1 "`: " $2; next }
section == "skipped" { skipped[++n_skipped] = "`" $1 "`: " $2; next }
section == "env" { env_key[++n_env] = $1; env[$1] = env[$1] (env[$1] == "" ? "" : "; ") $2; next }

function have(name) { return name in med }
function ms(x) { return x < 10 ? sprintf("%.2f", x) : sprintf("%.1f", x) }
function ratio(a, b) { return sprintf("%.2f×", a / b) }

# Median of the RSS samples of one command (KiB).
function rss_median(name,   n, i, j, t, v) {
	n = rss_n[name]
	for (i = 1; i <= n; i++) v[i] = rss[name, i] + 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

function describe(name,   num) {
	if (name == "exec") return "exec /bin/true on the host (the floor)"
	if (name == "chroot") return "chroot ROOTFS /bin/true"
	if (name == "step01") return "kobako step01: fork + chroot"
	if (name == "step02") return "kobako step02: + UTS, PID namespaces, /proc"
	if (name == "step03") return "kobako step03: + mount, IPC namespaces, pivot_root, /dev, /sys"
	if (name == "step04") return "kobako step04: + network namespace, bridge, veth, address"
	if (name == "step04-none") return "kobako step04 --net none: + network namespace only"
	if (name == "step05") return "kobako step05: + cgroups (bridge network)"
	if (name == "step05-none") return "kobako step05 --net none: + cgroups"
	if (name == "step06") return "kobako step06: + overlay root (bridge network)"
	if (name == "step06-none") return "kobako step06 --net none: + overlay root"
	if (name == "step04-p-local") return "kobako step04 -p 127.0.0.1:18080:80: + the -p proxy"
	if (name == "step04-p-all") return "kobako step04 -p 0.0.0.0:18080:80: + DNAT rule and proxy"
	if (name == "step07") return "kobako step07: + capabilities, seccomp, masks, devices (bridge network)"
	if (name == "step07-none") return "kobako step07 --net none: + capabilities, built-in seccomp filter, masks, devices"
	if (name == "step07-unconfined") return "kobako step07 --net none --security-opt seccomp=unconfined"
	if (name == "step07-seccomp") return "kobako step07 --net none --security-opt seccomp=/usr/share/containers/seccomp.json (Docker's profile)"
	if (name == "step08") return "kobako step08 as root: + user namespace (bridge network)"
	if (name == "step08-none") return "kobako step08 as root --net none: + user namespace"
	if (name == "step08-user") return "kobako step08 as an ordinary user, --net none (newuidmap)"
	if (name == "bwrap") return "bwrap --unshare-all, --proc, --dev"
	if (name == "bwrap-user") return "bwrap --unshare-all, --proc, --dev, as the same user"
	if (name == "crun") return "crun run (OCI bundle, cgroupfs manager)"
	if (name == "crun-seccomp") return "crun run, the bundle + Docker's profile (linux.seccomp)"
	if (name == "crun-rootless") return "crun --rootless=true run as the same user (user namespace, no cgroups)"
	if (name == "runc") return "runc run (OCI bundle, cgroupfs manager)"
	if (name ~ /^unshare-/) {
		num = substr(name, 9)
		return "unshare with step" num "'s namespaces" (num + 0 == 1 ? " (none: fork + chroot)" : "")
	}
	return name
}

function colour(name) {
	if (name ~ /^step/) return 1
	if (name ~ /^(crun|runc|bwrap)/) return 3
	return 2
}

function latency_table(   order, n, i, name, crun) {
	n = split("exec chroot unshare-01 step01 unshare-02 step02 unshare-03 step03 bwrap unshare-04 step04-none step04 step04-p-local step04-p-all unshare-05 step05-none step05 step06-none step06 step07-unconfined step07-none step07-seccomp step07 step08-none step08 crun crun-seccomp runc step08-user bwrap-user crun-rootless", order, " ")
	crun = have("crun") ? med["crun"] : 0
	print "| command | what | median ms | p95 ms | × crun | runs | median per round, ms |"
	print "|---|---|--:|--:|--:|--:|---|"
	for (i = 1; i <= n; i++) {
		name = order[i]
		if (!have(name)) continue
		printf "| `%s` | %s | %s | %s | %s | %d | %s |\n", name, describe(name), ms(med[name]), ms(p95[name]),
			crun ? ratio(med[name], crun) : "-", runs[name], per_round[name]
		printf "%d \"%s\" %.3f %.3f %d\n", ++plotted, name, med[name], p95[name], colour(name) > plot
	}
}

function cost(label, a, b) {
	if (!have(a) || !have(b)) return
	printf "| %s | `%s` − `%s` | %+.2f |\n", label, a, b, med[a] - med[b]
}

function costs_table() {
	print "| mechanism | difference of medians | ms |"
	print "|---|---|--:|"
	cost("the supervisor: fork, wait (vs plain chroot)", "step01", "chroot")
	cost("UTS + PID namespaces, sync pipe, /proc mount", "step02", "step01")
	cost("mount + IPC namespaces, pivot_root, /proc /sys /dev", "step03", "step02")
	cost("network namespace (empty)", "step04-none", "step03")
	cost("bridge networking: veth, address, route, lease", "step04", "step04-none")
	cost("cgroups, no network", "step05-none", "step04-none")
	cost("cgroups, bridge network", "step05", "step04")
	cost("overlay root, no network", "step06-none", "step05-none")
	cost("overlay root, bridge network", "step06", "step05")
	cost("`-p` on 127.0.0.1: the proxy", "step04-p-local", "step04")
	cost("`-p` on 0.0.0.0: DNAT rule + proxy", "step04-p-all", "step04")
	cost("the DNAT rule alone", "step04-p-all", "step04-p-local")
	cost("step07's walls with its built-in filter, no network", "step07-none", "step06-none")
	cost("step07's walls without a filter, no network", "step07-unconfined", "step06-none")
	cost("loading step07's built-in seccomp filter", "step07-none", "step07-unconfined")
	cost("loading Docker's profile from the file (read, parse, compile, load)", "step07-seccomp", "step07-unconfined")
	cost("crun: loading Docker's profile", "crun-seccomp", "crun")
	cost("user namespace (as root), no network", "step08-none", "step07-none")
	cost("as a user instead of root (newuidmap, no cgroups), no network", "step08-user", "step08-none")
	cost("for comparison: unshare's UTS + PID", "unshare-02", "unshare-01")
	cost("for comparison: unshare's mount + IPC (+ /proc)", "unshare-03", "unshare-02")
	cost("for comparison: unshare's network namespace", "unshare-04", "unshare-03")
	cost("for comparison: unshare's cgroup namespace", "unshare-05", "unshare-04")
}

function target(text, a, b, limit, strict,   r, ok) {
	if (!have(a) || !have(b)) {
		printf "| %s | not measured (`%s` or `%s` missing) | |\n", text, a, b
		return
	}
	r = med[a] / med[b]
	ok = strict ? r < limit : r <= limit
	printf "| %s | %.2f× (%s / %s ms) | %s |\n", text, r, ms(med[a]), ms(med[b]), ok ? "met" : "**missed**"
}

function targets_table(   name, worst, kb_rss, crun_rss, n) {
	print "| target (issue) | measured | |"
	print "|---|---|---|"
	target("step05 `--net none` ≤ 0.4× crun", "step05-none", "crun", 0.4)
	target("step06 `--net none` ≤ 0.7× crun", "step06-none", "crun", 0.7)
	target("step06, bridge network ≤ 1.0× crun", "step06", "crun", 1.0)
	target("step03 ≤ 1.0× bwrap", "step03", "bwrap", 1.0)
	target("(16) step07 `--net none`, Docker's profile ≤ 0.75× crun with the same profile", "step07-seccomp", "crun-seccomp", 0.75)
	target("(17) step08 as a user, `--net none` ≤ 1.0× bwrap as the same user", "step08-user", "bwrap-user", 1.0)
	worst = ""
	for (name in med)
		if (name ~ /^step/ && (worst == "" || med[name] > med[worst])) worst = name
	if (worst != "") target("every step < runc (the slowest: `" worst "`)", worst, "runc", 1.0, 1)
	kb_rss = 0
	for (name in rss_n)
		if (name ~ /^step/ && rss_median(name) > kb_rss) { kb_rss = rss_median(name); worst = name }
	if (kb_rss && ("crun" in rss_n)) {
		crun_rss = rss_median("crun")
		printf "| supervisor peak RSS ≤ crun's (the largest: `%s`) | %.2f× (%d / %d KiB) | %s |\n",
			worst, kb_rss / crun_rss, kb_rss, crun_rss, kb_rss <= crun_rss ? "met" : "**missed**"
	}
	if (("container image pull" in pull_med) && ("podman pull" in pull_med)) {
		r = pull_med["container image pull"] / pull_med["podman pull"]
		printf "| (15) pull ≤ 0.5× podman pull | %.2f× (%.2f / %.2f s) | %s |\n",
			r, pull_med["container image pull"] / 1000, pull_med["podman pull"] / 1000, r <= 0.5 ? "met" : "**missed**"
	}
	if (("container image pull (again)" in repull_med) && ("podman pull (again)" in repull_med)) {
		r = repull_med["container image pull (again)"] / repull_med["podman pull (again)"]
		printf "| (15) re-pull ≤ podman's re-pull | %.2f× (%s / %s ms) | %s |\n", r,
			ms(repull_med["container image pull (again)"]), ms(repull_med["podman pull (again)"]), r <= 1 ? "met" : "**missed**"
	}
	if (("container image import" in imp_med) && ("tar -x" in imp_med)) {
		r = imp_med["container image import"] / imp_med["tar -x"]
		printf "| image import at least as fast as `tar -x` | %.2f× (%.2f / %.2f s) | %s |\n",
			r, imp_med["container image import"] / 1000, imp_med["tar -x"] / 1000, r <= 1 ? "met" : "**missed**"
	}
}

function rss_table(   order, n, i, name, crun) {
	n = split("step01 step02 step03 step04-none step04 step04-p-local step04-p-all step05-none step05 step06-none step06 step07-none step07-seccomp step07 step08-none step08 step08-user unshare-05 bwrap bwrap-user crun crun-seccomp crun-rootless runc", order, " ")
	crun = ("crun" in rss_n) ? rss_median("crun") : 0
	print "| command | peak RSS, KiB (median of " rss_n["crun"] + 0 " runs) | × crun |"
	print "|---|--:|--:|"
	for (i = 1; i <= n; i++) {
		name = order[i]
		if (!(name in rss_n)) continue
		printf "| `%s` | %d | %s |\n", name, rss_median(name), crun ? ratio(rss_median(name), crun) : "-"
	}
}

END {
	print "### Start-up latency of `/bin/true` from the busybox rootfs"
	print ""
	print "Wall time from start to exit, measured by hyperfine without a shell; all rounds pooled."
	print ""
	latency_table()
	print ""
	print "![median (bar) and p95 (whisker) start-up latency per command](benchmarks.png)"
	print ""
	print "### Targets"
	print ""
	targets_table()
	print ""
	print "### Cost of each mechanism"
	print ""
	print "Difference between the medians of consecutive steps (noise: a few tenths of a ms)."
	print ""
	costs_table()
	print ""
	print "### Peak RSS"
	print ""
	print "Maximum resident set size of the largest process in the tree (`/usr/bin/time -f %M`,"
	print "getrusage of the waited-for children): for kobako the supervisor (or its clone"
	print "before exec), for crun and runc the runtime itself."
	print ""
	rss_table()
	if (n_par) {
		print ""
		print "### " substr(par_order[1], index(par_order[1], "x") + 1) " containers at once"
		print ""
		print "Wall time until all have exited (`tests/bench/parallel.sh`, 10 runs)."
		print ""
		print "| command | median ms | p95 ms | per container, ms |"
		print "|---|--:|--:|--:|"
		for (i = 1; i <= n_par; i++) {
			name = par_order[i]
			k = substr(name, index(name, "x") + 1) + 0
			printf "| `%s` | %.1f | %.1f | %.2f |\n", name, par_med[name], par_p95[name], par_med[name] / k
		}
	}
	if (n_imp) {
		print ""
		print "### Image import"
		print ""
		print "The tarball (`tests/bench/mktree.sh`, deterministic): " tarball "."
		print "Tarball, store and target directory on " import_fs "; each run starts on an empty"
		print "directory (`tests/bench/reset.sh`, not timed); one run of each per round, the two"
		print "taking turns to go first, after a warm-up round."
		print ""
		print "| command | median s | p95 s | MB/s |"
		print "|---|--:|--:|--:|"
		for (i = 1; i <= n_imp; i++) {
			name = imp_order[i]
			printf "| `%s` | %.2f | %.2f | %.0f |\n", name, imp_med[name] / 1000, imp_p95[name] / 1000,
				tar_bytes / 1e6 / (imp_med[name] / 1000)
		}
	}
	if (n_pull) {
		print ""
		print "### Pull from a local registry"
		print ""
		printf "A %d-layer gzip image (the busybox rootfs, then two halves of the `tests/bench/mktree.sh` tree), " \
			"%.1f MB compressed, %.1f MB of tar, pushed with skopeo to Debian's `docker-registry` on 127.0.0.1 " \
			"(the bench's network namespace). Stores on %s; each run starts empty (`tests/bench/reset.sh`, " \
			"not timed), one run of each per round in rotated order, after a warm-up round. " \
			"`skopeo copy` to an OCI directory is the download alone (blobs written as they come, nothing " \
			"unpacked); `container image import` of the same layout as a tar is the unpacking alone " \
			"(gunzip, sha256 of each layer and of its tar, extraction).\n", pull_layers, pull_packed / 1e6,
			pull_unpacked / 1e6, pull_fs
		print ""
		print "| command | median s | p95 s | MB/s compressed | MB/s of tar |"
		print "|---|--:|--:|--:|--:|"
		for (i = 1; i <= n_pull; i++) {
			name = pull_order[i]
			printf "| `%s` | %.2f | %.2f | %.0f | %.0f |\n", name, pull_med[name] / 1000, pull_p95[name] / 1000,
				pull_packed / 1e6 / (pull_med[name] / 1000), pull_unpacked / 1e6 / (pull_med[name] / 1000)
		}
		if (("container image pull" in pull_med) && ("skopeo copy (download only)" in pull_med) &&
		    ("container image import (unpack only)" in pull_med))
			printf "\nWhere kobako's pull goes: the download alone (skopeo) %.2f s, the unpacking alone %.2f s, " \
				"their sum %.2f s, the pull %.2f s.\n",
				pull_med["skopeo copy (download only)"] / 1000, pull_med["container image import (unpack only)"] / 1000,
				(pull_med["skopeo copy (download only)"] + pull_med["container image import (unpack only)"]) / 1000,
				pull_med["container image pull"] / 1000
		if (n_repull) {
			print ""
			print "Re-pull, everything already in the store (hyperfine, " repull_n " runs each): the registry is still asked for the manifest."
			print ""
			print "| command | median ms | p95 ms |"
			print "|---|--:|--:|"
			for (i = 1; i <= n_repull; i++) {
				name = repull_order[i]
				printf "| `%s` | %s | %s |\n", name, ms(repull_med[name]), ms(repull_p95[name])
			}
		}
	}
	print ""
	print "### Not measured"
	print ""
	if (!n_skipped) print "Nothing: every step and every reference ran."
	for (i = 1; i <= n_skipped; i++) print "- " skipped[i]
	if (n_notes) {
		print ""
		print "Notes on what was measured:"
		print ""
		for (i = 1; i <= n_notes; i++) print "- " notes[i]
	}
	print ""
	print "### The machine and the run"
	print ""
	for (i = 1; i <= n_env; i++) {
		k = env_key[i]
		if (k in seen) continue
		seen[k] = 1
		print "- " k ": " env[k]
	}
	print "- machine busy during each round (all CPUs, the bench's own work included; one sequential benchmark on " \
		"2 CPUs is about 50%): " busy
}
