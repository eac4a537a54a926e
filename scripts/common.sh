# Pieces the scripts share (sourced by scripts/run.sh, scripts/cluster.sh, scripts/redis.sh, scripts/pgbouncer.sh; not run).
# Run from the repository root.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# need COMMAND [PACKAGE]: installs PACKAGE (default: COMMAND) from the distribution's packages when COMMAND is absent.
# Messages go to stderr, so scripts whose output is a connection string can use it.
need() {
  command -v "$1" >/dev/null 2>&1 && return
  [ -x "/usr/sbin/$1" ] && return   # daemons (haproxy, pgbouncer) live in /usr/sbin, outside a non-root PATH
  echo "Installing ${2:-$1} from the distribution's packages..." >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" >/dev/null
}

# The full path of an installed daemon (in /usr/sbin when PATH lacks it).
daemon_path() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# Quiet, but a failing build shows its output and stops here (it used to exit silently under set -e).
build() { local out; out=$(dotnet build "$1" -nologo -v q 2>&1) || { echo "$out" >&2; echo "Building $1 failed." >&2; exit 1; }; }

# wait_for URL LOG: until URL answers 2xx (60 s), else names the log and stops.
wait_for() {
  for _ in $(seq 1 120); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "Timed out waiting for $1; see $2" >&2
  exit 1
}

# start_dev_issuer DLL ISSUER_URL API_URL LOG [NAME=VALUE...]: the dev issuer in the background ($! is its process), for
# an API whose public URL is API_URL (CORS, RFC 8707 resource, Swagger UI's redirect); NAME=VALUE pairs add settings.
start_dev_issuer() {
  local dll=$1 issuer_url=$2 api_url=$3 log=$4; shift 4
  # DevIssuer__Resources__0: the API's RFC 9728 resource URL, so RFC 8707 clients can ask for tokens for exactly it.
  (cd src/PhotoApi.DevIssuer && exec env DevIssuer__Issuer="$issuer_url/" DevIssuer__CorsOrigins__0="$api_url" \
    DevIssuer__Resources__0="$api_url" DevIssuer__Clients__1__RedirectUris__0="$api_url/swagger/oauth2-redirect.html" \
    "$@" dotnet "../../$dll" --urls "$issuer_url") >"$log" 2>&1 </dev/null &
}
