#!/bin/sh
# run.sh — runs dlmd's C library test programs (built against Debian's libdlm.h, linked with
# our build/libdlm.so). With DLMD=/path/to/dlmd it starts a private single-node dlmd on a temp
# config and socket, runs every program, and stops it; without DLMD only the programs that need
# no daemon run (the summary says so). Each program's PASS/FAIL lines are counted; a program that
# dies without a FAIL line counts as one failure. Ends with "N passed, M failed"; exit 1 on any
# failure. Usage: DLMD=... BUILD=... sh tests/run.sh t_sync t_poll ...
# Cluster runs: DLMD_EXTERNAL=1 with DLMD_SOCKET (and DLMD_PEER_SOCKET, another node's socket)
# runs every program against daemons started elsewhere (scripts/cluster-c-test.sh); nothing is
# started or stopped here.
set -u
BUILD=${BUILD:-$(pwd)/build}
DLMD=${DLMD:-}
EXTERNAL=${DLMD_EXTERNAL:-}
# make -C clib runs us from clib/: accept a DLMD relative to the top directory as well
if [ -n "$DLMD" ] && [ ! -x "$DLMD" ] && [ -x "../$DLMD" ]; then DLMD="../$DLMD"; fi
if [ -n "$DLMD" ]; then DLMD=$(cd "$(dirname "$DLMD")" && pwd)/$(basename "$DLMD"); fi
TEST_TIMEOUT=${TEST_TIMEOUT:-40}
passed=0
failed=0
tmp=$(mktemp -d /tmp/clib-test.XXXXXX)
daemon_pid=""

cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

count() { # $1 = output file, $2 = exit status
	p=$(grep -c '^PASS' "$1")
	f=$(grep -c '^FAIL' "$1")
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $3: exited with status $2 without a FAIL line"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

run_one() { # $1 = program name
	bin="$BUILD/tests/$1"
	if ! LD_LIBRARY_PATH="$BUILD" ldd "$bin" | grep 'libdlm[_lt]*\.so\.3 =>' | grep -q "$BUILD/"; then
		echo "FAIL $1: not linked against $BUILD (ldd: $(LD_LIBRARY_PATH="$BUILD" ldd "$bin" | grep libdlm))"
		failed=$((failed + 1))
		return
	fi
	out="$tmp/$1.out"
	(cd "$tmp" && LD_LIBRARY_PATH="$BUILD" timeout -k 2 "$TEST_TIMEOUT" "$bin") >"$out" 2>&1
	status=$?
	cat "$out"
	count "$out" "$status" "$1"
}

start_daemon() {
	sock="$tmp/dlmd.sock"
	conf="$tmp/dlmd.conf"
	if [ -n "${DLMD_CONFIG:-}" ]; then
		cp "$DLMD_CONFIG" "$conf"
	else
		printf 'cluster_name=clibtest\nour_nodeid=1\nlog_level=info\n' >"$conf"
	fi
	# shellcheck disable=SC2086
	"$DLMD" ${DLMD_ARGS:---config "$conf" --socket "$sock"} >"$tmp/dlmd.log" 2>&1 &
	daemon_pid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -S "$sock" ]; then
		echo "FAIL run.sh: dlmd did not create $sock within 10 s; its log:"
		cat "$tmp/dlmd.log"
		return 1
	fi
	export DLMD_SOCKET="$sock"
	return 0
}

not_run=""
if [ -n "$EXTERNAL" ]; then
	if [ ! -S "${DLMD_SOCKET:-}" ]; then
		echo "FAIL run.sh: DLMD_EXTERNAL needs DLMD_SOCKET to name a live socket"
		echo "0 passed, 1 failed"
		exit 1
	fi
	DLMD=external
elif [ -n "$DLMD" ]; then
	if ! start_daemon; then
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
for t in "$@"; do
	case "$t" in
	t_noserver | t_noserver_lt) run_one "$t" ;;
	*) if [ -n "$DLMD" ]; then run_one "$t"; else not_run="$not_run $t"; fi ;;
	esac
done
if [ -n "$not_run" ]; then
	echo "NOTE: no DLMD given; daemon tests not run:$not_run"
fi
if [ -n "$daemon_pid" ] && ! kill -0 "$daemon_pid" 2>/dev/null; then
	echo "FAIL run.sh: dlmd exited during the tests; its log:"
	cat "$tmp/dlmd.log"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
