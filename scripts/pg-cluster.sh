#!/usr/bin/env bash
# A private PostgreSQL cluster for PhotoApi (development and tests), from the distribution's packages.
#   scripts/pg-cluster.sh start DATA_DIR PORT [--install]   # creates and starts the cluster, prints a connection string
#   scripts/pg-cluster.sh stop  DATA_DIR                    # fast shutdown
#   scripts/pg-cluster.sh status DATA_DIR
#   scripts/pg-cluster.sh binaries [--install]              # prints PostgreSQL's bin directory
# Needs the distribution's postgresql package: without it the script says so and exits 1; --install (or
# PHOTOAPI_INSTALL=1) installs it first.
# The cluster trusts local socket connections and requires a password over TCP (role photoapi / photoapi, loopback only).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"   # need_package, require_packages, take_install_flag, as_root
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}

action=${1:?usage: pg-cluster.sh start|stop|status DATA_DIR [PORT] | binaries}
if [ "$action" != binaries ]; then data_dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd); else data_dir=""; fi
port=${3:-54329}
socket_dir="$data_dir.sock"

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root, run its binaries as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! compgen -G '/usr/lib/postgresql/*/bin' >/dev/null; then
  case "$action" in
    stop) exit 0 ;;                                  # no server binaries: nothing of ours can be running
    status) echo "PostgreSQL is not installed" >&2; exit 3 ;;
  esac
fi
need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server for the private cluster"
require_packages
bin=$(pg_bin)

case "$action" in
  start)
    mkdir -p "$socket_dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$data_dir" "$socket_dir"; chmod 700 "$data_dir"; fi
    if [ ! -f "$data_dir/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$data_dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if as_pg "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
      # Already running (an earlier run): use the port it actually listens on.
      port=$(sed -n 4p "$data_dir/postmaster.pid")
    elif ! as_pg "$bin/pg_ctl" -D "$data_dir" -w -t 60 -l "$data_dir/server.log" \
        -o "-p $port -k $socket_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null; then
      echo "PostgreSQL did not start on port $port (is the port taken?). Its log, $data_dir/server.log, ends with:" >&2
      tail -n 5 "$data_dir/server.log" >&2
      exit 1
    fi
    as_pg "$bin/psql" -h "$socket_dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'photoapi') THEN
    CREATE ROLE photoapi LOGIN SUPERUSER PASSWORD 'photoapi';
  END IF;
END $$;
SQL
    if ! as_pg "$bin/psql" -h "$socket_dir" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'photoapi'" | grep -q 1; then
      as_pg "$bin/psql" -h "$socket_dir" -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE photoapi OWNER photoapi" >/dev/null
    fi
    echo "Host=127.0.0.1;Port=$port;Username=photoapi;Password=photoapi;Database=photoapi"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  binaries)
    echo "$bin"
    ;;
  status)
    as_pg "$bin/pg_ctl" -D "$data_dir" status
    ;;
  *)
    echo "unknown action: $action" >&2; exit 2 ;;
esac
