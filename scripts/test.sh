#!/usr/bin/env bash
# Runs every test of every module against a real ClickHouse (started here on a temporary data
# directory, installed with apt-get if missing) and real embedded NATS servers (started by the
# tests themselves). Set HUB_TEST_CLICKHOUSE_ADDR to use a ClickHouse that is already running.
# `scripts/test.sh bench` runs the throughput benchmark instead.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(pkg services/api services/ingest services/benchmark services/dashboard services/hub services/cli deploy deploy/engines)
# helm renders and lints charts/partnership-hub in the deploy module's tests; installed here if missing.
helm_version=v3.22.0
port=${HUB_TEST_CLICKHOUSE_PORT:-19300}
tmp=$(mktemp -d)
cleanup() {
	if [[ -f "$tmp/clickhouse/clickhouse-server.pid" ]]; then
		bash scripts/clickhouse.sh stop "$tmp/clickhouse" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -z "${HUB_TEST_CLICKHOUSE_ADDR:-}" ]]; then
	bash scripts/clickhouse.sh start "$tmp/clickhouse" "$port"
	export HUB_TEST_CLICKHOUSE_ADDR=127.0.0.1:$port
fi

if [[ "${1:-}" == bench ]]; then
	cd services/hub && go test -run '^$' -bench Throughput -benchtime "${HUB_BENCH_TIMES:-3x}" -timeout 30m ./
	exit
fi

# The dashboard's front-end assets: GOV.UK Frontend and axe-core from npm by the lockfile, built
# into services/dashboard/web/static/dist, which the dashboard and hub binaries embed.
echo "== dashboard assets (npm ci, npm run build in services/dashboard)"
(cd services/dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)

echo "== gofmt"
unformatted=$(gofmt -l pkg services deploy)
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
if ! command -v helm >/dev/null; then
	export PATH="$PATH:$(go env GOPATH)/bin"
	if ! command -v helm >/dev/null; then
		echo "== go install helm.sh/helm/v3/cmd/helm@$helm_version"
		go install "helm.sh/helm/v3/cmd/helm@$helm_version"
	fi
fi
export HUB_REQUIRE_HELM=1 # the chart tests must run, never skip
# Current ClickHouse as a library (chDB, from npm): deploy/engines runs every query of the hub on it
# and on the 18.16 server, with the build tag chdb.
echo "== npm ci deploy/engines (chDB, ClickHouse 26.x as a library)"
npm ci --prefix deploy/engines --no-audit --no-fund --loglevel=error
export CHDB_LIB_PATH=$PWD/deploy/engines/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so
tags() { [[ $1 == deploy/engines ]] && echo "-tags=chdb"; true; }
echo "== API docs UI (npm ci in services/api/docsui, embedded in the binary)"
bash scripts/docs-ui.sh
export HUB_REQUIRE_DOCS_UI=1
# The browser tests (the API docs at /docs, the dashboard) drive Debian's Chromium; installed here if missing.
if ! command -v chromium >/dev/null; then
	echo "== apt-get install chromium"
	if [[ $(id -u) -ne 0 ]]; then
		echo "chromium is missing: run apt-get install -y chromium as root"; exit 1
	fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
export HUB_REQUIRE_BROWSER=1 # the browser tests must run, never skip
# The API contract: Spectral (spectral:oas) and Redocly (recommended) from npm (api/lint), zero
# errors and zero warnings, and a Go client generated from it with oapi-codegen that compiles.
echo "== OpenAPI contract: lint and a generated client (npm ci in api/lint)"
bash scripts/lint-openapi.sh
echo "== helm lint charts/partnership-hub (default, single-node and production values)"
helm lint charts/partnership-hub
helm lint charts/partnership-hub -f charts/partnership-hub/values-single.yaml
helm lint charts/partnership-hub -f charts/partnership-hub/values-production.yaml
helm lint charts/partnership-hub-with-nats # warns that its dependencies are not downloaded
for m in "${modules[@]}"; do
	echo "== go vet $m"
	(cd "$m" && go vet $(tags "$m") ./...)
done
# --- Each module on its own, as the images build it (GOWORK=off, reaching the others through its
# replace directives): it builds, vets, and `go mod tidy` would change neither go.mod nor go.sum.
# Every module of go.work, not only those listed above. (deploy's TestImageBuildStage plays the
# Dockerfile's build stage itself.)
for m in $(go list -m -f '{{.Dir}}'); do
	m=${m#"$PWD"/}
	echo "== GOWORK=off: go build, go vet, go mod tidy -diff in $m"
	(cd "$m" && GOWORK=off go build $(tags "$m") ./... && GOWORK=off go vet $(tags "$m") ./...) ||
		{ echo "$m does not build or vet on its own (GOWORK=off): check its go.mod, go.sum and replace directives"; exit 1; }
	if ! tidy=$(cd "$m" && GOWORK=off go mod tidy -diff 2>&1); then
		echo "go mod tidy would change $m/go.mod or go.sum (run GOWORK=off go mod tidy there):"; echo "$tidy"; exit 1
	fi
done
# --- end of the per-module block
for m in "${modules[@]}"; do
	echo "== go test $m"
	(cd "$m" && go test -race -count=1 -timeout 30m $(tags "$m") ./...)
done
