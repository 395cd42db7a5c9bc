#!/usr/bin/env bash
# dlmd — runs the C library's cross-node test (scripts/cluster-c/t_cluster.c) against a private
# three-node cluster started with scripts/cluster.sh (temporary directory, its own ports), then
# stops the cluster by PID. Builds clib first if needed. Exit status: the test's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d /tmp/dlmd-cluster-c.XXXXXX)"
export CLUSTER_DIR="$WORK" SOCKET_DIR="$WORK" PORT_BASE="${PORT_BASE:-21200}"
cleanup() { "$ROOT/scripts/cluster.sh" stop >/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM HUP
[[ -f "$ROOT/clib/build/libdlm.so" ]] || make -s -C "$ROOT/clib" all
cc -std=gnu11 -pthread -D_REENTRANT -D_GNU_SOURCE -include sys/types.h -Wall -Wextra -O1 -g \
    -I"$ROOT/clib/tests" -o "$WORK/t_cluster" "$ROOT/scripts/cluster-c/t_cluster.c" "$ROOT/clib/tests/testlib.c" \
    -L"$ROOT/clib/build" -ldlm
"$ROOT/scripts/cluster.sh" start
LD_LIBRARY_PATH="$ROOT/clib/build" timeout 60 "$WORK/t_cluster" "$WORK/node1.sock" "$WORK/node2.sock" "$WORK/node3.sock"
