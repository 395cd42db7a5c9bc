# mk/sanitize.mk — the test suites under sanitizers. Included by the top-level Makefile; also usable
# on its own:  make -f mk/sanitize.mk sanitize
#
#   make sanitize             all four runs below, one after the other
#   make sanitize-swift-thread  swift build/test --sanitize=thread   (scratch path .build-tsan)
#   make sanitize-swift-address swift build/test --sanitize=address  (scratch path .build-asan)
#   make sanitize-c-address     clib tests, library and tests built with -fsanitize=address
#                               (clib/build-asan), against the ASan-built dlmd
#   make sanitize-c-thread      clib tests with -fsanitize=thread (clib/build-tsan), against the
#                               TSan-built dlmd (die_after_fork=0: t_bast forks a child after
#                               starting the library thread; the child only locks and exits)
#
# SANITIZE_FILTER=regex limits the Swift runs to matching tests (swift test --filter). Each sanitizer
# stops the process at its first report (halt_on_error), so a report fails the run. Expect a long
# first build: each scratch path builds everything, dependencies included.

SANITIZE_MK_DIR  := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SANITIZE_ROOT    := $(abspath $(SANITIZE_MK_DIR)/..)
SWIFT            ?= swift
SANITIZE_FILTER  ?=
SANITIZE_CC      ?= cc
SANITIZE_CFLAGS  := -O1 -g -fno-omit-frame-pointer
swift_filter      = $(if $(SANITIZE_FILTER),--filter '$(SANITIZE_FILTER)')
tsan_bin          = $(shell cd $(SANITIZE_ROOT) && $(SWIFT) build --scratch-path .build-tsan --sanitize=thread --show-bin-path)
asan_bin          = $(shell cd $(SANITIZE_ROOT) && $(SWIFT) build --scratch-path .build-asan --sanitize=address --show-bin-path)

export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1 suppressions=$(SANITIZE_ROOT)/mk/tsan-suppressions.txt
export ASAN_OPTIONS ?= halt_on_error=1 detect_leaks=0

.PHONY: sanitize sanitize-swift-thread sanitize-swift-address sanitize-c-address sanitize-c-thread

sanitize: sanitize-swift-thread sanitize-swift-address sanitize-c-address sanitize-c-thread ## Swift and C tests under TSan and ASan

sanitize-swift-thread:
	cd $(SANITIZE_ROOT) && time $(SWIFT) build --build-tests --scratch-path .build-tsan --sanitize=thread
	cd $(SANITIZE_ROOT) && time $(SWIFT) test --skip-build --scratch-path .build-tsan --sanitize=thread $(swift_filter)

sanitize-swift-address:
	cd $(SANITIZE_ROOT) && time $(SWIFT) build --build-tests --scratch-path .build-asan --sanitize=address
	cd $(SANITIZE_ROOT) && time $(SWIFT) test --skip-build --scratch-path .build-asan --sanitize=address $(swift_filter)

sanitize-c-address:
	cd $(SANITIZE_ROOT) && $(SWIFT) build --scratch-path .build-asan --sanitize=address --product dlmd
	$(MAKE) -C $(SANITIZE_ROOT)/clib test BUILD=build-asan CFLAGS="$(SANITIZE_CFLAGS)" \
	    CC="$(SANITIZE_CC) -fsanitize=address" DLMD="$(asan_bin)/dlmd"

sanitize-c-thread:
	cd $(SANITIZE_ROOT) && $(SWIFT) build --scratch-path .build-tsan --sanitize=thread --product dlmd
	TSAN_OPTIONS="$(TSAN_OPTIONS) die_after_fork=0" \
	$(MAKE) -C $(SANITIZE_ROOT)/clib test BUILD=build-tsan CFLAGS="$(SANITIZE_CFLAGS)" \
	    CC="$(SANITIZE_CC) -fsanitize=thread" DLMD="$(tsan_bin)/dlmd"
