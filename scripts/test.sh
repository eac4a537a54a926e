#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL and prints "N passed, N failed[, N skipped]".
#   PHOTOAPI_TEST_DB set      -> that server (an admin connection string; each run creates and drops its own databases)
#   else Docker available     -> Testcontainers starts PostgreSQL
#   else                      -> a private cluster from the distribution's packages (installed when absent) in .data/pg-test
# Redis (redis-server) and PgBouncer come from the distribution's packages too (installed when absent): PHOTOAPI_TEST_REDIS
# set -> that Redis, else a private one in .data/redis-test on PHOTOAPI_TEST_REDIS_PORT (default 54332), stopped at the end.
# Extra arguments go to `dotnet test` (e.g. --filter "Category!=Resilience" for the fast suite).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PHOTOAPI_TEST_DB:-}" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo "Docker is available: tests start PostgreSQL with Testcontainers."
  else
    connection=$(scripts/pg-cluster.sh start .data/pg-test "${PHOTOAPI_TEST_PG_PORT:-54330}")
    export PHOTOAPI_TEST_DB="${connection/Database=photoapi/Database=postgres}"
    echo "Tests use the private PostgreSQL cluster in .data/pg-test."
  fi
fi
# Resilience tests stop and start a PostgreSQL server of their own; they need the server binaries.
export PHOTOAPI_PG_CLUSTER_SCRIPT="$PWD/scripts/pg-cluster.sh"
scripts/pg-cluster.sh binaries >/dev/null

# Shared state for several instances: one private Redis for the run (PHOTOAPI_TEST_REDIS; tests that stop Redis start
# their own with scripts/redis.sh), and PgBouncer, which the transaction-pooling tests start in front of the test cluster.
export PHOTOAPI_SCRIPTS="$PWD/scripts"
started_redis=""
if [ -z "${PHOTOAPI_TEST_REDIS:-}" ]; then
  if ! scripts/redis.sh status .data/redis-test >/dev/null 2>&1; then started_redis=yes; fi
  PHOTOAPI_TEST_REDIS=$(scripts/redis.sh start .data/redis-test "${PHOTOAPI_TEST_REDIS_PORT:-54332}")
  export PHOTOAPI_TEST_REDIS
  echo "Tests use the private Redis on $PHOTOAPI_TEST_REDIS (.data/redis-test)."
fi
if [ ! -x /usr/sbin/pgbouncer ] && ! command -v pgbouncer >/dev/null 2>&1; then
  echo "Installing PgBouncer from the distribution's packages for the transaction-pooling tests..."
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi

# The browser test drives the distribution's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium from the distribution's packages for the browser test..."
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The interop tests drive unmodified client libraries from npm (oauth4webapi) with Node.js; versions pinned by package-lock.json.
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js is needed for the interop tests (tests/interop); install it (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
(cd tests/interop && npm ci --no-audit --no-fund --silent)

results=$(mktemp -d)
cleanup() {
  rm -rf "$results"
  if [ -n "$started_redis" ]; then scripts/redis.sh stop .data/redis-test; fi
}
trap cleanup EXIT
set +e
dotnet test PhotoApi.sln --logger trx --results-directory "$results" "$@"
status=$?
set -e

passed=0; failed=0; total=0; executed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { echo "$counters" | grep -o "$1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  total=$((total + $(value total)))
  executed=$((executed + $(value executed)))
done
skipped=$((total - executed))
if [ "$total" -eq 0 ] && [ "$status" -ne 0 ]; then failed=1; fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
