package lifecycle

import (
	"context"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/metrics"
	"github.com/partnership-hub/hub/pkg/tracing"
)

// Telemetry is a service's own metrics registry and tracer provider.
type Telemetry struct {
	Registry *prometheus.Registry
	Tracing  *tracing.Provider
}

// NewTelemetry builds the registry (with the Go runtime and process collectors) and the tracer
// provider HUB_OTEL_EXPORTER asks for; spans on stdout go to standard output, logs stay on
// standard error.
func NewTelemetry(ctx context.Context, c config.Common, name string) (*Telemetry, error) {
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
