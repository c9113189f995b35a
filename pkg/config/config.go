// Package config reads the hub's configuration from environment variables, all prefixed HUB_,
// and builds the logger. Every setting has a documented default (see README.md). What was read
// can be logged, secrets masked (Settings); the process around it is package lifecycle's.
package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// Prefix starts every variable the hub reads.
const Prefix = "HUB_"

// Common is what every service needs: logging, NATS and ClickHouse.
type Common struct {
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`  // debug, info, warn, error
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"` // json or text

	NATSURL      string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	NATSReplicas int    `env:"NATS_REPLICAS" envDefault:"1"` // stream replicas: 3 on a cluster

	ClickHouseAddr     string `env:"CLICKHOUSE_ADDR" envDefault:"127.0.0.1:19000"` // native protocol
	ClickHouseDatabase string `env:"CLICKHOUSE_DATABASE" envDefault:"hub"`
	ClickHouseUser     string `env:"CLICKHOUSE_USER" envDefault:"default"`
	ClickHousePassword string `env:"CLICKHOUSE_PASSWORD"`
	ClickHouseCluster  string `env:"CLICKHOUSE_CLUSTER" envDefault:""` // lay the schema out replicated on this cluster; "" for one server

	OTelExporter string `env:"OTEL_EXPORTER" envDefault:"none"` // traces: none, stdout or otlp (OTEL_EXPORTER_OTLP_* say where)
}

// ClickHouse returns the connection settings for chstore.
func (c Common) ClickHouse() chstore.Config {
	return chstore.Config{Addr: c.ClickHouseAddr, Database: c.ClickHouseDatabase, Username: c.ClickHouseUser, Password: c.ClickHousePassword,
		Cluster: c.ClickHouseCluster}
}

// Parse fills v (a struct with env tags) from HUB_* variables and returns the settings it read.
func Parse(v any) (Settings, error) {
	var read Settings
	opts := env.Options{Prefix: Prefix, OnSet: func(name string, value any, isDefault bool) {
		read = append(read, Setting{Name: name, Value: shown(name, value), Default: isDefault})
	}}
	if err := env.ParseWithOptions(v, opts); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return read, nil
}

// Defaults fills v (a struct with env tags) with the defaults its tags give, whatever the
// environment holds: what a document describing the defaults (the API's limits) is written from.
func Defaults(v any) error {
	if err := env.ParseWithOptions(v, env.Options{Prefix: Prefix, Environment: map[string]string{}}); err != nil {
		return fmt.Errorf("configuration defaults: %w", err)
	}
	return nil
}

// Settings are the variables a configuration was read from, each with its value (from the
// environment, its default, or empty) as it may be logged: a secret is shown as *** when it is
// set, and a URL without its password.
type Settings []Setting

// Setting is one variable.
type Setting struct {
	Name    string // e.g. HUB_CLICKHOUSE_ADDR
	Value   string // masked when it is a secret
	Default bool   // the default, not the environment, gave the value
}

// LogValue logs the settings as one group, keyed by variable.
func (s Settings) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(s))
	for i, v := range s {
		attrs[i] = slog.String(v.Name, v.Value)
	}
	return slog.GroupValue(attrs...)
}

// Masked is how a secret that is set is shown.
const Masked = "***"

// secretWords mark a variable as a secret wherever they stand in its name (HUB_CLICKHOUSE_PASSWORD,
// HUB_DASHBOARD_CLIENT_SECRET, …), so that a setting added later is masked without anyone
// remembering to say so.
var secretWords = []string{"PASSWORD", "SECRET", "TOKEN", "KEY", "CREDENTIALS", "PASSPHRASE"}

// IsSecret reports whether the variable name says it holds a secret. A name ending in _FILE holds
// the path of a file (HUB_DEV_OIDC_KEY_FILE), which is shown so that an operator can see where the
// secret is kept.
func IsSecret(name string) bool {
	words := strings.Split(name, "_")
	if words[len(words)-1] == "FILE" {
		return false
	}
	for _, w := range words {
		if slices.Contains(secretWords, w) {
			return true
		}
	}
	return false
}

// shown is value as it may be logged.
func shown(name string, value any) string {
	if IsSecret(name) {
		if fmt.Sprint(value) == "" {
			return ""
		}
		return Masked
	}
	var parts []string
	switch v := value.(type) {
	case string:
		parts = strings.Split(v, ",") // a list is one comma-separated string
	case []string:
		parts = v
	default:
		return fmt.Sprint(value)
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = WithoutPassword(p)
	}
	return strings.Join(out, ",")
}

// WithoutPassword hides the password of a URL (nats://hub:secret@nats:4222); anything else is
// returned as it is.
func WithoutPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	return u.Redacted()
}

// Logger builds the structured logger the settings ask for.
func (c Common) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("HUB_LOG_LEVEL: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("HUB_LOG_FORMAT %q: want json or text", c.LogFormat)
}
