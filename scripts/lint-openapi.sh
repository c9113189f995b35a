#!/usr/bin/env bash
# Lints the API contract, api/openapi.json, as a client's developer would read it: Spectral with
# its spectral:oas rules and Redocly with its recommended rules, both from npm (api/lint:
# package.json and its lockfile, `npm ci`), failing on any error or warning; then generates a Go
# client from it with oapi-codegen and compiles it. `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
doc=$root/api/openapi.json
oapi_codegen=github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2

cd api/lint
if [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
	npm ci --ignore-scripts --no-audit --no-fund
fi
echo "== spectral lint (spectral:oas)"
npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=warn "$doc"
echo "== redocly lint (recommended)"
summary=$(NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	npx --no-install redocly lint --config redocly.yaml --format=summary "$doc" 2>&1) || { echo "$summary"; exit 1; }
echo "$summary" | grep -v -e '^ *║' -e '^ *╔' -e '^ *╚' || true
if echo "$summary" | grep -Eq '^(error|warning) '; then
	echo "redocly: the contract has warnings"; exit 1
fi

echo "== oapi-codegen: a Go client from the contract, compiled"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hubclient"
(cd "$root/services/api" && go run "$oapi_codegen" -generate types,client -package hubclient -o "$tmp/hubclient/client.go" "$doc")
cat > "$tmp/go.mod" <<MOD
module hubclient.test

go 1.26.0
MOD
cp "$root/services/api/go.sum" "$tmp/go.sum" 2>/dev/null || true
(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go mod tidy >/dev/null && GOWORK=off go build ./... && GOWORK=off go vet ./...)
echo "the generated client compiles ($(wc -l <"$tmp/hubclient/client.go") lines)"
