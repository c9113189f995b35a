package hub_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/services/hub"
)

// The all-in-one hub logs its whole configuration at start (the API's, ingest's, the benchmark
// service's, the dashboard's and its own), with the ClickHouse password, the dashboard's client
// secret and a password in the NATS URL masked.
func TestStartLogsTheConfigurationWithoutSecrets(t *testing.T) {
	secrets := map[string]string{
		"HUB_CLICKHOUSE_PASSWORD":     "ch-pass-7731",
		"HUB_DASHBOARD_CLIENT_SECRET": "dashboard-secret-7732",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("HUB_NATS_URL", "nats://hub:nats-pass-7733@127.0.0.1:4222")
	t.Setenv("HUB_INGEST_MAX_ATTEMPTS", "7")

	var cfg hub.Config
	settings, err := config.Parse(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.ClickHousePassword != secrets["HUB_CLICKHOUSE_PASSWORD"] || cfg.Dashboard.ClientSecret != secrets["HUB_DASHBOARD_CLIENT_SECRET"] {
		t.Fatalf("the secrets were not read")
	}
	var buf bytes.Buffer
	lifecycle.Started(slog.New(slog.NewTextHandler(&buf, nil)), "hub", settings)
	out := buf.String()
	for _, leak := range []string{"ch-pass-7731", "dashboard-secret-7732", "nats-pass-7733"} {
		if strings.Contains(out, leak) {
			t.Errorf("the start log shows %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"configuration.HUB_CLICKHOUSE_PASSWORD=***", "configuration.HUB_DASHBOARD_CLIENT_SECRET=***",
		"configuration.HUB_NATS_URL=nats://hub:xxxxx@127.0.0.1:4222", "configuration.HUB_INGEST_MAX_ATTEMPTS=7",
		"configuration.HUB_BENCHMARK_MAX_ATTEMPTS=5", "configuration.HUB_HTTP_ADDR=127.0.0.1:8080", "service=hub"} {
		if !strings.Contains(out, want) {
			t.Errorf("the start log lacks %s:\n%s", want, out)
		}
	}
}
