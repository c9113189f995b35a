// Command api serves the Partnership Hub API on its own. Configuration comes from HUB_*
// environment variables (see README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/services/api"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg api.RunConfig
	if err := config.Parse(&cfg); err != nil {
		return err
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	log.Info("starting api", "clickhouse", cfg.ClickHouse(), "nats", cfg.NATSURL, "issuer", cfg.OIDCIssuer)
	return api.Run(ctx, cfg, log, nil)
}
