package ingest

import (
	"context"
	"log/slog"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/metrics"
)

// runObserved runs svc with its metrics, traces and health listener (/healthz, /readyz and
// /metrics on HUB_INGEST_HEALTH_ADDR), which stops only once the open batches are finished, so
// probes and scrapes see the shutdown through.
func runObserved(ctx context.Context, cfg RunConfig, log *slog.Logger, conns *lifecycle.Conns, svc *Service) error {
	return lifecycle.RunObserved(ctx, cfg.Common, "hub-ingest", cfg.Ingest.HealthAddr, log, conns, func(tel *lifecycle.Telemetry) error {
		m, err := metrics.NewIngest(tel.Registry)
		if err != nil {
			return err
		}
		if err := tel.Registry.Register(metrics.NewConsumers(conns.JS, bus.StreamDeadLetter, bus.StreamSubmissions, bus.StreamTrail)); err != nil {
			return err
		}
		svc.Observe(m, tel.Tracing)
		return nil
	}, svc.Run)
}
