// Package lifecycle runs a hub service as a process: its main (configuration read once and
// logged with secrets masked, the logger, SIGINT and SIGTERM), its connections to NATS and
// ClickHouse, its health and readiness probes, its telemetry, and its graceful shutdown. Package
// config holds the configuration itself.
package lifecycle

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
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/version"
)

// Config is a configuration that can build its logger: every service's RunConfig.
type Config interface {
	Logger() (*slog.Logger, error)
}

// Main is the whole of a service's main: it reads the configuration, builds the logger, logs
// the service's start and its configuration, runs the service until SIGINT or SIGTERM, and
// exits non-zero with the error if it fails. `--version` prints the release and `healthcheck
// URL` probes a running service instead.
func Main[C Config](name string, run func(ctx context.Context, cfg C, log *slog.Logger) error) {
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
		cfg, log, err := Start[C](name)
		if err != nil {
			return err
		}
		return run(ctx, cfg, log)
	}()
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Start reads the configuration from HUB_* variables, builds its logger, and logs that the
// service starts, with its release and the settings it read (secrets masked).
func Start[C Config](name string) (C, *slog.Logger, error) {
	var cfg C
	settings, err := config.Parse(&cfg)
	if err != nil {
		return cfg, nil, err
	}
	log, err := cfg.Logger()
	if err != nil {
		return cfg, nil, err
	}
	Started(log, name, settings)
	return cfg, log, nil
}

// Started logs that the service starts, with its release and its settings.
func Started(log *slog.Logger, name string, settings config.Settings) {
	log.Info("starting", "service", name, "version", version.Version, "commit", version.Commit, "configuration", settings)
}

// Conns are a service's connections to NATS and ClickHouse.
type Conns struct {
	NC *nats.Conn
	JS jetstream.JetStream
	CH driver.Conn
}

// Connect opens the connections (setting up the hub's streams and buckets); Close drains and
// closes them.
func Connect(ctx context.Context, c config.Common, name string, log *slog.Logger) (*Conns, error) {
	log.Info("connecting", "nats", config.WithoutPassword(c.NATSURL), "clickhouse", c.ClickHouse())
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

// Ready reports whether NATS is connected and ClickHouse answers: the readiness probe.
func (c *Conns) Ready(ctx context.Context) error {
	if s := c.NC.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats: %s", s)
	}
	return c.CH.Ping(ctx)
}
