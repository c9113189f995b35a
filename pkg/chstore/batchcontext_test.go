package chstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
)

// A caller that cancels its context as soon as a batch is sent must not leave a closed
// connection in the pool (see BatchContext).
func TestBatchContextSurvivesCancel(t *testing.T) {
	conn, _ := chtest.New(t)
	for i := range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		b, err := conn.PrepareBatch(chstore.BatchContext(ctx), "INSERT INTO regions (code, name, level, parent_code)")
		if err != nil {
			t.Fatalf("round %d: prepare: %v", i, err)
		}
		if err := b.Append("E99", "test", "region", "E92000001"); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatalf("round %d: send: %v", i, err)
		}
		cancel()
		qctx, qcancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = conn.Ping(qctx)
		qcancel()
		if err != nil {
			t.Fatalf("round %d: the next query failed: %v", i, err)
		}
	}
}
