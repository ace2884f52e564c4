#!/usr/bin/python3
"""seccomp-oci.py PROFILE CAP... - Docker's seccomp profile (containers-common's
/usr/share/containers/seccomp.json) as the OCI runtime spec's linux.seccomp
object, for a container that keeps the capabilities CAP... on this machine's
architecture: what Docker (and kobako's step07) does with the file before it
loads it, so crun gets the same filter.

 * "archMap": the entry of this machine's architecture and its sub-architectures
   become "architectures".
 * each rule of "syscalls" is kept when its "includes" (all capabilities kept,
   this architecture listed) and "excludes" (none kept, not listed) say so,
   minus those two keys and the "comment"; minKernel is not checked (step07
   does not check it either).

spec: github.com/opencontainers/runtime-spec/blob/main/config-linux.md#seccomp
      github.com/moby/moby/blob/master/profiles/seccomp/seccomp.go (the filtering)
"""
import json
import os
import sys

# uname -m -> (Go's GOARCH as the profile names it, libseccomp's SCMP_ARCH_*)
ARCHES = {"x86_64": ("amd64", "SCMP_ARCH_X86_64"), "aarch64": ("arm64", "SCMP_ARCH_AARCH64")}


def main():
    profile = json.load(open(sys.argv[1]))
    caps = {c.removeprefix("CAP_") for c in sys.argv[2:]}
    machine = os.uname().machine
    if machine not in ARCHES:
        sys.exit(f"seccomp-oci: {machine}: no architecture mapping")
    go_arch, scmp_arch = ARCHES[machine]
    arches = []
    for entry in profile.get("archMap", []):
        if entry["architecture"] == scmp_arch:
            arches = [scmp_arch] + entry.get("subArchitectures", [])

    def applies(rule):
        inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
        if "arches" in inc and go_arch not in inc["arches"]:
            return False
        if go_arch in exc.get("arches", []):
            return False
        if any(c.removeprefix("CAP_") not in caps for c in inc.get("caps", [])):
            return False
        return not any(c.removeprefix("CAP_") in caps for c in exc.get("caps", []))

    out = {"defaultAction": profile["defaultAction"], "architectures": arches, "syscalls": []}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    for rule in profile["syscalls"]:
        if applies(rule):
            kept = {k: rule[k] for k in ("names", "action", "errnoRet", "args") if rule.get(k)}
            out["syscalls"].append(kept)
    json.dump(out, sys.stdout, indent=1)
    print()


main()
