#!/usr/bin/env bash
# A private Redis server for PhotoApi (development, tests, the cluster), from the distribution's redis-server package.
#   scripts/redis.sh start  DATA_DIR PORT [--install]   # starts it (loopback only, no persistence), prints host:port
#   scripts/redis.sh stop   DATA_DIR        # stops the server this script started in DATA_DIR (and nothing else)
#   scripts/redis.sh status DATA_DIR
# Needs the distribution's redis-server package: without it `start` says so and exits 1; --install (or PHOTOAPI_INSTALL=1)
# installs it first. Its config, pid file and log live in DATA_DIR; nothing is saved to disk (rate-limit counters and DPoP proof ids are short-lived).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"   # need_package, require_packages, take_install_flag
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}

action=${1:?usage: redis.sh start|stop|status DATA_DIR [PORT]}
data_dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
port=${3:-6390}
pid_file="$data_dir/redis.pid"

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "$action" in
  start)
    need_package redis-server redis-server "Redis server (and redis-cli) for the private instance"
    require_packages
    if running; then
      # Already running (an earlier run): report the port it listens on.
      port=$(sed -n 's/^port //p' "$data_dir/redis.conf")
    else
      cat > "$data_dir/redis.conf" <<CONF
port $port
bind 127.0.0.1
protected-mode yes
daemonize yes
pidfile $pid_file
logfile $data_dir/redis.log
dir $data_dir
save ""
appendonly no
CONF
      if ! redis-server "$data_dir/redis.conf"; then
        echo "Redis did not start on port $port; see $data_dir/redis.log" >&2
        exit 1
      fi
      for _ in $(seq 1 100); do
        if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then break; fi
        sleep 0.05
      done
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" != PONG ]; then
        echo "Redis did not answer on port $port (is the port taken?). Its log, $data_dir/redis.log, ends with:" >&2
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
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$pid_file"
    ;;
  status)
    if running; then echo "running (pid $(cat "$pid_file"))"; else echo "stopped"; exit 3; fi
    ;;
  *)
    echo "unknown action: $action" >&2; exit 2 ;;
esac
