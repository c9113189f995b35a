package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/lifecycle"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
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
	svc := New(cfg.Ingest, log, js, ch, status,
		&Workforce{Returns: workforce.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
		&Survey{Results: survey.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
		&Audit{Ratings: audit.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
		&Placement{Placements: placement.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
		&PlacementCapacity{Placements: placement.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
		&PracticeEducators{Placements: placement.NewStore(ch), Directory: reference.NewDirectory(ch, cfg.Ingest.Refresh), Now: time.Now},
	)
	return runObserved(ctx, cfg, log, conns, svc)
}
