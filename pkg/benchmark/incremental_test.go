package benchmark_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// readBack reads what the benchmark tables hold of a period: every organisation's values and
// every region's and England's figures.
func readBack(t *testing.T, store *benchmark.Store, period string) benchmark.Result {
	t.Helper()
	ctx := context.Background()
	members, err := store.Members(ctx, period, reference.England)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := reference.Regions()
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{reference.England}
	for _, r := range regions {
		codes = append(codes, r.Code)
	}
	areas, err := store.Areas(ctx, period, codes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range areas {
		areas[i].ComputedAt = time.Time{} // when, not what
	}
	return benchmark.Result{Values: members, Areas: areas}
}

// inMemory is what the tables must hold of a period, computed in memory from every stored row:
// as readBack reads it, and the projection inputs as readInputs does.
func inMemory(t *testing.T, store *benchmark.Store, period string) (benchmark.Result, []projection.Row) {
	t.Helper()
	res, inputs, err := benchmark.Computed(context.Background(), store, period)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := reference.Regions()
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{reference.England: true}
	for _, r := range regions {
		read[r.Code] = true
	}
	res.Values = slices.DeleteFunc(res.Values, func(v benchmark.Value) bool { return !slices.Contains(v.Regions, reference.England) })
	res.Areas = slices.DeleteFunc(res.Areas, func(a benchmark.Area) bool { return !read[a.Region] })
	slices.SortFunc(inputs, func(a, b projection.Row) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Figure, b.Figure))
	})
	return res, inputs
}

// readInputs reads the projection inputs of a period as the tables hold them, in order.
func readInputs(t *testing.T, conn driver.Conn, period string) []projection.Row {
	t.Helper()
	rows, err := projection.NewInputStore(conn).ReadRows(context.Background(), []string{period})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rows, func(a, b projection.Row) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Figure, b.Figure))
	})
	return rows
}

// An incremental recomputation gives exactly what a full one gives, whatever changed before it:
// random rows of every kind are stored for random organisations and periods, each change is told
// to the Recomputer with the organisation that reported it, and a random period or two (touched or not) are recomputed by it and then
// in full, and the two computations read back from the tables are compared. Only two periods of three
// are kept, so that periods are forgotten and read whole again; placements move between
// academic years, which changes a period that no event names. The Recomputer writes only the
// rows that changed, from what it wrote of a period or, not kept, from what it reads back; so
// does the full recomputation, against the tables. The projection inputs are compared too.
func TestIncrementalRecomputeEqualsFull(t *testing.T) {
	for _, c := range []struct {
		name string
		rc   func(*benchmark.Store) *benchmark.Recomputer
	}{
		{"figures and rows of 2 periods kept", func(s *benchmark.Store) *benchmark.Recomputer { return s.NewRecomputer(2) }},
		{"rows of 3 periods kept, figures of 1", func(s *benchmark.Store) *benchmark.Recomputer { return s.NewRecomputer(1).KeepWritten(3) }},
		{"nothing kept", func(s *benchmark.Store) *benchmark.Recomputer { return s.NewRecomputer(0) }},
	} {
		t.Run(c.name, func(t *testing.T) { incrementalEqualsFull(t, c.rc) })
	}
}

func incrementalEqualsFull(t *testing.T, newRecomputer func(*benchmark.Store) *benchmark.Recomputer) {
	src, store := newSources(t)
	ctx := context.Background()
	rc := newRecomputer(store)
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	councils := []string{hartlepool, middlesbrough, redcar}
	periods := []string{"2023", "2024", "2025"}
	academic := map[string]string{"2023": "2022/23", "2024": "2023/24", "2025": "2024/25"}
	n := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	students := 0
	type placed struct{ student, year, host string }
	var placements []placed

	changes := []struct {
		kind  string
		store func(org, period string) (reporter, touched string)
	}{
		{submission.KindWorkforce, func(org, period string) (string, string) {
			r := workforce.Return{Org: org, Period: period}
			for _, f := range workforce.Fields {
				if rng.IntN(8) == 0 {
					*f.Of(&r) = measure.Unknown(measure.Unavailable)
				} else {
					*f.Of(&r) = measure.Of(float64(n(0, 60)))
				}
			}
			*workforce.Fields[0].Of(&r) = measure.Of(float64(n(50, 200))) // in-post FTE
			src.insertReturns(r)
			return org, period
		}},
		{submission.KindPlacement, func(_, period string) (string, string) {
			// A new placement, or an earlier one reported again with another year or host.
			p := placed{fmt.Sprint("student-", students), academic[period], councils[rng.IntN(len(councils))]}
			if len(placements) > 0 && rng.IntN(2) == 0 {
				i := rng.IntN(len(placements))
				p.student = placements[i].student
				placements[i] = p
			} else {
				students++
				placements = append(placements, p)
			}
			outcome := []string{"passed", "failed", "withdrawn", "ongoing"}[rng.IntN(4)]
			src.insertPlacements(src.placement(p.student, "2022/23", p.year, "final", p.host, rng.IntN(2) == 0, 100, n(40, 100), outcome))
			return newcastleUni, period
		}},
		{submission.KindPlacementCapacity, func(org, period string) (string, string) {
			if rng.IntN(2) == 0 {
				src.insertCapacity(newcastleUni, academic[period], true, [4]int{2, n(5, 40), -1, -1})
				return newcastleUni, period
			}
			offered := n(0, 20)
			src.insertCapacity(org, academic[period], false, [4]int{2, -1, offered, n(0, offered)})
			return org, period
		}},
		{submission.KindPracticeEducators, func(org, period string) (string, string) {
			s1, s2 := n(0, 10), n(0, 10)
			src.insertEducators(org, period, s1, s2, n(0, s1+s2), n(0, 30))
			return org, period
		}},
		{submission.KindSurvey, func(org, period string) (string, string) {
			// Few respondents now and then, so that disclosure control withholds figures; never
			// none, which the survey refuses.
			src.insertSurvey(org, period, [7]any{"Q2.1", "social_worker", n(0, 5), n(0, 5), n(0, 3), n(0, 8), n(1, 6)},
				[7]any{"Q8.1", "manager", n(0, 2), n(0, 2), n(0, 2), n(0, 4), n(1, 4)})
			return org, period
		}},
		{submission.KindAudit, func(org, period string) (string, string) {
			ratings := []string{audit.Green, audit.Amber, audit.Red}
			src.insertAudit(org, period, [2]string{"S2.1", ratings[rng.IntN(3)]}, [2]string{"S8.1", ratings[rng.IntN(3)]})
			return org, period
		}},
		{submission.KindServiceDemand, func(org, period string) (string, string) {
			src.insertDemand(demand.Return{Org: org, Period: period, CINAt31March: measure.Of(float64(n(100, 2000))),
				CLAAt31March: measure.Of(float64(n(50, 500))), ChildPopulation: measure.Of(float64(n(10000, 40000)))})
			return org, period
		}},
	}
	for step := range 40 {
		c := changes[rng.IntN(len(changes))]
		reporter, touched := c.store(councils[rng.IntN(len(councils))], periods[rng.IntN(len(periods))])
		rc.Changed(c.kind, []string{reporter}, touched)

		// One period, or two written together.
		ps := []string{periods[rng.IntN(len(periods))]}
		if q := periods[rng.IntN(len(periods))]; q != ps[0] && rng.IntN(2) == 0 {
			ps = append(ps, q)
		}
		if _, err := rc.Recompute(ctx, ps...); err != nil {
			t.Fatal(err)
		}
		// What the tables hold after the incremental recomputation, and after a full one, must be
		// what is computed in memory from every stored row.
		check := func(how string) {
			t.Helper()
			for _, p := range ps {
				want, wantInputs := inMemory(t, store, p)
				wv, wa := index(want)
				gv, ga := index(readBack(t, store, p))
				if !reflect.DeepEqual(gv, wv) || !reflect.DeepEqual(ga, wa) {
					t.Fatalf("step %d (%s stored for %s, %v recomputed): %s %s\n%+v\n%+v\ncomputed\n%+v\n%+v", step, c.kind, touched, ps, p, how, gv, ga, wv, wa)
				}
				if got := readInputs(t, src.conn, p); !reflect.DeepEqual(got, wantInputs) {
					t.Fatalf("step %d (%s stored for %s, %v recomputed): %s projection inputs %s\n%+v\ncomputed\n%+v", step, c.kind, touched, ps, p, how, got, wantInputs)
				}
			}
		}
		check("incremental")
		if _, err := store.Recompute(ctx, ps...); err != nil {
			t.Fatal(err)
		}
		check("full")
	}
}

// A placement reported again in another academic year leaves the period it was in, though the
// stored event names only the new one: the Recomputer reads that period's placements again.
func TestIncrementalSeesMovedPlacement(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	rc := store.NewRecomputer(4)
	in2025 := func(r workforce.Return) workforce.Return { r.Period = "2025"; return r }
	src.insertReturns(in2025(figures(hartlepool, "inpost_fte", 100)), in2025(figures(middlesbrough, "inpost_fte", 100)))
	src.insertPlacements(src.placement("a", "2022/23", "2024/25", "final", hartlepool, true, 100, 100, "passed"),
		src.placement("b", "2022/23", "2024/25", "final", middlesbrough, true, 100, 100, "passed"))
	rc.Changed(submission.KindPlacement, []string{newcastleUni}, "2025")
	if _, err := rc.Recompute(ctx, "2025"); err != nil {
		t.Fatal(err)
	}
	// a moves to 2023/24 (period 2024); then a return changes in 2025.
	src.insertPlacements(src.placement("a", "2022/23", "2023/24", "final", hartlepool, true, 100, 100, "passed"))
	rc.Changed(submission.KindPlacement, []string{newcastleUni}, "2024")
	src.insertReturns(in2025(figures(middlesbrough, "inpost_fte", 120)))
	rc.Changed(submission.KindWorkforce, []string{middlesbrough}, "2025")
	if _, err := rc.Recompute(ctx, "2025"); err != nil {
		t.Fatal(err)
	}
	got := readBack(t, store, "2025")
	_, areas := index(got)
	if a := areas[[2]string{"placement_pass_rate", northEast}]; a.Contributors != 1 {
		t.Errorf("North East's placement pass rate has %d contributors after a placement moved out of the year, want 1", a.Contributors)
	}
	if _, err := store.Recompute(ctx, "2025"); err != nil {
		t.Fatal(err)
	}
	gv, ga := index(got)
	wv, wa := index(readBack(t, store, "2025"))
	if !reflect.DeepEqual(gv, wv) || !reflect.DeepEqual(ga, wa) {
		t.Errorf("incremental\n%+v\n%+v\nfull\n%+v\n%+v", gv, ga, wv, wa)
	}
}

// A recomputation given the position its caller's log of changes had reached reflects the kinds
// it read whole as of that position, and only those; a change already read marks nothing to be
// read again, so a period asked for by it is as written (nothing computed); a change since, or
// new places, is recomputed.
func TestRecomputeAsOf(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	rc := store.NewRecomputer(4)
	src.insertReturns(figures(hartlepool, "inpost_fte", 100, "vacancy_fte", 10), figures(middlesbrough, "inpost_fte", 100, "vacancy_fte", 20))
	if n, err := rc.RecomputeAsOf(ctx, 10, "2024"); err != nil || n == 0 {
		t.Fatalf("first recomputation: %d values, %v", n, err)
	}
	for _, c := range []struct {
		kind, period string
		at           uint64
		want         bool
	}{
		{submission.KindWorkforce, "2024", 10, true},
		{submission.KindWorkforce, "2024", 11, false}, // stored after it began
		{submission.KindWorkforce, "2023", 1, false},  // never recomputed
		{submission.KindPlacement, "2024", 1, false},  // its rows can move to periods it does not name
		{submission.KindWorkforce, "2024", 0, false},  // no position
	} {
		if got := rc.Reflects(c.kind, c.period, c.at); got != c.want {
			t.Errorf("Reflects(%s, %s, %d) = %v, want %v", c.kind, c.period, c.at, got, c.want)
		}
	}

	// Told of what it read: nothing to do.
	rc.ChangedAt(submission.KindWorkforce, []string{hartlepool}, 9, "2024")
	if n, err := rc.RecomputeAsOf(ctx, 20, "2024"); err != nil || n != 0 {
		t.Errorf("recomputation after a change already read: %d values computed, %v; want none", n, err)
	}

	// A change since: read again (that organisation alone), and in the benchmarks.
	src.insertReturns(figures(middlesbrough, "inpost_fte", 100, "vacancy_fte", 40))
	rc.ChangedAt(submission.KindWorkforce, []string{middlesbrough}, 21, "2024")
	if n, err := rc.RecomputeAsOf(ctx, 30, "2024"); err != nil || n == 0 {
		t.Fatalf("recomputation after a change: %d values, %v", n, err)
	}
	_, areas := index(readBack(t, store, "2024"))
	if v := areas[[2]string{"vacancy_rate", northEast}].Value; v == nil || math.Abs(*v-100*50/250.0) > 1e-9 {
		t.Errorf("North East vacancy rate %v after the change, want %v", v, 100*50/250.0)
	}
	if rc.Reflects(submission.KindWorkforce, "2024", 21) {
		t.Error("a recomputation that read one organisation's returns reflects the whole kind")
	}

	// New places (an alliance) are recomputed though no rows changed.
	if err := alliance.NewStore(src.conn).Put(ctx, alliance.Alliance{ID: "tees", Name: "Tees", Members: []string{hartlepool, middlesbrough}, UpdatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if n, err := rc.RecomputeAsOf(ctx, 40, "2024"); err != nil || n == 0 {
		t.Errorf("recomputation after an alliance was made: %d values, %v; want the period recomputed", n, err)
	}
}

// A change stored before a recomputation under way began, which reads its kind whole, is in what
// that recomputation writes; one stored after it began is read by the next.
func TestChangedWhileRecomputing(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	rc := store.NewRecomputer(4)
	src.insertReturns(figures(hartlepool, "inpost_fte", 100, "vacancy_fte", 10))
	var during func()
	benchmark.BetweenWrites(store, func() {
		if during != nil {
			during()
		}
	})
	during = func() { rc.ChangedAt(submission.KindWorkforce, []string{hartlepool}, 5, "2024") }
	if _, err := rc.RecomputeAsOf(ctx, 10, "2024"); err != nil {
		t.Fatal(err)
	}
	if n, err := rc.RecomputeAsOf(ctx, 20, "2024"); err != nil || n != 0 {
		t.Errorf("after a change the recomputation under way had read: %d values computed, %v; want none", n, err)
	}
	src.insertReturns(figures(hartlepool, "inpost_fte", 100, "vacancy_fte", 15))
	rc.ChangedAt(submission.KindWorkforce, nil, 15, "2024") // the kind whole: read whole as of 20
	during = func() { rc.ChangedAt(submission.KindWorkforce, []string{hartlepool}, 25, "2024") }
	if _, err := rc.RecomputeAsOf(ctx, 20, "2024"); err != nil {
		t.Fatal(err)
	}
	during = nil
	if n, err := rc.RecomputeAsOf(ctx, 30, "2024"); err != nil || n == 0 {
		t.Errorf("after a change stored once the recomputation under way had begun: %d values computed, %v; want the period recomputed", n, err)
	}
}
