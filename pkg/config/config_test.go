package config_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/config"
)

type service struct {
	config.Common
	ClientSecret string        `env:"DASHBOARD_CLIENT_SECRET"`
	Upstreams    []string      `env:"UPSTREAMS" envDefault:"http://a.example,https://user:pw-in-list@b.example"`
	Timeout      time.Duration `env:"TIMEOUT" envDefault:"20s"`
	Unset        string        `env:"UNSET_WITHOUT_DEFAULT"`
}

// The configuration is logged as read, every variable with its value, and no secret ever: not
// the ClickHouse password, not a client secret, not a password inside a URL.
func TestSettingsMaskSecrets(t *testing.T) {
	secrets := map[string]string{
		"HUB_CLICKHOUSE_PASSWORD":     "ch-pass-0451",
		"HUB_DASHBOARD_CLIENT_SECRET": "client-secret-0452",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("HUB_NATS_URL", "nats://hub:nats-pass-0453@nats.example:4222")
	t.Setenv("HUB_CLICKHOUSE_ADDR", "ch.example:9000")

	var cfg service
	settings, err := config.Parse(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHousePassword != secrets["HUB_CLICKHOUSE_PASSWORD"] || cfg.ClientSecret != secrets["HUB_DASHBOARD_CLIENT_SECRET"] {
		t.Fatalf("the secrets themselves were not read: %+v", cfg)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", "configuration", settings)
	line := buf.String()
	for _, leak := range []string{"ch-pass-0451", "client-secret-0452", "nats-pass-0453", "pw-in-list"} {
		if strings.Contains(line, leak) {
			t.Errorf("the log shows the secret %q: %s", leak, line)
		}
	}
	var logged struct {
		Configuration map[string]string `json:"configuration"`
	}
	if err := json.Unmarshal(buf.Bytes(), &logged); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"HUB_CLICKHOUSE_PASSWORD":     config.Masked,
		"HUB_DASHBOARD_CLIENT_SECRET": config.Masked,
		"HUB_NATS_URL":                "nats://hub:xxxxx@nats.example:4222",
		"HUB_UPSTREAMS":               "http://a.example,https://user:xxxxx@b.example",
		"HUB_CLICKHOUSE_ADDR":         "ch.example:9000",
		"HUB_CLICKHOUSE_USER":         "default",
		"HUB_LOG_LEVEL":               "info",
		"HUB_TIMEOUT":                 "20s",
	} {
		if got, ok := logged.Configuration[name]; !ok || got != want {
			t.Errorf("%s logged as %q (present %v), want %q", name, got, ok, want)
		}
	}
	if v, ok := logged.Configuration["HUB_UNSET_WITHOUT_DEFAULT"]; !ok || v != "" {
		t.Errorf("a variable neither set nor defaulted: %q (listed %v), want it listed empty", v, ok)
	}
	for _, s := range settings {
		if s.Name == "HUB_LOG_LEVEL" && !s.Default || s.Name == "HUB_CLICKHOUSE_ADDR" && s.Default {
			t.Errorf("%s: default %v", s.Name, s.Default)
		}
	}
}

// An empty secret is shown as empty, so the log tells a secret that is set from one that is not.
func TestUnsetSecretShowsEmpty(t *testing.T) {
	t.Setenv("HUB_CLICKHOUSE_PASSWORD", "")
	var cfg service
	settings, err := config.Parse(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if s.Name == "HUB_CLICKHOUSE_PASSWORD" && s.Value != "" {
			t.Errorf("an empty password is shown as %q", s.Value)
		}
	}
}

func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"HUB_CLICKHOUSE_PASSWORD":     true,
		"HUB_DASHBOARD_CLIENT_SECRET": true,
		"HUB_API_TOKEN":               true,
		"HUB_DEV_OIDC_KEY":            true,
		"HUB_DEV_OIDC_KEY_FILE":       false, // a path, shown so the operator sees where the key is
		"HUB_CLICKHOUSE_ADDR":         false,
		"HUB_OIDC_CLAIM_ORG":          false,
		"HUB_MAX_JSON_BYTES":          false,
		"HUB_INGEST_MAX_ATTEMPTS":     false,
	} {
		if got := config.IsSecret(name); got != want {
			t.Errorf("IsSecret(%s) = %v, want %v", name, got, want)
		}
	}
}
