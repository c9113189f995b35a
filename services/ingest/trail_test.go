package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/trail"
)

// A JetStream store from before the access trail had a stream of its own holds an AUDIT stream
// with records, two of them stored by the former consumer and three not. Ingest of this release,
// started on that store, brings the three to ClickHouse (and not the two again), removes AUDIT,
// and takes new records on hub.trail.<org>.
func TestMovesTheFormerAuditStream(t *testing.T) {
	ctx := context.Background()
	conn, _ := chtest.New(t)
	dir := t.TempDir()
	entry := func(id string) trail.Entry {
		return trail.Entry{At: time.Now().UTC(), RequestID: id, Org: "E06000001", Method: "GET", Operation: "list-workforce-returns", Path: "/v1/workforce-returns", Status: 200}
	}

	// The store as the former release left it.
	former := bustest.Start(t, dir)
	js := former.JS
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "AUDIT", Subjects: []string{"hub.audit.>"}, Storage: jetstream.FileStorage,
		Duplicates: 10 * time.Minute, MaxAge: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"stored-1", "stored-2", "waiting-1", "waiting-2", "waiting-3"} {
		b, _ := json.Marshal(entry(id))
		if _, err := js.Publish(ctx, "hub.audit.E06000001", b, jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "AUDIT", jetstream.ConsumerConfig{Durable: trailConsumer, FilterSubject: "hub.audit.>", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var stored []trail.Entry
	for m := range batch.Messages() {
		e, _ := trail.Decode(m.Data())
		stored = append(stored, e)
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(stored) != 2 {
		t.Fatalf("the former consumer took %d records, want 2", len(stored))
	}
	if err := trail.Insert(ctx, conn, stored); err != nil {
		t.Fatal(err)
	}
	former.Stop()

	// This release, on the same store.
	js = bustest.Start(t, dir).JS
	if err := bus.Setup(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	status, err := submission.NewStore(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- New(testConfig, slog.New(slog.NewTextHandler(io.Discard, nil)), js, conn, status).Run(runCtx)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest stopped with %v", err)
		}
	})

	count := func(final bool) uint64 {
		q := "SELECT count() FROM access_trail"
		if final {
			q += " FINAL"
		}
		var n uint64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	poll.Until(t, 30*time.Second, func() error {
		if n := count(true); n != 5 {
			return fmt.Errorf("%d access-trail records in ClickHouse, want 5", n)
		}
		return nil
	})
	if n := count(false); n != 5 {
		t.Errorf("%d rows before merging, want 5: the records the former consumer had stored were stored again", n)
	}
	if _, err := js.Stream(ctx, "AUDIT"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("the former AUDIT stream: %v, want it removed", err)
	}
	b, _ := json.Marshal(entry("new-1"))
	if _, err := js.Publish(ctx, bus.TrailSubject("E06000001"), b, jetstream.WithMsgID("new-1")); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 10*time.Second, func() error {
		if n := count(true); n != 6 {
			return fmt.Errorf("%d access-trail records in ClickHouse, want 6 with the one on %s", n, bus.TrailSubject("E06000001"))
		}
		return nil
	})
}
