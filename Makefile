# nsession — build with pkg-config; see README.md.
#   make                 build everything into $(O)
#   make check           build and run the cmocka unit tests (no root needed)
#   make fuzz            clang: libFuzzer targets, FUZZ_TIME=30 s each (fuzz/README.md)
#   make integration     root: run tests/integration against a temporary install
#   make integration-asan  root: the same against an ASan+UBSan helper (clang)
#   make network         root: isolation between users in veth, nat and bridge, IPv6, egress, DNS (tests/network)
#   make cgroup          root: pids_max, memory_max, cpu_weight, cgroup ns (tests/cgroup)
#   make e2e             root: real sshd/su/login/pamtester logins (tests/e2e)
#   make bench           root: benchmarks, prints a table (bench/README.md)
#   make install DESTDIR=... PREFIX=...   (the helper is installed setuid root;
#                        PREFIX=/usr: Debian's paths, module in /usr/lib/<multiarch>/security)
#   make uninstall DESTDIR=... PREFIX=...   what install put there; keeps an edited
#                        /etc/nsession.conf; refused while /etc/pam.d names pam_nsession
#   make deb             build the Debian package from a clean copy into $(O)/deb/
#   make package-test    root: build, install, use, purge the package (tests/package)
#
# Paths the setuid helper trusts are compiled in (never taken from the
# environment): NSESSION_CONFIG and NSESSION_STATEDIR. Tests build a separate
# tree with their own values (O=..., SYSCONFDIR=..., RUNSTATEDIR=...).

PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/libexec/nsession
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
RUNSTATEDIR ?= /run
SUBUID_FILE ?= /etc/subuid
SUBGID_FILE ?= /etc/subgid
# The system's PAM modules: /usr/lib/<multiarch>/security for PREFIX=/usr.
ifeq ($(origin MULTIARCH),undefined)
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch 2>/dev/null)
endif
ifeq ($(PREFIX),/usr)
PAMDIR      ?= /usr/lib/$(MULTIARCH)/security
else
PAMDIR      ?= $(PREFIX)/lib/security
endif
# pam-auth-update(8) profile (read from /usr/share/pam-configs only).
PAMCONFDIR  ?= $(PREFIX)/share/pam-configs
# Admin programs built into $(O), installed 0755 to $(SBINDIR).
SBIN_PROGS  := nsessionctl
O           ?= build
VERSION     := 0.1

# libnetfilter_conntrack: conntrack.c forgets a session address's entries.
PKGS := libcap libseccomp libnl-3.0 libnl-route-3.0 libnetfilter_conntrack
# libnftables and libsystemd: their headers only; nft.c dlopen()s libnftables
# when a nat session needs it, systemd.c libsystemd in the monitor on a
# systemd host.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libnftables libsystemd)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
PAM_CFLAGS := $(shell pkg-config --cflags pam libcap libseccomp)
PAM_LIBS   := $(shell pkg-config --libs pam libcap libseccomp)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CC ?= cc
OPT ?= -O2
SAN ?=
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 -Wshadow \
          -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter \
          -fstack-protector-strong -fstack-clash-protection -fPIE -fno-strict-aliasing $(SAN) \
          -Iconf -Ilib -Ihelper -DNSESSION_VERSION='"$(VERSION)"' \
          -DNSESSION_CONFIG='"$(SYSCONFDIR)/nsession.conf"' \
          -DNSESSION_STATEDIR='"$(RUNSTATEDIR)/nsession"' \
          -DNSESSION_RUN_USER='"$(RUNSTATEDIR)/user"' \
          -DNSESSION_KEEPER='"$(LIBEXECDIR)/nsession-keeper"' \
          -DNSESSION_MONITOR='"$(LIBEXECDIR)/nsession-monitor"' \
          -DNSESSION_SUBUID='"$(SUBUID_FILE)"' -DNSESSION_SUBGID='"$(SUBGID_FILE)"'
# Not with ASan: glibc's __memcpy_chk & co. are not intercepted, so a
# fortified memcpy into a fixed array would hide an over-read from ASan.
ifeq ($(findstring -O0,$(OPT))$(findstring address,$(SAN)),)
CFLAGS += -D_FORTIFY_SOURCE=2
endif
LDFLAGS += -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SAN)

# Pure code: parsers, builders, allocators. No privilege, fully unit-tested.
CORE_SRC := conf/nsconf.c conf/nsconf_keys.c conf/nsconf_net.c conf/template.c \
            lib/subid.c lib/idmap.c lib/args.c \
            lib/addrpool.c lib/session_state.c lib/nftrules.c lib/util.c \
            lib/cgroupfmt.c lib/resolvgen.c lib/nskind.c lib/spawn.c
# Shared by the setuid helper and nsession-monitor: starting the monitor
# program (monexec.c), dropping capabilities.
SHARED_SRC := helper/monexec.c helper/privs.c
# The setuid helper: only what must run in the caller's own process: argv,
# the environment, limits and fds (main.c), handing the verb to
# nsession-monitor and, for run, entering the session it hands back
# (enter.c). `scripts/setuid-lines.sh` counts what it links.
HELPER_SRC := helper/main.c helper/enter.c helper/ttyguard.c helper/jobctl.c $(SHARED_SRC)
# nsession-monitor (root only, not setuid, exec'd by the helper): the
# caller's verbs (call.c, resolve.c, and with nsessionctl the session's
# state, procfs identity, finding and joining, the cgroup entry), building
# the session, running it, tearing it down.
SESSION_SRC := helper/state_io.c helper/procfs.c helper/userlock.c helper/join.c helper/spec.c \
               helper/cgroup_fs.c helper/systemd.c helper/userpolicy.c
MONITOR_SRC := helper/monitor.c helper/call.c helper/resolve.c helper/proctitle.c \
               helper/monitor_setup.c helper/network.c helper/stale.c \
               helper/keeper.c helper/netlink.c helper/mounts.c helper/nft.c \
               helper/conntrack.c helper/cgroup.c helper/dnsfiles.c helper/state_write.c \
               $(SESSION_SRC) $(SHARED_SRC)

# Test builds only: `make FAULT_FILE=/abs/path` compiles in the kill points
# of helper/fault.h for tests/hostile. Never set for an installed helper.
FAULT_FILE ?=
ifneq ($(FAULT_FILE),)
CFLAGS += -DNSESSION_FAULT_FILE='"$(FAULT_FILE)"'
HELPER_SRC += helper/fault.c
MONITOR_SRC += helper/fault.c
endif

CORE_OBJ   := $(CORE_SRC:%.c=$(O)/%.o)
HELPER_OBJ := $(HELPER_SRC:%.c=$(O)/%.o)
MONITOR_OBJ := $(MONITOR_SRC:%.c=$(O)/%.o)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)

all: $(O)/nsession-helper $(O)/nsession-monitor $(O)/nsession-keeper $(O)/pam_nsession.so $(O)/nsessionctl

$(O)/%.o: %.c $(wildcard conf/*.h lib/*.h helper/*.h ctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(O)/libnscore.a: $(CORE_OBJ)
	$(AR) rcs $@ $^

$(O)/nsession-helper: $(HELPER_OBJ) $(O)/libnscore.a
	$(CC) $(LDFLAGS) $(LDFLAGS_TRACE) -o $@ $^ $(PKG_LIBS)

$(O)/nsession-monitor: $(MONITOR_OBJ) $(O)/libnscore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The keeper's idle loop (helper/keeper_idle.c), exec'd by the keeper once
# the session is set up: static, so what stays resident for the session's
# lifetime is small; never with a sanitizer (no static ASan runtime), and
# not setuid (installed 0711, see keeper_idle.c).
KEEPER_CFLAGS := $(filter-out $(SAN),$(CFLAGS))
$(O)/nsession-keeper: helper/keeper_idle.c helper/monwire.h
	@mkdir -p $(dir $@)
	$(CC) $(KEEPER_CFLAGS) -static-pie -o $@ $< -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

# The helper execs the monitor, the monitor the keeper, at paths compiled
# in from LIBEXECDIR: their objects are rebuilt when LIBEXECDIR changes (the
# stamp the module uses).
$(HELPER_OBJ) $(MONITOR_OBJ): $(O)/pam/helper-path

# The admin tool (root only, not setuid): the caller's code for reading
# records, joining and terminating (join.c starts nsession-monitor for a
# clean-up), the netlink and nft code for `show`.
CTL_OBJ := $(O)/ctl/nsessionctl.o $(O)/ctl/nsessionctl_show.o $(O)/helper/netlink.o \
           $(O)/helper/nft.o $(O)/helper/ttyguard.o $(O)/helper/jobctl.o \
           $(SESSION_SRC:%.c=$(O)/%.o) $(SHARED_SRC:%.c=$(O)/%.o) $(if $(FAULT_FILE),$(O)/helper/fault.o)
$(O)/nsessionctl: $(CTL_OBJ) $(O)/libnscore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The PAM module: loaded into sshd, su, login. Of the helper it links only
# privs.c; it runs the helper (path compiled in) and speaks pamwire.h.
$(O)/pam/pam_nsession.o: pam_module/pam_nsession.c lib/pamwire.h helper/privs.h helper/ttyguard.h \
                         $(O)/pam/helper-path
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PAM_CFLAGS) \
	  -DNSESSION_HELPER='"$(LIBEXECDIR)/nsession-helper"' -c -o $@ $<

# Rebuild the module whenever LIBEXECDIR changes (`make && make install
# PREFIX=/usr` must not install a module that runs /usr/local/...).
$(O)/pam/helper-path: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIBEXECDIR)/nsession-helper' | cmp -s - $@ || echo '$(LIBEXECDIR)/nsession-helper' >$@

# privs.c and ttyguard.c are shared with the helper (libcap, libseccomp).
$(O)/pam/%.o: helper/%.c helper/%.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PAM_CFLAGS) -c -o $@ $<

$(O)/pam/nskind.o: lib/nskind.c lib/nskind.h lib/pamwire.h conf/nsconf.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PAM_CFLAGS) -c -o $@ $<

$(O)/pam_nsession.so: $(O)/pam/pam_nsession.o $(O)/pam/privs.o $(O)/pam/ttyguard.o $(O)/pam/nskind.o
	$(CC) -shared -Wl,-z,defs -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SAN) \
	  -Wl,--version-script=pam_module/pam_nsession.map -o $@ $^ $(PAM_LIBS)

# The module's unit test includes pam_module/pam_nsession.c itself.
$(O)/tests/test_pam: tests/unit/test_pam.c pam_module/pam_nsession.c lib/pamwire.h helper/privs.c helper/ttyguard.c lib/nskind.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $(PAM_CFLAGS) -DNSESSION_HELPER='"/nonexistent/nsession-helper"' \
	  -o $@ $< helper/privs.c helper/ttyguard.c lib/nskind.c $(LDFLAGS) $(CMOCKA_LIBS) $(PAM_LIBS)

$(O)/tests/%: tests/unit/%.c $(O)/libnscore.a $(wildcard conf/*.h lib/*.h helper/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(O)/libnscore.a $(LDFLAGS) $(CMOCKA_LIBS)

check: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

# The unit tests again under AddressSanitizer and UBSan, in their own tree.
check-asan:
	$(MAKE) check O=$(O)/asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

# libFuzzer targets (fuzz/README.md), clang only, in their own tree: every
# object is built with coverage, ASan and UBSan. `make fuzz` checks the
# seeds (fuzz-seeds), then runs each target for FUZZ_TIME seconds on a copy
# of fuzz/corpus/TARGET in $(FUZZ_O)/run/, where crash artifacts go too,
# and fails if any target finds one.
FUZZ_TIME    ?= 30
FUZZ_TARGETS := config subid state args resolv
FUZZ_O       := $(O)/fuzz
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(O)/fuzz_%: fuzz/fuzz_%.c $(O)/libnscore.a $(wildcard conf/*.h lib/*.h helper/*.h)
	$(CC) $(CFLAGS) -o $@ $< $(O)/libnscore.a $(LDFLAGS)

fuzz-build:
	$(MAKE) O=$(FUZZ_O) CC=clang OPT="-O1 -fno-omit-frame-pointer" SAN="$(FUZZ_SAN)" \
	  $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz_%)

# The seed check (fuzz/seedcheck.c, normal compiler, no libFuzzer): every
# file in fuzz/corpus/TARGET is accepted, or refused with the message,
# that fuzz/corpus/TARGET.expect says. A seed refused at its first line
# (say, after a format change) would leave the fuzzer nothing to explore.
$(O)/seedcheck: fuzz/seedcheck.c $(O)/libnscore.a $(wildcard conf/*.h lib/*.h helper/*.h)
	$(CC) $(CFLAGS) -o $@ $< $(O)/libnscore.a $(LDFLAGS)

fuzz-seeds: $(O)/seedcheck
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  $(O)/seedcheck $$t fuzz/corpus/$$t fuzz/corpus/$$t.expect || fail=1; \
	done; exit $$fail

.PHONY: fuzz-seeds

fuzz: fuzz-seeds fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  run=$(FUZZ_O)/run/$$t; rm -rf $$run; mkdir -p $$run/crashes; \
	  cp -R fuzz/corpus/$$t $$run/corpus; \
	  dict=; [ ! -f fuzz/$$t.dict ] || dict=-dict=fuzz/$$t.dict; \
	  echo "== fuzz_$$t: $(FUZZ_TIME)s, log $$run/log"; \
	  if UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_O)/fuzz_$$t $$dict \
	       -max_total_time=$(FUZZ_TIME) -timeout=10 -print_final_stats=1 \
	       -artifact_prefix=$$run/crashes/ $$run/corpus >$$run/log 2>&1; then \
	    grep -E '^#[0-9]+[[:space:]]+DONE' $$run/log; \
	  else \
	    fail=1; tail -n 80 $$run/log; echo "fuzz_$$t FAILED; input(s) in $$run/crashes/:"; \
	    ls -l $$run/crashes; \
	  fi; \
	done; exit $$fail

integration: all
	tests/integration/run.sh

# root: isolation between users in veth, nat and bridge mode, anti-spoofing,
# egress, IPv6, DNS, teardown (nftables, a test bridge; tests/network).
network: all
	tests/network/run.sh

# root: the integration suite against a helper built with ASan+UBSan. It is
# built by scripts/lib.sh (private_install, NSESSION_SAN=1) in the test's own
# temporary tree (O=DIR/build), never in $(O), and fails if any helper
# process wrote a sanitizer report. A sanitizer runtime honours options from
# the environment (log_path= makes a setuid-root process write its report
# wherever the caller says), so a sanitized setuid helper must never be
# installed outside a test tree; `make install` refuses SAN= builds (below).
integration-asan:
	NSESSION_SAN=1 tests/integration/run.sh

# root: session cgroups: a fork bomb and a memory hog contained (tests/cgroup).
cgroup: all
	tests/cgroup/run.sh

# root: real sshd, su, login and pamtester with pam_nsession in their stacks.
e2e: all
	tests/e2e/run.sh

# Benchmarks (bench/README.md): root; prints the table. nsbench is the
# timing driver, never installed.
$(O)/nsbench: bench/nsbench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

bench:
	bench/run

# A sanitizer runtime takes options (log_path=...) from the environment and a
# fault build kills itself on request: neither may ever be installed setuid.
# (Also checked on the binaries themselves, for a SAN= build left in $(O).)
ifneq ($(filter install,$(MAKECMDGOALS)),)
ifneq ($(strip $(SAN)$(FAULT_FILE)),)
$(error make install: refusing a SAN= or FAULT_FILE= build, they are for tests only)
endif
endif
install: all $(SBIN_PROGS:%=$(O)/%)
	@if grep -qa -e __asan_init -e __ubsan_handle_ $(O)/nsession-helper $(O)/nsession-monitor $(O)/pam_nsession.so; then \
	  echo "make install: $(O) holds a sanitizer build, refusing to install it" >&2; exit 1; fi
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PAMCONFDIR)
	install -o root -g root -m 4755 $(O)/nsession-helper $(DESTDIR)$(LIBEXECDIR)/nsession-helper
	install -o root -g root -m 0700 $(O)/nsession-monitor $(DESTDIR)$(LIBEXECDIR)/nsession-monitor
	install -o root -g root -m 0711 $(O)/nsession-keeper $(DESTDIR)$(LIBEXECDIR)/nsession-keeper
	install -d $(DESTDIR)$(PAMDIR)
	install -o root -g root -m 0644 $(O)/pam_nsession.so $(DESTDIR)$(PAMDIR)/pam_nsession.so
	for p in $(SBIN_PROGS); do install -D -o root -g root -m 0755 $(O)/$$p $(DESTDIR)$(SBINDIR)/$$p || exit 1; done
	for m in man/*.5 man/*.8; do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; done
	install -m 0644 conf/pam-configs/nsession $(DESTDIR)$(PAMCONFDIR)/nsession
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/nsession.conf ]; then \
	  install -d $(DESTDIR)$(SYSCONFDIR); \
	  install -o root -g root -m 0644 conf/nsession.conf.example $(DESTDIR)$(SYSCONFDIR)/nsession.conf; \
	else echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/nsession.conf"; fi

# Remove what `make install` put there (the same PREFIX, DESTDIR and other
# directories). Refused while a PAM configuration under DESTDIR/etc/pam.d
# still names pam_nsession (every login would then fail to load it: run
# `pam-auth-update --disable nsession` first). The policy file goes only
# if it is still the shipped example: an edited one is the admin's.
uninstall:
	@if grep -rqs pam_nsession $(DESTDIR)/etc/pam.d; then \
	  echo "make uninstall: $(DESTDIR)/etc/pam.d still uses pam_nsession:" \
	    "run pam-auth-update --disable nsession first" >&2; exit 1; fi
	rm -f $(DESTDIR)$(LIBEXECDIR)/nsession-helper $(DESTDIR)$(LIBEXECDIR)/nsession-monitor \
	  $(DESTDIR)$(LIBEXECDIR)/nsession-keeper
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	rm -f $(DESTDIR)$(PAMDIR)/pam_nsession.so
	for p in $(SBIN_PROGS); do rm -f $(DESTDIR)$(SBINDIR)/$$p; done
	for m in man/*.5 man/*.8; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done
	rm -f $(DESTDIR)$(PAMCONFDIR)/nsession
	@f=$(DESTDIR)$(SYSCONFDIR)/nsession.conf; \
	if [ -e "$$f" ] && cmp -s conf/nsession.conf.example "$$f"; then rm -f "$$f"; \
	elif [ -e "$$f" ]; then echo "keeping $$f (it differs from the shipped example)"; fi

# The Debian package (debian/), built by dpkg-buildpackage in a copy of the
# files git knows (tracked, or new and not ignored) under $(O)/deb/, so the
# work tree stays clean; the .deb lands in $(O)/deb/. In a clean environment:
# make exports command-line variables, and O=, PREFIX=, SYSCONFDIR= ... must
# not reach the package's own build (its `make clean` would remove $(O)).
deb:
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make deb: needs a git checkout" >&2; exit 1; }
	rm -rf $(O)/deb && mkdir -p $(O)/deb/nsession-$(VERSION)
	git ls-files -z --cached --others --exclude-standard | \
	  xargs -0 sh -c 'for f; do [ ! -e "$$f" ] || printf "%s\0" "$$f"; done' sh | \
	  tar --null -T - -cf - | tar -xf - -C $(O)/deb/nsession-$(VERSION)
	cd $(O)/deb/nsession-$(VERSION) && \
	  env -i PATH="$$PATH" HOME="$$HOME" DEB_BUILD_OPTIONS="$$DEB_BUILD_OPTIONS" \
	  dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
	  { tail -n 40 ../build.log; exit 1; }
	rm -rf $(O)/deb/nsession-$(VERSION)
	@ls $(O)/deb/*.deb

# root: tests/package/run.sh (builds with `make deb` itself).
package-test:
	tests/package/run.sh

# root: a Debian 12 guest with systemd (qemu, TCG): the package installed,
# logins checked there (tests/systemd-host)
systemd-host:
	tests/systemd-host/run.sh

clean:
	rm -rf $(O)

.PHONY: uninstall all check check-asan fuzz fuzz-build integration integration-asan network cgroup e2e bench install deb package-test systemd-host clean FORCE
