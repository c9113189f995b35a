package benchmark

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/poll"
)

// countingRecomputer counts the recomputations of each period, holds the first of each period
// until release is closed, and fails the periods in fail.
type countingRecomputer struct {
	release chan struct{}
	fail    map[string]error

	mu       sync.Mutex
	runs     map[string]int
	inFlight map[string]int
	overlap  bool // a period recomputed twice at once
	panics   string
}

func (c *countingRecomputer) RecomputeAsOf(_ context.Context, _ uint64, ps ...string) (int, error) {
	c.mu.Lock()
	first := false
	var err error
	for _, p := range ps {
		c.runs[p]++
		first = first || c.runs[p] == 1
		c.inFlight[p]++
		c.overlap = c.overlap || c.inFlight[p] > 1
		if c.fail[p] != nil {
			err = c.fail[p]
		}
	}
	c.mu.Unlock()
	if first {
		<-c.release
	}
	if slices.Contains(ps, c.panics) {
		panic("recompute exploded")
	}
	c.mu.Lock()
	for _, p := range ps {
		c.inFlight[p]--
	}
	c.mu.Unlock()
	return len(ps), err
}

func (c *countingRecomputer) count(p string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[p]
}

func newCounting() *countingRecomputer {
	return &countingRecomputer{release: make(chan struct{}), fail: map[string]error{}, runs: map[string]int{},
		inFlight: map[string]int{}}
}

// A period asked for by several batches while it is being recomputed is recomputed once more
// at the end, not once per batch; every batch waits for a recomputation begun after it asked,
// and no period is recomputed twice at once.
func TestScheduleCoalescesPeriods(t *testing.T) {
	rc := newCounting()
	var written []string
	var mu sync.Mutex
	sc := newSchedule(rc, 2, nil, func(ps []string, _ time.Duration) { mu.Lock(); written = append(written, ps...); mu.Unlock() })
	ctx := context.Background()
	done := make(chan error, 10)
	go func() { done <- sc.recompute(ctx, []string{"2024"}) }()
	poll.Until(t, 10*time.Second, func() error {
		if rc.count("2024") != 1 {
			return errors.New("2024 not being recomputed yet")
		}
		return nil
	})
	// Four more batches ask for 2024 while it is recomputed; one of them for 2025 too.
	for i := range 4 {
		periods := []string{"2024"}
		if i == 0 {
			periods = append(periods, "2025")
		}
		go func() { done <- sc.recompute(ctx, periods) }()
	}
	poll.Until(t, 10*time.Second, func() error {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if r := sc.periods["2024"]; r == nil || r.asked != 5 {
			return errors.New("the batches have not asked yet")
		}
		return nil
	})
	for range 4 {
		select {
		case err := <-done:
			t.Fatalf("a batch returned (%v) before a recomputation begun after it asked was written", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(rc.release)
	for range 5 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := rc.count("2024"); n != 2 {
		t.Errorf("2024 recomputed %d times for five batches, four of them asking during the first recomputation; want 2", n)
	}
	if n := rc.count("2025"); n != 1 {
		t.Errorf("2025 recomputed %d times, want 1", n)
	}
	if rc.overlap {
		t.Error("a period was recomputed twice at once")
	}
	if len(written) != 3 {
		t.Errorf("written %v, want 2024 twice and 2025", written)
	}
}

// A failed recomputation fails the batches that waited for it; a later request recomputes the
// period again.
func TestScheduleReportsFailures(t *testing.T) {
	rc := newCounting()
	close(rc.release)
	broken := errors.New("ClickHouse refused the batch")
	rc.fail["2024"] = broken
	sc := newSchedule(rc, 1, nil, func([]string, time.Duration) {})
	ctx := context.Background()
	if err := sc.recompute(ctx, []string{"2024"}); !errors.Is(err, broken) {
		t.Fatalf("got %v, want %v", err, broken)
	}
	delete(rc.fail, "2024")
	if err := sc.recompute(ctx, []string{"2024"}); err != nil {
		t.Fatal(err)
	}
	if rc.count("2024") != 2 {
		t.Errorf("2024 recomputed %d times, want 2", rc.count("2024"))
	}
}

// A recomputation that panics leaves the schedule as it was: the panic goes on up the batch that
// ran it (the consumer recovers it), the others waiting for it fail, and the period is
// recomputed again when asked for.
func TestScheduleSurvivesPanic(t *testing.T) {
	rc := newCounting()
	close(rc.release)
	rc.panics = "2024"
	sc := newSchedule(rc, 1, nil, func([]string, time.Duration) {})
	ctx := context.Background()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the batch that ran the recomputation")
			}
		}()
		_ = sc.recompute(ctx, []string{"2024"})
	}()
	rc.panics = ""
	if err := sc.recompute(ctx, []string{"2024", "2025"}); err != nil {
		t.Fatal(err)
	}
	if rc.count("2024") != 2 || rc.count("2025") != 1 {
		t.Errorf("2024 recomputed %d times, 2025 %d times; want 2 and 1", rc.count("2024"), rc.count("2025"))
	}
}
