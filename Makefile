# dlmd — build, run and test. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT       ?= swift
CONFIG      ?= config/single-node.conf
PREFIX      ?= /usr/local
DESTDIR     ?=
BIN_DIR     := $(shell $(SWIFT) build --show-bin-path 2>/dev/null)
# libdlm-dev: Debian's libdlm.h, which the C tests compile against; libsystemd-dev: sd_notify;
# systemd, groff-base, man-db: the unit-file and man-page checks in the tests.
DEB_PACKAGES = libdlm-dev pkg-config libsystemd-dev systemd groff-base man-db
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps build run test test-swift test-c test-cluster-c test-fuzz test-nemesis nemesis soak fuzz cluster cluster-status cluster-stop sim bench compare install uninstall clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: ## Install missing Debian packages
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps ## Build dlmd, dlm_tool, the Swift library and the C library
	$(SWIFT) build
	$(MAKE) -s -C clib all

run: build ## Start a single-node dlmd on ./run/dlmd.sock (Ctrl-C stops it)
	@mkdir -p run
	@echo "dlmd: socket $(CURDIR)/run/dlmd.sock — try: DLMD_SOCKET=run/dlmd.sock $(BIN_DIR)/dlm_tool lock demo res1 --hold 2"
	exec $(BIN_DIR)/dlmd --config $(CONFIG) --foreground

test: build test-swift test-c test-cluster-c test-fuzz test-nemesis ## Build and run every test

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

test-c:
	$(MAKE) -C clib test DLMD=$(BIN_DIR)/dlmd

# dlm-nemesis (docs/nemesis.md): real dlmd processes, fault-injecting proxies on every peer link.
NEMESIS_SEED     ?= 1
NEMESIS_FAULTS   ?= all
SOAK_SECONDS     ?= 600
SOAK_FAULTS      ?= all

test-nemesis: ## Short seeded nemesis run (25 s of every fault kind, kill -9 included; part of `make test`)
	$(SWIFT) build --product dlm-nemesis
	$(SWIFT) build --product dlmd
	timeout 180 $(BIN_DIR)/dlm-nemesis --duration 25 --seed $(NEMESIS_SEED) --faults $(NEMESIS_FAULTS)

nemesis: ## A nemesis run: NEMESIS_SEED, NEMESIS_FAULTS (default all; or survivable, or a list), 60 s, journal printed
	$(SWIFT) build --product dlm-nemesis
	$(SWIFT) build --product dlmd
	timeout 300 $(BIN_DIR)/dlm-nemesis --duration 60 --seed $(NEMESIS_SEED) --faults $(NEMESIS_FAULTS) --verbose

soak: ## Long nemesis run (SOAK_SECONDS, default 600; SOAK_FAULTS default all: adds kill -9 and long pauses; 5 nodes)
	$(SWIFT) build --product dlm-nemesis
	$(SWIFT) build --product dlmd
	timeout $$(( $(SOAK_SECONDS) + 300 )) $(BIN_DIR)/dlm-nemesis --duration $(SOAK_SECONDS) --nodes 5 \
	    --seed $(NEMESIS_SEED) --faults $(SOAK_FAULTS) --verbose

test-fuzz: ## Bounded libFuzzer pass over both decoders (10 s each); `make -C fuzz long` for more
	$(MAKE) -C fuzz smoke SMOKE_SECONDS=10

fuzz: ## Long libFuzzer run over both decoders (LONG_SECONDS, default 600)
	$(MAKE) -C fuzz long

test-cluster-c: ## C library cross-node bast/LVB test on a private three-node cluster
	BIN_DIR=$(BIN_DIR) scripts/cluster-c-test.sh

cluster: build ## Start three local dlmd nodes (sockets run/node{1,2,3}.sock)
	BIN_DIR=$(BIN_DIR) scripts/cluster.sh start

cluster-status: ## Show each local node's dlm_tool status
	BIN_DIR=$(BIN_DIR) scripts/cluster.sh status

cluster-stop: ## Stop the nodes started by `make cluster` (by recorded PID)
	BIN_DIR=$(BIN_DIR) scripts/cluster.sh stop

SEED  ?= 1
SEEDS ?= 2000

sim: ## Replay one simulated cluster schedule (SEED=N), or a batch with SEEDS=N: make sim SEEDS=5000
	$(SWIFT) build --product dlm-sim
	@if [ "$(origin SEEDS)" = "command line" ]; then $(BIN_DIR)/dlm-sim --seeds $(SEEDS); \
	 else $(BIN_DIR)/dlm-sim --seed $(SEED); fi

bench: build ## Run dlm-bench (release build) against a private dlmd; table + JSON lines
	$(MAKE) -C bench run

compare: build ## dlm-bench side by side with private redis-server, etcd and ZooKeeper (installs their Debian packages)
	@for p in redis-server libhiredis-dev etcd-server zookeeper python3-kazoo python3-etcd3; do dpkg -s $$p >/dev/null 2>&1 || { $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$p; }; done
	$(MAKE) -C bench compare

include mk/service.mk
include mk/sanitize.mk

install: build install-service ## Install binaries, libraries, header, unit, man pages, example config (PREFIX, DESTDIR)

uninstall: uninstall-service ## Remove what install put in place

clean: ## Remove build products
	$(SWIFT) package clean
	$(MAKE) -C clib clean
	rm -rf run
