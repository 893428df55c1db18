# nsession — build with pkg-config; see README.md.
#   make                 build everything into $(O)
#   make check           build and run the cmocka unit tests (no root needed)
#   make integration     root: run tests/integration against a temporary install
#   make e2e             root: real sshd/su/login/pamtester logins (tests/e2e)
#   make install DESTDIR=... PREFIX=...   (the helper is installed setuid root)
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
PAMDIR      ?= $(PREFIX)/lib/security
O           ?= build

PKGS := libcap libnl-3.0 libnl-route-3.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
PAM_CFLAGS := $(shell pkg-config --cflags pam libcap)
PAM_LIBS   := $(shell pkg-config --libs pam libcap)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CC ?= cc
OPT ?= -O2
SAN ?=
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 -Wshadow \
          -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter \
          -fstack-protector-strong -fPIE -fno-strict-aliasing $(SAN) \
          -Iconf -Ihelper \
          -DNSESSION_CONFIG='"$(SYSCONFDIR)/nsession.conf"' \
          -DNSESSION_STATEDIR='"$(RUNSTATEDIR)/nsession"' \
          -DNSESSION_SUBUID='"$(SUBUID_FILE)"' -DNSESSION_SUBGID='"$(SUBGID_FILE)"'
ifneq ($(findstring -O0,$(OPT)),-O0)
CFLAGS += -D_FORTIFY_SOURCE=2
endif
LDFLAGS += -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SAN)

# Pure code: parsers, builders, allocators. No privilege, fully unit-tested.
CORE_SRC := conf/nsconf.c conf/template.c helper/subid.c helper/idmap.c helper/args.c \
            helper/addrpool.c helper/session_state.c conf/util.c
# Privileged code of the setuid helper.
HELPER_SRC := helper/main.c helper/session.c helper/keeper.c helper/netlink.c \
              helper/mounts.c helper/state_io.c helper/privs.c helper/proctitle.c

CORE_OBJ   := $(CORE_SRC:%.c=$(O)/%.o)
HELPER_OBJ := $(HELPER_SRC:%.c=$(O)/%.o)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)

all: $(O)/nsession-helper $(O)/pam_nsession.so

$(O)/%.o: %.c $(wildcard conf/*.h helper/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(O)/libnscore.a: $(CORE_OBJ)
	$(AR) rcs $@ $^

$(O)/nsession-helper: $(HELPER_OBJ) $(O)/libnscore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The PAM module: loaded into sshd, su, login. Of the helper it links only
# privs.c; it runs the helper (path compiled in) and speaks pamwire.h.
$(O)/pam/pam_nsession.o: pam/pam_nsession.c helper/pamwire.h helper/privs.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PAM_CFLAGS) \
	  -DNSESSION_HELPER='"$(LIBEXECDIR)/nsession-helper"' -c -o $@ $<

# privs.c is shared with the helper (it needs only libcap).
$(O)/pam/privs.o: helper/privs.c helper/privs.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PAM_CFLAGS) -c -o $@ $<

$(O)/pam_nsession.so: $(O)/pam/pam_nsession.o $(O)/pam/privs.o
	$(CC) -shared -Wl,-z,defs -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SAN) \
	  -Wl,--version-script=pam/pam_nsession.map -o $@ $^ $(PAM_LIBS)

# The module's unit test includes pam/pam_nsession.c itself.
$(O)/tests/test_pam: tests/unit/test_pam.c pam/pam_nsession.c helper/pamwire.h helper/privs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $(PAM_CFLAGS) -DNSESSION_HELPER='"/nonexistent/nsession-helper"' \
	  -o $@ $< helper/privs.c $(LDFLAGS) $(CMOCKA_LIBS) $(PAM_LIBS)

$(O)/tests/%: tests/unit/%.c $(O)/libnscore.a $(wildcard conf/*.h helper/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(O)/libnscore.a $(LDFLAGS) $(CMOCKA_LIBS)

check: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

# The unit tests again under AddressSanitizer and UBSan, in their own tree.
check-asan:
	$(MAKE) check O=$(O)/asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

integration: all
	tests/integration/run.sh

# root: real sshd, su, login and pamtester with pam_nsession in their stacks.
e2e: all
	tests/e2e/run.sh

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -o root -g root -m 4755 $(O)/nsession-helper $(DESTDIR)$(LIBEXECDIR)/nsession-helper
	install -d $(DESTDIR)$(PAMDIR)
	install -o root -g root -m 0644 $(O)/pam_nsession.so $(DESTDIR)$(PAMDIR)/pam_nsession.so
	install -m 0644 man/pam_nsession.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/nsession.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/nsession-helper.8 $(DESTDIR)$(MANDIR)/man8/
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/nsession.conf ]; then \
	  install -d $(DESTDIR)$(SYSCONFDIR); \
	  install -o root -g root -m 0644 conf/nsession.conf.example $(DESTDIR)$(SYSCONFDIR)/nsession.conf; \
	else echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/nsession.conf"; fi

clean:
	rm -rf $(O)

.PHONY: all check check-asan integration e2e install clean
