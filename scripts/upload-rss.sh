#!/usr/bin/env bash
# Peak memory of the all-in-one hub for large CSV uploads. Builds the hub and, for each size,
# starts it afresh (its own NATS store, the development OpenID provider on loopback, against the
# ClickHouse at HUB_CLICKHOUSE_ADDR — default the shared test server 127.0.0.1:19400 — in its own
# database), reads its idle resident memory, uploads a workforce-return CSV of that many MB as a
# steward (about 70 bytes a row; 60 MB is more rows than one submission may hold, so it is
# refused), follows the submission until every row is checked, and prints the hub's peak resident
# memory (VmHWM) and how far above idle it went. A fresh process for each size, so that memory
# one upload left with the process is not counted against the next.
#
#   bash scripts/upload-rss.sh            # sizes in MB: UPLOAD_RSS_SIZES="10 30 60"
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${UPLOAD_RSS_SIZES:-10 30 60}
work=$(mktemp -d)
port=${UPLOAD_RSS_PORT:-18480}
api=http://127.0.0.1:$port
oidc=127.0.0.1:$((port + 1))
hub_pid=""
stop_hub() {
	if [[ -n "$hub_pid" ]]; then
		kill -TERM "$hub_pid" 2>/dev/null || true
		wait "$hub_pid" 2>/dev/null || true
		hub_pid=""
	fi
}
trap 'stop_hub; rm -rf "$work"' EXIT INT TERM

start_hub() {
	rm -rf "$work/nats"
	HUB_CLICKHOUSE_ADDR=${HUB_CLICKHOUSE_ADDR:-127.0.0.1:19400} HUB_CLICKHOUSE_DATABASE=${UPLOAD_RSS_DATABASE:-upload_rss} \
		HUB_HTTP_ADDR=127.0.0.1:$port HUB_DEV_OIDC=true HUB_DEV_OIDC_ADDR=$oidc HUB_OIDC_ISSUER=http://$oidc \
		HUB_DEV_OIDC_KEY_FILE="$work/key.pem" HUB_NATS_PORT=-1 HUB_NATS_STORE_DIR="$work/nats" \
		HUB_DASHBOARD_ADDR=127.0.0.1:$((port + 2)) HUB_INGEST_HEALTH_ADDR=127.0.0.1:$((port + 3)) \
		HUB_BENCHMARK_HEALTH_ADDR=127.0.0.1:$((port + 4)) HUB_LOG_LEVEL=warn \
		"$work/hub" run >>"$work/hub.log" 2>&1 &
	hub_pid=$!
	for _ in $(seq 1 120); do
		curl -fs "$api/readyz" >/dev/null 2>&1 && return
		kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log"; exit 1; }
		sleep 0.5
	done
	echo "the hub did not become ready"; cat "$work/hub.log"; exit 1
}

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$hub_pid/status"; }

go build -o "$work/hub" ./services/hub/cmd/hub
printf '%-7s %-8s %-6s %-19s %-9s %-9s %s\n' size rows answer status idle peak "above idle"
for mb in $sizes; do
	file="$work/upload-$mb.csv"
	awk -v bytes=$((mb * 1000 * 1000)) 'BEGIN {
		header = "org,period,inpost_fte,inpost_headcount,starters_fte,leavers_fte,agency_fte,vacancy_fte,case_holders_fte,cases,working_days_lost_fte,agency_cover_fte,starters_headcount"
		print header; n = length(header) + 1
		for (i = 0; n < bytes; i++) {
			line = sprintf("E%08d,%d,%d.5,%d,%d.5,%d.5,%d.2,%d.2,%d.5,%d,%d.5,%d.5,%d", 6000000 + int(i / 25), 2000 + i % 25, 100 + i % 50, 110 + i % 50, 10 + i % 9, 11 + i % 8, i % 13, i % 7, 80 + i % 40, 1000 + i % 500, 300 + i % 90, i % 5, 10 + i % 9)
			print line; n += length(line) + 1
		}
	}' >"$file"
	rows=$(($(wc -l <"$file") - 1))
	start_hub
	token=$(curl -fs -u demo-steward:demo-secret -d grant_type=client_credentials "http://$oidc/token" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
	sleep 3 # let start-up settle
	idle=$(kib VmRSS)
	echo 5 >"/proc/$hub_pid/clear_refs" # VmHWM from here
	answer=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
		-H "Idempotency-Key: rss-$mb-$$" --data-binary @"$file" "$api/v1/workforce-returns")
	state=refused
	if [[ $answer == 202 ]]; then
		url=$(sed -E 's/.*"status_url":"([^"]+)".*/\1/' "$work/answer.json")
		for _ in $(seq 1 600); do
			state=$(curl -fs -H "Authorization: Bearer $token" "$api$url" | sed -E 's/.*"status":"([a-z_]+)".*/\1/')
			[[ $state != pending ]] && break
			sleep 0.5
		done
	fi
	peak=$(kib VmHWM)
	printf '%-7s %-8s %-6s %-19s %-9s %-9s %s\n' "$mb MB" "$rows" "$answer" "$state" "$((idle / 1024)) MiB" "$((peak / 1024)) MiB" "$(((peak - idle) / 1024)) MiB"
	stop_hub
	rm -f "$file"
done
