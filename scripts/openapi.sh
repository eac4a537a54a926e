#!/usr/bin/env bash
# Regenerates openapi.yaml from the app itself (the same document /swagger/v1/swagger.yaml serves).
# A test fails when the two differ, so run this after changing an endpoint and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
Logging__LogLevel__Default=Error \
Auth__Authority=http://localhost:5001 Auth__RequireHttpsMetadata=false Auth__ResourceUri=http://localhost:5000 \
ConnectionStrings__Photos="Host=127.0.0.1;Database=unused" \
  dotnet run --project src/PhotoApi -- openapi "$PWD/openapi.yaml"
echo "openapi.yaml regenerated."
