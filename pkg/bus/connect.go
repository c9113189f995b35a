package bus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// PublishAckTimeout bounds the wait for JetStream's acknowledgement of an asynchronous publish.
// Without it, a publish whose stream leader goes away before answering waits for ever (found on
// a three-node cluster: an API request stayed open for minutes after the leader stopped); with it
// the publish fails and the caller tries again (the API answers 5xx, the client resends with its
// Idempotency-Key, and JetStream's duplicate window drops what had arrived).
const PublishAckTimeout = 10 * time.Second

// Connect opens a connection that reconnects for ever, sets up the hub's streams and buckets,
// and returns the JetStream context. The caller drains the connection on shutdown.
func Connect(ctx context.Context, url, name string, replicas int, log *slog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil when the connection is drained on purpose
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to nats at %s: %w", url, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(PublishAckTimeout))
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := Setup(ctx, js, replicas); err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}
