#!/usr/bin/env bash
# PhotoApi's performance benchmarks: BenchmarkDotNet micro benchmarks, then wrk against the real API (the benchmark host,
# scenarios A-E), then the published PhotoApi as shipped against its peers (stock .NET, Node; scenarios P, F, O, T, S), on a
# private PostgreSQL seeded with 1,000,000 photos of 20,001 users. Writes the results table and query plans into
# docs/performance.md (between marker comments) and the chart docs/performance.png.
#   scripts/bench.sh            # full run (~25 min; the first also seeds: ~20 s)
#   scripts/bench.sh --smoke    # tiny data, seconds per scenario; exits non-zero when something is broken, never on timings;
#                               # writes to .data/bench-smoke/ and leaves docs/ alone
# Extra options go to the suite, e.g. --scenarios A,B  --skip-micro  --duration 30  --connections 64
#   --dpop-replay-cache PostgreSql   (scenario F, DPoP against Bearer, with the shared replay cache instead of the in-process one)
#   --db-settings "Max Auto Prepare=0"   (connection settings for the API, overriding DataSetup's defaults)
#   --startup-variants "no PGO:DOTNET_TieredPGO=0;R2R:r2r"   (more fresh-process start-up runs beside the shipped one)
# Needs the .NET SDK, node (20 or later) and npm, and the distribution's wrk, postgresql and redis-server packages: what is
# missing is listed with the apt-get command that installs it before anything starts; --install (or PHOTOAPI_INSTALL=1)
# installs it (scripts/bench.sh --smoke --install).
# Environment: PHOTOAPI_BENCH_PG_PORT (default 54331) for the cluster in .data/pg-bench (kept between runs: the seeded data is reused);
# PHOTOAPI_BENCH_REDIS_PORT (default 54333) for the Redis in .data/redis-bench (the Redis-backed rate-limit benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

. scripts/common.sh   # need_package, require_packages, take_install_flag
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}
need_package wrk wrk "the HTTP load generator of the wrk scenarios"
need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server for the seeded cluster in .data/pg-bench"
need_package redis-server redis-server "Redis for the Redis-backed rate-limit benchmark"
require_packages
command -v node >/dev/null 2>&1 || { echo "node (20 or later) and npm are needed for the Node peer; nothing was started." >&2; exit 1; }

pg_dir=.data/pg-bench
pg_port=${PHOTOAPI_BENCH_PG_PORT:-54331}
started_pg=no
if ! scripts/pg-cluster.sh status "$pg_dir" >/dev/null 2>&1; then started_pg=yes; fi
connection=$(scripts/pg-cluster.sh start "$pg_dir" "$pg_port")
stop_pg() { if [ "$started_pg" = yes ]; then scripts/pg-cluster.sh stop "$pg_dir"; fi; }
# The Redis-backed rate-limit benchmark talks to a real redis-server (stopped at the end).
redis_dir=.data/redis-bench
started_redis=no
if ! scripts/redis.sh status "$redis_dir" >/dev/null 2>&1; then started_redis=yes; fi
PHOTOAPI_BENCH_REDIS=$(scripts/redis.sh start "$redis_dir" "${PHOTOAPI_BENCH_REDIS_PORT:-54333}")
export PHOTOAPI_BENCH_REDIS
stop_all() { stop_pg; if [ "$started_redis" = yes ]; then scripts/redis.sh stop "$redis_dir"; fi; }
trap stop_all EXIT

dotnet build tests/PhotoApi.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
# The APIs under test as an operator deploys them: published Release builds with their own appsettings.json.
apps=.data/bench-apps
dotnet publish src/PhotoApi -c Release -o "$apps/photoapi" --nologo -v quiet -clp:ErrorsOnly
dotnet publish tests/PhotoApi.Benchmarks/Peers/StockDotnet -c Release -o "$apps/stock-dotnet" --nologo -v quiet -clp:ErrorsOnly
if [[ " $* " == *r2r* ]]; then
  dotnet publish src/PhotoApi -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$apps/photoapi-r2r" --nologo -v quiet -clp:ErrorsOnly
fi
(cd tests/PhotoApi.Benchmarks/Peers/node && npm ci --no-audit --no-fund --loglevel=error)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- src tests db 2>/dev/null; then commit="$commit+changes"; fi

dotnet tests/PhotoApi.Benchmarks/bin/Release/net10.0/PhotoApi.Benchmarks.dll run \
  --connection "$connection" --pg-log "$pg_dir/server.log" --commit "$commit" --command "$(echo "scripts/bench.sh $*" | sed 's/ *$//')" "$@"
