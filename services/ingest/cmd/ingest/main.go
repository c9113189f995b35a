// Command ingest runs the Partnership Hub ingest service on its own: it stores what the API
// queues. Configuration comes from HUB_* environment variables (see README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/services/ingest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ingest:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg ingest.RunConfig
	if err := config.Parse(&cfg); err != nil {
		return err
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	log.Info("starting ingest", "clickhouse", cfg.ClickHouse(), "nats", cfg.NATSURL)
	return ingest.Run(ctx, cfg, log)
}
