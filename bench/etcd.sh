#!/bin/sh
# etcd.sh — runs a command with a private etcd for the side-by-side benchmark: one member on
# 127.0.0.1 (random free client and peer ports), data in a temp dir (etcd's defaults otherwise,
# so every write is fsynced to its WAL); the command gets "--etcd-port PORT" appended; etcd is
# stopped by its own PID afterwards. Usage: sh etcd.sh COMMAND [args...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
ETCD=${ETCD:-etcd}
PY=/usr/bin/python3
command -v "$ETCD" >/dev/null 2>&1 || { echo "etcd.sh: $ETCD not found (apt-get install etcd-server)" >&2; exit 1; }
. "$here/server-lib.sh"
server_setup etcd
port=$(freeport)
peer=$(freeport)
"$ETCD" --name bench --data-dir "$tmp/data" \
	--listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
	--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
	--initial-cluster "bench=http://127.0.0.1:$peer" --log-level warn >"$tmp/etcd.log" 2>&1 &
pid=$!
i=0
until $PY -c "import urllib.request, sys; sys.exit(b'true' not in urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1).read())" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then echo "etcd.sh: etcd did not start; log:" >&2; cat "$tmp/etcd.log" >&2; exit 1; fi
	sleep 0.1
done
echo "# etcd: $("$ETCD" --version | head -1) (python3-etcd3 $($PY -c 'import etcd3; print(etcd3.__version__)')) on 127.0.0.1:$port, pid $pid"
"$@" --etcd-port "$port"
