# kobako - build, test and demo the six steps.  GNU make; no autotools.
#
#   make            build common/ (build/libkobako*.a) and every stepNN_*/container
#   sudo make demo  the guided tour          sudo make check  all tests
#   make rootfs     build/rootfs/busybox and build/images/busybox.tar
#   make diffs      docs/diffs/stepNN.diff   make deps  install what is missing
#   make SANITIZE=1 check   ASan + UBSan build of everything
#   sudo make test-step05   one step's integration tests
#   make install PREFIX=/usr/local DESTDIR=   (and make uninstall)

CC       ?= cc
PREFIX   ?= /usr/local
CFLAGS   ?= -O2 -g
# The flags kobako needs are added with `override`, so `make CFLAGS=-O0`
# changes the optimisation and keeps them.
override CPPFLAGS += -D_GNU_SOURCE -I.
override CFLAGS   += -std=gnu17 -Wall -Wextra -Werror

# Libraries, from pkg-config when a recipe needs them (`=`, not `:=`): on a
# fresh machine `make demo` installs them first (make deps), and a value taken
# while make read this file would be empty. Each package is asked alone, so a
# missing one (json-c where only step01 is built) leaves the others' flags.
#   build/libkobako.a        common/ plumbing: libc + libbsd, every step
#   build/libkobako-image.a  archive and JSON reading: libarchive, json-c, nettle
BASE_PKGS  := libbsd
IMAGE_PKGS := libarchive json-c nettle
pkg_cflags  = $(foreach p,$(1),$(shell pkg-config --cflags $(p) 2>/dev/null))
pkg_libs    = $(foreach p,$(1),$(shell pkg-config $(2) --libs $(p) 2>/dev/null))
# What each step links besides libkobako.a and libbsd (nothing, if not listed).
# A step links what the step before it links, plus its own.
step05_cgroups_LIBS      = -lm
step06_rootfs_PKGS       = $(IMAGE_PKGS)
step06_rootfs_LIBS       = $(step05_cgroups_LIBS)
step06_rootfs_ARCHIVES   = $(IMAGE_LIB)
# step07's seccomp filter is compiled by libseccomp; no earlier step links it.
step07_security_PKGS     = $(step06_rootfs_PKGS) libseccomp
step07_security_LIBS     = $(step06_rootfs_LIBS)
step07_security_ARCHIVES = $(step06_rootfs_ARCHIVES)
step08_rootless_PKGS     = $(step07_security_PKGS)
step08_rootless_LIBS     = $(step07_security_LIBS)
step08_rootless_ARCHIVES = $(step07_security_ARCHIVES)
# The steps are linked statically: loading shared libraries costs about a
# millisecond at every `container run` on a VM, and libarchive's pull in
# libxml2, ICU and libstdc++ (docs/benchmarks.md). The sanitizers need the
# shared C library, so SANITIZE=1 links dynamically.
ifeq ($(SANITIZE),1)
STEP_LDFLAGS :=
STATIC       :=
else
STEP_LDFLAGS := -static
STATIC       := --static
endif
# the libraries of step $(1), for its link line
step_libs = $(call pkg_libs,$(BASE_PKGS) $($(1)_PKGS),$(STATIC)) $($(1)_LIBS)
# libmd's SHA-256 checks nettle's in the tests; tests link everything, dynamically
TEST_LIBS = $(call pkg_libs,check libmd $(BASE_PKGS) $(IMAGE_PKGS) libseccomp) -lm
ifeq ($(SANITIZE),1)
# clone3(2) is used like fork(2) (no separate stack), so the sanitizers follow
# the container's process until it execs the command, which is not ours.
override CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
B       := build/sanitize
else
B       := build
endif

STEPS      := $(sort $(wildcard step0[1-8]_*))
CONTAINERS := $(addsuffix /container,$(STEPS))
PULLERS    := $(patsubst %/pull.c,%/container-pull,$(wildcard step0*/pull.c))
IMAGE_SRC  := common/archive.c common/fast_extract.c
COMMON_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out $(IMAGE_SRC),$(wildcard common/*.c)))
IMAGE_OBJ  := $(patsubst %.c,$(B)/%.o,$(IMAGE_SRC))
LIB        := $(B)/libkobako.a
IMAGE_LIB  := $(B)/libkobako-image.a
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS:= $(patsubst tests/integration/%.c,$(B)/tests/%,$(wildcard tests/integration/test_*.c))
ROOTFS     := build/rootfs/busybox
ESCAPE     := $(ROOTFS)/usr/local/bin/chroot-escape
PROBE      := $(ROOTFS)/usr/local/bin/probe
TIOCSTI    := $(ROOTFS)/usr/local/bin/tiocsti

# Debian/Ubuntu packages that build, test and demo kobako.
# (The static link needs every library libarchive uses, each with its .a.)
# The programs the demo, the tests and TUTORIAL.md's commands call on the host
# and a minimal Debian lacks: ip (iproute2), ps (procps, the demo), curl (the
# tutorial's -p example), patch (check-tutorial applies the exercises' answers);
# for the tests: nft and dnsmasq (step04's namespaced internet), docker-registry,
# skopeo, openssl, python3 (a registry to pull from, with TLS and tokens),
# containers-common (Docker's seccomp profile, step07), newuidmap and pasta
# (uidmap, passt: step08 as an ordinary user); the system's CA store, which
# image pull checks a registry's certificate against (ca-certificates).
DEB_PACKAGES := build-essential pkg-config check libbsd-dev libmd-dev libjson-c-dev \
	nettle-dev libarchive-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev \
	zlib1g-dev libxml2-dev libseccomp-dev libcurl4-openssl-dev busybox-static iproute2 util-linux \
	clang clang-format procps curl patch nftables dnsmasq-base docker-registry skopeo openssl python3 \
	golang-github-containers-common uidmap passt ca-certificates

.SECONDARY:
.PHONY: FORCE all deps deps-vm rootfs check check-unit check-distro demo diffs clean install uninstall format bench check-tutorial check-v2 \
	check-fresh check-only demo-only bench-only exercise soak
all: $(CONTAINERS) $(PULLERS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
# only the image-reading objects and step06 need those libraries' headers
$(IMAGE_OBJ): override CPPFLAGS += $(call pkg_cflags,$(IMAGE_PKGS))
$(B)/step06_rootfs/%.o $(B)/step07_security/%.o $(B)/step08_rootless/%.o $(B)/tests/%: override CPPFLAGS += $(call pkg_cflags,$(IMAGE_PKGS))

$(LIB): $(COMMON_OBJ)
	rm -f $@; $(AR) rcs $@ $^
$(IMAGE_LIB): $(IMAGE_OBJ)
	rm -f $@; $(AR) rcs $@ $^

# Each step is its own program: every .c in the folder, plus the archives and
# libraries it lists above, plus libkobako.a.
# The binary is built in place; build/flavor relinks it when SANITIZE changes.
FLAVOR := $(if $(filter 1,$(SANITIZE)),sanitize,plain)
build/flavor: FORCE
	@mkdir -p build; [ "$$(cat $@ 2>/dev/null)" = "$(FLAVOR)" ] || echo $(FLAVOR) > $@
FORCE:
PULL_ONLY  := pull.c registry.c reference.c # container-pull's own files, below
define STEP_RULE
$(1)/container: $(patsubst %.c,$(B)/%.o,$(filter-out $(addprefix $(1)/,$(PULL_ONLY)),\
		$(wildcard $(1)/*.c))) $$($(1)_ARCHIVES) $(LIB) build/flavor
	$$(CC) $$(LDFLAGS) $$(STEP_LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(call step_libs,$(1))
endef
$(foreach s,$(STEPS),$(eval $(call STEP_RULE,$(s))))
# From step06 on, `container image pull` execs container-pull, a program of
# its own: libcurl cannot be linked statically on Debian (its Kerberos
# dependency is shared only), and its 47 shared libraries would add ~8 ms to
# every `container run`. It is the registry client and the image store.
PULL_USES  := image_store.c image_manifest.c whiteout.c
define PULL_RULE
$(1)/container-pull: $(patsubst %.c,$(B)/$(1)/%.o,$(PULL_ONLY) $(PULL_USES)) $$($(1)_ARCHIVES) \
		$(LIB) build/flavor
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) \
		$$(call pkg_libs,$(BASE_PKGS) $(IMAGE_PKGS) libcurl) -lm
endef
$(foreach p,$(PULLERS),$(eval $(call PULL_RULE,$(patsubst %/,%,$(dir $(p))))))

# A test links the harness, the step files whose mechanism it tests (listed
# here), and both archives.
TEST_OBJ := $(B)/tests/harness.o $(B)/tests/fixtures.o $(B)/step05_cgroups/cgroupfs.o
TEST_LINK = $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(filter %.a,$^) \
	$(TEST_LIBS) $(LDLIBS)
$(B)/tests/test_process: $(B)/step02_uts_pid/uts_pid.o $(B)/step01_chroot/exec.o
$(B)/tests/test_netlink: $(B)/step04_net/netlink.o
$(B)/tests/test_ipam: $(B)/step04_net/ipam.o
$(B)/tests/test_dns: $(B)/step04_net/dns.o
$(B)/tests/test_reference: $(B)/step06_rootfs/reference.o $(B)/step06_rootfs/registry.o \
	$(B)/step06_rootfs/image_manifest.o
$(B)/tests/test_reference: LDLIBS += $(call pkg_libs,libcurl)
$(B)/tests/test_image: $(B)/step06_rootfs/image_store.o $(B)/step06_rootfs/image_manifest.o \
	$(B)/step06_rootfs/whiteout.o
$(B)/tests/%: tests/unit/%.c $(TEST_OBJ) $(IMAGE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(TEST_LINK)
$(B)/tests/%: tests/integration/%.c $(TEST_OBJ) $(IMAGE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(TEST_LINK)

# ---- the default rootfs: busybox-static plus a few files, offline ----
rootfs: $(ROOTFS)/.done build/images/busybox.tar
# The attacks of the tests: small static programs inside the rootfs.
$(ROOTFS)/.done: tests/mkrootfs.sh tests/chroot_escape.c tests/probe.c tests/tiocsti.c
	sh tests/mkrootfs.sh $(ROOTFS)
	$(CC) -static -O2 -o $(ESCAPE) tests/chroot_escape.c
	$(CC) -static -O2 -Wall -Wextra -Werror -o $(PROBE) tests/probe.c
	$(CC) -static -O2 -Wall -Wextra -Werror -o $(TIOCSTI) tests/tiocsti.c
	touch $@
build/images/busybox.tar: $(ROOTFS)/.done
	@mkdir -p $(dir $@)
	tar --exclude=./.done -C $(ROOTFS) -cf $@.tmp . && mv $@.tmp $@

# ---- tests ----
# On a systemd machine with cgroup v2, each test runs alone in a scope of its
# own, which the harness can hand cgroup controllers down from (tests/harness.c).
TEST_SCOPE := $(shell [ "$$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && \
	[ -d /run/systemd/system ] && command -v systemd-run >/dev/null && \
	echo systemd-run --scope --quiet --collect -p Delegate=yes)
# `make deps` runs first, in a make of its own: on a fresh machine everything
# after it (pkg-config, the .d files) must be read with the packages there.
check:
	@$(MAKE) --no-print-directory deps deps-vm
	@$(MAKE) --no-print-directory check-only
check-only: all rootfs $(UNIT_TESTS) $(INTEG_TESTS)
	B=$(B) TEST_SCOPE="$(TEST_SCOPE)" sh tests/run-all.sh $(UNIT_TESTS) $(INTEG_TESTS) tests/check-install.sh \
		tests/check-tutorial.sh \
		tests/check-v2.sh
# Every integration test and the tutorial check once more on a reader's
# machine: systemd + cgroup v2, a QEMU guest (tests/vm/); part of `make check`.
check-v2: deps-vm all rootfs $(INTEG_TESTS)
	B=$(B) sh tests/check-v2.sh v2
# Every console block of TUTORIAL.md run and compared; excerpts and exercises checked.
check-tutorial: all rootfs
	B=$(B) sh tests/check-tutorial.sh
# One exercise's check against the working tree as it is: make exercise EX=1.3
exercise: all rootfs
	B=$(B) sh tests/check-tutorial.sh --exercise "$(EX)"
check-unit: $(UNIT_TESTS)
	sh tests/run-all.sh $(UNIT_TESTS)
# One step's integration tests, e.g. `sudo make test-step05`.
test-step%: all rootfs $(B)/tests/test_step%
	B=$(B) TEST_SCOPE="$(TEST_SCOPE)" sh tests/run-all.sh $(B)/tests/test_step$*

# Debian (another release than the host's) from debootstrap, run by step06;
# apt-get update and install in it (step06, step07, step08) through kobako's
# NAT and DNS, against a namespaced stand-in for the internet
# (tests/distro-internet.sh). Needs the Debian mirror once (the image, its
# indexes, one .deb: cached in build/images/); about 65 s the first time,
# then 15-30 s; not part of `make check`.
check-distro:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all rootfs
	@command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap
	sh tests/check-distro.sh

# The README's two commands on a fresh machine: a minimal Debian of the
# host's release (debootstrap, cached in /var/cache/kobako), the repository's
# HEAD cloned into it, `make demo` and `make check` run in it as root inside a
# private mount namespace (tests/check-fresh.sh). Needs root and the Debian
# mirror; about 3.5 min here, 1 min more the first time (debootstrap). Not
# part of `make check`, and so not of CI, which runs exactly the README's
# `make check` (.ci/run): a reader's check would take twice as long, fetch
# 160 MB of packages, and the check inside would start it again. Run it by
# hand before a change to the Makefile or the packages lands: CI's machine
# keeps its packages, so only a fresh tree shows what `make deps` forgot.
check-fresh:
	@command -v debootstrap >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends debootstrap >/dev/null
	sh tests/check-fresh.sh

# ---- the guided tour ----
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory demo-only
demo-only: all rootfs
	sh tests/demo.sh

# ---- docs/diffs/stepNN.diff: what each step adds to the one before ----
diffs:
	sh tests/mkdiffs.sh docs/diffs $(STEPS)

# ---- install what is missing (Debian/Ubuntu); otherwise list it ----
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "kobako needs: $(DEB_PACKAGES) (or your distribution's names for them)"; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "missing packages: $$missing; run: sudo make deps"; exit 1; fi; \
	echo "installing:" $$missing; log=$$(mktemp); \
	if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	    install -y -qq --no-install-recommends $$missing) >$$log 2>&1; then rm -f $$log; \
	else cat $$log; rm -f $$log; echo "make deps: apt-get failed"; exit 1; fi

# check-v2's guest needs qemu and debootstrap, unless this machine is
# systemd + cgroup v2 itself.
deps-vm:
	@if [ -z "$${KOBAKO_SKIP_VM:-}" ] && \
	    ! { [ "$$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -d /run/systemd/system ]; } && \
	    ! { command -v qemu-system-x86_64 && command -v debootstrap; } >/dev/null; then \
		echo "installing: qemu-system-x86 debootstrap (for check-v2)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends qemu-system-x86 debootstrap; fi

# start-up latency of every step next to crun, runc, bwrap (docs/benchmarks.md)
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory bench-only
bench-only: all rootfs
	sh tests/bench.sh

# 1,000 runs on the bridge and 1,000 without, 200 containers at once, 20
# supervisors SIGKILLed: nothing may be left behind (tests/soak.sh; a few
# minutes). Not part of `make check`.
soak: deps all rootfs
	bash tests/soak.sh

format:
	clang-format -i $(wildcard common/*.[ch] step0*/*.[ch] tests/*.[ch] tests/*/*.[ch])

# step08's AppArmor profile (step08_rootless/kobako-step08.apparmor): on
# Ubuntu 23.10 and later a program keeps its capabilities in a user namespace
# only if its profile says `userns`. It goes to APPARMOR_D where AppArmor 4.0
# is (its abi/4.0: Debian 12's parser, 3.0, cannot read the rule, and its
# kernel has no restriction to lift), and always below DESTDIR (a package).
# It is loaded into the kernel only on this machine (no DESTDIR), by root,
# with apparmor_parser, when AppArmor is on; otherwise one line says what to
# run. tests/check-install.sh points these three at its own.
APPARMOR_D       ?= /etc/apparmor.d
APPARMOR_PARSER  ?= apparmor_parser
APPARMOR_ENABLED ?= /sys/module/apparmor/parameters/enabled
AA_NAME  := kobako-step08
AA_FILE   = $(DESTDIR)$(APPARMOR_D)/$(AA_NAME)
AA_CAN_LOAD = [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
	command -v $(APPARMOR_PARSER) >/dev/null && [ "$$(cat $(APPARMOR_ENABLED) 2>/dev/null)" = Y ]
AA_LOAD_LATER := not loaded (that needs root, apparmor_parser, AppArmor on in the kernel and no \
	DESTDIR): where those hold, run sudo apparmor_parser -r $(APPARMOR_D)/$(AA_NAME)

install: all
	for s in $(STEPS); do \
		install -D -m 755 $$s/container $(DESTDIR)$(PREFIX)/lib/kobako/$$s/container; \
		[ ! -e $$s/container-pull ] || install -m 755 $$s/container-pull \
			$(DESTDIR)$(PREFIX)/lib/kobako/$$s/container-pull; \
		mkdir -p $(DESTDIR)$(PREFIX)/bin; \
		ln -sf ../lib/kobako/$$s/container $(DESTDIR)$(PREFIX)/bin/kobako-$${s%%_*}; done
	@if [ -z "$(DESTDIR)" ] && [ ! -e $(APPARMOR_D)/abi/4.0 ]; then \
		echo "$(AA_NAME): AppArmor profile not installed: no $(APPARMOR_D)/abi/4.0 here" \
			"(AppArmor before 4.0 has no userns rule, nor the restriction it lifts)"; \
	else mkdir -p $(DESTDIR)$(APPARMOR_D) && \
		sed 's|@PREFIX@|$(PREFIX)|g' step08_rootless/$(AA_NAME).apparmor >$(AA_FILE) && \
		chmod 644 $(AA_FILE) && echo "$(AA_NAME): AppArmor profile installed: $(AA_FILE)" && \
		if $(AA_CAN_LOAD); then $(APPARMOR_PARSER) -r $(AA_FILE) && echo "$(AA_NAME): loaded"; \
		else echo "$(AA_NAME): $(AA_LOAD_LATER)"; fi; fi

# What install put there, the profile unloaded before its file goes (the
# parser reads the file to know which profile to remove).
uninstall:
	for s in $(STEPS); do \
		rm -f $(DESTDIR)$(PREFIX)/lib/kobako/$$s/container \
			$(DESTDIR)$(PREFIX)/lib/kobako/$$s/container-pull \
			$(DESTDIR)$(PREFIX)/bin/kobako-$${s%%_*}; \
		rmdir $(DESTDIR)$(PREFIX)/lib/kobako/$$s 2>/dev/null || true; done
	rmdir $(DESTDIR)$(PREFIX)/lib/kobako 2>/dev/null || true
	@if [ -e $(AA_FILE) ]; then \
		if $(AA_CAN_LOAD); then $(APPARMOR_PARSER) -R $(AA_FILE) 2>/dev/null && \
			echo "$(AA_NAME): unloaded"; fi; \
		rm -f $(AA_FILE) && echo "$(AA_NAME): removed $(AA_FILE)"; fi

clean:
	rm -rf build $(CONTAINERS) $(PULLERS)

-include $(shell find build -name '*.d' 2>/dev/null)
