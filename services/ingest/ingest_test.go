package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

type harness struct {
	t      *testing.T
	ns     *bustest.Server
	conn   driver.Conn
	chcfg  chstore.Config
	status *submission.Store
	log    *slog.Logger
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	conn, chcfg := chtest.New(t)
	if err := reference.Seed(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	ns := bustest.New(t)
	status, err := submission.NewStore(context.Background(), ns.JS)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ns: ns, conn: conn, chcfg: chcfg, status: status, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

var testConfig = Config{Workers: 2, BatchMessages: 20, FlushInterval: 50 * time.Millisecond, MaxAttempts: 3, AckWait: 2 * time.Second,
	OutageRetry: 500 * time.Millisecond, Refresh: time.Second}

// start runs a service of workforce returns on ch, on a NATS connection of its own, until the
// test ends or it stops; its result comes on the returned channel. configure, when given, sets
// the service up first; its crash stops the service as a killed process would stop: its
// connection closed, so that nothing more is recorded or acknowledged.
func (h *harness) start(ch driver.Conn, configure ...func(svc *Service, crash func())) <-chan error {
	ctx, cancel := context.WithCancel(context.Background())
	nc, err := nats.Connect(h.ns.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		h.t.Fatal(err)
	}
	status, err := submission.NewStore(ctx, js)
	if err != nil {
		h.t.Fatal(err)
	}
	svc := New(testConfig, h.log, js, ch, status,
		workforce.Kind.Handler(ch, reference.NewDirectory(ch, time.Second), time.Now))
	for _, c := range configure {
		c(svc, func() { nc.Close(); cancel() })
	}
	done, finished := make(chan error, 1), make(chan struct{})
	go func() { done <- svc.Run(ctx); close(finished) }()
	h.t.Cleanup(func() { cancel(); <-finished; nc.Close() })
	return done
}

// submit publishes a chunk of workforce returns of org, as the API would, and records its meta.
func (h *harness) submit(id, org string, rows []workforce.Row, rejected ...submission.RowError) {
	h.t.Helper()
	b, err := workforce.EncodeRows(rows)
	if err != nil {
		h.t.Fatal(err)
	}
	h.publishEnvelope(kindCase{name: submission.KindWorkforce, org: org}, id, b, len(rows)+len(rejected), rejected...)
}

func returns(org string, from, n int) []workforce.Row {
	rows := make([]workforce.Row, n)
	for i := range rows {
		rows[i] = workforce.Row{Row: i + 2, Return: workforce.Return{Org: org, Period: fmt.Sprintf("%d-Q%d", 2000+(from+i)/4, (from+i)%4+1), InpostFTE: measure.Of(100), VacancyFTE: measure.Of(float64(i % 17)), Cases: measure.Unknown(measure.Confidential)}}
	}
	return rows
}

func (h *harness) statusOf(id string) submission.Status {
	h.t.Helper()
	_, st, err := h.status.Status(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) deadLetters() uint64 {
	h.t.Helper()
	s, err := h.ns.JS.Stream(context.Background(), bus.StreamDeadLetter)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return info.State.Msgs
}

// waitStatus polls submission id until done holds for its status.
func (h *harness) waitStatus(within time.Duration, id string, done func(submission.Status) bool) {
	h.t.Helper()
	poll.Until(h.t, within, func() error {
		if st := h.statusOf(id); !done(st) {
			return fmt.Errorf("submission %s: %s", id, st.Status)
		}
		return nil
	})
}

func finished(st submission.Status) bool { return st.Status != submission.StatusPending }

func accepted(st submission.Status) bool { return st.Status == submission.StatusAccepted }

// waitDeadLetters polls the dead-letter stream until it holds n messages.
func (h *harness) waitDeadLetters(within time.Duration, n uint64) {
	h.t.Helper()
	poll.Until(h.t, within, func() error {
		if got := h.deadLetters(); got != n {
			return fmt.Errorf("%d dead letters, want %d", got, n)
		}
		return nil
	})
}

func TestStoresChecksAndAnnounces(t *testing.T) {
	h := newHarness(t)
	events := make(chan *nats.Msg, 16)
	sub, err := h.ns.NC.ChanSubscribe(bus.StoredFilter("workforce"), events)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	h.start(h.conn)

	rows := returns("E06000001", 80, 3)
	rows = append(rows,
		workforce.Row{Row: 5, Return: workforce.Return{Org: "E06000002", Period: "2024", InpostFTE: measure.Of(1)}},  // not the submitter's
		workforce.Row{Row: 6, Return: workforce.Return{Org: "E06000001", Period: "2031", InpostFTE: measure.Of(1)}},  // future
		workforce.Row{Row: 7, Return: workforce.Return{Org: "E06000001", Period: "2019", InpostFTE: measure.Of(-1)}}, // negative
	)
	h.submit("s1", "E06000001", rows, submission.RowError{Row: 8, Field: "cases", Reason: "not a number"})
	h.waitStatus(10*time.Second, "s1", finished)
	st := h.statusOf("s1")
	if st.Status != submission.StatusPartiallyAccepted || st.Accepted != 3 || st.Rejected != 4 {
		t.Fatalf("status = %+v", st)
	}
	want := map[int]string{5: "org", 6: "period", 7: "inpost_fte", 8: "cases"}
	for _, e := range st.Errors {
		if want[e.Row] != e.Field {
			t.Errorf("unexpected error %+v", e)
		}
	}
	if n := h.rowsIn("workforce_returns", true); n != 3 {
		t.Errorf("stored %d rows, want 3", n)
	}
	select {
	case m := <-events:
		var ev submission.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil || ev.Org != "E06000001" || len(ev.Touched["E06000001"]) != 3 || ev.Rows != 3 || m.Subject != "hub.stored.workforce.E06000001" {
			t.Errorf("event %s %s (%v)", m.Subject, m.Data, err)
		}
	case <-time.After(5 * time.Second):
		t.Error("no hub.stored event")
	}

	// A steward's submission may name any organisation, but not an unknown one.
	stewardRows := []workforce.Row{
		{Row: 2, Return: workforce.Return{Org: "E06000002", Period: "2024", InpostFTE: measure.Of(1)}},
		{Row: 3, Return: workforce.Return{Org: "E99999999", Period: "2024", InpostFTE: measure.Of(1)}},
	}
	b, _ := workforce.EncodeRows(stewardRows)
	env, _ := json.Marshal(submission.Envelope{ID: "s2", Kind: "workforce", Submitter: "steward", Steward: true, Chunks: 1, ReceivedAt: time.Now(), Rows: b})
	_ = h.status.PutMeta(context.Background(), submission.Meta{ID: "s2", Kind: "workforce", Rows: 2, Chunks: 1, Published: true})
	if _, err := h.ns.JS.Publish(context.Background(), bus.SubmitSubject("workforce", ""), env); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(10*time.Second, "s2", finished)
	if st := h.statusOf("s2"); st.Accepted != 1 || st.Rejected != 1 || st.Errors[0].Row != 3 {
		t.Errorf("steward status = %+v", st)
	}
}
