# cgroup_own_dirs.awk - for every cgroup hierarchy, "MOUNT<TAB>ROOT<TAB>OWN":
# where it is mounted, the cgroup its mount shows as its top, and our own
# cgroup in it, as kobako's step05_cgroups/cgroupfs.c finds them (v1 and v2).
#   awk -f tests/cgroup_own_dirs.awk /proc/self/cgroup /proc/self/mountinfo
NR == FNR { # /proc/self/cgroup: ID:CONTROLLERS:PATH
	i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":")
	ctl[++n] = substr(rest, 1, j - 1); own[n] = substr(rest, j + 1); next
}
{
	k = index($0, " - "); split(substr($0, 1, k - 1), f, " ")
	split(substr($0, k + 3), g, " ") # fstype source super-options
	if (g[1] != "cgroup" && g[1] != "cgroup2") next
	nopt = split(g[3], o, ","); delete opt
	for (i = 1; i <= nopt; i++) opt[o[i]] = 1
	for (c = 1; c <= n; c++) {
		if (g[1] == "cgroup2") { if (ctl[c] != "") continue }
		else {
			if (ctl[c] == "") continue
			m = split(ctl[c], w, ","); ok = 1
			for (i = 1; i <= m; i++) if (!(w[i] in opt)) ok = 0
			if (!ok) continue
		}
		printf "%s\t%s\t%s\n", f[5], f[4], own[c]; break
	}
}
