# Pieces the scripts share (sourced by every script in scripts/ that starts something; not run).

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages are installed only when asked: --install on the script's command line (see take_install_flag) or
# PHOTOAPI_INSTALL=1 in the environment (what CI does). Otherwise a script names what is missing and stops before it
# starts anything. Usage: need_package CHECK PACKAGE WHY (one per package), then require_packages.
#   CHECK: a command (found on PATH, or in /usr/sbin where daemons live) or a path (may be a glob, e.g. /usr/lib/postgresql/*/bin).
missing_packages=()
missing_reasons=()
need_package() {
  local check=$1 package=$2 why=$3
  if [[ $check == */* ]]; then
    compgen -G "$check" >/dev/null && return 0
  else
    command -v "$check" >/dev/null 2>&1 && return 0
    [ -x "/usr/sbin/$check" ] && return 0   # daemons (haproxy, pgbouncer) live in /usr/sbin, outside a non-root PATH
  fi
  local known
  for known in ${missing_packages[@]+"${missing_packages[@]}"}; do [ "$known" = "$package" ] && return 0; done
  missing_packages+=("$package")
  missing_reasons+=("$why")
}

# require_packages: installs every package need_package found missing in one apt-get call when installing is allowed,
# else lists them all with the command that installs them and exits 1. Messages go to stderr, so scripts whose output
# is a connection string can use it.
require_packages() {
  [ ${#missing_packages[@]} -eq 0 ] && return 0
  if [ "${PHOTOAPI_INSTALL:-}" = 1 ]; then
    echo "Installing ${missing_packages[*]} from the distribution's packages..." >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >/dev/null
    missing_packages=() missing_reasons=()
    return 0
  fi
  local i sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo "
  {
    echo "Missing system packages (nothing was started):"
    for i in "${!missing_packages[@]}"; do echo "  ${missing_packages[$i]}: ${missing_reasons[$i]}"; done
    echo "Install them with:"
    echo "  ${sudo}apt-get install -y ${missing_packages[*]}"
    echo "or re-run with --install (or PHOTOAPI_INSTALL=1) to let the script install them."
  } >&2
  exit 1
}

# take_install_flag "$@": --install anywhere among the arguments sets (and exports, for the scripts this one runs)
# PHOTOAPI_INSTALL=1; the other arguments are left in the array script_args, so: take_install_flag "$@"; set -- ${script_args[@]+"${script_args[@]}"}
take_install_flag() {
  script_args=()
  local argument
  for argument in "$@"; do
    if [ "$argument" = --install ]; then export PHOTOAPI_INSTALL=1; else script_args+=("$argument"); fi
  done
}

# The full path of an installed daemon (in /usr/sbin when PATH lacks it).
daemon_path() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# Quiet, but a failing build shows its output and stops here (it used to exit silently under set -e).
# build PROJECT [dotnet build options...]
build() { local out; out=$(dotnet build "$@" -nologo -v q 2>&1) || { echo "$out" >&2; echo "Building $1 failed." >&2; exit 1; }; }

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
