# mk/service.mk — installing dlmd as a service: binaries, systemd unit, example configuration, man
# pages, and the C library (clib/, when present). Included by the top-level Makefile; also usable on
# its own:  make -f mk/service.mk install-service PREFIX=/usr DESTDIR=/tmp/stage BIN_DIR=.build/release
#
# Layout (PREFIX defaults to /usr/local, SYSCONFDIR to /etc, both under DESTDIR):
#   $(PREFIX)/sbin/dlmd   $(PREFIX)/bin/dlm_tool   $(UNITDIR)/dlmd.service (ExecStart → $(PREFIX)/sbin/dlmd)
#   $(SYSCONFDIR)/dlmd/dlmd.conf.example   $(MANDIR)/man8/{dlmd,dlm_tool}.8   $(MANDIR)/man5/dlmd.conf.5
#   clib: $(PREFIX)/lib/libdlm*.so*, $(PREFIX)/include/libdlm.h, $(PREFIX)/lib/pkgconfig/libdlm.pc
# An existing $(SYSCONFDIR)/dlmd/dlmd.conf is never touched.

SERVICE_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SERVICE_ROOT   := $(abspath $(SERVICE_MK_DIR)/..)
SWIFT          ?= swift
PREFIX         ?= /usr/local
DESTDIR        ?=
SYSCONFDIR     ?= /etc
UNITDIR        ?= $(PREFIX)/lib/systemd/system
MANDIR         ?= $(PREFIX)/share/man
BIN_DIR        ?= $(shell cd $(SERVICE_ROOT) && $(SWIFT) build --show-bin-path 2>/dev/null)
MAN8_PAGES     := dlmd.8 dlm_tool.8
MAN5_PAGES     := dlmd.conf.5

.PHONY: install-service uninstall-service install-man uninstall-man

install-service: install-man ## Install binaries, unit, example config, man pages and the C library
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/dlmd
	install -m 0755 $(BIN_DIR)/dlmd $(DESTDIR)$(PREFIX)/sbin/dlmd
	install -m 0755 $(BIN_DIR)/dlm_tool $(DESTDIR)$(PREFIX)/bin/dlm_tool
	sed -e 's#/usr/local/sbin/dlmd#$(PREFIX)/sbin/dlmd#g' $(SERVICE_ROOT)/systemd/dlmd.service > $(DESTDIR)$(UNITDIR)/dlmd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dlmd.service
	install -m 0644 $(SERVICE_ROOT)/config/dlmd.conf $(DESTDIR)$(SYSCONFDIR)/dlmd/dlmd.conf.example
	@if [ -f $(SERVICE_ROOT)/clib/Makefile ]; then $(MAKE) -C $(SERVICE_ROOT)/clib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); fi
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

uninstall-service: uninstall-man ## Remove what install-service put in place (keeps dlmd.conf)
	rm -f $(DESTDIR)$(PREFIX)/sbin/dlmd $(DESTDIR)$(PREFIX)/bin/dlm_tool $(DESTDIR)$(UNITDIR)/dlmd.service \
	      $(DESTDIR)$(SYSCONFDIR)/dlmd/dlmd.conf.example
	-rmdir $(DESTDIR)$(SYSCONFDIR)/dlmd 2>/dev/null
	@if [ -f $(SERVICE_ROOT)/clib/Makefile ]; then $(MAKE) -C $(SERVICE_ROOT)/clib uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); fi

install-man: ## Install the man pages dlmd(8), dlm_tool(8), dlmd.conf(5)
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(addprefix $(SERVICE_ROOT)/man/man8/,$(MAN8_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(addprefix $(SERVICE_ROOT)/man/man5/,$(MAN5_PAGES)) $(DESTDIR)$(MANDIR)/man5/

uninstall-man: ## Remove the man pages
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MAN8_PAGES)) $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(MAN5_PAGES))
