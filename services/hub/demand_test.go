package hub_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
)

// dfeFile reads one of the DfE files the demo sends, as published, row by row: column → cell.
func dfeFile(t *testing.T, open func() (io.Reader, error)) []map[string]string {
	t.Helper()
	r, err := open()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out = append(out, row)
	}
	return out
}

func fromBytes(read func() ([]byte, error)) func() (io.Reader, error) {
	return func() (io.Reader, error) {
		b, err := read()
		return bytes.NewReader(b), err
	}
}

// number reads a cell of a DfE file: ok false for a symbol.
func number(cell string) (float64, bool) {
	v, err := strconv.ParseFloat(cell, 64)
	return v, err == nil
}

// dfeDemand holds the DfE demand figures as published: by authority and year, children in need
// at 31 March (At31_episodes), children looked after on 31 March and the child population.
type dfeDemand struct {
	cin, cla, population map[string]string // "org/year" → cell
	claRate              map[string]string // the DfE's own looked-after rate per 10,000, rounded
	cells                int               // figures given in the two files (every cell a number or symbol)
	keys                 map[string]bool
}

func readDfEDemand(t *testing.T) dfeDemand {
	t.Helper()
	d := dfeDemand{cin: map[string]string{}, cla: map[string]string{}, population: map[string]string{}, claRate: map[string]string{}, keys: map[string]bool{}}
	for _, r := range dfeFile(t, fromBytes(reference.DfEChildrenInNeed)) {
		key := r["new_la_code"] + "/" + r["time_period"]
		d.keys[key] = true
		d.cin[key] = r["At31_episodes"]
		for _, c := range []string{"Anypoint_episodes", "Anypoint_child", "Started_episodes", "Started_child", "Ended_episodes", "Ended_child", "At31_episodes", "awaiting_assessment"} {
			if r[c] != "" {
				d.cells++
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range dfeFile(t, fromBytes(reference.DfEChildrenLookedAfter)) {
		key := r["new_la_code"] + "/" + r["time_period"]
		d.keys[key] = true
		if !seen[key] && r["population_estimate"] != "" {
			d.cells++ // the child population, once an authority and year
		}
		seen[key] = true
		d.population[key] = r["population_estimate"]
		if r["children_count"] != "" {
			d.cells++
		}
		if strings.EqualFold(r["population_type"], "Children looked after on 31 March each year") {
			d.cla[key], d.claRate[key] = r["children_count"], r["rate_per_10000"]
		}
	}
	return d
}

// per10000 is a ratio of sums × 10,000 over the authorities whose both figures are numbers, and
// how many they are.
func per10000(num, den map[string]string, keys ...string) (float64, int) {
	var n, d float64
	count := 0
	for _, k := range keys {
		a, okA := number(num[k])
		b, okB := number(den[k])
		if okA && okB {
			n, d, count = n+a, d+b, count+1
		}
	}
	return n / d * 10000, count
}

// TestDemoDemandBenchmarksAndProjections: make demo sends the DfE children in need (2013–2025)
// and children looked after (2021–2025) files through the API as published, every figure is
// stored once, and Hartlepool's and the North East's demand benchmarks, their trend and
// Hartlepool's projection answer with the DfE's own figures; a council then submits its own
// demand through the API, and the benchmarks follow.
func TestDemoDemandBenchmarksAndProjections(t *testing.T) {
	r := startHub(t)
	src := readDfEDemand(t)
	const hartlepool = "E06000001"

	t.Run("every DfE figure is stored once", func(t *testing.T) {
		if n := r.count("SELECT count() FROM service_demand FINAL"); n != uint64(src.cells) {
			t.Errorf("%d figures stored, the DfE files give %d", n, src.cells)
		}
		if n := r.count("SELECT uniqExact(org_code, period) FROM service_demand FINAL"); n != uint64(len(src.keys)) {
			t.Errorf("%d authorities × years stored, the DfE files have %d", n, len(src.keys))
		}
		if n := r.count("SELECT count() FROM service_demand FINAL WHERE value IS NULL AND reason != ''"); n == 0 {
			t.Error("no DfE symbol kept beside an unknown figure")
		}
		files := 0
		for _, line := range strings.Split(r.log.String(), "\n") {
			if !strings.Contains(line, "demo data stored") || !strings.Contains(line, "/v1/service-demand") {
				continue
			}
			files++
			if !strings.Contains(line, " status="+submission.StatusAccepted+" ") || !strings.Contains(line, " rejected=0 ") {
				t.Errorf("a demo demand file was not taken whole: %s", line)
			}
			t.Log(line)
		}
		if files != 2 {
			t.Errorf("%d demo demand files stored, want the children in need and the looked-after files", files)
		}
	})

	// The North East's authorities of 2025 in the DfE files.
	var northEast []string
	for _, row := range dfeFile(t, fromBytes(reference.DfEChildrenInNeed)) {
		if row["region_code"] == "E12000001" && row["time_period"] == "2025" {
			northEast = append(northEast, row["new_la_code"]+"/2025")
		}
	}
	cin, _ := number(src.cin[hartlepool+"/2025"])
	pop, _ := number(src.population[hartlepool+"/2025"])
	cla, _ := number(src.cla[hartlepool+"/2025"])
	const ne2025 = "region=E12000001&period=2025"

	t.Run("Hartlepool's and the North East's demand benchmarks are the DfE's", func(t *testing.T) {
		var holders float64
		for _, row := range dfeFile(t, func() (io.Reader, error) { return reference.DfEWorkforce() }) {
			if row["new_la_code"] == hartlepool && row["time_period"] == "2025" {
				holders, _ = number(row["case_holders_fte"])
			}
		}
		t.Logf("Hartlepool 2025 (DfE): %v children in need and %v looked after at 31 March, %v children, %v case-holding FTE", cin, cla, pop, holders)
		r.waitForValue("demo-council", ne2025, "children_in_need_per_10000", hartlepool, cin/pop*10000)
		r.waitForValue("demo-council", ne2025, "children_looked_after_per_10000", hartlepool, cla/pop*10000)
		r.waitForValue("demo-council", ne2025, "children_in_need_per_case_holder", hartlepool, cin/holders)

		// The region's figures are written beside its organisations', and read through the same
		// cache: poll until both are those of the last recomputation.
		metrics := []struct {
			id  string
			num map[string]string
		}{{"children_in_need_per_10000", src.cin}, {"children_looked_after_per_10000", src.cla}}
		var b benchmark.StandardBenchmarks
		poll.Until(t, time.Minute, func() error {
			_, b = r.standard2("demo-council", ne2025)
			for _, m := range metrics {
				mb := metricOf(b, m.id)
				want, n := per10000(m.num, src.population, northEast...)
				if mb == nil || mb.RegionValue == nil || math.Abs(*mb.RegionValue-want) > 1e-9 || mb.Contributors != n {
					return fmt.Errorf("North East %s = %+v, want %v from %d authorities", m.id, mb, want, n)
				}
			}
			return nil
		})
		for _, m := range metrics {
			mb := metricOf(b, m.id)
			t.Logf("%s 2025: Hartlepool %.2f, North East %.2f (ratio of sums of %d authorities)", m.id, *orgValue(b, m.id, hartlepool), *mb.RegionValue, mb.Contributors)
		}
		// The DfE publishes the looked-after rate rounded to a whole number.
		if v, dfe := orgValue(b, "children_looked_after_per_10000", hartlepool), src.claRate[hartlepool+"/2025"]; v == nil || strconv.Itoa(int(math.Round(*v))) != dfe {
			t.Errorf("Hartlepool's looked-after rate %v, the DfE's %s", v, dfe)
		}
	})

	t.Run("the trend of children in need per 10,000 is the DfE's, year by year", func(t *testing.T) {
		// Every period is recomputed on its own, after the demo's load: poll until all are.
		poll.Until(t, 2*time.Minute, func() error {
			var tr benchmark.Trend
			if code := r.do("demo-council", "GET", "/v1/benchmarks/children_in_need_per_10000/trend?org="+hartlepool, "", nil, &tr); code != http.StatusOK {
				return fmt.Errorf("trend: %d", code)
			}
			got := map[string]*float64{}
			for _, p := range tr.Points {
				got[p.Period] = p.Value
			}
			for year := 2021; year <= 2025; year++ {
				want, _ := per10000(src.cin, src.population, fmt.Sprintf("%s/%d", hartlepool, year))
				if v := got[strconv.Itoa(year)]; v == nil || math.Abs(*v-want) > 1e-9 {
					return fmt.Errorf("%d: %v, want %v", year, v, want)
				}
			}
			return nil
		})
	})

	// trend is the least-squares line through Hartlepool's children in need at 31 March,
	// 2021–2025; projected waits for its projection to follow it.
	trend := func() (slope float64, fitted func(year int) float64) {
		var xs, ys []float64
		for year := 2021; year <= 2025; year++ {
			if v, ok := number(src.cin[fmt.Sprintf("%s/%d", hartlepool, year)]); ok {
				xs, ys = append(xs, float64(year)), append(ys, v)
			}
		}
		slope, intercept := leastSquares(xs, ys)
		return slope, func(year int) float64 { return intercept + slope*float64(year) }
	}
	projected := func(t *testing.T) api.Projections {
		slope, fitted := trend()
		var p api.Projections
		poll.Until(t, 2*time.Minute, func() error {
			p = api.Projections{}
			if code := r.do("demo-council", "GET", "/v1/projections?org="+hartlepool+"&years=3", "", nil, &p); code != http.StatusOK {
				return fmt.Errorf("projection: %d", code)
			}
			if p.Projection.Rates == nil || p.Projection.Rates.DemandGrowth == nil {
				return fmt.Errorf("no demand growth yet: %+v", p.Projection.Rates)
			}
			if math.Abs(*p.Projection.Rates.DemandGrowth-slope/fitted(2025)) > 1e-9 {
				return fmt.Errorf("demand growth %v, want %v", *p.Projection.Rates.DemandGrowth, slope/fitted(2025))
			}
			return nil
		})
		return p
	}

	t.Run("Hartlepool's projection follows the DfE's children in need", func(t *testing.T) {
		_, fitted := trend()
		p := projected(t)
		if p.Projection.Base != 2025 || len(p.Projection.Points) != 3 {
			t.Fatalf("base %d, %d points", p.Projection.Base, len(p.Projection.Points))
		}
		for i, pt := range p.Projection.Points {
			want := cin * fitted(2025+i+1) / fitted(2025)
			if pt.Demand == nil || math.Abs(*pt.Demand-want) > 1e-6 {
				t.Errorf("%d: demand %v, want %v", pt.Year, pt.Demand, want)
			}
		}
		t.Logf("Hartlepool: children in need %v (2025) → %.1f (2026), %.1f (2028); demand growth %.4f a year; establishment %.1f FTE in 2028",
			cin, *p.Projection.Points[0].Demand, *p.Projection.Points[2].Demand, *p.Projection.Rates.DemandGrowth, p.Projection.Points[2].Establishment)
	})

	t.Run("a council submits its own demand through the API, not another's", func(t *testing.T) {
		var ref api.SubmissionRef
		body := `{"demand": [{"org": "E06000001", "period": "2025", "cin_at_31_march": 1400, "child_population": 21000}]}`
		if code := r.do("demo-council", "POST", "/v1/service-demand", "application/json", strings.NewReader(body), &ref); code != http.StatusAccepted {
			t.Fatalf("submit: %d %+v", code, ref)
		}
		if st := r.wait("demo-council", ref); st.Status != submission.StatusAccepted {
			t.Fatalf("status %+v", st)
		}
		r.waitForValue("demo-council", ne2025, "children_in_need_per_10000", hartlepool, 1400.0/21000*10000)
		// The figures the council did not send are kept: those looked after, from the DfE file.
		r.waitForValue("demo-council", ne2025, "children_looked_after_per_10000", hartlepool, cla/21000*10000)
		// The projection follows the new figure too.
		src.cin[hartlepool+"/2025"] = "1400"
		if p := projected(t); p.Projection.Points[0].Demand == nil {
			t.Error("no demand projected")
		}

		other := "org,period,cin_at_31_march\nE06000002,2025,1\n"
		if code := r.do("demo-council", "POST", "/v1/service-demand", "text/csv", strings.NewReader(other), nil); code != http.StatusForbidden {
			t.Errorf("another authority's demand: %d, want 403", code)
		}
	})
}

// leastSquares fits y = intercept + slope × x.
func leastSquares(xs, ys []float64) (slope, intercept float64) {
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(ys))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}
