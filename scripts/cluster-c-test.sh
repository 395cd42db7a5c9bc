#!/usr/bin/env bash
# dlmd — runs the C library's cross-node test (scripts/cluster-c/t_cluster.c) against a private
# three-node cluster started with scripts/cluster.sh (temporary directory, its own ports), then
# stops the cluster by PID. Then runs the C library's test programs (clib/tests, the same ones
# `make test-c` runs on one node) against the cluster: each program on node 1 with DLMD_PEER_SOCKET
# naming node 3, so its forked second process and its cross-node sections run on node 3. Builds
# clib and its tests first if needed. Exit status: non-zero when either part failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d /tmp/dlmd-cluster-c.XXXXXX)"
export CLUSTER_DIR="$WORK" SOCKET_DIR="$WORK" PORT_BASE="${PORT_BASE:-21200}"
cleanup() { "$ROOT/scripts/cluster.sh" stop >/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM HUP
make -s -C "$ROOT/clib" all tests
cc -std=gnu11 -pthread -D_REENTRANT -D_GNU_SOURCE -include sys/types.h -Wall -Wextra -O1 -g \
    -I"$ROOT/clib/tests" -o "$WORK/t_cluster" "$ROOT/scripts/cluster-c/t_cluster.c" "$ROOT/clib/tests/testlib.c" \
    -L"$ROOT/clib/build" -ldlm
"$ROOT/scripts/cluster.sh" start
status=0
LD_LIBRARY_PATH="$ROOT/clib/build" timeout 60 "$WORK/t_cluster" "$WORK/node1.sock" "$WORK/node2.sock" "$WORK/node3.sock" || status=1
# The library's own test programs (the list `make -C clib test` runs), two processes on two nodes.
tests=$(make -s -C "$ROOT/clib" --no-print-directory print-tests)
# shellcheck disable=SC2086
DLMD_EXTERNAL=1 DLMD_SOCKET="$WORK/node1.sock" DLMD_PEER_SOCKET="$WORK/node3.sock" DLMD_PEER_NODEID=3 \
    BUILD="$ROOT/clib/build" TEST_TIMEOUT=40 sh "$ROOT/clib/tests/run.sh" $tests || status=1
exit $status
