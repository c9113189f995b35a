package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// RunConfig is the ingest service's configuration, read from HUB_* variables.
type RunConfig struct {
	config.Common
	Ingest Config `envPrefix:"INGEST_"`
}

// Run consumes submissions until ctx is cancelled, then finishes the open batch, acknowledges
// it and closes its connections.
func Run(ctx context.Context, cfg RunConfig, log *slog.Logger) error {
	conns, err := lifecycle.Connect(ctx, cfg.Common, "hub-ingest", log)
	if err != nil {
		return err
	}
	defer conns.Close()
	js, ch := conns.JS, conns.CH

	status, err := submission.NewStore(ctx, js)
	if err != nil {
		return err
	}
	svc := New(cfg.Ingest, log, js, ch, status, Handlers(ch, reference.NewDirectory(ch, cfg.Ingest.Refresh), time.Now)...)
	return runObserved(ctx, cfg, log, conns, svc)
}

// Handlers checks and stores every registered kind (kinds.All), with one reference directory
// shared by all of them.
func Handlers(ch driver.Conn, dir kind.Directory, now func() time.Time) []Kind {
	out := make([]Kind, len(kinds.All))
	for i, k := range kinds.All {
		out[i] = k.Handler(ch, dir, now)
	}
	return out
}
