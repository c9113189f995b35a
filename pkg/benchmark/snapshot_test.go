package benchmark_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// A read of a period made while its recomputation is being written (between the insert of the
// organisation values and that of the area values) shows figures of one recomputation only: an
// organisation's new value never stands beside its region's old one. Hartlepool's vacancy rate
// goes from 10 % to 25 % and the North East's from 20 % (60 ÷ 300) to 25 % (80 ÷ 320); the read
// waits for the write to end, and the cache, told on NATS, then serves the new period whole.
func TestReadDuringRecomputeIsOfOneRecomputation(t *testing.T) {
	ctx := context.Background()
	ns, returns, store, cache := followed(t)
	view := benchmark.NewReaderView(cache, nil)
	t0 := time.Now().Add(-time.Hour)
	other := stored(figures("E06000002", "inpost_fte", 150, "vacancy_fte", 50), t0)
	other.Period = "2024"
	if err := returns.Insert(ctx, []workforce.Stored{other}); err != nil {
		t.Fatal(err)
	}
	storeVacancies(t, returns, store, 10, t0)

	type state struct{ org, region, england float64 }
	read := func() (state, error) {
		res, err := view.Standard(ctx, steward, 2, "E12000001", "2024", "")
		if err != nil {
			return state{}, err
		}
		for _, m := range res.Metrics {
			if m.Metric.ID != "vacancy_rate" {
				continue
			}
			for _, o := range m.Orgs {
				if o.Org == "E06000001" && o.Value != nil && m.RegionValue != nil && m.EnglandValue != nil {
					return state{*o.Value, *m.RegionValue, *m.EnglandValue}, nil
				}
			}
		}
		return state{}, fmt.Errorf("no vacancy rates for Hartlepool and the North East in %+v", res)
	}
	before, after := state{10, 20, 20}, state{25, 25, 25}
	same := func(a, b state) bool {
		return near(&a.org, b.org) && near(&a.region, b.region) && near(&a.england, b.england)
	}
	if got, err := read(); err != nil || !same(got, before) {
		t.Fatalf("before: %+v, %v; want %+v", got, err, before)
	}

	// The cache has nothing for the period when the read comes (as after its time to live).
	cache.Drop("2024")
	waiting := make(chan string, 100)
	benchmark.OnWait(store, func(p string) {
		select {
		case waiting <- p:
		default:
		}
	})
	type answer struct {
		s   state
		err error
	}
	answers := make(chan answer, 1)
	var during *answer
	hooked := false
	benchmark.BetweenWrites(store, func() {
		if hooked {
			return
		}
		hooked = true
		go func() {
			s, err := read()
			answers <- answer{s, err}
		}()
		select {
		case <-waiting: // the read waits for the write: let it go on
		case a := <-answers: // the read was answered in the middle of the write
			during = &a
		}
	})
	storeVacancies(t, returns, store, 30, t0.Add(time.Minute))
	if !hooked {
		t.Fatal("the recomputation wrote nothing")
	}
	if err := benchmark.Announce(ns.NC, []string{"2024"}); err != nil {
		t.Fatal(err)
	}
	if during == nil {
		a := <-answers
		during = &a
	}
	if during.err != nil {
		t.Fatal(during.err)
	}
	if !same(during.s, before) && !same(during.s, after) {
		t.Fatalf("read during the recomputation: Hartlepool %v %%, North East %v %%, England %v %%: "+
			"neither the figures before (%+v) nor those after (%+v)", during.s.org, during.s.region, during.s.england, before, after)
	}
	if !same(during.s, after) {
		t.Fatalf("read during the recomputation gave %+v, want the figures it waited for, %+v", during.s, after)
	}
	if got, err := read(); err != nil || !same(got, after) {
		t.Fatalf("after: %+v, %v; want %+v", got, err, after)
	}
}
