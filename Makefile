# dlmd — build, run and test. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT       ?= swift
CONFIG      ?= config/single-node.conf
PREFIX      ?= /usr/local
DESTDIR     ?=
BIN_DIR      = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)
DEB_PACKAGES = libdlm-dev pkg-config
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps build run test test-swift test-c cluster sim bench install uninstall clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## Install missing Debian packages (libdlm-dev for the C tests' reference header)
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps ## Build dlmd, dlm_tool, the Swift library and the C library
	$(SWIFT) build
	@if [ -f clib/Makefile ]; then $(MAKE) -s -C clib all; fi

run: build ## Start a single-node dlmd on ./run/dlmd.sock (Ctrl-C stops it)
	@mkdir -p run
	@echo "dlmd: socket $(CURDIR)/run/dlmd.sock — try: DLMD_SOCKET=run/dlmd.sock $(BIN_DIR)/dlm_tool lock demo res1 --hold 2"
	exec $(BIN_DIR)/dlmd --config $(CONFIG) --foreground

test: build test-swift test-c ## Build and run every test

test-swift:
	$(SWIFT) test

test-c:
	@if [ -f clib/Makefile ]; then $(MAKE) -C clib test DLMD=$(BIN_DIR)/dlmd; fi

install: build ## Install binaries, libraries, header, unit and example config (PREFIX, DESTDIR)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)/etc/dlmd
	install -m 0755 $(BIN_DIR)/dlmd $(DESTDIR)$(PREFIX)/sbin/dlmd
	install -m 0755 $(BIN_DIR)/dlm_tool $(DESTDIR)$(PREFIX)/bin/dlm_tool
	install -m 0644 systemd/dlmd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/dlmd.service
	install -m 0644 config/dlmd.conf $(DESTDIR)/etc/dlmd/dlmd.conf.example
	@if [ -f clib/Makefile ]; then $(MAKE) -C clib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); fi

uninstall: ## Remove what install put in place
	rm -f $(DESTDIR)$(PREFIX)/sbin/dlmd $(DESTDIR)$(PREFIX)/bin/dlm_tool \
	      $(DESTDIR)$(PREFIX)/lib/systemd/system/dlmd.service $(DESTDIR)/etc/dlmd/dlmd.conf.example
	@if [ -f clib/Makefile ]; then $(MAKE) -C clib uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR); fi

clean: ## Remove build products
	$(SWIFT) package clean
	@if [ -f clib/Makefile ]; then $(MAKE) -C clib clean; fi
	rm -rf run
