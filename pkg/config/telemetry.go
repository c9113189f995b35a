package config

import (
	"context"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// Telemetry is a service's own metrics registry and tracer provider.
type Telemetry struct {
	Registry *prometheus.Registry
	Tracing  *tracing.Provider
}

// Telemetry builds the registry (with the Go runtime and process collectors) and the tracer
// provider HUB_OTEL_EXPORTER asks for; spans on stdout go to standard output, logs stay on
// standard error.
func (c Common) Telemetry(ctx context.Context, name string) (*Telemetry, error) {
	tp, err := tracing.New(ctx, c.OTelExporter, name, os.Stdout)
	if err != nil {
		return nil, err
	}
	return &Telemetry{Registry: metrics.NewRegistry(), Tracing: tp}, nil
}

// Close flushes the spans not yet exported.
func (t *Telemetry) Close(ctx context.Context) error {
	if err := t.Tracing.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}

// Ready reports whether NATS is connected and ClickHouse answers: the readiness probe.
func (c *Conns) Ready(ctx context.Context) error {
	if s := c.NC.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats: %s", s)
	}
	return c.CH.Ping(ctx)
}
