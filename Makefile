# Partnership Hub. On a fresh Debian machine: `make demo` runs the hub with demo data,
# `make test` runs every test. Both install ClickHouse with apt-get when it is missing.

MODULES := pkg services/api services/ingest services/benchmark services/dashboard services/hub services/cli deploy deploy/engines
# Stamped into every binary and image (`<binary> --version`).
VERSION ?= 0.1.0
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/partnership-hub/hub/pkg/version.Version=$(VERSION) -X github.com/partnership-hub/hub/pkg/version.Commit=$(COMMIT)

.PHONY: demo test fuzz build assets images openapi migrate bench backtest clean

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

# Runs every Go fuzz target of every module for FUZZTIME each (default 30s; see scripts/fuzz.sh).
fuzz:
	bash scripts/fuzz.sh

# The dashboard's front-end assets (GOV.UK Frontend from npm, by its lockfile), embedded in the
# dashboard and hub binaries.
assets:
	cd services/dashboard && npm ci --no-audit --no-fund && npm run build

build: assets
	bash scripts/docs-ui.sh
	mkdir -p bin
	cd services/hub && go build -ldflags "$(LDFLAGS)" -o ../../bin/hub ./cmd/hub
	cd services/api && go build -ldflags "$(LDFLAGS)" -o ../../bin/api ./cmd/api
	cd services/ingest && go build -ldflags "$(LDFLAGS)" -o ../../bin/ingest ./cmd/ingest
	cd services/benchmark && go build -ldflags "$(LDFLAGS)" -o ../../bin/benchmark ./cmd/benchmark
	cd services/dashboard && go build -ldflags "$(LDFLAGS)" -o ../../bin/dashboard ./cmd/dashboard
	cd services/cli && go build -ldflags "$(LDFLAGS)" -o ../../bin/hub-cli ./cmd/hub-cli
	# hub-cli for the systems that submit: static release binaries in bin/release/.
	for p in linux/amd64 linux/arm64 darwin/arm64 windows/amd64; do \
		os=$${p%/*}; arch=$${p#*/}; ext=$$( [ $$os = windows ] && echo .exe ); \
		(cd services/cli && CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "-s -w $(LDFLAGS)" \
			-o ../../bin/release/hub-cli-$(VERSION)-$$os-$$arch$$ext ./cmd/hub-cli) || exit 1; \
	done

# Container images, one per service plus the all-in-one hub (needs a Docker engine).
images:
	for s in hub api ingest benchmark dashboard; do \
		docker build -f deploy/docker/Dockerfile --build-arg SERVICE=$$s --build-arg VERSION=$(VERSION) \
			--build-arg COMMIT=$(COMMIT) -t partnership-hub/$$s:$(VERSION) . || exit 1; \
	done

# Writes the OpenAPI document the API serves to api/openapi.json and the JSON Schemas of the data
# kinds to schemas/; a test fails when either is stale.
openapi:
	cd services/hub && go run ./cmd/hub openapi > ../../api/openapi.json
	cd services/hub && go run ./cmd/hub schemas ../../schemas

# Lints api/openapi.json with Spectral and Redocly (zero errors, zero warnings) and compiles a Go
# client generated from it; make test runs it too.
lint-openapi:
	bash scripts/lint-openapi.sh

# Applies ClickHouse migrations and loads reference data (HUB_CLICKHOUSE_* say where).
migrate:
	cd services/hub && go run ./cmd/hub migrate

# The projection backtest on the DfE workforce figures: the table in the README.
backtest:
	cd services/hub && go run ./cmd/hub backtest

clean:
	rm -rf bin .demo services/dashboard/web/static/dist

# The throughput figure: 200,000 rows through the hub against a direct clickhouse-go insert.
bench:
	bash scripts/test.sh bench
