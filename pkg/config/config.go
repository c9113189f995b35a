// Package config reads the hub's configuration from environment variables, all prefixed HUB_,
// and builds the logger. Every setting has a documented default (see README.md).
package config

import (
	"fmt"
	"log/slog"
	"os"
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

// Parse fills v (a struct with env tags) from HUB_* variables.
func Parse(v any) error {
	if err := env.ParseWithOptions(v, env.Options{Prefix: Prefix}); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
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
