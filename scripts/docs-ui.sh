#!/usr/bin/env bash
# Builds the API docs UI into services/api/docsui/dist, where the API embeds it: Swagger UI from
# npm (services/api/docsui/package.json and its lockfile, `npm ci`), so that /docs works on a closed
# network. Run before building or testing the API (make build, make test, make demo, the image).
set -euo pipefail
cd "$(dirname "$0")/../services/api/docsui"
if [[ ! -f node_modules/swagger-ui-dist/package.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
	npm ci --ignore-scripts --no-audit --no-fund
fi
for f in swagger-ui-bundle.js swagger-ui.css oauth2-redirect.html oauth2-redirect.js LICENSE NOTICE; do
	cp node_modules/swagger-ui-dist/$f dist/$f
done
