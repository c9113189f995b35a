package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/partnership-hub/hub/pkg/reference"
)

// Pages read the API's standard benchmarks (GET /v1/benchmarks/standard-N), which the API keeps
// for each reader until a period is recomputed, rather than a series per metric, which it reads
// from ClickHouse each time: a page is then a few cached reads. Which periods have benchmarks is
// asked once a minute, of England's series of one metric per data kind: periods are not figures,
// and every reader may see England's.

// periodsTTL is how long the dashboard keeps the list of periods with benchmarks.
const periodsTTL = time.Minute

type periodCache struct {
	mu       sync.Mutex
	read     map[string]time.Time
	bySource map[string][]string
}

// periodsOf lists, for each data kind of ms, the periods with benchmarks, oldest first.
func (v *visit) periodsOf(ms []metricDef) (map[string][]string, error) {
	pl := &v.app.periods
	first := map[string]metricDef{}
	for _, m := range ms {
		if f, ok := first[m.Source]; !ok || (f.Disclosure && !m.Disclosure) {
			first[m.Source] = m // a metric without disclosure control is quicker to read
		}
	}
	out := map[string][]string{}
	var mu sync.Mutex
	g := new(errgroup.Group)
	for source, m := range first {
		pl.mu.Lock()
		if at, ok := pl.read[source]; ok && time.Since(at) < periodsTTL {
			ps := pl.bySource[source]
			pl.mu.Unlock()
			mu.Lock() // the reads started for other kinds write out too
			out[source] = ps
			mu.Unlock()
			continue
		}
		pl.mu.Unlock()
		g.Go(func() error {
			var t trend
			err := v.get("/v1/benchmarks/"+url.PathEscape(m.ID)+"/trend", query("region", reference.England), &t)
			if err != nil && statusOf(err) != http.StatusNotFound {
				return err
			}
			var ps []string
			for _, p := range t.Points {
				ps = append(ps, p.Period)
			}
			slices.Sort(ps)
			mu.Lock()
			out[source] = ps
			mu.Unlock()
			if len(ps) == 0 {
				return nil // not computed yet, perhaps: ask again next time
			}
			pl.mu.Lock()
			if pl.read == nil {
				pl.read, pl.bySource = map[string]time.Time{}, map[string][]string{}
			}
			pl.read[source], pl.bySource[source] = time.Now(), ps
			pl.mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// stdPeriod is one standard's benchmarks in one period.
type stdPeriod struct {
	std    int
	period string
}

// benchmarksAt reads the standards' benchmarks for the focus in the periods asked, together; a
// period without benchmarks for the area is left out.
func (v *visit) benchmarksAt(f focus, want []stdPeriod) (map[stdPeriod]*standardBenchmarks, error) {
	out := map[stdPeriod]*standardBenchmarks{}
	var mu sync.Mutex
	g := new(errgroup.Group)
	g.SetLimit(8)
	for _, k := range want {
		g.Go(func() error {
			var sb standardBenchmarks
			err := v.get(fmt.Sprintf("/v1/benchmarks/standard-%d", k.std), f.area("period", k.period, "org", f.Org), &sb)
			if statusOf(err) == http.StatusNotFound {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out[k] = &sb
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// pointOf is one metric's figures for the focus in one period, as a series point: the
// organisation's own (with its region's, England's and its neighbours' median), or the area's
// (with its median, quartiles and England's).
func pointOf(f focus, period string, mb *metricBenchmark) trendPoint {
	pt := trendPoint{Period: period, EnglandValue: mb.EnglandValue, EnglandWithheld: mb.EnglandWithheld}
	if f.Org == "" {
		pt.Value, pt.Withheld = mb.RegionValue, mb.RegionWithheld
		pt.Median, pt.P25, pt.P75, pt.Contributors = mb.Median, mb.P25, mb.P75, mb.Contributors
		return pt
	}
	pt.RegionValue, pt.RegionWithheld = mb.RegionValue, mb.RegionWithheld
	if p := mb.Position; p != nil {
		pt.Value, pt.Reason, pt.Withheld, pt.SNMedian = p.Value, p.Reason, p.Withheld, p.SNMedian
	}
	return pt
}

func metricIn(sb *standardBenchmarks, id string) *metricBenchmark {
	if sb == nil {
		return nil
	}
	for i := range sb.Metrics {
		if sb.Metrics[i].Metric.ID == id {
			return &sb.Metrics[i]
		}
	}
	return nil
}

// seriesOf is one metric's series for the focus over the periods of its data kind, read from
// the standard's benchmarks of each period.
func (v *visit) seriesOf(f focus, m metricDef) (trend, map[string]*standardBenchmarks, error) {
	t := trend{Metric: m, Org: f.Org, Name: f.name()}
	periods, err := v.periodsOf([]metricDef{m})
	if err != nil {
		return t, nil, err
	}
	var want []stdPeriod
	for _, p := range periods[m.Source] {
		want = append(want, stdPeriod{m.Standard, p})
	}
	benches, err := v.benchmarksAt(f, want)
	if err != nil {
		return t, nil, err
	}
	byPeriod := map[string]*standardBenchmarks{}
	for _, k := range want {
		sb := benches[k]
		mb := metricIn(sb, m.ID)
		if mb == nil {
			continue
		}
		byPeriod[k.period] = sb
		t.Region = sb.Region
		t.Points = append(t.Points, pointOf(f, k.period, mb))
	}
	return t, byPeriod, nil
}
