#!/usr/bin/env bash
# A private PgBouncer in transaction mode for PhotoApi (tests, the cluster), from the distribution's pgbouncer package.
#   scripts/pgbouncer.sh start  DATA_DIR PORT POSTGRES_HOST:PORT [USER [PASSWORD]] [--install]  # starts it, prints a connection string
#   scripts/pgbouncer.sh stop   DATA_DIR   # stops the PgBouncer this script started in DATA_DIR (and nothing else)
#   scripts/pgbouncer.sh status DATA_DIR
# Needs the distribution's pgbouncer package: without it `start` says so and exits 1; --install (or PHOTOAPI_INSTALL=1)
# installs it first. Every database of the server is reachable through it (a wildcard entry); clients authenticate with SCRAM as USER
# (default photoapi / photoapi, the role scripts/pg-cluster.sh creates). PgBouncer 1.18 (Debian 12) cannot route
# prepared statements in transaction mode: PhotoApi needs Database__TransactionPooling=true behind it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"   # need_package, require_packages, take_install_flag, daemon_path
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}

action=${1:?usage: pgbouncer.sh start|stop|status DATA_DIR [PORT POSTGRES_HOST:PORT [USER [PASSWORD]]]}
data_dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
pid_file="$data_dir/pgbouncer.pid"

# PgBouncer refuses to run as root: as root, run it as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "$action" in
  start)
    port=${3:?port}
    upstream=${4:?postgres host:port}
    user=${5:-photoapi}
    password=${6:-photoapi}
    need_package pgbouncer pgbouncer "PgBouncer, the transaction-mode pooler"
    require_packages
    bin=$(daemon_path pgbouncer)
    if running; then
      port=$(sed -n 's/^listen_port = //p' "$data_dir/pgbouncer.ini")
    else
      printf '"%s" "%s"\n' "$user" "$password" > "$data_dir/userlist.txt"
      cat > "$data_dir/pgbouncer.ini" <<CONF
[databases]
* = host=${upstream%:*} port=${upstream##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $data_dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 80
server_connect_timeout = 3
server_login_retry = 1
logfile = $data_dir/pgbouncer.log
pidfile = $pid_file
admin_users = $user
CONF
      chmod 600 "$data_dir/userlist.txt"
      if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$data_dir"; fi
      if ! as_pg "$bin" -d -q "$data_dir/pgbouncer.ini"; then
        echo "PgBouncer did not start on port $port; its log, $data_dir/pgbouncer.log, ends with:" >&2
        tail -n 5 "$data_dir/pgbouncer.log" >&2 || true
        exit 1
      fi
      for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.05
      done
    fi
    echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=photoapi"
    ;;
  stop)
    if running; then
      pid=$(cat "$pid_file")
      # SIGTERM: immediate shutdown (SIGINT would wait for every client to disconnect).
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    ;;
  status)
    if running; then echo "running (pid $(cat "$pid_file"))"; else echo "stopped"; exit 3; fi
    ;;
  *)
    echo "unknown action: $action" >&2; exit 2 ;;
esac
