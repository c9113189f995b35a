#!/usr/bin/env bash
# Runs the whole hub in the foreground with the DfE workforce figures 2017–2025 loaded as demo
# data: its own ClickHouse (installed with apt-get if missing, data in .demo/clickhouse) unless
# HUB_CLICKHOUSE_ADDR points at one, and every service in one process with embedded NATS and the
# development OpenID provider. Ctrl-C (or SIGTERM) stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/docs-ui.sh # the API docs UI, built into the binary
mkdir -p .demo/bin
# The dashboard's front-end assets, embedded in the binary (npm, by the lockfile).
(cd services/dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
go build -o .demo/bin/hub ./services/hub/cmd/hub

started_clickhouse=""
if [[ -z "${HUB_CLICKHOUSE_ADDR:-}" ]]; then
	port=${HUB_DEMO_CLICKHOUSE_PORT:-19000}
	bash scripts/clickhouse.sh start .demo/clickhouse "$port"
	export HUB_CLICKHOUSE_ADDR=127.0.0.1:$port
	started_clickhouse=.demo/clickhouse
fi

hub_pid=""
stop() {
	trap - INT TERM EXIT
	if [[ -n "$hub_pid" ]]; then
		kill -TERM "$hub_pid" 2>/dev/null || true
		wait "$hub_pid" 2>/dev/null || true
	fi
	if [[ -n "$started_clickhouse" ]]; then
		bash scripts/clickhouse.sh stop "$started_clickhouse" || true
	fi
}
trap stop INT TERM EXIT

# The development OpenID provider (published demo secrets) is for this demo only: on here, on
# loopback, with its signing key in .demo so that a restart keeps every client signed in.
HUB_DEMO=${HUB_DEMO:-true} HUB_LOG_FORMAT=${HUB_LOG_FORMAT:-text} HUB_NATS_STORE_DIR=${HUB_NATS_STORE_DIR:-.demo/nats} \
	HUB_DEV_OIDC=${HUB_DEV_OIDC:-true} HUB_DEV_OIDC_KEY_FILE=${HUB_DEV_OIDC_KEY_FILE:-.demo/dev-oidc-key.pem} \
	.demo/bin/hub run &
hub_pid=$!
wait "$hub_pid"
