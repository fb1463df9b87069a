# ovpnlog — plain Makefile.  `make` builds both programs into $(BUILD)/,
# `make check` runs every test (sanitizer build), `make bench` prints the
# benchmark figures, `make demo` runs the main job on SQLite.

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
SYSCONFDIR	?= /etc
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
UNITDIR		?= /lib/systemd/system
TMPFILESDIR	?= /usr/lib/tmpfiles.d
DESTDIR		?=

CC		?= cc
PKG_CONFIG	?= pkg-config
VERSION		:= 0.1.0

# Backends are compiled in when pkg-config finds their library.
HAVE_PGSQL	:= $(shell $(PKG_CONFIG) --exists libpq && echo 1 || echo 0)
HAVE_MYSQL	:= $(shell $(PKG_CONFIG) --exists libmariadb && echo 1 || \
		     ($(PKG_CONFIG) --exists mysqlclient && echo 1 || echo 0))
MYSQL_PC	:= $(shell $(PKG_CONFIG) --exists libmariadb && echo libmariadb || echo mysqlclient)
WITH_PGSQL	?= $(HAVE_PGSQL)
WITH_MYSQL	?= $(HAVE_MYSQL)

SANITIZE	?= 0
WERROR		?= 0
ifeq ($(SANITIZE),1)
BUILD		?= build/san
else
BUILD		?= build/rel
endif

WARN	= -Wall -Wextra -Wshadow -Wformat=2 -Wformat-truncation=1 \
	  -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	  -Wwrite-strings -Wundef -Wvla -Wimplicit-fallthrough \
	  -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
CSTD	= -std=gnu11 -D_GNU_SOURCE -DOVPNLOG_VERSION='"$(VERSION)"' \
	  -DSYSCONFDIR='"$(SYSCONFDIR)"'
HARDEN	= -fstack-protector-strong -fPIE -fno-strict-overflow
LDHARDEN = -pie -Wl,-z,relro,-z,now
ifeq ($(SANITIZE),1)
OPT	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
LDSAN	= -fsanitize=address,undefined
else
OPT	= -O2 -g -D_FORTIFY_SOURCE=2
LDSAN	=
endif
CFLAGS	?=
LDFLAGS	?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) $(HARDEN) -Icommon -Iflusher -I$(BUILD) $(CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(LDSAN) $(LDFLAGS)

# --- sources -------------------------------------------------------------
COMMON_SRC	:= $(sort $(wildcard common/*.c))
SPOOL_SRC	:= $(sort $(wildcard spool/*.c))
FLUSHER_ALL	:= $(sort $(wildcard flusher/*.c))
FLUSHER_SRC	:= $(filter-out flusher/main.c flusher/backend_pgsql.c \
		     flusher/backend_mysql.c,$(FLUSHER_ALL))
BACKEND_DEFS	:=
FLUSHER_PCS	:= sqlite3 inih
ifeq ($(WITH_PGSQL),1)
FLUSHER_SRC	+= $(wildcard flusher/backend_pgsql.c)
BACKEND_DEFS	+= -DWITH_PGSQL=1
FLUSHER_PCS	+= libpq
endif
ifeq ($(WITH_MYSQL),1)
FLUSHER_SRC	+= $(wildcard flusher/backend_mysql.c)
BACKEND_DEFS	+= -DWITH_MYSQL=1
FLUSHER_PCS	+= $(MYSQL_PC)
endif
FLUSHER_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(FLUSHER_PCS) 2>/dev/null) $(BACKEND_DEFS)
FLUSHER_LIBS	:= $(shell $(PKG_CONFIG) --libs $(FLUSHER_PCS) 2>/dev/null)
# The flusher removes applied files with a few threads (unlinker.h).
FLUSHER_LIBS	+= -pthread

SCHEMA_FILES	:= $(sort $(wildcard schema/*.sql))
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TESTAID_SRC	:= $(sort $(wildcard tests/aid/*.c))
TESTAID_BINS	:= $(patsubst tests/aid/%.c,$(BUILD)/tests/%,$(TESTAID_SRC))

COMMON_OBJ	:= $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC))
SPOOL_OBJ	:= $(patsubst %.c,$(BUILD)/obj/%.o,$(SPOOL_SRC))
FLUSHER_OBJ	:= $(patsubst %.c,$(BUILD)/obj/%.o,$(FLUSHER_SRC)) $(BUILD)/obj/schema_embed.o
MAIN_OBJ	:= $(BUILD)/obj/flusher/main.o

PROGS	:= $(BUILD)/ovpnlog-spool $(BUILD)/ovpnlog

.PHONY: all clean check check-deps test-bins bench demo fuzz install \
	deps lint-man
all: $(PROGS)

$(BUILD)/obj/common/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/spool/%.o: spool/%.c $(wildcard common/*.h spool/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/flusher/%.o: flusher/%.c $(wildcard common/*.h flusher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FLUSHER_CFLAGS) -c -o $@ $<

# Schema files are compiled into the binary so that `ovpnlog init-db`
# works without the source tree.
$(BUILD)/schema_embed.c: $(SCHEMA_FILES) tools/embed-schema.sh
	@mkdir -p $(dir $@)
	sh tools/embed-schema.sh $(SCHEMA_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/schema_embed.o: $(BUILD)/schema_embed.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libflusher.a: $(FLUSHER_OBJ)
	rm -f $@ && ar rcs $@ $^

# The hook links libc only.
$(BUILD)/ovpnlog-spool: $(SPOOL_OBJ) $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/ovpnlog: $(MAIN_OBJ) $(BUILD)/libflusher.a $(BUILD)/libcommon.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FLUSHER_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libflusher.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FLUSHER_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/libflusher.a $(BUILD)/libcommon.a $(FLUSHER_LIBS)

$(BUILD)/tests/%: tests/aid/%.c $(wildcard tests/aid/*.h) $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libcommon.a -pthread

test-bins: $(PROGS) $(UNIT_BINS) $(TESTAID_BINS)

# --- tests ---------------------------------------------------------------
# Installs what the tests need (as root), builds the sanitizer build with
# warnings as errors, also checks the release build compiles cleanly,
# then runs every test.  The last line is "N passed, N failed".
check:
	@sh tools/deps.sh test
	$(MAKE) --no-print-directory WERROR=1 all
	$(MAKE) --no-print-directory SANITIZE=1 WERROR=1 test-bins
	@bash tests/run.sh build/san

bench:
	@sh tools/deps.sh test
	$(MAKE) --no-print-directory all test-bins
	@bash bench/run.sh build/rel

demo:
	@sh tools/deps.sh demo
	$(MAKE) --no-print-directory all
	@bash tools/demo.sh build/rel

deps:
	@sh tools/deps.sh test

FUZZ_SRC	:= $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS	?= 20
fuzz:
	@bash fuzz/run.sh $(FUZZ_SECONDS)

lint-man:
	@for m in man/*.[0-9]; do mandoc -Tlint -W warning $$m || exit 1; done

# --- install -------------------------------------------------------------
# Units and the OpenVPN snippet name the installed programs: @SBINDIR@
# (and @DATADIR@) are replaced at install time.  An existing config is
# never overwritten (the new one goes next to it as .example).  As root
# on the live system (no DESTDIR) the config gets group ovpnlog when that
# group exists, so the flusher can read it and others cannot.
SYSUSERSDIR	?= /usr/lib/sysusers.d
DOCDIR		?= $(DATADIR)/doc/ovpnlog
SUBST		= sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/ovpnlog/schema \
		$(DESTDIR)$(SYSCONFDIR)/ovpnlog
	install -m 0755 $(BUILD)/ovpnlog-spool $(BUILD)/ovpnlog $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(SCHEMA_FILES) $(DESTDIR)$(DATADIR)/ovpnlog/schema/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ovpnlog/ovpnlog.ini ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/ovpnlog/ovpnlog.ini"; \
		install -m 0640 etc/ovpnlog.ini $(DESTDIR)$(SYSCONFDIR)/ovpnlog/ovpnlog.ini.example; \
	else \
		install -m 0640 etc/ovpnlog.ini $(DESTDIR)$(SYSCONFDIR)/ovpnlog/ovpnlog.ini; \
		if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && getent group ovpnlog >/dev/null; then \
			chgrp ovpnlog $(SYSCONFDIR)/ovpnlog/ovpnlog.ini; fi; \
	fi
	@if [ -d etc/systemd ]; then \
		install -d $(DESTDIR)$(UNITDIR) && \
		for u in etc/systemd/*; do \
			$(SUBST) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
			chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
			mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
		done; fi
	@if [ -f etc/tmpfiles.d/ovpnlog.conf ]; then \
		install -d $(DESTDIR)$(TMPFILESDIR) && \
		install -m 0644 etc/tmpfiles.d/ovpnlog.conf $(DESTDIR)$(TMPFILESDIR)/; fi
	@if [ -f etc/sysusers.d/ovpnlog.conf ]; then \
		install -d $(DESTDIR)$(SYSUSERSDIR) && \
		install -m 0644 etc/sysusers.d/ovpnlog.conf $(DESTDIR)$(SYSUSERSDIR)/; fi
	@if [ -f etc/openvpn-server.conf.snippet ]; then \
		$(SUBST) etc/openvpn-server.conf.snippet > $(DESTDIR)$(DATADIR)/ovpnlog/openvpn-server.conf.snippet && \
		chmod 0644 $(DESTDIR)$(DATADIR)/ovpnlog/openvpn-server.conf.snippet; fi
	@for d in doc/*.md; do [ -f "$$d" ] || continue; \
		install -d $(DESTDIR)$(DOCDIR) && \
		install -m 0644 $$d $(DESTDIR)$(DOCDIR)/ || exit 1; done
	@for m in man/*.[0-9]; do [ -f "$$m" ] || continue; \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done

clean:
	rm -rf build
