# kobako - build, test and demo the six steps.  GNU make; no autotools.
#
#   make            build common/ (build/libkobako.a) and every stepNN_*/container
#   sudo make demo  the guided tour          sudo make check  all tests
#   make rootfs     build/rootfs/busybox and build/images/busybox.tar
#   make diffs      docs/diffs/stepNN.diff   make deps  install what is missing
#   make SANITIZE=1 check   ASan + UBSan build of everything
#   make install PREFIX=/usr/local DESTDIR=

CC       ?= cc
PREFIX   ?= /usr/local
PKGS     := libbsd libmd libarchive json-c nettle
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs libbsd json-c nettle libarchive 2>/dev/null) -lm
# The steps are linked statically: loading shared libraries costs about a
# millisecond at every `container run` on a VM, and libarchive's pull in
# libxml2, ICU and libstdc++ (docs/benchmarks.md). The sanitizers need the
# shared C library, so SANITIZE=1 links dynamically.
ifeq ($(SANITIZE),1)
STEP_LDFLAGS :=
STEP_LIBS    := $(LDLIBS)
else
STEP_LDFLAGS := -static
STEP_LIBS    := $(shell pkg-config --static --libs libbsd json-c nettle libarchive 2>/dev/null) -lm
endif
# libmd's SHA-256 checks nettle's in the tests
TEST_LIBS = $(shell pkg-config --libs check libmd 2>/dev/null)
ifeq ($(SANITIZE),1)
# clone3(2) is used like fork(2) (no separate stack), so the sanitizers follow
# the container's process until it execs the command, which is not ours.
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
B       := build/sanitize
else
B       := build
endif

STEPS      := $(sort $(wildcard step0[1-6]_*))
CONTAINERS := $(addsuffix /container,$(STEPS))
COMMON_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard common/*.c))
LIB        := $(B)/libkobako.a
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS:= $(patsubst tests/integration/%.c,$(B)/tests/%,$(wildcard tests/integration/test_*.c))
ROOTFS     := build/rootfs/busybox
ESCAPE     := $(ROOTFS)/usr/local/bin/chroot-escape

# Debian/Ubuntu packages that build, test and demo kobako.
# (The static link needs every library libarchive uses, each with its .a.)
DEB_PACKAGES := build-essential pkg-config check libbsd-dev libmd-dev libjson-c-dev \
	nettle-dev libarchive-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev \
	zlib1g-dev libxml2-dev busybox-static iproute2 util-linux clang clang-format

.SECONDARY:
.PHONY: all deps deps-vm rootfs check check-unit check-distro demo diffs clean install format bench check-tutorial check-v2
all: $(CONTAINERS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	$(AR) rcs $@ $^

# Each step is its own program: every .c in the folder plus libkobako.a.
# The binary is built in place; build/flavor relinks it when SANITIZE changes.
FLAVOR := $(if $(filter 1,$(SANITIZE)),sanitize,plain)
build/flavor: FORCE
	@mkdir -p build; [ "$$(cat $@ 2>/dev/null)" = "$(FLAVOR)" ] || echo $(FLAVOR) > $@
FORCE:
define STEP_RULE
$(1)/container: $(patsubst %.c,$(B)/%.o,$(wildcard $(1)/*.c)) $(LIB) build/flavor
	$$(CC) $$(LDFLAGS) $$(STEP_LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(STEP_LIBS)
endef
$(foreach s,$(STEPS),$(eval $(call STEP_RULE,$(s))))

TEST_OBJ := $(B)/tests/harness.o $(B)/tests/fixtures.o
$(B)/tests/%: tests/unit/%.c $(TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)
$(B)/tests/%: tests/integration/%.c $(TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

# ---- the default rootfs: busybox-static plus a few files, offline ----
rootfs: $(ROOTFS)/.done build/images/busybox.tar
$(ROOTFS)/.done: tests/mkrootfs.sh tests/chroot_escape.c
	sh tests/mkrootfs.sh $(ROOTFS)
	$(CC) -static -O2 -o $(ESCAPE) tests/chroot_escape.c
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
check: deps deps-vm all rootfs $(UNIT_TESTS) $(INTEG_TESTS)
	B=$(B) TEST_SCOPE="$(TEST_SCOPE)" sh tests/run-all.sh $(UNIT_TESTS) $(INTEG_TESTS) tests/check-tutorial.sh \
		tests/check-v2.sh
# Every integration test and the tutorial check once more on a reader's
# machine: systemd + cgroup v2, a QEMU guest (tests/vm/); part of `make check`.
check-v2: deps-vm all rootfs $(INTEG_TESTS)
	B=$(B) sh tests/check-v2.sh v2
# Every console block of TUTORIAL.md run and compared; excerpts and exercises checked.
check-tutorial: all rootfs
	B=$(B) sh tests/check-tutorial.sh
check-unit: $(UNIT_TESTS)
	sh tests/run-all.sh $(UNIT_TESTS)

# Debian (another release than the host's) from debootstrap, run by step06.
# Needs the Debian mirror; about 35 s; not part of `make check`.
check-distro: deps all
	@command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap
	sh tests/check-distro.sh

# ---- the guided tour ----
demo: deps all rootfs
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
	echo "installing:" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

# check-v2's guest needs qemu and debootstrap, unless this machine is
# systemd + cgroup v2 itself.
deps-vm:
	@if ! { [ "$$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -d /run/systemd/system ]; } && \
	    ! { command -v qemu-system-x86_64 && command -v debootstrap; } >/dev/null; then \
		echo "installing: qemu-system-x86 debootstrap (for check-v2)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends qemu-system-x86 debootstrap; fi

# start-up latency of every step next to crun, runc, bwrap (docs/benchmarks.md)
bench: deps all rootfs
	sh tests/bench.sh

format:
	clang-format -i $(wildcard common/*.[ch] step0*/*.[ch] tests/*.[ch] tests/*/*.[ch])

install: all
	for s in $(STEPS); do \
		install -D -m 755 $$s/container $(DESTDIR)$(PREFIX)/lib/kobako/$$s/container; \
		mkdir -p $(DESTDIR)$(PREFIX)/bin; \
		ln -sf ../lib/kobako/$$s/container $(DESTDIR)$(PREFIX)/bin/kobako-$${s%%_*}; done

clean:
	rm -rf build $(CONTAINERS)

-include $(shell find build -name '*.d' 2>/dev/null)
