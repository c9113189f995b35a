package benchmark_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/alliance"
	benchmarks "github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
	"github.com/partnership-hub/hub/services/benchmark"
)

var cfg = benchmark.Config{BatchMessages: 100, FlushInterval: 20 * time.Millisecond, MaxAttempts: 3, AckWait: 30 * time.Second, OutageRetry: time.Second}

type env struct {
	t       *testing.T
	ns      *bustest.Server
	conn    driver.Conn
	returns *workforce.Store
	store   *benchmarks.Store
	svc     *benchmark.Service
}

func newEnv(t *testing.T) *env { return newEnvWith(t, cfg) }

func newEnvWith(t *testing.T, cfg benchmark.Config) *env {
	conn, _ := chtest.New(t)
	if err := reference.Seed(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	ns := bustest.New(t)
	svc, err := benchmark.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ns.JS, conn)
	if err != nil {
		t.Fatal(err)
	}
	store, err := benchmarks.NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ns: ns, conn: conn, returns: workforce.NewStore(conn), store: store, svc: svc}
}

// start runs the service until the returned stop is called (or the test ends).
func (e *env) start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("service stopped with %v", err)
		}
	}
	e.t.Cleanup(stop)
	return stop
}

// store inserts a return, as ingest does, and announces it unless quiet.
func (e *env) storeReturn(org string, inpost, vacancies float64, at time.Time, announce bool) {
	e.t.Helper()
	r := workforce.Return{Org: org, Period: "2024", InpostFTE: measure.Of(inpost), VacancyFTE: measure.Of(vacancies)}
	id := org + "-" + at.Format(time.RFC3339Nano)
	if err := e.returns.Insert(context.Background(), []workforce.Stored{{Row: workforce.Row{Row: 2, Return: r}, SubmissionID: id, ReceivedAt: at}}); err != nil {
		e.t.Fatal(err)
	}
	if !announce {
		return
	}
	b, _ := json.Marshal(submission.Event{ID: id, Kind: submission.KindWorkforce, Org: org, Touched: map[string][]string{org: {"2024"}}, Rows: 1})
	if _, err := e.ns.JS.Publish(context.Background(), bus.StoredSubject(submission.KindWorkforce, org), b, jetstream.WithMsgID(id)); err != nil {
		e.t.Fatal(err)
	}
}

// waitFor polls the North East's vacancy rate for 2024 until it is want.
func (e *env) waitFor(want float64) {
	e.t.Helper()
	poll.Until(e.t, 30*time.Second, func() error {
		areas, err := e.store.Areas(context.Background(), "2024", []string{"E12000001"})
		if err != nil {
			e.t.Fatal(err)
		}
		var last *float64
		for _, a := range areas {
			if a.Metric == "vacancy_rate" {
				last = a.Value
			}
		}
		if last != nil && *last > want-1e-9 && *last < want+1e-9 {
			return nil
		}
		return fmt.Errorf("North East vacancy rate %v, want %v", fmtPtr(last), want)
	})
}

func TestRecomputesOnStoredEvents(t *testing.T) {
	e := newEnv(t)
	e.start()
	t0 := time.Now().Add(-time.Hour)
	e.storeReturn("E06000001", 90, 10, t0, true)
	e.waitFor(10)
	e.storeReturn("E06000002", 150, 50, t0, true)
	e.waitFor(100 * 60.0 / 300)
	// A resubmission replaces Hartlepool's return: (20 + 50) ÷ 300, not (10 + 20 + 50) ÷ 400.
	e.storeReturn("E06000001", 80, 20, t0.Add(time.Minute), true)
	e.waitFor(100 * 70.0 / 300)
}

func TestCatchesUpAfterRestart(t *testing.T) {
	e := newEnv(t)
	stop := e.start()
	t0 := time.Now().Add(-time.Hour)
	e.storeReturn("E06000001", 90, 10, t0, true)
	e.waitFor(10)
	stop()
	// Stored while the service is down: the durable consumer still holds the event.
	e.storeReturn("E06000001", 80, 20, t0.Add(time.Minute), true)
	e.start()
	e.waitFor(20)
}

// The consumer that followed workforce returns alone is removed, so that events do not pile up
// for it.
func TestRemovesTheFormerConsumer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.ns.JS.CreateOrUpdateConsumer(ctx, bus.StreamEvents, jetstream.ConsumerConfig{
		Durable: "benchmark-workforce", FilterSubject: bus.StoredFilter(submission.KindWorkforce), AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	e.start()
	e.storeReturn("E06000001", 90, 10, time.Now(), true)
	e.waitFor(10)
	if _, err := e.ns.JS.Consumer(ctx, bus.StreamEvents, "benchmark-workforce"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("former consumer: %v, want it removed", err)
	}
}

func TestBuildsWhatWasStoredBeforeItFirstRan(t *testing.T) {
	e := newEnv(t)
	e.storeReturn("E06000001", 90, 10, time.Now(), false)
	e.start()
	e.waitFor(10)
}

// storeCapacity inserts placement capacity for 2024/25, as ingest does, and announces it.
func (e *env) storeCapacity(org string, requested, confirmed *int, at time.Time) {
	e.t.Helper()
	id := org + "-capacity-" + at.Format(time.RFC3339Nano)
	c := placement.StoredCapacity{
		CapacityRow: placement.CapacityRow{Row: 2, Capacity: placement.Capacity{Org: org, AcademicYear: "2024/25", Stage: placement.Final, Requested: requested, Confirmed: confirmed}},
		Received:    placement.Received{SubmissionID: id, ReceivedAt: at},
	}
	if err := placement.NewStore(e.conn).InsertCapacity(context.Background(), []placement.StoredCapacity{c}); err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(submission.Event{ID: id, Kind: submission.KindPlacementCapacity, Org: org, Touched: map[string][]string{org: {"2024/25"}}, Rows: 1})
	if _, err := e.ns.JS.Publish(context.Background(), bus.StoredSubject(submission.KindPlacementCapacity, org), b, jetstream.WithMsgID(id)); err != nil {
		e.t.Fatal(err)
	}
}

// Placement capacity for the academic year 2024/25 is recomputed into the benchmark period 2025:
// places confirmed by the councils ÷ places requested by the university.
func TestRecomputesStandard8OnCapacityEvents(t *testing.T) {
	e := newEnv(t)
	e.start()
	n := func(x int) *int { return &x }
	t0 := time.Now().Add(-time.Hour)
	e.storeCapacity("10007799", n(10), nil, t0) // Newcastle University
	e.storeCapacity("E06000001", nil, n(6), t0)
	e.storeCapacity("E06000002", nil, n(2), t0)
	want := 100 * (6.0 + 2) / 10
	poll.Until(t, 30*time.Second, func() error {
		areas, err := e.store.Areas(context.Background(), "2025", []string{"E12000001"})
		if err != nil {
			t.Fatal(err)
		}
		var last benchmarks.Area
		for _, a := range areas {
			if a.Metric == "placement_fill_rate" {
				last = a
			}
		}
		if last.Value != nil && *last.Value > want-1e-9 && *last.Value < want+1e-9 && last.Contributors == 3 {
			return nil
		}
		return fmt.Errorf("North East fill rate %v from %d, want %v from 3", fmtPtr(last.Value), last.Contributors, want)
	})
}

func fmtPtr(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

// An alliance is an area like a region, whatever the region lines: its members' summed counts,
// recomputed in every period when a steward changes its members (the API announces the change).
func TestRecomputesAllianceAreasWhenMembersChange(t *testing.T) {
	e := newEnv(t)
	e.start()
	t0 := time.Now().Add(-time.Hour)
	e.storeReturn("E06000001", 90, 10, t0, true)  // Hartlepool, North East: 10 %
	e.storeReturn("E08000021", 380, 20, t0, true) // Newcastle, North East: 5 %
	e.storeReturn("E06000008", 95, 5, t0, true)   // Blackburn with Darwen, North West: 5 %
	e.waitFor(100 * 30.0 / 500)
	alliances := alliance.NewStore(e.conn)
	change := func(members ...string) {
		t.Helper()
		if err := alliances.Put(context.Background(), alliance.Alliance{ID: "tees-and-lancs", Name: "Tees and Lancashire", Members: members, UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := alliance.Announce(context.Background(), e.ns.JS, "tees-and-lancs"); err != nil {
			t.Fatal(err)
		}
	}
	allianceRate := func(want float64, contributors int) {
		t.Helper()
		poll.Until(t, 30*time.Second, func() error {
			areas, err := e.store.Areas(context.Background(), "2024", []string{"tees-and-lancs"})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range areas {
				if a.Metric == "vacancy_rate" && a.Value != nil && *a.Value > want-1e-9 && *a.Value < want+1e-9 && a.Contributors == contributors &&
					a.Level == benchmarks.LevelAlliance && a.Name == "Tees and Lancashire" {
					return nil
				}
				if a.Metric == "vacancy_rate" {
					return fmt.Errorf("alliance vacancy rate %v from %d, want %v from %d", fmtPtr(a.Value), a.Contributors, want, contributors)
				}
			}
			return errors.New("no alliance figures yet")
		})
	}
	change("E06000001", "E06000008") // across two regions: (10 + 5) ÷ 200
	allianceRate(100*15.0/200, 2)
	change("E06000001", "E06000008", "E08000021") // (10 + 5 + 20) ÷ 600
	allianceRate(100*35.0/600, 3)
	// The region is the region still.
	e.waitFor(100 * 30.0 / 500)
}

// storePlacements inserts a university's placements of one submission, as ingest does (the
// history first), and announces them with the academic years they name.
func (e *env) storePlacements(id string, at time.Time, ps ...placement.Placement) {
	e.t.Helper()
	rows := make([]placement.StoredPlacement, len(ps))
	var years []string
	for i, p := range ps {
		rows[i] = placement.StoredPlacement{Row: placement.Row{Row: i + 2, Placement: p}, Received: placement.Received{SubmissionID: id, ReceivedAt: at}}
		years = append(years, p.AcademicYear)
	}
	if err := placement.NewStore(e.conn).Insert(context.Background(), rows); err != nil {
		e.t.Fatal(err)
	}
	org := ps[0].Org
	b, _ := json.Marshal(submission.Event{ID: id, Kind: submission.KindPlacement, Org: org, Touched: map[string][]string{org: years}, Rows: len(ps)})
	if _, err := e.ns.JS.Publish(context.Background(), bus.StoredSubject(submission.KindPlacement, org), b, jetstream.WithMsgID(id)); err != nil {
		e.t.Fatal(err)
	}
}

// waitForPlacements polls the North East's placement pass rate of period until contributors
// hosts count towards it (0: none, the metric gone from the period).
func (e *env) waitForPlacements(period string, contributors int) {
	e.t.Helper()
	poll.Until(e.t, 30*time.Second, func() error {
		areas, err := e.store.Areas(context.Background(), period, []string{"E12000001"})
		if err != nil {
			e.t.Fatal(err)
		}
		got := 0
		for _, a := range areas {
			if a.Metric == "placement_pass_rate" {
				got = a.Contributors
			}
		}
		if got != contributors {
			return fmt.Errorf("North East placement pass rate in %s from %d hosts, want %d", period, got, contributors)
		}
		return nil
	})
}

// A placement reported again in another academic year leaves the benchmark period of the one it
// was in, though the stored event names only the new year: that period is recomputed too.
func TestRecomputesThePeriodAPlacementLeaves(t *testing.T) {
	e := newEnv(t)
	e.start()
	place := func(student, year, host string) placement.Placement {
		return placement.Placement{Org: "10007799", StudentRef: placement.StudentRef([]byte("test secret"), student), Route: "postgraduate",
			Cohort: "2022/23", AcademicYear: year, Stage: placement.Final, HostOrg: host, Setting: "la", StatutoryTasks: true,
			ServiceUserGroup: "children_and_families", PlannedDays: 100, CompletedDays: new(int(100)), PEStage: 2, PELocation: "on_site", Outcome: "passed"}
	}
	t0 := time.Now().Add(-time.Hour)
	e.storePlacements("p1", t0, place("a", "2024/25", "E06000001"), place("b", "2024/25", "E06000002"))
	e.waitForPlacements("2025", 2)
	// a moves to 2023/24 (period 2024): the event names 2023/24 only.
	e.storePlacements("p2", t0.Add(time.Minute), place("a", "2023/24", "E06000001"))
	e.waitForPlacements("2024", 1)
	e.waitForPlacements("2025", 1)
}

// An event whose rows a recomputation begun after it was stored has read is acknowledged without
// a recomputation of its own: the second of two returns stored before the service starts is in
// the benchmarks its first recomputation wrote (one event a batch, one batch at a time).
func TestEventsAlreadyReadAreNotRecomputed(t *testing.T) {
	c := cfg
	c.BatchMessages, c.Workers, c.KeptPeriods, c.KeptWritten = 1, 1, 4, 4
	e := newEnvWith(t, c)
	var mu sync.Mutex
	var asked [][]string
	e.svc.WrapRecompute(func(next func(context.Context, []string) error) func(context.Context, []string) error {
		return func(ctx context.Context, periods []string) error {
			mu.Lock()
			asked = append(asked, periods)
			mu.Unlock()
			return next(ctx, periods)
		}
	})
	t0 := time.Now().Add(-time.Hour)
	e.storeReturn("E06000001", 90, 10, t0, true)
	e.storeReturn("E06000002", 80, 20, t0, true)
	e.start()
	e.waitFor(100 * 30 / (30 + 170.0)) // both returns: (10+20) / (10+20 + 90+80)
	poll.Until(t, 30*time.Second, func() error {
		info, err := e.ns.JS.Consumer(context.Background(), bus.StreamEvents, benchmark.Consumer)
		if err != nil {
			return err
		}
		if got := info.CachedInfo(); got.AckFloor.Stream < 2 || got.NumAckPending > 0 {
			return fmt.Errorf("acknowledged up to %d with %d pending, want both events", got.AckFloor.Stream, got.NumAckPending)
		}
		return nil
	})
	recomputed := func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
	if got := recomputed(); len(got) != 1 || !slices.Equal(got[0], []string{"2024"}) {
		t.Errorf("recomputations asked for %v, want one of 2024 (the second event was read by the first)", got)
	}

	// A return stored after that recomputation began is recomputed.
	e.storeReturn("E06000003", 70, 30, t0, true)
	e.waitFor(100 * 60 / (60 + 240.0))
	if got := recomputed(); len(got) != 2 {
		t.Errorf("recomputations asked for %v, want a second for the third return", got)
	}
}
