package benchmark

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	benchmarks "github.com/partnership-hub/hub/pkg/benchmark"
)

// schedule coalesces the recomputations that stored events ask for. Each batch of events asks
// for its periods and waits until a recomputation of each that began after it asked has been
// written; a period is recomputed once for every batch that asked while it was queued, and a
// period asked for again while it is being recomputed is recomputed once more when that
// recomputation ends, not once per batch. Periods wait their turn in the order they were first
// asked for; a recomputation takes the queued periods together (up to
// benchmarks.PeriodsWrittenTogether, written in one insert per table), up to slots
// recomputations run at once, and never one period twice at once.
//
// The waiting batches do the work: a batch that waits takes the next queued period whenever a
// slot is free, so nothing runs in the background and a batch in hand is finished at shutdown
// as before.
type schedule struct {
	rc    recomputer
	slots int
	// position is how far the log of stored events has got (0: not known); a recomputation
	// asks for it before it reads anything (benchmarks.Recomputer.RecomputeAsOf).
	position func(ctx context.Context) uint64
	// written is told of the periods each recomputation wrote, with how long it took.
	written func(periods []string, took time.Duration)

	mu      sync.Mutex
	wake    *sync.Cond
	queue   []string
	periods map[string]*periodRun
	running int
}

// recomputer is what the schedule runs: benchmarks.Recomputer.
type recomputer interface {
	RecomputeAsOf(ctx context.Context, asOf uint64, periods ...string) (int, error)
}

var _ recomputer = (*benchmarks.Recomputer)(nil)

// periodRun is where one period's recomputations stand. The counters are request numbers:
// started is the number of requests made when the running (or last) recomputation began, so it
// serves every request up to it.
type periodRun struct {
	asked, started, done, failed uint64
	err                          error // of the last failed recomputation
	queued, running              bool
}

func newSchedule(rc recomputer, slots int, position func(context.Context) uint64, written func([]string, time.Duration)) *schedule {
	sc := &schedule{rc: rc, slots: max(slots, 1), position: position, written: written, periods: map[string]*periodRun{}}
	sc.wake = sync.NewCond(&sc.mu)
	return sc
}

// recompute asks for periods to be recomputed (what changed in them told to the Recomputer
// first) and waits until they are, taking queued periods in turn while a slot is free. It
// returns the first error of the recomputations it waited for, once all are over.
func (sc *schedule) recompute(ctx context.Context, periods []string) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	want := make(map[string]uint64, len(periods))
	for _, p := range periods {
		r := sc.periods[p]
		if r == nil {
			r = &periodRun{}
			sc.periods[p] = r
		}
		r.asked++
		want[p] = r.asked
		if !r.queued {
			r.queued = true
			sc.queue = append(sc.queue, p)
		}
	}
	var first error
	for {
		pending := false
		for p, w := range want {
			switch r := sc.periods[p]; {
			case r.done >= w:
				delete(want, p)
			case r.failed >= w:
				if first == nil {
					first = r.err
				}
				delete(want, p)
			default:
				pending = true
			}
		}
		if !pending {
			return first
		}
		if ps := sc.next(); len(ps) > 0 {
			sc.run(ctx, ps)
			continue
		}
		sc.wake.Wait()
	}
}

// next takes the first queued periods not being recomputed, if a slot is free.
func (sc *schedule) next() []string {
	if sc.running >= sc.slots {
		return nil
	}
	var out []string
	sc.queue = slices.DeleteFunc(sc.queue, func(p string) bool {
		r := sc.periods[p]
		if r.running || len(out) == benchmarks.PeriodsWrittenTogether {
			return false
		}
		r.queued, r.running, r.started = false, true, r.asked
		out = append(out, p)
		return true
	})
	if len(out) > 0 {
		sc.running++
	}
	return out
}

// errPanicked fails the waiters of a recomputation that panicked (the panic goes on up).
var errPanicked = errors.New("the recomputation panicked")

// run recomputes periods taken with next; sc.mu is held on entry and on return, a panic
// included.
func (sc *schedule) run(ctx context.Context, ps []string) {
	sc.mu.Unlock()
	err := errPanicked
	defer func() {
		sc.mu.Lock()
		sc.finish(ps, err)
	}()
	start := time.Now()
	var asOf uint64
	if sc.position != nil {
		asOf = sc.position(ctx)
	}
	if _, err = sc.rc.RecomputeAsOf(ctx, asOf, ps...); err == nil {
		sc.written(ps, time.Since(start))
	}
}

// finish records how a recomputation of ps ended and wakes the waiters.
func (sc *schedule) finish(ps []string, err error) {
	sc.running--
	for _, p := range ps {
		r := sc.periods[p]
		r.running = false
		if err == nil {
			r.done = r.started
		} else {
			r.failed, r.err = r.started, err
		}
	}
	sc.wake.Broadcast()
}
