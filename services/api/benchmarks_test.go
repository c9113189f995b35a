package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/sheet"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// benchmarkEnv stores returns for five councils in two periods, computes their benchmarks as
// services/benchmark does, and makes the North East alliance of Hartlepool and Middlesbrough.
func benchmarkEnv(t *testing.T) *env {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	ctx := context.Background()
	var rows []workforce.Stored
	add := func(org, period string, inpost, vacancies float64) {
		r := workforce.Return{Org: org, Period: period, InpostFTE: measure.Of(inpost), VacancyFTE: measure.Of(vacancies)}
		rows = append(rows, workforce.Stored{Row: workforce.Row{Row: len(rows) + 2, Return: r}, SubmissionID: "s", ReceivedAt: time.Now()})
	}
	add("E06000001", "2024", 90, 10)  // Hartlepool, North East: 10 %
	add("E06000002", "2024", 150, 50) // Middlesbrough, North East: 25 %
	add("E08000021", "2024", 380, 20) // Newcastle, North East, outside the alliance: 5 %
	add("E06000008", "2024", 95, 5)   // Blackburn with Darwen, North West: 5 %
	add("E09000001", "2024", 10, 0)   // City of London, Inner London: 0 %
	add("E06000001", "2023", 80, 20)  // Hartlepool's previous year: 20 %
	if err := workforce.NewStore(e.ch).Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	e.rebuildBenchmarks("E06000001", "E06000002")
	return e
}

// rebuildBenchmarks makes the North East alliance of members and computes every period's
// benchmarks as services/benchmark does (the alliance being an area).
func (e *env) rebuildBenchmarks(members ...string) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "North East", "members": members})
	if resp, b := e.do("PUT", "/v1/alliances/north-east", "demo-steward", "application/json", string(body)); resp.StatusCode != 200 {
		e.t.Fatalf("alliance: %d %s", resp.StatusCode, b)
	}
	store, err := benchmark.NewStore(e.ch)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, _, err := store.Rebuild(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) standard2(client, query string) (int, benchmark.StandardBenchmarks) {
	e.t.Helper()
	return e.standard(2, client, query)
}

// standard reads a standard's benchmarks as client.
func (e *env) standard(std int, client, query string) (int, benchmark.StandardBenchmarks) {
	e.t.Helper()
	resp, b := e.do("GET", fmt.Sprintf("/v1/benchmarks/standard-%d?%s", std, query), client, "", "")
	var out benchmark.StandardBenchmarks
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, out
}

func vacancy(t *testing.T, b benchmark.StandardBenchmarks) benchmark.MetricBenchmark {
	t.Helper()
	for _, m := range b.Metrics {
		if m.Metric.ID == "vacancy_rate" {
			return m
		}
	}
	t.Fatalf("no vacancy rate in %+v", b)
	return benchmark.MetricBenchmark{}
}

func is(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func orgCodes(m benchmark.MetricBenchmark) string {
	var codes []string
	for _, o := range m.Orgs {
		codes = append(codes, o.Code)
	}
	return strings.Join(codes, ",")
}

func TestStandard2BenchmarksAndScope(t *testing.T) {
	e := benchmarkEnv(t)
	tests := []struct {
		client, query string
		status        int
		orgs          string // the organisations named, in code order
		value         float64
		contributors  int
	}{
		// (10 + 50 + 20) ÷ (100 + 200 + 400); every North East council named for a steward.
		{"demo-steward", "region=E12000001&period=2024", 200, "E06000001,E06000002,E08000021", 100 * 80.0 / 700, 3},
		// The analyst sees its alliance's members by name; Newcastle counts but is not named.
		{"demo-analyst", "region=E12000001&period=2024", 200, "E06000001,E06000002", 100 * 80.0 / 700, 3},
		{"demo-analyst", "region=E12000002&period=2024", 200, "", 5, 1},
		{"demo-council", "region=E12000001&period=2024", 200, "E06000001", 100 * 80.0 / 700, 3},
		// England sums everyone, the London borough included.
		{"demo-steward", "region=E92000001&period=2024", 200, "E06000001,E06000002,E06000008,E08000021,E09000001", 100 * 85.0 / 810, 5},
		{"demo-steward", "region=E12000007&period=2024", 200, "E09000001", 0, 1},
		{"demo-analyst", "region=E12000001&period=2024&org=E06000002", 200, "E06000001,E06000002", 100 * 80.0 / 700, 3},
		{"demo-analyst", "region=E12000002&period=2024&org=E06000008", 403, "", 0, 0},
		{"demo-council", "region=E12000001&period=2024&org=E06000002", 403, "", 0, 0},
		{"demo-steward", "region=E12000001&period=1999", 404, "", 0, 0},
		{"", "region=E12000001&period=2024", 401, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.client+"?"+tt.query, func(t *testing.T) {
			status, b := e.standard2(tt.client, tt.query)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if status != 200 {
				return
			}
			m := vacancy(t, b)
			if got := orgCodes(m); got != tt.orgs {
				t.Errorf("named %q, want %q", got, tt.orgs)
			}
			if !is(m.RegionValue, tt.value) || m.Contributors != tt.contributors || !is(m.EnglandValue, 100*85.0/810) {
				t.Errorf("value %v from %d (England %v), want %v from %d", *m.RegionValue, m.Contributors, m.EnglandValue, tt.value, tt.contributors)
			}
			if len(b.Metrics) != len(benchmark.Standard2) {
				t.Errorf("%d metrics, want %d", len(b.Metrics), len(benchmark.Standard2))
			}
		})
	}

	_, b := e.standard2("demo-analyst", "region=E12000001&period=2024&org=E06000002")
	m := vacancy(t, b)
	// Lower is better: Newcastle 5 %, Hartlepool 10 %, Middlesbrough 25 %.
	if p := m.Position; p == nil || p.Code != "E06000002" || p.Rank != 3 || p.RankOf != 3 || !is(p.Value, 25) || len(p.Neighbours) != 10 {
		t.Fatalf("position %+v", m.Position)
	}
	for _, n := range m.Position.Neighbours {
		if n.Value != nil && n.Code != "E06000001" {
			t.Errorf("neighbour %+v shown by value to an analyst outside its alliance", n)
		}
	}
	if o := m.Orgs[0]; o.Code != "E06000001" || o.Rank != 2 || !is(o.Value, 10) {
		t.Errorf("Hartlepool %+v, want rank 2 of 10 %%", o)
	}
}

func TestBenchmarksAsCSV(t *testing.T) {
	e := benchmarkEnv(t)
	resp, b := e.do("GET", "/v1/benchmarks/standard-2?region=E12000001&period=2024", "demo-analyst", "", "", "Accept", "text/csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// One row for the area of each metric, and one for each named member (two) of the nine
	// workforce metrics: the survey and audit metrics have no data.
	if len(recs) != 1+len(benchmark.Standard2)+9*2 || recs[0][0] != "period" || recs[0][7] != "org" || recs[0][11] != "withheld" {
		t.Fatalf("%d rows, header %v", len(recs), recs[0])
	}
	// The organisation's old column name is answered last, with the same value, for one version.
	last := len(recs[0]) - 1
	if recs[0][last] != "org_code" {
		t.Errorf("last column %q, want the deprecated org_code", recs[0][last])
	}
	for _, r := range recs[1:] {
		if r[last] != r[7] {
			t.Errorf("org_code %q beside org %q", r[last], r[7])
		}
		if r[7] == "E08000021" {
			t.Errorf("Newcastle named in the analyst's table: %v", r)
		}
		if r[1] == "vacancy_rate" && r[7] == "E06000001" && (r[9] != "10" || r[19] != "3") {
			t.Errorf("Hartlepool's row %v", r)
		}
	}

	resp, b = e.do("GET", "/v1/benchmarks/vacancy_rate/trend?org=E06000001", "demo-council", "", "", "Accept", "text/csv")
	recs, err = csv.NewReader(bytes.NewReader(b)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(recs) != 3 || recs[1][0] != "2023" || recs[1][9] != "20" || recs[2][9] != "10" {
		t.Fatalf("trend CSV %d: %q", resp.StatusCode, b)
	}
}

func TestTrend(t *testing.T) {
	e := benchmarkEnv(t)
	for _, tt := range []struct {
		client, path string
		status       int
		values       []float64
	}{
		{"demo-council", "/v1/benchmarks/vacancy_rate/trend?org=E06000001", 200, []float64{20, 10}},
		{"demo-analyst", "/v1/benchmarks/vacancy_rate/trend?org=E06000001", 200, []float64{20, 10}},
		{"demo-analyst", "/v1/benchmarks/vacancy_rate/trend?region=E12000001", 200, []float64{20, 100 * 80.0 / 700}},
		{"demo-analyst", "/v1/benchmarks/vacancy_rate/trend?org=E08000021", 403, nil},
		{"demo-analyst", "/v1/benchmarks/nonsense/trend?region=E12000001", 404, nil},
		{"demo-analyst", "/v1/benchmarks/vacancy_rate/trend", 422, nil},
		{"demo-analyst", "/v1/benchmarks/vacancy_rate/trend?org=E06000001&region=E12000001", 422, nil},
	} {
		resp, b := e.do("GET", tt.path, tt.client, "", "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.client, tt.path, resp.StatusCode, b, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		var tr benchmark.Trend
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != len(tt.values) {
			t.Fatalf("%s: %+v", tt.path, tr)
		}
		for i, p := range tr.Points {
			if !is(p.Value, tt.values[i]) || p.EnglandValue == nil {
				t.Errorf("%s: point %d %+v, want %v", tt.path, i, p, tt.values[i])
			}
		}
	}
	var cat struct{ Metrics []benchmark.Metric }
	resp, b := e.do("GET", "/v1/metrics", "demo-analyst", "", "")
	if err := json.Unmarshal(b, &cat); resp.StatusCode != 200 || err != nil || len(cat.Metrics) != len(benchmark.Catalogue()) || cat.Metrics[5].Formula == "" {
		t.Errorf("catalogue %d: %s", resp.StatusCode, b)
	}
}

// Accept is negotiated with its q-values, wildcards and q=0, on every operation that answers in
// more than one format; an Accept that takes none of them is answered 406.
func TestAcceptIsNegotiated(t *testing.T) {
	e := benchmarkEnv(t)
	for _, path := range []string{
		"/v1/benchmarks/standard-2?region=E12000001&period=2024",
		"/v1/benchmarks/vacancy_rate/trend?region=E12000001",
		"/v1/audits/action-plan?cycle=2026&org=E06000001",
	} {
		for _, tt := range []struct{ accept, want string }{
			{"", "application/json"},
			{"text/csv;q=0.5, application/json", "application/json"},
			{"application/json;q=0.5, text/csv", "text/csv"},
			{"text/*", "text/csv"},
			{"*/*;q=0.1, application/json;q=0", "text/csv"},
			{"text/html", "application/problem+json"},
		} {
			resp, b := e.do("GET", path, "demo-steward", "", "", "Accept", tt.accept)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.want) {
				t.Errorf("%s with Accept %q: %d %q %.80s, want %s", path, tt.accept, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.want)
			}
			if tt.want == "application/problem+json" && resp.StatusCode != 406 {
				t.Errorf("%s with Accept %q: %d, want 406", path, tt.accept, resp.StatusCode)
			}
		}
	}
}

// An alliance is a benchmark area: its members' summed counts, their median and ranks, for
// whoever may see the alliance (its analysts, its members, stewards), each seeing by name whom
// the access rule allows.
func TestAllianceAsBenchmarkArea(t *testing.T) {
	e := benchmarkEnv(t) // alliance north-east: Hartlepool 10 %, Middlesbrough 25 %
	for _, tt := range []struct {
		client, query string
		status        int
		orgs          string
	}{
		{"demo-analyst", "alliance=north-east&period=2024", 200, "E06000001,E06000002"},
		{"demo-steward", "alliance=north-east&period=2024", 200, "E06000001,E06000002"},
		{"demo-council", "alliance=north-east&period=2024", 200, "E06000001"},
		{"other-council", "alliance=north-east&period=2024", 200, "E06000002"},
		{"demo-trust", "alliance=north-east&period=2024", 404, ""}, // not a member
		{"demo-survey", "alliance=north-east&period=2024", 403, ""},
		{"demo-analyst", "alliance=nowhere&period=2024", 404, ""},
		{"demo-analyst", "alliance=north-east&region=E12000001&period=2024", 422, ""},
		{"demo-analyst", "period=2024", 422, ""},
	} {
		status, b := e.standard2(tt.client, tt.query)
		if status != tt.status {
			t.Errorf("%s ?%s: %d, want %d", tt.client, tt.query, status, tt.status)
			continue
		}
		if status != 200 {
			continue
		}
		m := vacancy(t, b)
		if b.Region.Code != "north-east" || b.Region.Level != "alliance" || b.Region.Name != "North East" ||
			!is(m.RegionValue, 100*60.0/300) || m.Contributors != 2 || !is(m.Median, 17.5) || !is(m.EnglandValue, 100*85.0/810) {
			t.Errorf("%s: area %+v, vacancy rate %v from %d, median %v", tt.client, b.Region, fmtPtr(m.RegionValue), m.Contributors, fmtPtr(m.Median))
		}
		if got := orgCodes(m); got != tt.orgs {
			t.Errorf("%s: named %q, want %q", tt.client, got, tt.orgs)
		}
		for _, o := range m.Orgs { // ranked within the alliance
			if want := map[string]int{"E06000001": 1, "E06000002": 2}[o.Code]; o.Rank != want || o.RankOf != 2 {
				t.Errorf("%s: %s ranked %d of %d, want %d of 2", tt.client, o.Code, o.Rank, o.RankOf, want)
			}
		}
	}
	resp, b := e.do("GET", "/v1/benchmarks/vacancy_rate/trend?alliance=north-east", "demo-analyst", "", "")
	var tr benchmark.Trend
	if resp.StatusCode != 200 || json.Unmarshal(b, &tr) != nil || len(tr.Points) != 2 || tr.Region.Level != "alliance" ||
		!is(tr.Points[0].Value, 20) || tr.Points[0].Contributors != 1 || !is(tr.Points[1].Value, 20) || tr.Points[1].Contributors != 2 {
		t.Errorf("alliance trend: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/v1/benchmarks/vacancy_rate/trend?alliance=north-east", "demo-trust", "", ""); resp.StatusCode != 404 {
		t.Errorf("alliance trend for a non-member: %d, want 404", resp.StatusCode)
	}
}

func fmtPtr(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

// Text in a benchmark table that a spreadsheet would run as a formula (here an organisation's
// name beginning with -) reaches the CSV behind an apostrophe; the figures stay numbers.
func TestBenchmarkCSVIsSafeForSpreadsheets(t *testing.T) {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	ctx := context.Background()
	const name = `-2+3+cmd|' /C calc'!A0` // OWASP's example
	batch, err := e.ch.PrepareBatch(ctx, `INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append("E06099999", "", name, "local_authority", "E12000001", time.Now().Truncate(time.Second), uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	r := workforce.Return{Org: "E06099999", Period: "2024", InpostFTE: measure.Of(90), VacancyFTE: measure.Of(10)}
	if err := workforce.NewStore(e.ch).Insert(ctx, []workforce.Stored{{Row: workforce.Row{Row: 2, Return: r}, SubmissionID: "s", ReceivedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	e.rebuildBenchmarks("E06099999")
	resp, b := e.do("GET", "/v1/benchmarks/standard-2?region=E12000001&period=2024", "demo-steward", "", "", "Accept", "text/csv")
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("%d %v: %s", resp.StatusCode, err, b)
	}
	found := false
	for _, rec := range recs[1:] {
		if rec[7] == "E06099999" && rec[1] == "vacancy_rate" {
			found = true
			if rec[8] != "'"+name || rec[9] != "10" {
				t.Errorf("org_name %q, value %q; want %q and 10", rec[8], rec[9], "'"+name)
			}
		}
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !sheet.IsNumber(cell) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if !found {
		t.Fatalf("no vacancy rate row for E06099999 in %s", b)
	}
}

// The periods offered for a standard are those in which one of its metrics has a value: a period
// with service demand counts only (children in need without the child population, as the demo's
// 2013–2016) has Standard 2 benchmark rows, every one null, and is listed apart; the open data's
// Standard 2 table leaves it out unless it is asked for.
func TestPeriodsOfferedHaveValues(t *testing.T) {
	e := benchmarkEnv(t)
	d := demand.Return{Org: "E06000001", Period: "2015", CINAt31March: measure.Of(900)}
	err := demand.NewStore(e.ch).Insert(context.Background(),
		[]demand.Stored{{Row: demand.Row{Row: 2, Return: d}, SubmissionID: "d", ReceivedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	e.rebuildBenchmarks("E06000001", "E06000002")
	if code, b := e.standard2("demo-steward", "region=E92000001&period=2015"); code != 200 || vacancy(t, b).EnglandValue != nil {
		t.Fatalf("2015: %d %+v, want benchmarks with null values", code, b)
	}
	for _, c := range []struct {
		std           int
		client        string
		offered, none string
	}{
		{2, "demo-steward", "2023 2024", "2015"},
		{2, "demo-council", "2023 2024", "2015"},
		{8, "demo-analyst", "", "2015 2023 2024"},
	} {
		resp, body := e.do("GET", fmt.Sprintf("/v1/benchmarks/standard-%d/periods", c.std), c.client, "", "")
		var got benchmark.StandardPeriods
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("standard %d periods as %s: %d %s", c.std, c.client, resp.StatusCode, body)
		}
		if o, n := strings.Join(got.Offered(), " "), strings.Join(got.Empty, " "); o != c.offered || n != c.none {
			t.Errorf("standard %d periods as %s: offered %q, without values %q; want %q and %q", c.std, c.client, o, n, c.offered, c.none)
		}
		if c.std == 2 && (len(got.Periods) != 2 || got.Periods[1].Metrics == 0) {
			t.Errorf("standard 2 periods: %+v", got.Periods)
		}
	}
	resp, body := e.do("GET", "/v1/open-data/standard-2", "demo-steward", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "\r\n2024,") || strings.Contains(string(body), "\r\n2015,") {
		t.Fatalf("open data without a period: %d, want 2023 and 2024 without 2015:\n%s", resp.StatusCode, body)
	}
	resp, body = e.do("GET", "/v1/open-data/standard-2?period=2015", "demo-steward", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "\r\n2015,") {
		t.Fatalf("open data of 2015 asked for: %d\n%s", resp.StatusCode, body)
	}
}
