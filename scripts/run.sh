#!/usr/bin/env bash
# Starts PhotoApi locally and keeps it running until Ctrl-C:
#   PostgreSQL (ConnectionStrings__Photos if set, else Docker if available, else a private cluster from the
#   distribution's packages in .data/pg), the dev issuer on :5001 (its store in the database photoapi_dev_issuer on the
#   same server), the API on :5000 (migrations applied at start), the PhotoPrint web sample on :5002, demo data for alice
#   and bob, then prints the URLs, ready-to-paste tokens (also in .run/tokens.env) and ready-made commands.
#   scripts/run.sh [--install]
# Needs curl, jq and (without Docker or ConnectionStrings__Photos) the distribution's postgresql package: what is missing
# is listed with the apt-get command that installs it before anything starts; --install (or PHOTOAPI_INSTALL=1) installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

api_port=${PHOTOAPI_API_PORT:-5000}
issuer_port=${PHOTOAPI_ISSUER_PORT:-5001}
web_port=${PHOTOAPI_WEB_PORT:-5002}
api_url="http://localhost:$api_port"
issuer_url="http://localhost:$issuer_port"
web_url="http://localhost:$web_port"
mkdir -p .run
. scripts/common.sh   # need_package, require_packages, build, wait_for, start_dev_issuer
take_install_flag "$@"

have_docker=no
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then have_docker=yes; fi
need_package curl curl "waiting for the services and creating the demo data"
need_package jq jq "the README's commands read JSON responses with jq"
if [ -z "${ConnectionStrings__Photos:-}" ] && [ "$have_docker" = no ]; then
  need_package '/usr/lib/postgresql/*/bin' postgresql "PostgreSQL server for the private cluster in .data/pg"
fi
require_packages

# 1. Build once, then run the built assemblies.
echo "Building..."
build src/PhotoApi/PhotoApi.csproj
build src/PhotoApi.DevIssuer/PhotoApi.DevIssuer.csproj
build samples/PhotoPrint.Web/PhotoPrint.Web.csproj
build samples/PhotoPrint.Tv/PhotoPrint.Tv.csproj
build samples/PhotoPrint.Dpop/PhotoPrint.Dpop.csproj
api_dll=src/PhotoApi/bin/Debug/net10.0/PhotoApi.dll
issuer_dll=src/PhotoApi.DevIssuer/bin/Debug/net10.0/PhotoApi.DevIssuer.dll
web_dll=samples/PhotoPrint.Web/bin/Debug/net10.0/PhotoPrint.Web.dll
tv_dll=samples/PhotoPrint.Tv/bin/Debug/net10.0/PhotoPrint.Tv.dll
dpop_dll=samples/PhotoPrint.Dpop/bin/Debug/net10.0/PhotoPrint.Dpop.dll

# 2. PostgreSQL
if [ -z "${ConnectionStrings__Photos:-}" ]; then
  if [ "$have_docker" = yes ]; then
    if ! docker ps --format '{{.Names}}' | grep -qx photoapi-postgres; then
      docker rm -f photoapi-postgres >/dev/null 2>&1 || true
      docker run -d --name photoapi-postgres -e POSTGRES_USER=photoapi -e POSTGRES_PASSWORD=photoapi -e POSTGRES_DB=photoapi \
        -p 127.0.0.1:54329:5432 postgres:16-alpine >/dev/null
      until docker exec photoapi-postgres pg_isready -U photoapi >/dev/null 2>&1; do sleep 0.5; done
    fi
    export ConnectionStrings__Photos="Host=127.0.0.1;Port=54329;Username=photoapi;Password=photoapi;Database=photoapi"
    echo "PostgreSQL: Docker container photoapi-postgres"
  else
    export ConnectionStrings__Photos=$(scripts/pg-cluster.sh start .data/pg 54329)
    echo "PostgreSQL: private cluster in .data/pg (port 54329)"
  fi
fi

# The dev issuer keeps codes, refresh tokens and consents in a database of its own on the same server (a later
# Database= wins in an Npgsql connection string); it creates it at start.
export ConnectionStrings__DevIssuer=${ConnectionStrings__DevIssuer:-"${ConnectionStrings__Photos%;};Database=photoapi_dev_issuer"}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# 3. The dev issuer: a real OAuth 2.0 authorization server for local use (OpenIddict).
export DevIssuer__Issuer="$issuer_url/"   # also for the mint commands below
start_dev_issuer "$issuer_dll" "$issuer_url" "$api_url" .run/dev-issuer.log DevIssuer__Clients__0__RedirectUris__0="$web_url/callback"
pids+=($!)
wait_for "$issuer_url/health" .run/dev-issuer.log

# 4. The API, configured exactly as it would be for any production issuer.
# It introspects opaque (reference) tokens at the dev issuer as its own client photo-api (RFC 7662).
(cd src/PhotoApi && Auth__Authority="$issuer_url" Auth__RequireHttpsMetadata=false Auth__ResourceUri="$api_url" \
  Auth__Introspection__ClientId=photo-api Auth__Introspection__ClientSecret=photo-api-secret \
  exec dotnet "../../$api_dll" --urls "$api_url") >.run/api.log 2>&1 &
pids+=($!)
wait_for "$api_url/health/ready" .run/api.log

# 5. PhotoPrint, the web app with a backend (a confidential client): signs users in at the dev issuer, shows their photos.
(cd samples/PhotoPrint.Web && PhotoPrint__Authority="$issuer_url/" PhotoPrint__Api="$api_url/" \
  exec dotnet "../../$web_dll" --urls "$web_url") >.run/photoprint-web.log 2>&1 &
pids+=($!)
wait_for "$web_url/" .run/photoprint-web.log

# 6. Tokens, minted by the dev issuer with its signing key (8 hours, so a demo session lasts a day's work).
mint() { dotnet "$issuer_dll" mint --lifetime 28800 "$@"; }
alice_token=$(mint --sub alice --scope "photos.read photos.write" --client-id photoprint)
photoprint_token=$(mint --sub alice --scope "photos.read" --client-id photoprint)
bob_token=$(mint --sub bob --scope "photos.read photos.write" --client-id photoprint)
cat >.run/tokens.env <<TOKENS
API=$api_url
ISSUER=$issuer_url
ALICE_TOKEN=$alice_token
PHOTOPRINT_TOKEN=$photoprint_token
BOB_TOKEN=$bob_token
TOKENS

# 7. Demo data, through the API itself (only the first time).
api() { curl -fsS -H "Authorization: Bearer $1" "${@:2}"; }
if api "$alice_token" "$api_url/v1/photos" | grep -q '"items":\[\]'; then
  png=$(mktemp)
  # A real 1x1 PNG, so content downloads work in the demo.
  echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==' | base64 -d >"$png"
  album=$(api "$alice_token" -X POST "$api_url/v1/albums" -H 'Content-Type: application/json' -d '{"title":"Summer 2024"}' | jq -r .id)
  for title in "Beach at low tide" "Lighthouse" "Harbour at dusk"; do
    photo=$(api "$alice_token" -X POST "$api_url/v1/photos" -H 'Content-Type: application/json' \
      -d "{\"title\":\"$title\",\"takenAt\":\"2024-07-14T18:30:00Z\"}" | jq -r .id)
    api "$alice_token" -X PUT "$api_url/v1/photos/$photo/content" -H 'Content-Type: image/png' --data-binary "@$png" >/dev/null
    api "$alice_token" -X PUT "$api_url/v1/albums/$album/photos/$photo" >/dev/null
  done
  api "$bob_token" -X POST "$api_url/v1/photos" -H 'Content-Type: application/json' -d '{"title":"Bob'"'"'s bicycle"}' >/dev/null
  rm -f "$png"
fi

cat <<INFO

PhotoApi is running.
  PhotoPrint (web) $web_url   (sign in as alice or bob; the tokens stay on PhotoPrint's server)
  Swagger UI       $api_url/swagger   (Authorize: paste a token below, or sign in through the dev issuer)
  API              $api_url
  Dev issuer       $issuer_url/.well-known/openid-configuration   (apps you allowed: $issuer_url/account/apps)
  Logs             .run/api.log, .run/dev-issuer.log, .run/photoprint-web.log

Tokens (8 hours; also in .run/tokens.env, so: set -a; . .run/tokens.env; set +a):
  alice, read-write (photos.read photos.write):
    $alice_token

  PhotoPrint for alice, read-only (photos.read):
    $photoprint_token

  bob, read-write:
    $bob_token

Ready-made commands (another terminal, in this folder):
  set -a; . .run/tokens.env; set +a
  curl -H "Authorization: Bearer \$PHOTOPRINT_TOKEN" \$API/v1/photos
  ADMIN_TOKEN=\$(curl -s \$ISSUER/connect/token -d grant_type=client_credentials -d client_id=photo-admin-job -d client_secret=photo-admin-job-secret | jq -r .access_token)
  curl -H "Authorization: Bearer \$ADMIN_TOKEN" \$API/v1/admin/usage
  OPAQUE_TOKEN=\$(curl -s -u photoprint-opaque:photoprint-opaque-secret \$ISSUER/connect/token -d grant_type=client_credentials -d scope=photos.admin | jq -r .access_token)
  curl -H "Authorization: Bearer \$OPAQUE_TOKEN" \$API/v1/admin/usage     # an opaque token: introspected, then cached for up to a minute
  dotnet $tv_dll --issuer $issuer_url --api $api_url    # PhotoPrint for TV: the device flow
  dotnet $dpop_dll --issuer $issuer_url --api $api_url  # a DPoP-bound token (RFC 9449) and what a thief can do with it
Press Ctrl-C to stop.
INFO
wait
