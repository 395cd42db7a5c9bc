# server-lib.sh — sourced by the bench scripts that run a private server (redis.sh, etcd.sh,
# zookeeper.sh, profile.sh): a temp dir, a free loopback port, and a stop of the server by its own
# PID (SIGTERM, a grace period, then SIGKILL) when the script exits.
# Use: . "$here/server-lib.sh"; server_setup NAME [GRACE_TENTHS]; ...; pid=$!
# The script sets `pid` to the server's PID after starting it; `tmp` is the temp dir.

server_setup() {
	tmp=$(mktemp -d "/tmp/bench-$1.XXXXXX")
	server_grace=${2:-50}
	pid=""
	trap server_cleanup EXIT
	trap 'exit 1' HUP INT TERM PIPE
}

server_cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt "$server_grace" ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}

# A TCP port on 127.0.0.1 that was free a moment ago.
freeport() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
