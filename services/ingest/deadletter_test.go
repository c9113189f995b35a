package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/trail"
)

// exploding is a kind whose check panics on one submission.
type exploding struct {
	Kind
	submission string
}

func (k exploding) Check(ctx context.Context, envs []submission.Envelope) kind.Batch {
	for _, env := range envs {
		if env.ID == k.submission {
			panic("check exploded")
		}
	}
	return k.Kind.Check(ctx, envs)
}

// A kind's handler that panics on a chunk does not crash ingest in a loop: that chunk alone goes
// to the dead-letter stream with the reason, its submission says why, and the chunks taken with
// it are stored.
func TestKindPanicDeadLettersOnlyItsChunk(t *testing.T) {
	h := newHarness(t)
	org := "E06000001"
	h.submit("before", org, returns(org, 0, 5))
	h.submit("bomb", org, returns(org, 5, 5))
	h.submit("after", org, returns(org, 10, 5))
	h.start(h.conn, func(svc *Service, _ func()) { svc.kinds[0] = exploding{Kind: svc.kinds[0], submission: "bomb"} })
	for _, id := range []string{"before", "after"} {
		h.waitStatus(10*time.Second, id, accepted)
	}
	h.waitStatus(10*time.Second, "bomb", finished)
	if st := h.statusOf("bomb"); st.Status != submission.StatusRejected || len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Reason, "the handler panicked: check exploded") {
		t.Errorf("status of the chunk that panicked: %+v", st)
	}
	dl := h.ns.DeadLetters(t)
	if len(dl) != 1 || dl[0].Header.Get(bus.HeaderReason) != "the handler panicked: check exploded" || dl[0].Header.Get(bus.HeaderOriginalSubject) != bus.SubmitSubject(submission.KindWorkforce, org) {
		t.Fatalf("dead letters %+v, want the chunk that panicked with the reason", dl)
	}
	h.submit("later", org, returns(org, 15, 5)) // ingest goes on
	h.waitStatus(10*time.Second, "later", accepted)
	if n := h.rowsIn("workforce_returns", true); n != 15 {
		t.Errorf("%d rows stored, want 15", n)
	}
}

// publishTrail records access-trail entries as the API does and waits for JetStream to take them.
func (h *harness) publishTrail(ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		if err := trail.Publish(h.ns.JS, trail.Entry{At: time.Now(), RequestID: id, Org: "E06000001", Method: "GET", Path: "/v1/workforce-returns", Status: 200}); err != nil {
			h.t.Fatal(err)
		}
	}
	select {
	case <-h.ns.JS.PublishAsyncComplete():
	case <-time.After(5 * time.Second):
		h.t.Fatal("access-trail records not acknowledged by JetStream")
	}
}

// trailStored is how many access-trail rows with one of ids ClickHouse holds.
func (h *harness) trailStored(ids ...string) uint64 {
	h.t.Helper()
	var n uint64
	if err := h.conn.QueryRow(context.Background(), "SELECT count() FROM access_trail WHERE has(?, request_id)", ids).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) waitTrailStored(within time.Duration, ids ...string) {
	h.t.Helper()
	poll.Until(h.t, within, func() error {
		if n := h.trailStored(ids...); n != uint64(len(ids)) {
			return fmt.Errorf("%d of the access-trail records %v stored", n, ids)
		}
		return nil
	})
}

// A record ClickHouse keeps refusing (here: its table is away while ClickHouse answers) is
// retried up to HUB_INGEST_MAX_ATTEMPTS deliveries and then parked in the dead-letter stream with
// the reason, not retried for ever.
func TestTrailAttemptCap(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.conn.Exec(ctx, "RENAME TABLE access_trail TO access_trail_away"); err != nil {
		t.Fatal(err)
	}
	h.start(h.conn)
	h.publishTrail("refused")
	h.waitDeadLetters(30*time.Second, 1)
	m := h.ns.DeadLetters(t)[0]
	if r := m.Header.Get(bus.HeaderReason); !strings.HasPrefix(r, fmt.Sprintf("failed %d times: insert access trail: ", testConfig.MaxAttempts)) ||
		m.Header.Get(bus.HeaderDeliveries) != fmt.Sprint(testConfig.MaxAttempts) || m.Header.Get(bus.HeaderOriginalSubject) != bus.TrailSubject("E06000001") {
		t.Errorf("dead letter %s %v", m.Data, m.Header)
	}
	if err := h.conn.Exec(ctx, "RENAME TABLE access_trail_away TO access_trail"); err != nil {
		t.Fatal(err)
	}
	h.publishTrail("stored")
	h.waitTrailStored(10*time.Second, "stored")
}

// An insert of the access trail that panics on one record parks that record alone in the
// dead-letter stream; the records taken with it are stored and ingest goes on.
func TestTrailPanicDeadLettersOnlyItsRecord(t *testing.T) {
	h := newHarness(t)
	h.publishTrail("r1", "r2", "bomb", "r3")
	h.start(h.conn, func(svc *Service, _ func()) {
		insert := svc.insertTrail
		svc.insertTrail = func(ctx context.Context, entries []trail.Entry) error {
			for _, e := range entries {
				if e.RequestID == "bomb" {
					panic("insert exploded")
				}
			}
			return insert(ctx, entries)
		}
	})
	h.waitTrailStored(10*time.Second, "r1", "r2", "r3")
	h.waitDeadLetters(10*time.Second, 1)
	if m := h.ns.DeadLetters(t)[0]; m.Header.Get(bus.HeaderReason) != "the handler panicked: insert exploded" || !strings.Contains(string(m.Data), `"request_id":"bomb"`) {
		t.Errorf("dead letter %s %v", m.Data, m.Header)
	}
	h.publishTrail("r4")
	h.waitTrailStored(10*time.Second, "r4")
	if n := h.trailStored("bomb"); n != 0 {
		t.Errorf("the record that panicked is stored %d times", n)
	}
}
