#!/bin/sh
# profile.sh — where dlmd's CPU goes under one loadgen workload: starts a private release dlmd,
# records it with `perf record -e cpu-clock -g` (a software clock; this VM has no hardware counters)
# while bench/build/loadgen runs, and prints the top of `perf report` by self time and by children.
# Usage: sh profile.sh WORKLOAD [loadgen args...]   e.g. sh profile.sh pipelined --clients 16 --depth 16
# PROGRAM=rawgen sh profile.sh pipelined --clients 16 --depth 16   drives dlmd with bench/build/rawgen instead.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top="$here/.."
workload=${1:-local}
shift 2>/dev/null || true
. "$here/server-lib.sh"
server_setup profile
printf 'cluster_name=bench\nour_nodeid=1\nlog_level=warning\nlockspace bench mode=0666\n' >"$tmp/dlmd.conf"
"$top/.build/release/dlmd" --config "$tmp/dlmd.conf" --socket "$tmp/dlmd.sock" --foreground >"$tmp/dlmd.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$tmp/dlmd.sock" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
export DLMD_SOCKET="$tmp/dlmd.sock"
timeout 60 perf record -q -e cpu-clock -g -p "$pid" -o "$tmp/perf.data" -- sleep 4 2>/dev/null &
ppid=$!
sleep 0.3
/usr/bin/time -f "## loadgen: %e s wall, %U s user, %S s sys" timeout 60 "$here/build/${PROGRAM:-loadgen}" --workload "$workload" --lockspace bench --seconds 3 "$@"
wait "$ppid"
demangle() { if command -v swift-demangle >/dev/null 2>&1; then swift-demangle --simplified; else cat; fi; }
tidy() { grep -E '^ +[0-9]' | sed 's/ *- *- *$//' | demangle | cut -c1-200; }
echo "## dlmd: $(perf report -i "$tmp/perf.data" --stdio 2>/dev/null | grep -m1 '^# Samples') (cpu-clock, 4 s window)"
echo "## dlmd self time (top 30)"
perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio 2>/dev/null | tidy | head -30
echo "## dlmd including callees (top 40)"
perf report -i "$tmp/perf.data" --children --sort symbol --stdio 2>/dev/null | tidy | head -40
