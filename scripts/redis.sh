#!/usr/bin/env bash
# A private Redis server for PhotoApi (scripts/cluster.sh, tests), from the distribution's redis-server package.
#   scripts/redis.sh start DATA_DIR PORT   # installs redis-server if absent, starts it, prints its StackExchange.Redis configuration string
#   scripts/redis.sh stop  DATA_DIR        # shuts it down (SIGTERM: the append-only file is flushed)
#   scripts/redis.sh status DATA_DIR
# Loopback only, no password (protected mode on); the append-only file keeps rate-limit counters and DPoP proof ids across
# a restart of this server (appendfsync everysec: at most about a second of writes is lost when the machine dies).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

action=${1:?usage: redis.sh start|stop|status DATA_DIR [PORT]}
data_dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
port=${3:-6379}
pid_file="$data_dir/redis.pid"

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "$action" in
  start)
    need redis-server
    if running; then
      # Already running (an earlier start): use the port it actually listens on.
      port=$(cat "$data_dir/port")
    else
      echo "$port" >"$data_dir/port"
      redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes --dir "$data_dir" --daemonize yes \
        --pidfile "$pid_file" --logfile "$data_dir/redis.log" --save "" --appendonly yes --appendfsync everysec >/dev/null
      for _ in $(seq 1 50); do
        if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
        sleep 0.1
      done
      if ! redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "Redis did not start on port $port (is the port taken?). Its log, $data_dir/redis.log, ends with:" >&2
        tail -n 5 "$data_dir/redis.log" >&2
        exit 1
      fi
    fi
    echo "127.0.0.1:$port"
    ;;
  stop)
    if running; then
      pid=$(cat "$pid_file")
      kill "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    ;;
  status)
    if running; then echo "Redis is running (PID $(cat "$pid_file"), port $(cat "$data_dir/port"))"; else echo "Redis is not running"; exit 3; fi
    ;;
  *)
    echo "unknown action: $action" >&2; exit 2 ;;
esac
