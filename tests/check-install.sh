#!/bin/sh
# check-install.sh - `make install` and `make uninstall`, with step08's AppArmor
# profile (step08_rootless/kobako-step08.apparmor).
#
#   sh tests/check-install.sh      (after `make all`; part of `make check`)
#
# The Makefile's APPARMOR_PARSER and APPARMOR_ENABLED point at a parser and
# a switch of ours (a script that writes down how it was called; "Y").
# Below DESTDIR (a package): the profile lands in DESTDIR/etc/apparmor.d with
# the installed binary's path as its attachment, and nothing is loaded.
# Without DESTDIR (PREFIX and APPARMOR_D in our temp dir): the profile is
# installed only where AppArmor 4.0 is, and loaded only by root with AppArmor
# on; uninstall unloads it, then removes it. The kernel's AppArmor and the
# machine's /etc/apparmor.d are never touched.
# Where apparmor_parser is installed, it reads the profile (-Q: no load).
# Output: one line per check, then "check-install: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
profile=kobako-step08
attach=lib/kobako/step08_rootless/container # below PREFIX

ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAILED: $1"; failed=$((failed + 1)); }
check() { # check WHAT COMMAND...: the command must succeed
	what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
# make TARGET VAR=VALUE...: the binaries are built already (-o all: not again,
# not in another flavor); output in $tmp/out
make_() { make -s --no-print-directory -C "$top" -o all "$@" >"$tmp/out" 2>&1; }

# The fake parser and switch, for every run. The parser writes
# down its arguments ("-r FILE") and whether FILE was there to be read.
cat >"$tmp/parser" <<EOF
#!/bin/sh
[ -e "\$2" ] && there="file there" || there="no file"
echo "\$* (\$there)" >>"$tmp/parser.log"
EOF
chmod 755 "$tmp/parser"
: >"$tmp/parser.log"
echo Y >"$tmp/enabled"
# the Makefile's `?=` takes them from the environment
export APPARMOR_PARSER="$tmp/parser" APPARMOR_ENABLED="$tmp/enabled"

# ---- a package: DESTDIR (root, AppArmor "on": DESTDIR alone keeps it from loading) ----
dest=$tmp/dest prefix=/opt/kobako-test
file=$dest/etc/apparmor.d/$profile
make_ install DESTDIR="$dest" PREFIX=$prefix ||
	bad "make install DESTDIR: $(cat "$tmp/out")"
check "DESTDIR: the binary in its place" test -x "$dest$prefix/$attach"
check "DESTDIR: the profile in DESTDIR/etc/apparmor.d, mode 644" \
	test "$(stat -c %a "$file" 2>/dev/null)" = 644
check "DESTDIR: attached to the installed binary's path" \
	grep -qxF "profile $profile $prefix/$attach flags=(unconfined) {" "$file"
check "DESTDIR: the userns rule" grep -qxF "  userns," "$file"
check "DESTDIR: nothing left to substitute" sh -c "! grep -q '@[A-Z]*@' '$file'"
check "DESTDIR: nothing loaded" test ! -s "$tmp/parser.log"
check "DESTDIR: one line says how to load it" \
	grep -qF "run sudo apparmor_parser -r /etc/apparmor.d/$profile" "$tmp/out"

# ---- apparmor_parser reads it (no load: -Q) ----
if command -v apparmor_parser >/dev/null; then
	version=$(apparmor_parser --version | sed -n '1s/.* //p')
	if [ -e /etc/apparmor.d/abi/4.0 ]; then
		check "apparmor_parser $version reads the profile" apparmor_parser -Q -K "$file"
	else
		# Debian 12's AppArmor 3.0 has neither abi/4.0 nor the userns rule: it
		# must refuse the profile (which is why install leaves it out there),
		# and read the rest of it (attachment, flags, includes).
		echo "note: apparmor_parser $version predates AppArmor 4.0 and its userns rule"
		check "apparmor_parser $version refuses it (no abi/4.0: not installed here)" \
			sh -c "! apparmor_parser -Q -K '$file'"
		sed -e 's|<abi/4.0>|<abi/3.0>|' -e '/^  userns,$/d' "$file" >"$tmp/without-userns"
		check "apparmor_parser $version reads the rest of it" \
			apparmor_parser -Q -K "$tmp/without-userns"
	fi
else
	echo "note: no apparmor_parser here (Debian's apparmor package): profile not parsed"
fi

make_ uninstall DESTDIR="$dest" PREFIX=$prefix ||
	bad "make uninstall DESTDIR: $(cat "$tmp/out")"
check "uninstall DESTDIR: no file left" test -z "$(find "$dest" -type f -o -type l)"
check "uninstall DESTDIR: nothing unloaded" test ! -s "$tmp/parser.log"

# ---- this machine: no DESTDIR, our apparmor.d, parser and switch ----
prefix=$tmp/prefix file=$tmp/apparmor.d/$profile
mkdir -p "$tmp/apparmor.d/abi"
make_ install PREFIX="$prefix" APPARMOR_D="$tmp/apparmor.d" || bad "make install (no abi/4.0): $(cat "$tmp/out")"
check "no abi/4.0 (AppArmor 3.0): not installed" test ! -e "$file"
check "no abi/4.0: one line says why" grep -qF "not installed: no $tmp/apparmor.d/abi/4.0" "$tmp/out"

touch "$tmp/apparmor.d/abi/4.0"
if [ "$(id -u)" = 0 ]; then
	make_ install PREFIX="$prefix" APPARMOR_D="$tmp/apparmor.d" || bad "make install (root): $(cat "$tmp/out")"
	check "root, AppArmor on: installed" grep -qF "$prefix/$attach flags=(unconfined)" "$file"
	check "root, AppArmor on: loaded with apparmor_parser -r" \
		test "$(cat "$tmp/parser.log")" = "-r $file (file there)"
	: >"$tmp/parser.log"
	echo N >"$tmp/enabled"
	make_ install PREFIX="$prefix" APPARMOR_D="$tmp/apparmor.d" || bad "make install (AppArmor off): $(cat "$tmp/out")"
	check "AppArmor off in the kernel: not loaded" test ! -s "$tmp/parser.log"
	check "AppArmor off: one line says what to run" grep -qF "run sudo apparmor_parser -r" "$tmp/out"
	echo Y >"$tmp/enabled"
	make_ uninstall PREFIX="$prefix" APPARMOR_D="$tmp/apparmor.d" || bad "make uninstall: $(cat "$tmp/out")"
	check "uninstall: unloaded (apparmor_parser -R) before the file goes" \
		test "$(cat "$tmp/parser.log")" = "-R $file (file there)"
	check "uninstall: the profile removed" test ! -e "$file"
	check "uninstall: the binaries removed" test -z "$(find "$prefix" -type f -o -type l)"
else
	echo "note: not root: the loading checks need root (sudo sh $0)"
fi

echo "check-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
