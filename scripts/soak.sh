#!/usr/bin/env bash
# Memory soak of the API as shipped: the Release build of src/PhotoApi run as an operator would (Production, its
# appsettings.json), 20,000 distinct users (tokens minted by the dev issuer's /dev/tokens) round-robin with wrk on
# GET /v1/photos?pageSize=1, four rounds of 60 s, resident memory sampled every second from /proc.
#   scripts/soak.sh                          # writes .data/soak/rss.csv (t_s,rss_mb,hwm_mb) and prints each round
#   PHOTOAPI_SOAK_ENV="DOTNET_gcServer=0" scripts/soak.sh   # extra environment for the API process (GC settings, ...)
#   scripts/soak.sh --install               # installs the missing Debian packages first (or PHOTOAPI_INSTALL=1)
# Needs wrk, curl, python3 and the distribution's postgresql package: what is missing is listed with the apt-get command
# that installs it before anything starts. Rate limits are off so every request reaches the handler. Ports: PHOTOAPI_SOAK_PG_PORT (54363), 5310 (issuer), 5311 (API).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh   # need_package, require_packages, take_install_flag, build
take_install_flag "$@"
need_package wrk wrk "the HTTP load generator"
need_package curl curl "waiting for the issuer and the API"
need_package python3 python3 "minting the users' tokens"
need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server for the cluster in .data/soak/pg"
require_packages
state=.data/soak
mkdir -p "$state"
build src/PhotoApi/PhotoApi.csproj -c Release
build src/PhotoApi.DevIssuer/PhotoApi.DevIssuer.csproj
conn=$(scripts/pg-cluster.sh start "$state/pg" "${PHOTOAPI_SOAK_PG_PORT:-54363}")
issuer=http://127.0.0.1:5310
api=http://127.0.0.1:5311
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; scripts/pg-cluster.sh stop "$state/pg"; }
trap cleanup EXIT INT TERM
(cd src/PhotoApi.DevIssuer && DevIssuer__Issuer="$issuer/" exec dotnet bin/Debug/net10.0/PhotoApi.DevIssuer.dll --urls $issuer) >"$state/issuer.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fsS $issuer/health >/dev/null 2>&1 && break; sleep 0.5; done
if [ ! -s "$state/tokens.txt" ]; then
  echo "Minting 20,000 tokens..."
  python3 - "$issuer" "$state/tokens.txt" <<'PY'
import json, sys, urllib.request, concurrent.futures
issuer, out = sys.argv[1], sys.argv[2]
def mint(n):
    body = json.dumps({"subject": f"soak-{n:05d}", "name": f"Soak User {n}", "email": f"soak{n}@example.com", "scopes": "photos.read", "lifetimeSeconds": 7200}).encode()
    return json.load(urllib.request.urlopen(urllib.request.Request(issuer + "/dev/tokens", body, {"Content-Type": "application/json"})))["access_token"]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    tokens = list(pool.map(mint, range(20000)))
open(out, "w").write("\n".join(tokens) + "\n")
PY
fi
# The tokens live two hours: mint again after that (rm .data/soak/tokens.txt).
(cd src/PhotoApi && ConnectionStrings__Photos="$conn" Auth__Authority=$issuer Auth__RequireHttpsMetadata=false Auth__ResourceUri=$api \
   RateLimits__Enabled=false Paging__TokenKey=$(head -c 32 /dev/urandom | base64) exec env ${PHOTOAPI_SOAK_ENV:-} dotnet bin/Release/net10.0/PhotoApi.dll --urls $api) >"$state/api.log" 2>&1 &
apid=$!
pids+=($apid)
for _ in $(seq 1 60); do curl -fsS $api/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
echo "t_s,rss_mb,hwm_mb" >"$state/rss.csv"
( t=0; while kill -0 $apid 2>/dev/null; do
    echo "$t,$(awk '/VmRSS/ {print int($2/1024)}' /proc/$apid/status),$(awk '/VmHWM/ {print int($2/1024)}' /proc/$apid/status)" >>"$state/rss.csv"
    sleep 1; t=$((t+1)); done ) &
pids+=($!)
for round in 1 2 3 4; do
  echo "== round $round"
  TOKENS="$state/tokens.txt" wrk -t2 -c32 -d60s -s tests/PhotoApi.Benchmarks/lua/rotate-users.lua $api | grep -E "requests in|Requests/sec|Non-2xx|Latency"
done
echo "Peak resident memory: $(tail -n 1 "$state/rss.csv" | cut -d, -f3) MB; curve in $state/rss.csv"
