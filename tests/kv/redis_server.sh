#!/usr/bin/env bash
# redis_server.sh: a throw-away redis-server for the KV tests and benchmark.
#   redis_server.sh start DIR [PORT]  starts one on 127.0.0.1 (a free port
#       unless PORT is given), data in DIR, the append-only file fsynced
#       before every answer (appendfsync always: acknowledged writes survive
#       a power cut), no RDB snapshots; prints the port once it accepts
#       connections. Its pid is in DIR/redis.pid, its log in DIR/redis.log.
#   redis_server.sh stop DIR          stops it and waits for it to exit.
# Exit 77 when redis-server is not installed (Debian package redis-server).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }

wait_gone() { # pid: polls, with a generous cap, until the process is gone
	for _ in $(seq 1 3000); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.01
	done
	echo "redis_server.sh: redis-server $1 did not exit" >&2
	return 1
}

if [ "$cmd" = stop ]; then
	[ -f "$dir/redis.pid" ] || exit 0
	pid=$(cat "$dir/redis.pid")
	kill "$pid" 2>/dev/null || true
	wait_gone "$pid"
	rm -f "$dir/redis.pid"
	exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "redis_server.sh: redis-server not installed" >&2; exit 77; }
mkdir -p "$dir"

for attempt in $(seq 1 20); do
	port=${3:-$((20000 + (RANDOM * 32768 + RANDOM) % 40000))}
	: >"$dir/redis.log"
	setsid redis-server --port "$port" --bind 127.0.0.1 --save '' \
		--appendonly yes --appendfsync always --dir "$dir" \
		--logfile "$dir/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
	pid=$!
	echo "$pid" >"$dir/redis.pid"
	# Ready, or dead (port taken): poll either, with a generous cap.
	for _ in $(seq 1 3000); do
		if grep -q 'Ready to accept connections' "$dir/redis.log" 2>/dev/null; then
			echo "$port"
			exit 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill "$pid" 2>/dev/null || true
	wait_gone "$pid" || true
	[ -z "${3:-}" ] || [ "$attempt" -ge 5 ] || continue
	[ -z "${3:-}" ] || break
done
echo "redis_server.sh: could not start redis-server (see $dir/redis.log)" >&2
exit 1
