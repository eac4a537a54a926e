#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL and prints "N passed, N failed[, N skipped]".
#   scripts/test.sh [--install] [dotnet test arguments...]
#   PHOTOAPI_TEST_DB set      -> that server (an admin connection string; each run creates and drops its own databases)
#   else Docker available     -> Testcontainers starts PostgreSQL
#   else                      -> a private cluster from the distribution's postgresql package in .data/pg-test
# Redis (redis-server), PgBouncer, HAProxy, curl, jq and Chromium come from the distribution's packages too: PHOTOAPI_TEST_REDIS
# set -> that Redis, else a private one in .data/redis-test on PHOTOAPI_TEST_REDIS_PORT (default 54332), stopped at the end.
# Missing packages are listed (with the apt-get command) before anything starts, and the script exits 1; --install (or
# PHOTOAPI_INSTALL=1, as CI sets) installs them instead. Node.js 20 or later (node, npm) is needed for tests/interop.
# Extra arguments go to `dotnet test` (e.g. --filter "Category!=Resilience" for the fast suite).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh   # need_package, require_packages, take_install_flag
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}

# Everything the suite needs, checked (or installed) before anything starts.
need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server: the private test cluster and the resilience tests' own servers"
need_package redis-server redis-server "Redis: shared rate limits and DPoP replay cache, and the tests that stop Redis"
need_package pgbouncer pgbouncer "PgBouncer: the transaction-pooling tests"
need_package haproxy haproxy "HAProxy: the cluster tests (scripts/cluster.sh)"
need_package curl curl "the cluster tests (scripts/cluster.sh waits on health endpoints with curl)"
need_package jq jq "the cluster tests (scripts/cluster.sh)"
need_package /usr/bin/chromium chromium "the browser tests"
require_packages
# The interop tests drive unmodified client libraries from npm (oauth4webapi) with Node.js; versions pinned by package-lock.json.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js 20 or later (node and npm) is needed for the interop tests (tests/interop); nothing was started." >&2
  exit 1
fi

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
