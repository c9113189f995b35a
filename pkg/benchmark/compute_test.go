package benchmark_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/profile"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// The fixture: two North East councils, an Inner London borough and an Outer London joint return.
var (
	fixtureRegions = map[string]reference.Region{
		"E92000001": {Code: "E92000001", Name: "England", Level: "england"},
		"E12000001": {Code: "E12000001", Name: "North East", Level: "region", Parent: "E92000001"},
		"E12000007": {Code: "E12000007", Name: "London", Level: "region", Parent: "E92000001"},
		"E13000001": {Code: "E13000001", Name: "Inner London", Level: "subregion", Parent: "E12000007"},
		"E13000002": {Code: "E13000002", Name: "Outer London", Level: "subregion", Parent: "E12000007"},
	}
	fixtureOrgs = map[string]reference.Organisation{
		"A": {Code: "A", OldCode: "805", Name: "Hartlepool", Type: "local_authority", Region: "E12000001"},
		"B": {Code: "B", OldCode: "806", Name: "Middlesbrough", Type: "local_authority", Region: "E12000001"},
		"C": {Code: "C", OldCode: "201", Name: "City of London", Type: "local_authority", Region: "E13000001"},
		"J": {Code: "J", OldCode: "314_318", Name: "Kingston / Richmond", Type: "joint_return", Region: "E13000002"},
	}
	fixtureNeighbours = map[string][]string{
		"805": {"806", "201", "314"},
		"806": {"805"},
		"201": {"318", "805"},
		"314": {"318", "201"},
		"318": {"314"},
	}
)

// figures builds a return; a string value is a DfE symbol, nil is not reported.
func figures(org string, kv ...any) workforce.Return {
	r := workforce.Return{Org: org, Period: "2024"}
	for i := 0; i < len(kv); i += 2 {
		f, ok := workforce.FieldByName(kv[i].(string))
		if !ok {
			panic(kv[i])
		}
		switch v := kv[i+1].(type) {
		case float64:
			*f.Of(&r) = measure.Of(v)
		case int:
			*f.Of(&r) = measure.Of(float64(v))
		case string:
			*f.Of(&r) = measure.Unknown(measure.Reason(v))
		}
	}
	return r
}

func fixtureReturns() []workforce.Return {
	return []workforce.Return{
		figures("A", "inpost_fte", 90, "vacancy_fte", 10, "agency_fte", 10, "leavers_fte", 9, "starters_fte", 18,
			"cases", 1000, "case_holders_fte", 50, "working_days_lost_fte", 2277, "agency_cover_fte", 5, "leavers_under_5_years_fte", 3),
		figures("B", "inpost_fte", 40, "vacancy_fte", "x", "agency_fte", 10, "leavers_fte", 4, "starters_fte", 2,
			"cases", 300, "case_holders_fte", 20, "agency_cover_fte", 10, "leavers_under_5_years_fte", 4),
		figures("C", "inpost_fte", 100, "vacancy_fte", 0, "agency_fte", 0, "leavers_fte", 10, "starters_fte", 10,
			"cases", 900, "case_holders_fte", 60, "working_days_lost_fte", 2530, "agency_cover_fte", 0, "leavers_under_5_years_fte", 5),
		figures("J", "inpost_fte", 60, "vacancy_fte", 20, "agency_fte", 20, "leavers_fte", 6, "starters_fte", "c",
			"cases", 500, "case_holders_fte", 25, "working_days_lost_fte", 0, "agency_cover_fte", 10, "leavers_under_5_years_fte", 0),
	}
}

func fixtureInput(returns []workforce.Return) benchmark.Input {
	return benchmark.Input{Period: "2024", Returns: returns, Organisations: fixtureOrgs, Regions: fixtureRegions, Neighbours: fixtureNeighbours}
}

const tolerance = 1e-9

func near(got *float64, want float64) bool {
	if math.IsNaN(want) {
		return got == nil
	}
	return got != nil && math.Abs(*got-want) < tolerance
}

func index(res benchmark.Result) (map[[2]string]benchmark.Value, map[[2]string]benchmark.Area) {
	vs, as := map[[2]string]benchmark.Value{}, map[[2]string]benchmark.Area{}
	for _, v := range res.Values {
		vs[[2]string{v.Metric, v.Org}] = v
	}
	for _, a := range res.Areas {
		as[[2]string{a.Metric, a.Region}] = a
	}
	return vs, as
}

var nan = math.NaN()

func TestOrganisationValues(t *testing.T) {
	vs, _ := index(benchmark.Compute(fixtureInput(fixtureReturns()), benchmark.Standard2))
	tests := []struct {
		metric, org string
		want        float64 // NaN: unknown
		reason      string
	}{
		{"vacancy_rate", "A", 10, ""}, // 10 ÷ (10 + 90)
		{"vacancy_rate", "B", nan, "vacancy_fte unknown (x)"},
		{"vacancy_rate", "C", 0, ""},   // a known zero is a value, not unknown
		{"vacancy_rate", "J", 25, ""},  // 20 ÷ 80
		{"agency_rate", "A", 10, ""},   // 10 ÷ 100
		{"agency_rate", "B", 20, ""},   // 10 ÷ 50
		{"turnover_rate", "A", 10, ""}, // 9 ÷ 90
		{"turnover_rate", "J", 10, ""}, // 6 ÷ 60
		{"starters_rate", "A", 20, ""}, // 18 ÷ 90
		{"starters_rate", "J", nan, "starters_fte unknown (c)"},
		{"caseload", "A", 20, ""},     // 1000 ÷ 50
		{"caseload", "B", 15, ""},     // 300 ÷ 20
		{"absence_rate", "A", 10, ""}, // 2277 ÷ (90 × 253)
		{"absence_rate", "B", nan, "working_days_lost_fte unknown (not reported)"},
		{"absence_rate", "J", 0, ""},
		{"agency_cover_rate", "A", 50, ""},                               // 5 ÷ 10
		{"agency_cover_rate", "C", nan, benchmark.ReasonZeroDenominator}, // 0 ÷ 0
		{"vacancies_covered_by_agency", "A", 50, ""},                     // 5 ÷ 10
		{"vacancies_covered_by_agency", "J", 50, ""},                     // 10 ÷ 20
		{"vacancies_covered_by_agency", "C", nan, benchmark.ReasonZeroDenominator},
		{"early_career_leavers", "A", 100.0 / 3, ""}, // 3 ÷ 9
		{"early_career_leavers", "B", 100, ""},       // 4 ÷ 4
		{"early_career_leavers", "J", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.metric+"/"+tt.org, func(t *testing.T) {
			v, ok := vs[[2]string{tt.metric, tt.org}]
			if !ok {
				t.Fatal("no value")
			}
			if !near(v.Value, tt.want) || v.Reason != tt.reason {
				t.Errorf("value %v reason %q, want %v %q", fmtPtr(v.Value), v.Reason, tt.want, tt.reason)
			}
		})
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func TestAreas(t *testing.T) {
	_, as := index(benchmark.Compute(fixtureInput(fixtureReturns()), benchmark.Standard2))
	tests := []struct {
		metric, area            string
		value, median, p25, p75 float64
		contributors, excluded  int
	}{
		// B's vacancies are unknown: it leaves the North East with one contributor.
		{"vacancy_rate", "E12000001", 10, 10, 10, 10, 1, 1},
		{"vacancy_rate", "E13000001", 0, 0, 0, 0, 1, 0},
		{"vacancy_rate", "E13000002", 25, 25, 25, 25, 1, 0},
		// London sums its sub-regions' counts: (0 + 20) ÷ (100 + 80); quartiles of {0, 25}.
		{"vacancy_rate", "E12000007", 100 * 20.0 / 180, 12.5, 6.25, 18.75, 2, 0},
		// England: (10 + 0 + 20) ÷ (100 + 100 + 80); quartiles of {0, 10, 25}.
		{"vacancy_rate", "E92000001", 100 * 30.0 / 280, 10, 5, 17.5, 3, 1},
		// Ratio of sums, not mean of rates: (1000 + 300) ÷ (50 + 20) ≠ mean(20, 15).
		{"caseload", "E12000001", 1300.0 / 70, 17.5, 16.25, 18.75, 2, 0},
		{"caseload", "E92000001", 2700.0 / 155, 17.5, 15, 20, 4, 0},
		// (2277 + 2530 + 0) ÷ ((90 + 100 + 60) × 253); B did not report days lost.
		{"absence_rate", "E92000001", 100 * 4807.0 / 63250, 10, 5, 10, 3, 1},
		// C's 0 ÷ 0 is left out, not counted as zero.
		{"agency_cover_rate", "E12000007", 50, 50, 50, 50, 1, 1},
		{"agency_cover_rate", "E92000001", 100 * 25.0 / 40, 50, 50, 75, 3, 1},
		// (3 + 4 + 5 + 0) ÷ (9 + 4 + 10 + 6); quartiles of {0, 33.3, 50, 100}.
		{"early_career_leavers", "E92000001", 100 * 12.0 / 29, (100.0/3 + 50) / 2, 25, 62.5, 4, 0},
		// J's starters are confidential: London has no contributor and so no value.
		{"starters_rate", "E13000002", nan, nan, nan, nan, 0, 1},
		{"starters_rate", "E12000007", 10, 10, 10, 10, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.metric+"/"+tt.area, func(t *testing.T) {
			a, ok := as[[2]string{tt.metric, tt.area}]
			if !ok {
				t.Fatal("no area")
			}
			checkArea(t, a, tt.value, tt.median, tt.p25, tt.p75, tt.contributors, tt.excluded)
		})
	}
}

func TestLondonBoroughCountsTowardsSubregionLondonAndEngland(t *testing.T) {
	vs, _ := index(benchmark.Compute(fixtureInput(fixtureReturns()), benchmark.Standard2))
	for org, want := range map[string][]string{
		"C": {"E13000001", "E12000007", "E92000001"},
		"J": {"E13000002", "E12000007", "E92000001"},
		"A": {"E12000001", "E92000001"},
	} {
		if got := vs[[2]string{"caseload", org}].Regions; !reflect.DeepEqual(got, want) {
			t.Errorf("%s counts towards %v, want %v", org, got, want)
		}
	}
}

func TestStatisticalNeighbourMedian(t *testing.T) {
	vs, _ := index(benchmark.Compute(fixtureInput(fixtureReturns()), benchmark.Standard2))
	tests := []struct {
		org   string
		want  float64
		count int
	}{
		// A's neighbours: B (vacancies unknown, left out), C (0) and J through Kingston (25).
		{"A", 12.5, 2},
		// C's neighbours: Richmond, inside the joint return J (25), and A (10).
		{"C", 17.5, 2},
		// J's neighbours are Kingston's and Richmond's less themselves: C (0).
		{"J", 0, 1},
		// B's only neighbour is A (10).
		{"B", 10, 1},
	}
	for _, tt := range tests {
		v := vs[[2]string{"vacancy_rate", tt.org}]
		if !near(v.SNMedian, tt.want) || v.SNCount != tt.count {
			t.Errorf("%s: neighbour median %s of %d, want %v of %d", tt.org, fmtPtr(v.SNMedian), v.SNCount, tt.want, tt.count)
		}
	}
}

func TestChangedReturnChangesItsAreas(t *testing.T) {
	returns := fixtureReturns()
	returns[0] = figures("A", "inpost_fte", 90, "vacancy_fte", 30) // A now has 30 vacancies
	_, as := index(benchmark.Compute(fixtureInput(returns), benchmark.Standard2))
	if a := as[[2]string{"vacancy_rate", "E12000001"}]; !near(a.Value, 25) || a.Contributors != 1 {
		t.Errorf("North East %s from %d, want 25 from 1", fmtPtr(a.Value), a.Contributors)
	}
	if a := as[[2]string{"vacancy_rate", "E92000001"}]; !near(a.Value, 100*50.0/300) {
		t.Errorf("England %s, want %v", fmtPtr(a.Value), 100*50.0/300)
	}
	// A no longer reports leavers, so it drops out of turnover: England is C and J only.
	if a := as[[2]string{"turnover_rate", "E92000001"}]; !near(a.Value, 100*20.0/200) || a.Excluded != 1 {
		t.Errorf("England turnover %s excluded %d, want 10 and 1", fmtPtr(a.Value), a.Excluded)
	}
}

func TestQuantileType7(t *testing.T) {
	tests := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 0.25, 1.75}, // R: quantile(1:4, 0.25) = 1.75
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4}, 0.75, 3.25},
		{[]float64{1, 2, 3, 4, 5}, 0.25, 2},
		{[]float64{7}, 0.25, 7},
		{[]float64{0, 10}, 0, 0},
		{[]float64{0, 10}, 1, 10},
	}
	for _, tt := range tests {
		if got := benchmark.Quantile(tt.xs, tt.p); math.Abs(got-tt.want) > tolerance {
			t.Errorf("Quantile(%v, %v) = %v, want %v", tt.xs, tt.p, got, tt.want)
		}
	}
	if got := benchmark.Quantile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("Quantile(nil) = %v, want NaN", got)
	}
}

// checkArea compares an area's figures with the expected ones (NaN: none).
func checkArea(t *testing.T, a benchmark.Area, value, median, p25, p75 float64, contributors, excluded int) {
	t.Helper()
	if !near(a.Value, value) || !near(a.Median, median) || !near(a.P25, p25) || !near(a.P75, p75) {
		t.Errorf("value %s median %s p25 %s p75 %s, want %v %v %v %v", fmtPtr(a.Value), fmtPtr(a.Median), fmtPtr(a.P25), fmtPtr(a.P75),
			value, median, p25, p75)
	}
	if a.Contributors != contributors || a.Excluded != excluded {
		t.Errorf("contributors %d excluded %d, want %d %d", a.Contributors, a.Excluded, contributors, excluded)
	}
}

func TestRank(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	values := []*float64{v(3), nil, v(1), v(3), v(2)}
	if got, want := benchmark.Rank(values, false), []int{3, 0, 1, 3, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("lower is better: %v, want %v", got, want)
	}
	if got, want := benchmark.Rank(values, true), []int{1, 0, 4, 1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("higher is better: %v, want %v", got, want)
	}
}

func TestCatalogue(t *testing.T) {
	figures := map[string]bool{}
	for _, f := range workforce.Fields {
		figures[f.Name] = true
	}
	for _, f := range demand.Fields {
		figures[f.Name] = true
	}
	for _, name := range []string{benchmark.FigPlacesRequested, benchmark.FigPlacesConfirmed, benchmark.FigFinalPlacements,
		benchmark.FigFinalStatutory, benchmark.FigEnded, benchmark.FigPassed, benchmark.FigWithdrawn, benchmark.FigPlannedDaysEnded,
		benchmark.FigCompletedDaysEnded, benchmark.FigPEStage1, benchmark.FigPEStage2, benchmark.FigPEActive, benchmark.FigPEStudents} {
		figures[name] = true
	}
	for _, std := range benchmark.Standards {
		figures[benchmark.FigSurveyAnswers(std)], figures[benchmark.FigSurveyAgreeing(std)] = true, true
		figures[benchmark.FigAuditRated(std)] = true
		for _, r := range []string{"GREEN", "AMBER", "RED"} {
			figures[benchmark.FigAudit(std, r)] = true
		}
	}
	for _, d := range profile.Dimensions {
		for _, level := range append([]string{profile.Whole}, profile.Levels...) {
			figures[profile.FigKnown(d.ID, level)] = true
			for _, g := range d.Shares {
				figures[profile.FigGroup(d.ID, g, level)] = true
			}
		}
	}
	seen := map[string]bool{}
	perSource := map[string]int{}
	for _, m := range benchmark.Catalogue() {
		if seen[m.ID] || m.Label == "" || m.Unit == "" || m.Formula == "" || m.Source == "" || m.Scale == 0 ||
			!slices.Contains(benchmark.Standards, m.Standard) || m.Disclosure != (m.Respondents != "") {
			t.Errorf("metric %+v is incomplete or repeated", m)
		}
		seen[m.ID] = true
		perSource[fmt.Sprint(m.Standard, " ", m.Source)]++
		for _, name := range append(append([]string{}, m.Numerator...), m.Denominator...) {
			if !figures[name] {
				t.Errorf("%s: no figure %q", m.ID, name)
			}
		}
		if got, ok := benchmark.Lookup(m.ID); !ok || got.ID != m.ID {
			t.Errorf("Lookup(%q) = %v, %v", m.ID, got.ID, ok)
		}
	}
	// The workforce profile: twelve groups, each at the whole workforce and at each of five levels.
	want := map[string]int{"2 workforce": 9, "2 workforce_profile": 12 * 6, "2 service_demand": 3, "2 survey": 1, "2 audit": 3,
		"8 placement": 4, "8 placement_capacity": 1, "8 practice_educators": 2, "8 survey": 1, "8 audit": 3}
	if !reflect.DeepEqual(perSource, want) {
		t.Errorf("metrics per standard and source %v, want %v (DESIGN.md §4)", perSource, want)
	}
	if len(benchmark.Standard2)+len(benchmark.Standard8) != len(seen) {
		t.Errorf("catalogue has %d metrics, standards %d", len(seen), len(benchmark.Standard2)+len(benchmark.Standard8))
	}
}

// The regional value is the ratio of the summed counts of the organisations whose inputs are
// known, whatever the order the returns arrive in.
func TestAreaValueIsRatioOfSumsInAnyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	for round := range 200 {
		n := 1 + rng.IntN(40)
		orgs := map[string]reference.Organisation{}
		var returns []workforce.Return
		regions := []string{"E12000001", "E13000001", "E13000002"}
		for i := range n {
			code := "O" + strconv.Itoa(i)
			orgs[code] = reference.Organisation{Code: code, Region: regions[rng.IntN(len(regions))]}
			r := figures(code, "inpost_fte", float64(rng.IntN(300)), "vacancy_fte", float64(rng.IntN(50)))
			if rng.IntN(5) == 0 {
				r.VacancyFTE = measure.Unknown(measure.Confidential)
			}
			returns = append(returns, r)
		}
		in := benchmark.Input{Period: "2024", Returns: returns, Organisations: orgs, Regions: fixtureRegions}
		want := benchmark.Compute(in, benchmark.Standard2[:1])
		for _, a := range want.Areas {
			var num, den float64
			contributors := 0
			for _, r := range returns {
				inArea := a.Region == "E92000001" || orgs[r.Org].Region == a.Region ||
					(a.Region == "E12000007" && fixtureRegions[orgs[r.Org].Region].Parent == "E12000007")
				if !inArea || !r.VacancyFTE.Known || r.VacancyFTE.V+r.InpostFTE.V == 0 {
					continue
				}
				num += r.VacancyFTE.V
				den += r.VacancyFTE.V + r.InpostFTE.V
				contributors++
			}
			if contributors != a.Contributors || (contributors > 0 && !near(a.Value, 100*num/den)) {
				t.Fatalf("round %d, %s: %s from %d, want %v from %d", round, a.Region, fmtPtr(a.Value), a.Contributors, 100*num/den, contributors)
			}
		}
		shuffled := append([]workforce.Return(nil), returns...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in.Returns = shuffled
		if got := benchmark.Compute(in, benchmark.Standard2[:1]); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: the order of arrival changed the result", round)
		}
	}
}

// Each organisation's rates agree with those the DfE published beside its figures, to the
// rounding of the published inputs (one decimal place of FTE).
func TestAgreesWithPublishedRates(t *testing.T) {
	raw, decoded := dfeFigures(t)
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	published := map[string]string{
		"vacancy_rate": "vacancy_rate_fte", "agency_rate": "agency_rate_fte", "turnover_rate": "turnover_rate_fte",
		"caseload": "caseload_fte", "absence_rate": "absence_rate_fte", "agency_cover_rate": "agency_cover_rate_fte",
		"vacancies_covered_by_agency": "vacancy_agency_cover_rate_fte",
	}
	compared, off := 0, 0
	for _, row := range decoded {
		rec := recs[row.Row-1]
		res := benchmark.Compute(benchmark.Input{Period: row.Period, Returns: []workforce.Return{row.Return}}, benchmark.Standard2)
		for _, v := range res.Values {
			want, err := strconv.ParseFloat(rec[col[published[v.Metric]]], 64)
			if published[v.Metric] == "" || err != nil || v.Value == nil {
				continue
			}
			compared++
			// Rates from inputs rounded to 0.1 FTE may differ from the DfE's by a little more
			// than its own rounding to one decimal place.
			if math.Abs(*v.Value-want) > 0.05+0.02*math.Max(1, math.Abs(want)) {
				off++
				t.Logf("%s %s %s: %v, published %v", row.Org, row.Period, v.Metric, *v.Value, want)
			}
		}
	}
	if compared < 7000 || off > compared/200 {
		t.Errorf("%d of %d values differ from the published rates", off, compared)
	}
}

// dfeFigures reads the DfE workforce file: as published, and decoded into returns.
func dfeFigures(tb testing.TB) ([]byte, []workforce.Row) {
	tb.Helper()
	f, err := reference.DfEWorkforce()
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		tb.Fatal(err)
	}
	decoded, err := workforce.Kind.ReadAll(kind.Body{R: bytes.NewReader(raw), CSV: true})
	if err != nil {
		tb.Fatal(err)
	}
	rows := make([]workforce.Row, len(decoded.Rows))
	for i, r := range decoded.Rows {
		rows[i] = workforce.Row{Row: r.Num, Return: r.Value}
	}
	return raw, rows
}
