#!/usr/bin/env bash
# Several PhotoApi instances behind HAProxy, as one service on this machine: PostgreSQL, PgBouncer (transaction mode),
# Redis, the dev issuer, N API instances (3 by default) and HAProxy, each a private process with its state in one folder.
# Needs curl, jq and the distribution's redis-server, haproxy, pgbouncer and postgresql packages: what is missing is listed
# with the apt-get command that installs it before anything starts; --install (or PHOTOAPI_INSTALL=1) installs it.
#
#   scripts/cluster.sh [--port P] [--dir D] [--instances N] [--install]
#       foreground: builds, starts everything, prints the URL; Ctrl-C stops what it started.
#   scripts/cluster.sh start [--port P] [--dir D] [--instances N] [--no-build] [--configuration Debug|Release] [--install]
#       background (tests, scripts): starts whatever of the cluster in D is not running, writes D/cluster.env, returns.
#   scripts/cluster.sh stop [--dir D]
#       stops everything of the cluster in D.
#
# Ports, from P (default 18080): P HAProxy (the service's URL), P+1..P+N the API instances, P+6 the dev issuer,
# P+7 PostgreSQL, P+8 PgBouncer, P+9 Redis, P+10 HAProxy's statistics page. Folder D defaults to .data/cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh   # need_package, require_packages, build, wait_for, start_dev_issuer
take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}

mode=foreground
case "${1:-}" in start | stop) mode=$1; shift ;; esac
dir=.data/cluster port="" instances="" do_build=yes configuration=Debug
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --no-build) do_build=no; shift ;;
    --configuration) configuration=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir/run" "$dir/logs"
dir=$(cd "$dir" && pwd)
env_file="$dir/cluster.env"

# A repeated start (a test bringing back what a drill stopped) keeps the ports and size of the first.
if [ -f "$env_file" ]; then
  port=${port:-$(sed -n 's/^CLUSTER_PORT=//p' "$env_file")}
  instances=${instances:-$(sed -n 's/^CLUSTER_INSTANCES=//p' "$env_file")}
fi
port=${port:-18080}
instances=${instances:-3}
if ! [ "$instances" -ge 1 ] 2>/dev/null || [ "$instances" -gt 5 ]; then echo "--instances must be 1 to 5" >&2; exit 2; fi

url="http://127.0.0.1:$port"
issuer_url="http://127.0.0.1:$((port + 6))"
pg_port=$((port + 7)) pgbouncer_port=$((port + 8)) redis_port=$((port + 9)) stats_port=$((port + 10))
api_url() { echo "http://127.0.0.1:$((port + $1))"; }
api_dll=src/PhotoApi/bin/$configuration/net10.0/PhotoApi.dll
issuer_dll=src/PhotoApi.DevIssuer/bin/$configuration/net10.0/PhotoApi.DevIssuer.dll

pid_of() { cat "$dir/run/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# Stops one part; SIGTERM first (an API instance finishes its in-flight requests), SIGKILL after 35 s.
stop_part() {
  case "$1" in
    postgres) scripts/pg-cluster.sh stop "$dir/pg" ;;
    pgbouncer) scripts/pgbouncer.sh stop "$dir/pgbouncer" ;;
    redis) scripts/redis.sh stop "$dir/redis" ;;
    *)
      if alive "$1"; then
        local pid; pid=$(pid_of "$1")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$dir/run/$1.pid"
      ;;
  esac
}
all_parts() { echo haproxy; for i in $(seq "$instances" -1 1); do echo "api-$i"; done; echo dev-issuer redis pgbouncer postgres; }

if [ "$mode" = stop ]; then
  for part in $(all_parts); do stop_part "$part"; done
  rm -f "$env_file"
  exit 0
fi

started=()   # what this run started, so the foreground mode stops exactly that
stop_started() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_part "${started[$i]}"; done
  started=()
}
# On any exit: a failed start leaves nothing of its own running (a successful background start empties the list first).
trap stop_started EXIT
if [ "$mode" = foreground ]; then trap 'echo; echo "Stopping..."; stop_started; exit 0' INT TERM; fi

# 1. Packages, and one build for every instance.
need_package curl curl "waiting for every part's health endpoint"
need_package jq jq "the printed token command reads JSON with jq"
need_package redis-server redis-server "Redis: rate limits and DPoP proofs shared by the instances"
need_package haproxy haproxy "HAProxy in front of the instances"
need_package pgbouncer pgbouncer "PgBouncer in transaction mode between the instances and PostgreSQL"
need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server"
require_packages
if [ "$do_build" = yes ]; then
  echo "Building..." >&2
  build src/PhotoApi/PhotoApi.csproj
  build src/PhotoApi.DevIssuer/PhotoApi.DevIssuer.csproj
fi

# 2. PostgreSQL, then PgBouncer in front of it, then Redis.
scripts/pg-cluster.sh status "$dir/pg" >/dev/null 2>&1 || started+=(postgres)
direct=$(scripts/pg-cluster.sh start "$dir/pg" "$pg_port")
scripts/pgbouncer.sh status "$dir/pgbouncer" >/dev/null 2>&1 || started+=(pgbouncer)
pooled=$(scripts/pgbouncer.sh start "$dir/pgbouncer" "$pgbouncer_port" "127.0.0.1:$pg_port")
scripts/redis.sh status "$dir/redis" >/dev/null 2>&1 || started+=(redis)
redis=$(scripts/redis.sh start "$dir/redis" "$redis_port")

# 3. The dev issuer, straight to PostgreSQL (its own database; it is not part of the pooled service).
if ! alive dev-issuer; then
  start_dev_issuer "$issuer_dll" "$issuer_url" "$url" "$dir/logs/dev-issuer.log" \
    DevIssuer__KeyDirectory="$dir/dev-issuer" ConnectionStrings__DevIssuer="${direct%;};Database=photoapi_dev_issuer"
  echo $! >"$dir/run/dev-issuer.pid"
  started+=(dev-issuer)
fi
wait_for "$issuer_url/health" "$dir/logs/dev-issuer.log"

# 4. The API instances: the same settings everywhere, only the listening address differs.
#    Each instance applies pending migrations at start through ConnectionStrings__PhotosMigrations, straight to
#    PostgreSQL: DbUp's advisory lock (one instance migrates, the others wait) is session state, which PgBouncer's
#    transaction mode does not keep. Rate limits and used DPoP proofs are shared in Redis; the page-token and DPoP nonce
#    keys in PostgreSQL (generated by the first instance to start), so nothing secret is configured here.
api_env=(
  ConnectionStrings__Photos="$pooled"
  # PgBouncer 1.18 in transaction mode keeps no prepared statements: auto-prepare off, and nothing session-scoped.
  Database__TransactionPooling=true
  ConnectionStrings__PhotosMigrations="$direct"
  ConnectionStrings__Redis="$redis"
  Auth__Authority="$issuer_url" Auth__RequireHttpsMetadata=false Auth__ResourceUri="$url"
  Auth__Introspection__ClientId=photo-api Auth__Introspection__ClientSecret=photo-api-secret
  # HAProxy (on loopback) states the client's address in X-Forwarded-For; only it is believed, one hop.
  Proxies__KnownProxies=127.0.0.1 Proxies__ForwardLimit=1
)
for i in $(seq 1 "$instances"); do
  if ! alive "api-$i"; then
    (cd src/PhotoApi && exec env "${api_env[@]}" dotnet "../../$api_dll" --urls "$(api_url "$i")") \
      >"$dir/logs/api-$i.log" 2>&1 </dev/null &
    echo $! >"$dir/run/api-$i.pid"
    started+=("api-$i")
  fi
done
for i in $(seq 1 "$instances"); do wait_for "$(api_url "$i")/health/ready" "$dir/logs/api-$i.log"; done

# 5. HAProxy in front of the instances.
servers=""
for i in $(seq 1 "$instances"); do servers+="    server api-$i 127.0.0.1:$((port + i))"$'\n'; done
problem() { printf '{"type":"about:blank","title":"%s","status":%s,"detail":"%s"}' "$2" "$1" "$3"; }
cat >"$dir/haproxy.cfg.new" <<CFG
# Written by scripts/cluster.sh; HAProxy 2.6 (Debian). Every directive is in HAProxy's configuration manual.
global
    maxconn 4096

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 5s
    timeout check 2s
    # Retries: only "conn-failure", HAProxy's default, which the manual (retry-on) defines as "the connection or the SSL
    # handshake failed and the request could not be sent": safe for every method. Anything more (empty-response,
    # response-timeout, status codes) replays requests the API may already have executed; the manual warns "it is very
    # dangerous to use any retry-on value beside conn-failure and none" without replay protection, and a POST /v1/photos
    # has none. So a request in flight on an instance that dies is answered 502, never sent twice.
    retries 3
    retry-on conn-failure
    # "option redispatch 1": every retry goes to another server (manual: a positive value P redispatches "on every Pth
    # retry"), so a refused connection to a dead instance is served by a live one before health checks notice.
    option redispatch 1
    # HAProxy's own errors (no instance up, an instance gone mid-request) as RFC 9457 problem details, like the API's.
    http-error status 502 content-type application/problem+json string '$(problem 502 "Bad Gateway" "The instance serving the request stopped before it answered; the request may or may not have taken effect.")'
    http-error status 503 content-type application/problem+json hdr Retry-After 1 string '$(problem 503 "Service Unavailable" "No API instance is available.")'
    http-error status 504 content-type application/problem+json string '$(problem 504 "Gateway Timeout" "The API instance did not answer in time.")'

frontend photoapi
    bind 127.0.0.1:$port
    # HAProxy is the edge here: a client's own X-Forwarded-For is dropped, and "option forwardfor" adds the address
    # HAProxy sees. The API believes it from 127.0.0.1 only (Proxies__KnownProxies), so the per-address rate limits
    # count real clients, not HAProxy.
    http-request del-header X-Forwarded-For
    http-request set-header X-Forwarded-Proto http
    option forwardfor
    default_backend api

backend api
    balance roundrobin
    # An instance takes traffic while its readiness (database reachable, issuer keys held) is 200.
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server check inter 1s fastinter 500ms fall 2 rise 2
$servers
listen stats
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /
CFG
if alive haproxy && cmp -s "$dir/haproxy.cfg.new" "$dir/haproxy.cfg"; then
  rm "$dir/haproxy.cfg.new"   # running with this configuration already: left alone, its connections untouched
else
  "$(daemon_path haproxy)" -c -q -f "$dir/haproxy.cfg.new" >>"$dir/logs/haproxy.log" 2>&1 || { cat "$dir/logs/haproxy.log" >&2; exit 1; }
  mv "$dir/haproxy.cfg.new" "$dir/haproxy.cfg"
  if alive haproxy; then
    # A new configuration (another --instances): reload (-sf: the old process finishes its connections, then exits).
    "$(daemon_path haproxy)" -D -f "$dir/haproxy.cfg" -p "$dir/run/haproxy.pid" -sf "$(pid_of haproxy)" >>"$dir/logs/haproxy.log" 2>&1 </dev/null
  else
    "$(daemon_path haproxy)" -D -f "$dir/haproxy.cfg" -p "$dir/run/haproxy.pid" >>"$dir/logs/haproxy.log" 2>&1 </dev/null
    started+=(haproxy)
  fi
fi
wait_for "$url/health/ready" "$dir/logs/haproxy.log"

# 6. What tests and scripts need to find every part (KEY=value lines: shell-sourceable).
{
  echo "CLUSTER_URL=$url"
  echo "CLUSTER_PORT=$port"
  echo "CLUSTER_INSTANCES=$instances"
  echo "CLUSTER_DIR=$dir"
  for i in $(seq 1 "$instances"); do echo "API_${i}_URL=$(api_url "$i")"; echo "API_${i}_PID=$(pid_of "api-$i")"; done
  echo "ISSUER_URL=$issuer_url"
  echo "ISSUER_PID=$(pid_of dev-issuer)"
  echo "HAPROXY_PID=$(pid_of haproxy)"
  echo "HAPROXY_STATS_URL=http://127.0.0.1:$stats_port/"
  echo "POSTGRES_DIR=$dir/pg"
  echo "POSTGRES_PORT=$pg_port"
  echo "POSTGRES_CONNECTION=$direct"
  echo "PGBOUNCER_DIR=$dir/pgbouncer"
  echo "PGBOUNCER_CONNECTION=$pooled"
  echo "REDIS_DIR=$dir/redis"
  echo "REDIS=$redis"
  echo "REDIS_PID=$(cat "$dir/redis/redis.pid")"
} >"$env_file"

if [ "$mode" = start ]; then
  started=()   # background: everything keeps running; "stop --dir" ends it
  echo "$url"
  exit 0
fi

cat <<INFO

PhotoApi is running as $instances instances behind HAProxy.
  API (HAProxy)    $url          Swagger UI: $url/swagger
  Instances        $(for i in $(seq 1 "$instances"); do printf '%s ' "$(api_url "$i")"; done)
  HAProxy stats    http://127.0.0.1:$stats_port/
  Dev issuer       $issuer_url/.well-known/openid-configuration
  PostgreSQL       $direct   (PgBouncer, transaction mode: port $pgbouncer_port)
  Redis            $redis
  Logs             $dir/logs/
  Settings         $env_file

A token and a call through HAProxy:
  TOKEN=\$(curl -s -X POST $issuer_url/dev/tokens -H 'Content-Type: application/json' -d '{"subject":"alice","scopes":"photos.read photos.write"}' | jq -r .access_token)
  curl -H "Authorization: Bearer \$TOKEN" $url/v1/photos
Press Ctrl-C to stop.
INFO
while true; do sleep 1; done
