#!/bin/sh
# zookeeper.sh — runs a command with a private ZooKeeper for the side-by-side benchmark: a
# standalone server (Debian's zookeeper package, run as a plain java process) on 127.0.0.1 and a
# random free port, data in a temp dir (defaults otherwise: the transaction log is fsynced); the
# command gets "--zk-port PORT" appended; the server is stopped by its own PID afterwards.
# Usage: sh zookeeper.sh COMMAND [args...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-java}
JAR=${ZOOKEEPER_JAR:-/usr/share/java/zookeeper.jar}
PY=/usr/bin/python3
[ -f "$JAR" ] || { echo "zookeeper.sh: $JAR not found (apt-get install zookeeper)" >&2; exit 1; }
. "$here/server-lib.sh"
server_setup zk 100
port=$(freeport)
mkdir -p "$tmp/data" "$tmp/conf"
printf 'tickTime=2000\ndataDir=%s/data\nclientPortAddress=127.0.0.1\nclientPort=%s\nadmin.enableServer=false\nmaxClientCnxns=0\n' \
	"$tmp" "$port" >"$tmp/conf/zoo.cfg"
printf 'log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\nlog4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\nlog4j.appender.CONSOLE.layout.ConversionPattern=%%d %%p %%m%%n\n' >"$tmp/conf/log4j.properties"
"$JAVA" -Xmx512m -cp "$tmp/conf:$JAR" -Dzookeeper.log.dir="$tmp" -Dlog4j.configuration="file:$tmp/conf/log4j.properties" \
	org.apache.zookeeper.server.ZooKeeperServerMain "$tmp/conf/zoo.cfg" >"$tmp/zk.log" 2>&1 &
pid=$!
i=0
until $PY -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port), timeout=1)
s.sendall(b'srvr'); sys.exit(b'Zookeeper version' not in s.recv(4096))" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then echo "zookeeper.sh: ZooKeeper did not start; log:" >&2; cat "$tmp/zk.log" >&2; exit 1; fi
	sleep 0.1
done
version=$($PY -c "
import socket
s = socket.create_connection(('127.0.0.1', $port), timeout=1)
s.sendall(b'srvr'); print(s.recv(4096).split(b'\n')[0].decode().split(': ', 1)[-1].split(',')[0].split('-')[0])")
echo "# zookeeper: $version (python3-kazoo $($PY -c 'import kazoo.version as v; print(v.__version__)')), $("$JAVA" -version 2>&1 | head -1), on 127.0.0.1:$port, pid $pid"
"$@" --zk-port "$port"
