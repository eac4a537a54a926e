#!/usr/bin/env bash
# A private PgBouncer in transaction mode in front of a PostgreSQL server on this machine, from the distribution's package.
#   scripts/pgbouncer.sh start DATA_DIR PORT POSTGRES_PORT   # installs pgbouncer if absent, starts it, prints a connection string through it
#   scripts/pgbouncer.sh stop  DATA_DIR
#   scripts/pgbouncer.sh status DATA_DIR
# It serves the database photoapi (role photoapi / photoapi, as scripts/pg-cluster.sh creates it) on 127.0.0.1 only.
# PgBouncer 1.18 keeps no prepared statements in transaction mode (1.21 does): the API needs Database__TransactionPooling=true
# behind it, and migrations go to PostgreSQL directly (ConnectionStrings__PhotosMigrations), never through it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

action=${1:?usage: pgbouncer.sh start|stop|status DATA_DIR [PORT POSTGRES_PORT]}
data_dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
port=${3:-6432}
postgres_port=${4:-54329}
pid_file="$data_dir/pgbouncer.pid"

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "$action" in
  start)
    need pgbouncer
    if running; then
      port=$(sed -n 's/^listen_port = //p' "$data_dir/pgbouncer.ini")
    else
      printf '"photoapi" "photoapi"\n' >"$data_dir/userlist.txt"
      cat >"$data_dir/pgbouncer.ini" <<INI
[databases]
photoapi = host=127.0.0.1 port=$postgres_port dbname=photoapi

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $data_dir/userlist.txt
; A server connection serves one transaction, then the next client's: session state (prepared statements, SET, advisory
; locks) does not survive between transactions.
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
; After PostgreSQL restarts, try again within a second (the default waits 15 s after a failed login).
server_login_retry = 1
; Queries wait this long for a server connection (PostgreSQL down or the pool busy), then get an error instead of hanging.
query_wait_timeout = 10
logfile = $data_dir/pgbouncer.log
pidfile = $pid_file
INI
      chmod 600 "$data_dir/userlist.txt"
      touch "$data_dir/pgbouncer.log"
      # PgBouncer refuses to run as root: as root it runs as the postgres user (which the PostgreSQL package creates).
      user_args=()
      if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$data_dir"; user_args=(-u postgres); fi
      rm -f "$pid_file"
      if ! "$(daemon_path pgbouncer)" -d -q "${user_args[@]}" "$data_dir/pgbouncer.ini" 2>"$data_dir/start.err"; then
        cat "$data_dir/start.err" >&2
        exit 1
      fi
      for _ in $(seq 1 50); do running && break; sleep 0.1; done
      if ! running; then
        echo "PgBouncer did not start on port $port (is the port taken?). Its log, $data_dir/pgbouncer.log, ends with:" >&2
        tail -n 5 "$data_dir/pgbouncer.log" >&2
        exit 1
      fi
    fi
    echo "Host=127.0.0.1;Port=$port;Username=photoapi;Password=photoapi;Database=photoapi"
    ;;
  stop)
    if running; then
      pid=$(cat "$pid_file")
      kill -INT "$pid"   # SIGINT: fast shutdown (SIGTERM waits for every client to disconnect)
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    ;;
  status)
    if running; then echo "PgBouncer is running (PID $(cat "$pid_file"))"; else echo "PgBouncer is not running"; exit 3; fi
    ;;
  *)
    echo "unknown action: $action" >&2; exit 2 ;;
esac
