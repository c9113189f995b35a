package chstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
)

func TestWhenAvailable(t *testing.T) {
	_, cfg := chtest.New(t)
	proxy := chtest.NewProxy(t, cfg.Addr)
	ctx := context.Background()
	cfg.Addr = proxy.Addr()
	conn, err := chstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	refused := errors.New("refused")
	noHold := func(error, time.Duration) { t.Error("held while ClickHouse is up") }

	calls := 0
	if err := chstore.WhenAvailable(ctx, conn, time.Second, noHold, func() error { calls++; return refused }); !errors.Is(err, refused) || calls != 1 {
		t.Errorf("with ClickHouse up: %v after %d calls, want the error at once", err, calls)
	}

	// ClickHouse goes away: fn is held and retried until it is back.
	proxy.Down()
	holds := 0
	err = chstore.WhenAvailable(ctx, conn, 100*time.Millisecond, func(error, time.Duration) {
		if holds++; holds == 2 {
			proxy.Up()
		}
	}, func() error {
		return conn.Ping(ctx)
	})
	if err != nil || holds < 2 {
		t.Errorf("through an outage: %v after %d holds, want success after at least 2", err, holds)
	}

	// Stopping while ClickHouse is away ends the wait with the stop's error.
	proxy.Down()
	stop, cancel := context.WithCancel(ctx)
	err = chstore.WhenAvailable(stop, conn, 100*time.Millisecond, func(error, time.Duration) { cancel() }, func() error { return conn.Ping(ctx) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("stopped during an outage: %v, want context.Canceled", err)
	}
	proxy.Up()
}
