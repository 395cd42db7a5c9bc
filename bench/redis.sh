#!/bin/sh
# redis.sh — runs a command with a private redis-server for the side-by-side benchmark:
# 127.0.0.1 on a random free port, no persistence (no RDB, no AOF), data in a temp dir; the
# command gets "--redis-port PORT" appended; redis-server is stopped by its own PID afterwards.
# Usage: sh redis.sh /path/dlm-bench [args...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
REDIS=${REDIS_SERVER:-redis-server}
command -v "$REDIS" >/dev/null 2>&1 || { echo "redis.sh: $REDIS not found (apt-get install redis-server)" >&2; exit 1; }
. "$here/server-lib.sh"
server_setup redis
port=$(freeport)
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
