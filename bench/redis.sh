#!/bin/sh
# redis.sh — runs a command with a private redis-server for the side-by-side benchmark:
# 127.0.0.1 on a random free port, no persistence (no RDB, no AOF), data in a temp dir; the
# command gets "--redis-port PORT" appended; redis-server is stopped by its own PID afterwards.
# Usage: sh redis.sh /path/dlm-bench [args...]
set -u
REDIS=${REDIS_SERVER:-redis-server}
command -v "$REDIS" >/dev/null 2>&1 || { echo "redis.sh: $REDIS not found (apt-get install redis-server)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bench-redis.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$REDIS" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$tmp" \
	--protected-mode yes --daemonize no --logfile "$tmp/redis.log" &
pid=$!
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then echo "redis.sh: redis-server did not start; log:" >&2; cat "$tmp/redis.log" >&2; exit 1; fi
	sleep 0.1
done
echo "# redis: $("$REDIS" --version) on 127.0.0.1:$port, pid $pid"
"$@" --redis-port "$port"
