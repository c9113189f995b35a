package bus

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Follow calls fn with every message published on subject (core NATS, not a JetStream
// consumer: for announcements that may be missed, such as cache invalidations) until ctx ends.
func Follow(ctx context.Context, nc *nats.Conn, subject string, fn func(*nats.Msg)) error {
	sub, err := nc.Subscribe(subject, fn)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		_ = sub.Unsubscribe()
	}()
	return nil
}
