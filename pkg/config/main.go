package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/version"
)

// Service is a configuration that can build its logger: every service's RunConfig.
type Service interface {
	Logger() (*slog.Logger, error)
}

// Main is the whole of a service's main: it reads the configuration, builds the logger, runs the
// service until SIGINT or SIGTERM, and exits non-zero with the error if it fails.
func Main[C Service](name string, run func(ctx context.Context, cfg C, log *slog.Logger) error) {
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String(name))
		return
	}
	if url, ok := probeRequested(os.Args[1:]); ok {
		if err := Probe(url); err != nil {
			fmt.Fprintf(os.Stderr, "%s: healthcheck: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := func() error {
		var cfg C
		if err := Parse(&cfg); err != nil {
			return err
		}
		log, err := cfg.Logger()
		if err != nil {
			return err
		}
		log.Info("starting", "service", name, "version", version.Version, "commit", version.Commit)
		return run(ctx, cfg, log)
	}()
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Conns are a service's connections to NATS and ClickHouse.
type Conns struct {
	NC *nats.Conn
	JS jetstream.JetStream
	CH driver.Conn
}

// Connect opens the connections (setting up the hub's streams and buckets); Close drains and
// closes them.
func (c Common) Connect(ctx context.Context, name string, log *slog.Logger) (*Conns, error) {
	log.Info("connecting", "nats", c.NATSURL, "clickhouse", c.ClickHouse())
	nc, js, err := bus.Connect(ctx, c.NATSURL, name, c.NATSReplicas, log)
	if err != nil {
		return nil, err
	}
	ch, err := chstore.Open(ctx, c.ClickHouse())
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Conns{NC: nc, JS: js, CH: ch}, nil
}

// Close drains NATS and closes ClickHouse.
func (c *Conns) Close() {
	_ = c.NC.Drain()
	_ = c.CH.Close()
}
