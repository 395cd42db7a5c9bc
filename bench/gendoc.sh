#!/bin/sh
# gendoc.sh — regenerates the measured part of docs/benchmarks.md: runs dlm-bench with Redis, etcd
# and ZooKeeper (redis.sh, etcd.sh, zookeeper.sh), then replaces everything between the "BEGIN MEASURED" and "END MEASURED" markers with
# the machine description, versions, the command and the tables of this run.
# Usage: sh gendoc.sh /path/dlm-bench [args...]   (make -C bench doc)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
doc="$here/../docs/benchmarks.md"
out=$(mktemp /tmp/bench-doc.XXXXXX)
trap 'rm -f "$out" "$out.new"' EXIT
sh "$here/redis.sh" sh "$here/etcd.sh" sh "$here/zookeeper.sh" "$@" >"$out"
{
	sed -n '1,/<!-- BEGIN MEASURED -->/p' "$doc"
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`make -C bench doc\` (\`$(basename "$1")${*#"$1"}\`); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
	echo "- $(swift --version 2>/dev/null | head -1)"
	echo "- $(cc --version | head -1)"
	grep -E '^# (redis|etcd|zookeeper):' "$out" | sed 's/^# /- /'
	echo "- dlmd: $(git -C "$here/.." rev-parse --short HEAD) (release build)"
	echo
	echo "Latencies in µs; \`p50/unixRTT\` divides each p50 by the raw Unix-socket round trip's p50 of the same run."
	echo
	sed -n '/^| workload /,/^$/p' "$out" | grep '^|'
	echo
	sed -n '/^| target /,/^$/p' "$out" | grep '^|'
	echo
	echo '<details><summary>JSON lines of this run</summary>'
	echo
	echo '```'
	grep '^{' "$out"
	echo '```'
	echo '</details>'
	echo
	sed -n '/<!-- END MEASURED -->/,$p' "$doc"
} >"$out.new"
mv "$out.new" "$doc"
echo "gendoc.sh: rewrote $doc"
