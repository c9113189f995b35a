package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// The organisations of the Standard 8 fixture: two North East councils (the demo council and the
// other council of the test clients), a North East university, a third North East council with
// survey results only, and a North West council.
const (
	councilA   = "E06000001" // Hartlepool
	councilB   = "E06000002" // Middlesbrough
	university = "10007799"  // Newcastle University
	newcastle  = "E08000021"
	blackburn  = "E06000008" // North West
)

// standard8Env stores, for period 2025 (academic year 2024/25), placement capacity, placements
// hosted by the two councils, practice educators, workforce returns, health-check results and
// audit ratings, computes the benchmarks as services/benchmark does, and makes the North East
// alliance of the two councils. Hartlepool also has a workforce return for 2024.
func standard8Env(t *testing.T) *env {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	ctx := context.Background()
	at := time.Now()
	got := placement.Received{SubmissionID: "s", SubmittedBy: "test", ReceivedAt: at}

	var returns []workforce.Stored
	for _, r := range []workforce.Return{
		{Org: councilA, Period: "2025", InpostFTE: measure.Of(90), VacancyFTE: measure.Of(10)},
		{Org: councilB, Period: "2025", InpostFTE: measure.Of(150), VacancyFTE: measure.Of(50)},
		{Org: councilA, Period: "2024", InpostFTE: measure.Of(80), VacancyFTE: measure.Of(20)},
	} {
		returns = append(returns, workforce.Stored{Row: workforce.Row{Row: len(returns) + 2, Return: r}, SubmissionID: "s", ReceivedAt: at})
	}
	if err := workforce.NewStore(e.ch).Insert(ctx, returns); err != nil {
		t.Fatal(err)
	}

	places := placement.NewStore(e.ch)
	capacity := func(org string, requested, offered, confirmed *int) placement.StoredCapacity {
		return placement.StoredCapacity{CapacityRow: placement.CapacityRow{Row: 2, Capacity: placement.Capacity{Org: org, AcademicYear: "2024/25",
			Stage: "final", Requested: requested, Offered: offered, Confirmed: confirmed}}, Received: got}
	}
	if err := places.InsertCapacity(ctx, []placement.StoredCapacity{
		capacity(university, ptr(10), nil, nil),
		capacity(councilA, nil, ptr(8), ptr(6)),
		capacity(councilB, nil, ptr(2), ptr(2)),
	}); err != nil {
		t.Fatal(err)
	}

	var hosted []placement.StoredPlacement
	host := func(org, stage string, statutory bool, outcome string, planned, completed int) {
		hosted = append(hosted, placement.StoredPlacement{Row: placement.Row{Row: len(hosted) + 2, Placement: placement.Placement{
			Org: university, StudentRef: fmt.Sprintf("%032x", len(hosted)+1), Route: "undergraduate", Cohort: "2023/24", AcademicYear: "2024/25",
			Stage: stage, HostOrg: org, Setting: "la", StatutoryTasks: statutory, ServiceUserGroup: "children_and_families",
			PlannedDays: planned, CompletedDays: ptr(completed), Outcome: outcome}}, Received: got})
	}
	host(councilA, "final", true, "passed", 100, 100)
	host(councilA, "final", false, "withdrawn", 100, 40)
	host(councilA, "first", false, "passed", 70, 70)
	host(councilB, "final", true, "failed", 100, 90)
	host(councilB, "first", false, "ongoing", 70, 20) // not ended: in no rate but the final placements'
	if err := places.Insert(ctx, hosted); err != nil {
		t.Fatal(err)
	}

	educators := func(org string, stage1, stage2, active, students int) placement.StoredEducators {
		return placement.StoredEducators{EducatorsRow: placement.EducatorsRow{Row: 2, Educators: placement.Educators{Org: org, Period: "2025",
			Stage1: ptr(stage1), Stage2: ptr(stage2), Active: ptr(active), StudentsSupported: ptr(students)}}, Received: got}
	}
	if err := places.InsertEducators(ctx, []placement.StoredEducators{educators(councilA, 3, 2, 4, 6), educators(councilB, 1, 1, 2, 2)}); err != nil {
		t.Fatal(err)
	}

	// One group's answers to one question per organisation and standard: n respondents, agree
	// of them agreeing (all "agree") and the rest neutral.
	var results []survey.Stored
	answer := func(org string, std, n, agree int) {
		results = append(results, survey.Stored{Checked: survey.Checked{Row: survey.Row{Row: len(results) + 2, GroupResult: survey.GroupResult{
			Org: org, Year: 2025, Question: fmt.Sprintf("Q%d.1", std), Group: "social_worker", Agree: agree, Neutral: n - agree, N: n}},
			YearNumber: 2025, Standard: std}, SubmissionID: "s", SubmittedBy: "test", ReceivedAt: at})
	}
	answer(councilA, 8, 30, 21) // 70 %
	answer(councilB, 8, 20, 10) // 50 %
	answer(newcastle, 8, 6, 3)  // fewer than 10 respondents
	answer(councilA, 2, 20, 16) // 80 %
	answer(councilB, 2, 12, 6)  // 50 %
	answer(blackburn, 2, 15, 9) // 60 %, alone in the North West
	if err := survey.NewStore(e.ch).Insert(ctx, results); err != nil {
		t.Fatal(err)
	}

	var ratings []audit.Stored
	for i, rating := range []string{audit.Green, audit.Amber} {
		ratings = append(ratings, audit.Stored{Checked: audit.Checked{Row: audit.Row{Row: i + 2, Rating: audit.Rating{Org: councilA, Cycle: 2025,
			Item: fmt.Sprintf("S8.%d", i+1), Rating: rating, Evidence: "Reviewed", Priority: audit.Low}}, CycleYear: 2025, Version: "2025", Standard: 8},
			SubmissionID: "s", SubmittedBy: "test", ReceivedAt: at})
	}
	if err := audit.NewStore(e.ch).Insert(ctx, ratings); err != nil {
		t.Fatal(err)
	}

	e.rebuildBenchmarks(councilA, councilB)
	return e
}

func ptr[T any](v T) *T { return &v }

func metricIn(t *testing.T, b benchmark.StandardBenchmarks, id string) benchmark.MetricBenchmark {
	t.Helper()
	for _, m := range b.Metrics {
		if m.Metric.ID == id {
			return m
		}
	}
	t.Fatalf("no %s in %+v", id, b)
	return benchmark.MetricBenchmark{}
}

func orgIn(t *testing.T, m benchmark.MetricBenchmark, code string) benchmark.OrgFigure {
	t.Helper()
	for _, o := range m.Orgs {
		if o.Code == code {
			return o
		}
	}
	t.Fatalf("%s: %s not named in %+v", m.Metric.ID, code, m.Orgs)
	return benchmark.OrgFigure{}
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func TestStandard8Benchmarks(t *testing.T) {
	e := standard8Env(t)
	status, b := e.standard(8, "demo-steward", "region=E12000001&period=2025")
	if status != 200 || b.Standard != 8 || b.Region.Code != "E12000001" || len(b.Metrics) != len(benchmark.Standard8) {
		t.Fatalf("%d: standard %d, region %+v, %d metrics", status, b.Standard, b.Region, len(b.Metrics))
	}
	for i, m := range b.Metrics {
		if m.Metric.ID != benchmark.Standard8[i].ID {
			t.Errorf("metric %d is %s, want %s", i, m.Metric.ID, benchmark.Standard8[i].ID)
		}
	}

	// Region and England are the same here: every organisation of the fixture with Standard 8
	// data is in the North East.
	for _, tt := range []struct {
		metric       string
		region       float64
		contributors int
		orgs         map[string]float64 // code → value
		ranks        map[string]int     // code → rank
		rankOf       int
	}{
		// Places confirmed by the councils (6 + 2) ÷ places requested by the university (10).
		{"placement_fill_rate", 80, 3, nil, nil, 0},
		// Ended placements: Hartlepool (100 + 40 + 70) ÷ (100 + 100 + 70) days, Middlesbrough 90 ÷ 100.
		{"placement_days_completed", 100 * 300.0 / 370, 2, map[string]float64{councilA: 100 * 210.0 / 270, councilB: 90}, map[string]int{councilB: 1, councilA: 2}, 2},
		// Final placements: Hartlepool one of two with statutory tasks, Middlesbrough one of one.
		{"final_placements_statutory", 100 * 2.0 / 3, 2, map[string]float64{councilA: 50, councilB: 100}, map[string]int{councilB: 1, councilA: 2}, 2},
		// (Stage 1 + stage 2) ÷ in-post FTE: 5 ÷ 90 and 2 ÷ 150.
		{"practice_educators_per_100_fte", 100 * 7.0 / 240, 2, map[string]float64{councilA: 100 * 5.0 / 90, councilB: 100 * 2.0 / 150}, map[string]int{councilA: 1, councilB: 2}, 2},
		{"students_per_practice_educator", 8.0 / 6, 2, map[string]float64{councilA: 1.5, councilB: 1}, map[string]int{councilA: 1, councilB: 2}, 2},
		// Passed ÷ ended: Hartlepool 2 of 3, Middlesbrough 0 of 1 (failed); the ongoing one has not ended.
		{"placement_pass_rate", 50, 2, map[string]float64{councilA: 100 * 2.0 / 3, councilB: 0}, map[string]int{councilA: 1, councilB: 2}, 2},
		{"placement_withdrawal_rate", 25, 2, map[string]float64{councilA: 100.0 / 3, councilB: 0}, map[string]int{councilB: 1, councilA: 2}, 2},
		{"audit_green_s8", 50, 1, map[string]float64{councilA: 50}, map[string]int{councilA: 1}, 1},
		{"audit_red_s8", 0, 1, map[string]float64{councilA: 0}, map[string]int{councilA: 1}, 1},
	} {
		t.Run(tt.metric, func(t *testing.T) {
			m := metricIn(t, b, tt.metric)
			if !is(m.RegionValue, tt.region) || !is(m.EnglandValue, tt.region) || m.Contributors != tt.contributors {
				t.Errorf("region %s, England %s from %d, want %v from %d", show(m.RegionValue), show(m.EnglandValue), m.Contributors, tt.region, tt.contributors)
			}
			for code, want := range tt.orgs {
				if o := orgIn(t, m, code); !is(o.Value, want) || o.Rank != tt.ranks[code] || o.RankOf != tt.rankOf {
					t.Errorf("%s: %s rank %d of %d, want %v rank %d of %d", code, show(o.Value), o.Rank, o.RankOf, want, tt.ranks[code], tt.rankOf)
				}
			}
			if m.RegionWithheld != "" || m.Respondents != 0 {
				t.Errorf("not survey-derived, yet withheld %q, respondents %d", m.RegionWithheld, m.Respondents)
			}
		})
	}

	t.Run("the fill rate is an area's only", func(t *testing.T) {
		m := metricIn(t, b, "placement_fill_rate")
		if got := orgCodes(m); got != university+","+councilA+","+councilB { // in code order
			t.Fatalf("named %q", got)
		}
		for _, o := range m.Orgs {
			if o.Value != nil || o.Reason != benchmark.ReasonAreaOnly || o.Rank != 0 || o.RankOf != 0 {
				t.Errorf("%+v, want a null value, the area-only reason and no rank", o)
			}
		}
		if m.Median != nil {
			t.Errorf("median %v of no values", *m.Median)
		}
	})

	t.Run("a council sees itself by name and its position", func(t *testing.T) {
		status, b := e.standard(8, "demo-council", "region=E12000001&period=2025&org="+councilA)
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		m := metricIn(t, b, "placement_pass_rate")
		if orgCodes(m) != councilA || !is(m.RegionValue, 50) || m.Contributors != 2 {
			t.Errorf("named %q, region %s from %d", orgCodes(m), show(m.RegionValue), m.Contributors)
		}
		if p := m.Position; p == nil || p.Code != councilA || p.Rank != 1 || p.RankOf != 2 || !is(p.Value, 100*2.0/3) {
			t.Errorf("position %+v", m.Position)
		}
	})

	t.Run("a standard's metrics without data for the period are listed null", func(t *testing.T) {
		// 2024 has only Hartlepool's workforce return: the area has benchmarks, none of Standard 8.
		status, b := e.standard(8, "demo-steward", "region=E12000001&period=2024")
		if status != 200 || len(b.Metrics) != len(benchmark.Standard8) {
			t.Fatalf("%d with %d metrics", status, len(b.Metrics))
		}
		for _, m := range b.Metrics {
			if m.RegionValue != nil || m.EnglandValue != nil || m.Contributors != 0 || len(m.Orgs) != 0 || m.Median != nil {
				t.Errorf("%s: %+v, want null", m.Metric.ID, m)
			}
		}
	})

	for _, tt := range []struct {
		client, query string
		status        int
	}{
		{"demo-council", "region=E12000001&period=2025&org=" + councilB, 403},
		{"demo-analyst", "region=E12000001&period=2025&org=" + newcastle, 403},
		{"demo-analyst", "region=E12000001&period=2025&org=" + councilB, 200},
		{"demo-steward", "region=E12000001&period=1999", 404},
		{"demo-steward", "region=E12000003&period=2025", 404}, // Yorkshire and the Humber: nothing
		{"", "region=E12000001&period=2025", 401},
	} {
		if status, _ := e.standard(8, tt.client, tt.query); status != tt.status {
			t.Errorf("%s ?%s: %d, want %d", tt.client, tt.query, status, tt.status)
		}
	}
}

// The health-check figures: disclosure control at compute time (for a reader who sees every
// organisation) and again for each reader.
func TestStandard8Disclosure(t *testing.T) {
	e := standard8Env(t)

	t.Run("a steward sees what is published for everyone", func(t *testing.T) {
		_, b := e.standard(8, "demo-steward", "region=E12000001&period=2025")
		m := metricIn(t, b, "survey_agreement_s8")
		// Newcastle's 6 respondents are too few; the region (56) less Hartlepool (30) would give
		// Middlesbrough and Newcastle together, so Middlesbrough, the smaller of the other two, is
		// withheld as well.
		nc, mb, hp := orgIn(t, m, newcastle), orgIn(t, m, councilB), orgIn(t, m, councilA)
		if nc.Value != nil || nc.Withheld != "fewer_than_threshold" || nc.Reason != benchmark.ReasonFewRespondents || nc.Respondents != 0 {
			t.Errorf("Newcastle %+v", nc)
		}
		if mb.Value != nil || mb.Withheld != "secondary" || mb.Reason != benchmark.ReasonSecondary || mb.Respondents != 0 || mb.Rank != 0 {
			t.Errorf("Middlesbrough %+v", mb)
		}
		if !is(hp.Value, 70) || hp.Respondents != 30 || hp.Withheld != "" || hp.Rank != 1 || hp.RankOf != 1 {
			t.Errorf("Hartlepool %+v", hp)
		}
		// Three contributors, one ranked.
		if !is(m.RegionValue, 100*34.0/56) || m.Respondents != 56 || m.RegionWithheld != "" || m.Contributors != 3 || !is(m.Median, 70) {
			t.Errorf("region %s from %d respondents, %d contributors, median %s", show(m.RegionValue), m.Respondents, m.Contributors, show(m.Median))
		}
		if !is(m.EnglandValue, 100*34.0/56) || m.EnglandWithheld != "" {
			t.Errorf("England %s %q", show(m.EnglandValue), m.EnglandWithheld)
		}
	})

	t.Run("an analyst sees no quartiles while a contributor is hidden from it", func(t *testing.T) {
		_, b := e.standard(8, "demo-analyst", "region=E12000001&period=2025")
		m := metricIn(t, b, "survey_agreement_s8")
		if orgCodes(m) != councilA+","+councilB || orgIn(t, m, councilB).Withheld != "secondary" || !is(orgIn(t, m, councilA).Value, 70) {
			t.Errorf("orgs %+v", m.Orgs)
		}
		if !is(m.RegionValue, 100*34.0/56) || m.Median != nil || m.P25 != nil || m.P75 != nil {
			t.Errorf("region %s, median %s", show(m.RegionValue), show(m.Median))
		}
	})

	t.Run("a council's region less its own figure would be its neighbour's", func(t *testing.T) {
		// Standard 2: Hartlepool 20 respondents, Middlesbrough 12, the North West's Blackburn 15.
		// For Hartlepool the North East less itself is Middlesbrough, and the North West is
		// Blackburn alone: both are withheld, and England (less Hartlepool, Middlesbrough and
		// Blackburn together) stays.
		_, b := e.standard(2, "demo-council", "region=E12000001&period=2025")
		m := metricIn(t, b, "survey_agreement_s2")
		if m.RegionValue != nil || m.RegionWithheld != "secondary" || m.Respondents != 0 || m.Median != nil {
			t.Errorf("North East for Hartlepool: %s %q, %d respondents, median %s", show(m.RegionValue), m.RegionWithheld, m.Respondents, show(m.Median))
		}
		if !is(m.EnglandValue, 100*31.0/47) || m.EnglandWithheld != "" {
			t.Errorf("England for Hartlepool: %s %q", show(m.EnglandValue), m.EnglandWithheld)
		}
		if hp := orgIn(t, m, councilA); !is(hp.Value, 80) || hp.Respondents != 20 || orgCodes(m) != councilA {
			t.Errorf("Hartlepool for itself %+v", hp)
		}
		_, b = e.standard(2, "demo-council", "region=E12000002&period=2025")
		if m := metricIn(t, b, "survey_agreement_s2"); m.RegionValue != nil || m.RegionWithheld != "secondary" {
			t.Errorf("North West for Hartlepool: %s %q", show(m.RegionValue), m.RegionWithheld)
		}
		_, b = e.standard(2, "demo-council", "region=E92000001&period=2025")
		if m := metricIn(t, b, "survey_agreement_s2"); !is(m.RegionValue, 100*31.0/47) || m.Respondents != 47 {
			t.Errorf("England for Hartlepool: %s from %d", show(m.RegionValue), m.Respondents)
		}

		// For the steward nothing is withheld.
		_, b = e.standard(2, "demo-steward", "region=E12000001&period=2025")
		if m := metricIn(t, b, "survey_agreement_s2"); !is(m.RegionValue, 100*22.0/32) || m.Respondents != 32 || !is(m.EnglandValue, 100*31.0/47) {
			t.Errorf("North East for the steward: %s from %d, England %s", show(m.RegionValue), m.Respondents, show(m.EnglandValue))
		}
		// The analyst names both North East councils: England less them would be Blackburn.
		_, b = e.standard(2, "demo-analyst", "region=E12000001&period=2025")
		if m := metricIn(t, b, "survey_agreement_s2"); !is(m.RegionValue, 100*22.0/32) || m.EnglandValue != nil || m.EnglandWithheld != "secondary" {
			t.Errorf("North East for the analyst: %s, England %s %q", show(m.RegionValue), show(m.EnglandValue), m.EnglandWithheld)
		}
	})

	t.Run("a council whose region has two others with results gets the region", func(t *testing.T) {
		// Standard 8: the North East less Hartlepool is Middlesbrough and Newcastle together.
		_, b := e.standard(8, "demo-council", "region=E12000001&period=2025")
		m := metricIn(t, b, "survey_agreement_s8")
		if !is(m.RegionValue, 100*34.0/56) || m.Respondents != 56 || m.Median != nil || orgCodes(m) != councilA {
			t.Errorf("North East for Hartlepool: %s from %d, median %s, named %q", show(m.RegionValue), m.Respondents, show(m.Median), orgCodes(m))
		}
		// Middlesbrough's own figure is withheld for everyone, itself included.
		_, b = e.standard(8, "other-council", "region=E12000001&period=2025")
		m = metricIn(t, b, "survey_agreement_s8")
		if mb := orgIn(t, m, councilB); mb.Value != nil || mb.Withheld != "secondary" || !is(m.RegionValue, 100*34.0/56) {
			t.Errorf("Middlesbrough for itself %+v, region %s", mb, show(m.RegionValue))
		}
	})

	t.Run("trends are protected the same way", func(t *testing.T) {
		for _, tt := range []struct {
			client, path     string
			value            *float64
			withheld, reason string
			region           *float64
			regionWithheld   string
			england          *float64
			median           bool
		}{
			{"demo-steward", "/v1/benchmarks/survey_agreement_s8/trend?org=" + newcastle, nil, "fewer_than_threshold", benchmark.ReasonFewRespondents,
				ptr(100 * 34.0 / 56), "", ptr(100 * 34.0 / 56), false},
			{"demo-council", "/v1/benchmarks/survey_agreement_s2/trend?org=" + councilA, ptr(80.0), "", "",
				nil, "secondary", ptr(100 * 31.0 / 47), false},
			{"demo-council", "/v1/benchmarks/survey_agreement_s2/trend?region=E12000001", nil, "secondary", "",
				nil, "", ptr(100 * 31.0 / 47), false},
			{"demo-steward", "/v1/benchmarks/survey_agreement_s2/trend?region=E12000001", ptr(100 * 22.0 / 32), "", "",
				nil, "", ptr(100 * 31.0 / 47), true},
			{"demo-council", "/v1/benchmarks/survey_agreement_s8/trend?region=E12000001", ptr(100 * 34.0 / 56), "", "",
				nil, "", ptr(100 * 34.0 / 56), false},
		} {
			resp, body := e.do("GET", tt.path, tt.client, "", "")
			var tr benchmark.Trend
			if err := json.Unmarshal(body, &tr); resp.StatusCode != 200 || err != nil || len(tr.Points) != 1 {
				t.Fatalf("%s %s: %d %s", tt.client, tt.path, resp.StatusCode, body)
			}
			p := tr.Points[0]
			same := func(got, want *float64) bool { return (got == nil && want == nil) || (want != nil && is(got, *want)) }
			if !same(p.Value, tt.value) || p.Withheld != tt.withheld || p.Reason != tt.reason || !same(p.RegionValue, tt.region) ||
				p.RegionWithheld != tt.regionWithheld || !same(p.EnglandValue, tt.england) || (p.Median != nil) != tt.median {
				t.Errorf("%s %s: %s", tt.client, tt.path, body)
			}
		}
	})
}

func TestStandard8AsCSV(t *testing.T) {
	e := standard8Env(t)
	_, b := e.standard(8, "demo-steward", "region=E12000001&period=2025")
	resp, body := e.do("GET", "/v1/benchmarks/standard-8?region=E12000001&period=2025", "demo-steward", "", "", "Accept", "text/csv")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="standard-8-E12000001-2025.csv"` {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	if col["withheld"] != col["reason"]+1 || len(recs[0]) != 23 {
		t.Fatalf("header %v", recs[0])
	}
	want := 1
	for _, m := range b.Metrics {
		want += 1 + len(m.Orgs)
	}
	if len(recs) != want {
		t.Errorf("%d rows, want %d: one per area and metric, one per named organisation and metric", len(recs), want)
	}
	cell := func(metric, org, name string) string {
		t.Helper()
		for _, r := range recs[1:] {
			if r[col["metric"]] == metric && r[col["org"]] == org {
				return r[col[name]]
			}
		}
		t.Fatalf("no row for %s, %q", metric, org)
		return ""
	}
	for _, tt := range []struct{ metric, org, column, want string }{
		{"placement_fill_rate", "", "value", "80"},
		{"placement_fill_rate", "", "contributors", "3"},
		{"placement_fill_rate", university, "value", ""},
		{"placement_fill_rate", university, "reason", benchmark.ReasonAreaOnly},
		{"placement_fill_rate", councilA, "rank", ""},
		{"placement_pass_rate", councilB, "value", "0"},
		{"placement_pass_rate", councilB, "rank", "2"},
		{"placement_pass_rate", councilB, "rank_of", "2"},
		{"survey_agreement_s8", newcastle, "value", ""},
		{"survey_agreement_s8", newcastle, "withheld", "fewer_than_threshold"},
		{"survey_agreement_s8", councilB, "withheld", "secondary"},
		{"survey_agreement_s8", councilA, "value", "70"},
		{"survey_agreement_s8", councilA, "rank_of", "1"},
		{"survey_agreement_s8", "", "withheld", ""},
	} {
		if got := cell(tt.metric, tt.org, tt.column); got != tt.want {
			t.Errorf("%s, %q: %s %q, want %q", tt.metric, tt.org, tt.column, got, tt.want)
		}
	}

	// The council's table: its region's Standard 2 health-check figure withheld, an empty value.
	resp, body = e.do("GET", "/v1/benchmarks/standard-2?region=E12000001&period=2025", "demo-council", "", "", "Accept", "text/csv")
	if recs, err = csv.NewReader(bytes.NewReader(body)).ReadAll(); resp.StatusCode != 200 || err != nil {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if got := cell("survey_agreement_s2", "", "withheld"); got != "secondary" || cell("survey_agreement_s2", "", "value") != "" ||
		cell("survey_agreement_s2", "", "area_value") != "" {
		t.Errorf("North East for Hartlepool: withheld %q", got)
	}
}
