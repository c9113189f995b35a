package benchmark_test

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// s8Orgs are the fixture's organisations with two more in the North East: a council that sends
// only a workforce return, and a university.
var s8Orgs = func() map[string]reference.Organisation {
	m := maps.Clone(fixtureOrgs)
	m["D"] = reference.Organisation{Code: "D", OldCode: "807", Name: "Redcar and Cleveland", Type: reference.TypeLocalAuthority, Region: "E12000001"}
	m["U"] = reference.Organisation{Code: "U", Name: "Newcastle University", Type: reference.TypeUniversity, Region: "E12000001"}
	return m
}()

// orgFigures builds an organisation's figures of one kind: a number is known, a string is a DfE
// symbol, nil is not reported.
func orgFigures(org string, kv ...any) benchmark.Figures {
	f := benchmark.Figures{Org: org, Values: map[string]measure.Value{}}
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case int:
			f.Values[name] = measure.Of(float64(v))
		case float64:
			f.Values[name] = measure.Of(v)
		case string:
			f.Values[name] = measure.Unknown(measure.Reason(v))
		case nil:
			f.Values[name] = measure.Unknown(measure.NotReported)
		default:
			panic(kv[i+1])
		}
	}
	return f
}

// nonWorkforce lists the metrics whose inputs are not (only) a workforce return: Standard 2's
// survey and audit metrics and all of Standard 8's.
func nonWorkforce() []benchmark.Metric {
	var out []benchmark.Metric
	for _, m := range benchmark.Catalogue() {
		if m.Source != submission.KindWorkforce {
			out = append(out, m)
		}
	}
	return out
}

// s8Input: A and B (North East) report every kind, B with completed days unknown and no active
// educator; C (Inner London) hosted no ended or final placement, has no survey and is audited on
// Standard 8 only; J (Outer London) has educators but no workforce return and no audit; D sends
// only a workforce return.
func s8Input() benchmark.Input {
	const (
		final, statutory, ended, passed, withdrawn = benchmark.FigFinalPlacements, benchmark.FigFinalStatutory, benchmark.FigEnded, benchmark.FigPassed, benchmark.FigWithdrawn
		planned, completed                         = benchmark.FigPlannedDaysEnded, benchmark.FigCompletedDaysEnded
		pe1, pe2, active, students                 = benchmark.FigPEStage1, benchmark.FigPEStage2, benchmark.FigPEActive, benchmark.FigPEStudents
	)
	survey := func(org string, std, respondents, answers, agreeing int) benchmark.Figures {
		return orgFigures(org, benchmark.FigSurveyRespondents(std), respondents, benchmark.FigSurveyAnswers(std), answers,
			benchmark.FigSurveyAgreeing(std), agreeing)
	}
	audit := func(org string, std, green, amber, red int) benchmark.Figures {
		return orgFigures(org, benchmark.FigAudit(std, "GREEN"), green, benchmark.FigAudit(std, "AMBER"), amber,
			benchmark.FigAudit(std, "RED"), red, benchmark.FigAuditRated(std), green+amber+red)
	}
	return benchmark.Input{
		Period: "2025", Organisations: s8Orgs, Regions: fixtureRegions, Neighbours: fixtureNeighbours,
		Returns: []workforce.Return{
			figures("A", "inpost_fte", 90), figures("B", "inpost_fte", 40), figures("C", "inpost_fte", 100), figures("D", "inpost_fte", 70),
		},
		Figures: []benchmark.Figures{
			orgFigures("A", final, 4, statutory, 3, ended, 5, passed, 4, withdrawn, 1, planned, 400, completed, 360),
			orgFigures("B", final, 2, statutory, 2, ended, 2, passed, 1, withdrawn, 0, planned, 200, completed, nil),
			orgFigures("C", final, 0, statutory, 0, ended, 0, passed, 0, withdrawn, 0, planned, 0, completed, 0),
			orgFigures("J", final, 5, statutory, 1, ended, 4, passed, 2, withdrawn, 2, planned, 300, completed, 250),
			orgFigures("A", pe1, 3, pe2, 6, active, 6, students, 9),
			orgFigures("B", pe1, 1, pe2, 1, active, 0, students, 0),
			orgFigures("C", pe1, 2, pe2, 0, active, 2, students, 3),
			orgFigures("J", pe1, 4, pe2, 2, active, 3, students, 6),
			survey("A", 2, 20, 60, 45), survey("A", 8, 12, 24, 12),
			survey("B", 2, 15, 45, 15),
			survey("J", 2, 30, 90, 81),
			audit("A", 2, 2, 1, 1), audit("A", 8, 3, 0, 0),
			audit("B", 2, 0, 2, 2),
			audit("C", 8, 1, 1, 0),
		},
	}
}

func TestStandard8OrganisationValues(t *testing.T) {
	vs, _ := index(benchmark.Compute(s8Input(), nonWorkforce()))
	tests := []struct {
		metric, org string
		want        float64 // NaN: no value
		reason      string
	}{
		{"placement_days_completed", "A", 100 * 360.0 / 400, ""},
		{"placement_days_completed", "B", nan, "completed_days_ended unknown (not reported)"},
		{"placement_days_completed", "C", nan, benchmark.ReasonZeroDenominator},
		{"placement_days_completed", "J", 100 * 250.0 / 300, ""},
		{"final_placements_statutory", "A", 100 * 3.0 / 4, ""},
		{"final_placements_statutory", "B", 100 * 2.0 / 2, ""},
		{"final_placements_statutory", "C", nan, benchmark.ReasonZeroDenominator},
		{"final_placements_statutory", "J", 100 * 1.0 / 5, ""},
		{"placement_pass_rate", "A", 100 * 4.0 / 5, ""},
		{"placement_pass_rate", "B", 100 * 1.0 / 2, ""},
		{"placement_pass_rate", "C", nan, benchmark.ReasonZeroDenominator},
		{"placement_pass_rate", "J", 100 * 2.0 / 4, ""},
		{"placement_withdrawal_rate", "A", 100 * 1.0 / 5, ""},
		{"placement_withdrawal_rate", "B", 0, ""}, // a known zero is a value
		{"placement_withdrawal_rate", "J", 100 * 2.0 / 4, ""},
		// Educators ÷ the workforce return's in-post FTE of the same period.
		{"practice_educators_per_100_fte", "A", 100 * (3 + 6.0) / 90, ""},
		{"practice_educators_per_100_fte", "B", 100 * (1 + 1.0) / 40, ""},
		{"practice_educators_per_100_fte", "C", 100 * (2 + 0.0) / 100, ""},
		{"practice_educators_per_100_fte", "J", nan, "inpost_fte unknown (not reported)"}, // no workforce return
		{"students_per_practice_educator", "A", 9.0 / 6, ""},
		{"students_per_practice_educator", "B", nan, benchmark.ReasonZeroDenominator},
		{"students_per_practice_educator", "C", 3.0 / 2, ""},
		{"students_per_practice_educator", "J", 6.0 / 3, ""},
		{"survey_agreement_s2", "A", 100 * 45.0 / 60, ""},
		{"survey_agreement_s2", "B", 100 * 15.0 / 45, ""},
		{"survey_agreement_s2", "J", 100 * 81.0 / 90, ""},
		{"survey_agreement_s8", "A", 100 * 12.0 / 24, ""},
		{"audit_green_s2", "A", 100 * 2.0 / 4, ""},
		{"audit_green_s2", "B", 0, ""},
		{"audit_amber_s2", "A", 100 * 1.0 / 4, ""},
		{"audit_amber_s2", "B", 100 * 2.0 / 4, ""},
		{"audit_red_s2", "A", 100 * 1.0 / 4, ""},
		{"audit_red_s2", "B", 100 * 2.0 / 4, ""},
		{"audit_green_s8", "A", 100 * 3.0 / 3, ""},
		{"audit_green_s8", "C", 100 * 1.0 / 2, ""},
		{"audit_amber_s8", "A", 0, ""},
		{"audit_amber_s8", "C", 100 * 1.0 / 2, ""},
		{"audit_red_s8", "C", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.metric+"/"+tt.org, func(t *testing.T) {
			v, ok := vs[[2]string{tt.metric, tt.org}]
			if !ok {
				t.Fatal("no value")
			}
			if !near(v.Value, tt.want) || v.Reason != tt.reason || v.Withheld != "" {
				t.Errorf("value %s reason %q withheld %q, want %v %q", fmtPtr(v.Value), v.Reason, v.Withheld, tt.want, tt.reason)
			}
		})
	}

	// The counts behind a value, and the respondents behind a survey figure.
	if v := vs[[2]string{"practice_educators_per_100_fte", "C"}]; !near(v.Num, 2+0) || !near(v.Den, 100) {
		t.Errorf("C educators per 100 FTE: num %s den %s, want 2 and 100", fmtPtr(v.Num), fmtPtr(v.Den))
	}
	if v := vs[[2]string{"practice_educators_per_100_fte", "J"}]; v.Num != nil || v.Den != nil {
		t.Errorf("J educators per 100 FTE: num %s den %s, want none: an input is unknown", fmtPtr(v.Num), fmtPtr(v.Den))
	}
	if v := vs[[2]string{"survey_agreement_s2", "A"}]; v.Respondents != 20 {
		t.Errorf("A's survey figure from %d respondents, want 20", v.Respondents)
	}
	// A London borough counts towards its sub-region, London and England.
	if got, want := vs[[2]string{"practice_educators_per_100_fte", "C"}].Regions, []string{"E13000001", "E12000007", "E92000001"}; !reflect.DeepEqual(got, want) {
		t.Errorf("C counts towards %v, want %v", got, want)
	}

	// An organisation with no data of a kind has no row for that kind's metrics: it is not
	// excluded, it is not there.
	absent := map[string][]string{
		"survey_agreement_s2": {"C", "D", "U"},
		"survey_agreement_s8": {"B", "C", "J", "D", "U"},
		"audit_green_s2":      {"C", "J", "D", "U"},
		"audit_red_s8":        {"B", "J", "D", "U"},
		"placement_fill_rate": {"A", "B", "C", "J", "D", "U"},
	}
	for _, m := range benchmark.Standard8 {
		if m.Source != submission.KindSurvey && m.Source != submission.KindAudit {
			absent[m.ID] = append(absent[m.ID], "D", "U") // D sent only a workforce return
		}
	}
	for metric, orgs := range absent {
		for _, org := range orgs {
			if v, ok := vs[[2]string{metric, org}]; ok {
				t.Errorf("%s has a %s row: %+v", org, metric, v)
			}
		}
	}
}

func TestStandard8Areas(t *testing.T) {
	_, as := index(benchmark.Compute(s8Input(), nonWorkforce()))
	dayRates := []float64{100 * 250.0 / 300, 100 * 360.0 / 400} // J, A: sorted
	ne, en := "E12000001", "E92000001"
	tests := []struct {
		metric, area            string
		value, median, p25, p75 float64
		contributors, excluded  int
	}{
		// B's completed days are unknown; C's ended placements are none (a zero denominator).
		{"placement_days_completed", ne, 100 * 360.0 / 400, 90, 90, 90, 1, 1},
		{"placement_days_completed", "E13000001", nan, nan, nan, nan, 0, 1},
		{"placement_days_completed", "E12000007", 100 * 250.0 / 300, 100 * 250.0 / 300, 100 * 250.0 / 300, 100 * 250.0 / 300, 1, 1},
		{"placement_days_completed", en, 100 * (360 + 250.0) / (400 + 300), (dayRates[0] + dayRates[1]) / 2,
			dayRates[0] + 0.25*(dayRates[1]-dayRates[0]), dayRates[0] + 0.75*(dayRates[1]-dayRates[0]), 2, 2},
		// Ratio of sums (3 + 2) ÷ (4 + 2), not the mean of 75 and 100; quartiles of {75, 100}.
		{"final_placements_statutory", ne, 100 * (3 + 2.0) / (4 + 2), 87.5, 81.25, 93.75, 2, 0},
		// (3 + 2 + 1) ÷ (4 + 2 + 5); quartiles of {20, 75, 100}.
		{"final_placements_statutory", en, 100 * (3 + 2 + 1.0) / (4 + 2 + 5), 75, 20 + 0.5*(75-20), 75 + 0.5*(100-75), 3, 1},
		// (4 + 1 + 2) ÷ (5 + 2 + 4); quartiles of {50, 50, 80}.
		{"placement_pass_rate", en, 100 * (4 + 1 + 2.0) / (5 + 2 + 4), 50, 50, 50 + 0.5*(80-50), 3, 1},
		// (1 + 0 + 2) ÷ (5 + 2 + 4); quartiles of {0, 20, 50}.
		{"placement_withdrawal_rate", en, 100 * (1 + 0 + 2.0) / (5 + 2 + 4), 20, 10, 35, 3, 1},
		// (9 + 2) ÷ (90 + 40); quartiles of {5, 10}.
		{"practice_educators_per_100_fte", ne, 100 * (9 + 2.0) / (90 + 40), 7.5, 6.25, 8.75, 2, 0},
		{"practice_educators_per_100_fte", "E13000001", 2, 2, 2, 2, 1, 0},
		{"practice_educators_per_100_fte", "E13000002", nan, nan, nan, nan, 0, 1},
		// C counts towards London through Inner London; J has no return.
		{"practice_educators_per_100_fte", "E12000007", 100 * 2.0 / 100, 2, 2, 2, 1, 1},
		// (9 + 2 + 2) ÷ (90 + 40 + 100); quartiles of {2, 5, 10}.
		{"practice_educators_per_100_fte", en, 100 * (9 + 2 + 2.0) / (90 + 40 + 100), 5, 3.5, 7.5, 3, 1},
		{"students_per_practice_educator", ne, 9.0 / 6, 1.5, 1.5, 1.5, 1, 1},
		// (9 + 3 + 6) ÷ (6 + 2 + 3); quartiles of {1.5, 1.5, 2}.
		{"students_per_practice_educator", en, (9 + 3 + 6.0) / (6 + 2 + 3), 1.5, 1.5, 1.75, 3, 1},
		// (45 + 15) ÷ (60 + 45); quartiles of {33.3, 75}.
		{"survey_agreement_s2", ne, 100 * (45 + 15.0) / (60 + 45), (100.0/3 + 75) / 2, 100.0/3 + 0.25*(75-100.0/3), 100.0/3 + 0.75*(75-100.0/3), 2, 0},
		{"survey_agreement_s2", "E13000002", 90, 90, 90, 90, 1, 0},
		{"survey_agreement_s2", "E12000007", 90, 90, 90, 90, 1, 0},
		// (45 + 15 + 81) ÷ (60 + 45 + 90); quartiles of {33.3, 75, 90}.
		{"survey_agreement_s2", en, 100 * (45 + 15 + 81.0) / (60 + 45 + 90), 75, (100.0/3 + 75) / 2, (75 + 90) / 2.0, 3, 0},
		{"survey_agreement_s8", en, 50, 50, 50, 50, 1, 0},
		// (2 + 0) ÷ (4 + 4); quartiles of {0, 50}.
		{"audit_green_s2", ne, 100 * (2 + 0.0) / (4 + 4), 25, 12.5, 37.5, 2, 0},
		{"audit_red_s2", en, 100 * (1 + 2.0) / (4 + 4), 37.5, 31.25, 43.75, 2, 0},
		{"audit_green_s8", ne, 100, 100, 100, 100, 1, 0},
		{"audit_green_s8", "E12000007", 50, 50, 50, 50, 1, 0},
		// (3 + 1) ÷ (3 + 2); quartiles of {50, 100}.
		{"audit_green_s8", en, 100 * (3 + 1.0) / (3 + 2), 75, 62.5, 87.5, 2, 0},
		{"audit_amber_s8", en, 100 * (0 + 1.0) / (3 + 2), 25, 12.5, 37.5, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.metric+"/"+tt.area, func(t *testing.T) {
			a, ok := as[[2]string{tt.metric, tt.area}]
			if !ok {
				t.Fatal("no area")
			}
			checkArea(t, a, tt.value, tt.median, tt.p25, tt.p75, tt.contributors, tt.excluded)
			if a.Withheld != "" {
				t.Errorf("withheld %q: every survey figure here is from 10 respondents or more", a.Withheld)
			}
		})
	}

	// The sums behind the values.
	sums := []struct {
		metric, area string
		num, den     float64
		respondents  int
	}{
		{"practice_educators_per_100_fte", en, 3 + 6 + 1 + 1 + 2 + 0, 90 + 40 + 100, 0},
		{"placement_days_completed", en, 360 + 250, 400 + 300, 0},
		{"survey_agreement_s2", ne, 45 + 15, 60 + 45, 20 + 15},
		{"survey_agreement_s2", en, 45 + 15 + 81, 60 + 45 + 90, 20 + 15 + 30},
	}
	for _, s := range sums {
		a := as[[2]string{s.metric, s.area}]
		if a.Num != s.num || a.Den != s.den || a.Respondents != s.respondents {
			t.Errorf("%s %s: num %v den %v respondents %d, want %v %v %d", s.metric, s.area, a.Num, a.Den, a.Respondents, s.num, s.den, s.respondents)
		}
	}

	// An area none of whose organisations has data of a kind has no row for its metrics.
	for _, k := range [][2]string{
		{"survey_agreement_s2", "E13000001"}, {"survey_agreement_s8", "E12000007"}, {"audit_green_s2", "E12000007"},
		{"placement_fill_rate", en}, {"placement_fill_rate", ne},
	} {
		if a, ok := as[k]; ok {
			t.Errorf("%s %s has a row: %+v", k[0], k[1], a)
		}
	}
}

// Employers confirm places and universities request them, so only areas have a fill rate.
func TestPlacementFillRateIsAreaOnly(t *testing.T) {
	in := benchmark.Input{Period: "2025", Organisations: s8Orgs, Regions: fixtureRegions, Neighbours: fixtureNeighbours,
		Figures: []benchmark.Figures{
			orgFigures("U", benchmark.FigPlacesRequested, 10),
			orgFigures("A", benchmark.FigPlacesConfirmed, 6),
			orgFigures("B", benchmark.FigPlacesConfirmed, 2),
			orgFigures("D", benchmark.FigPlacesConfirmed, nil), // not reported for one of its stages
		}}
	m, _ := benchmark.Lookup("placement_fill_rate")
	if !m.AreaOnly {
		t.Fatal("placement_fill_rate is not area-only")
	}
	vs, as := index(benchmark.Compute(in, []benchmark.Metric{m}))
	for _, tt := range []struct {
		org      string
		num, den float64 // NaN: unknown
		reason   string
	}{
		{"U", 0, 10, benchmark.ReasonAreaOnly},
		{"A", 6, 0, benchmark.ReasonAreaOnly},
		{"B", 2, 0, benchmark.ReasonAreaOnly},
		{"D", nan, nan, "places_confirmed unknown (not reported)"},
	} {
		v, ok := vs[[2]string{m.ID, tt.org}]
		if !ok {
			t.Errorf("%s: no value", tt.org)
			continue
		}
		if v.Value != nil || v.Reason != tt.reason || !near(v.Num, tt.num) || !near(v.Den, tt.den) {
			t.Errorf("%s: value %s num %s den %s reason %q, want none, %v, %v, %q", tt.org, fmtPtr(v.Value), fmtPtr(v.Num), fmtPtr(v.Den), v.Reason,
				tt.num, tt.den, tt.reason)
		}
		if v.SNMedian != nil {
			t.Errorf("%s: neighbour median %s of an area-only metric", tt.org, fmtPtr(v.SNMedian))
		}
	}
	for _, code := range []string{"E12000001", "E92000001"} {
		a, ok := as[[2]string{m.ID, code}]
		if !ok {
			t.Fatalf("%s: no area", code)
		}
		// (6 + 2) confirmed ÷ 10 requested; D is left out, not counted as none confirmed.
		if !near(a.Value, 100*(6+2.0)/10) || a.Num != 6+2 || a.Den != 10 || a.Contributors != 3 || a.Excluded != 1 {
			t.Errorf("%s: value %s (%v ÷ %v) from %d, %d excluded; want 80 (8 ÷ 10) from 3, 1 excluded", code, fmtPtr(a.Value), a.Num, a.Den,
				a.Contributors, a.Excluded)
		}
		if a.Median != nil || a.P25 != nil || a.P75 != nil {
			t.Errorf("%s: median %s p25 %s p75 %s, want none: no organisation has a value", code, fmtPtr(a.Median), fmtPtr(a.P25), fmtPtr(a.P75))
		}
	}

	// Without a university's request there is nothing to fill: no value, though employers contribute.
	in.Figures = in.Figures[1:3]
	_, as = index(benchmark.Compute(in, []benchmark.Metric{m}))
	if a := as[[2]string{m.ID, "E12000001"}]; a.Value != nil || a.Contributors != 2 {
		t.Errorf("no requests: value %s from %d, want none from 2", fmtPtr(a.Value), a.Contributors)
	}
}

func TestPeriodOfAndAcademicYearOf(t *testing.T) {
	tests := []struct{ kind, p, want string }{
		{submission.KindPlacement, "2024/25", "2025"},
		{submission.KindPlacementCapacity, "2024/25", "2025"},
		{submission.KindPlacement, "1999/00", "2000"},
		{submission.KindPlacement, "2025", "2025"},
		{submission.KindPlacement, "2025-Q1", "2025-Q1"},
		{submission.KindPracticeEducators, "2025-Q3", "2025-Q3"},
		{submission.KindPracticeEducators, "2025", "2025"},
		{submission.KindSurvey, "2025", "2025"},
		{submission.KindAudit, "2026", "2026"},
		{submission.KindWorkforce, "2024", "2024"},
	}
	for _, tt := range tests {
		if got := benchmark.PeriodOf(tt.kind, tt.p); got != tt.want {
			t.Errorf("PeriodOf(%q, %q) = %q, want %q", tt.kind, tt.p, got, tt.want)
		}
	}
	for _, ay := range []string{"2024/25", "1999/00", "2009/10", "2099/00"} {
		p := benchmark.PeriodOf(submission.KindPlacement, ay)
		if got := placement.AcademicYearOf(p); got != ay {
			t.Errorf("AcademicYearOf(PeriodOf(%q) = %q) = %q", ay, p, got)
		}
	}
	for _, y := range []string{"2000", "2010", "2025", "2100"} {
		ay := placement.AcademicYearOf(y)
		if got := benchmark.PeriodOf(submission.KindPlacement, ay); got != y {
			t.Errorf("PeriodOf(AcademicYearOf(%q) = %q) = %q", y, ay, got)
		}
	}
	if got := placement.AcademicYearOf("2025"); got != "2024/25" {
		t.Errorf(`AcademicYearOf("2025") = %q, want "2024/25"`, got)
	}
	for _, p := range []string{"2025-Q1", "2024/25", "", "20x5"} {
		if got := placement.AcademicYearOf(p); got != "" {
			t.Errorf("AcademicYearOf(%q) = %q, want none", p, got)
		}
	}
}

// randomOrg is one organisation's data of the Standard 8 kinds; a count of -1 is unknown.
type randomOrg struct {
	code, region string
	university   bool
	hasReturn    bool
	inpost       float64
	// Placements hosted.
	hasPlacements                                       bool
	final, statutory, ended, passed, withdrawn, planned int
	completed                                           int
	hasEducators                                        bool
	stage1, stage2, active, students                    int
	hasCapacity                                         bool
	places                                              int // requested by a university, else confirmed
}

func newRandomOrg(rng *rand.Rand, code, region string) randomOrg {
	o := randomOrg{code: code, region: region, university: rng.IntN(5) == 0}
	unknownSometimes := func(n int) int {
		if rng.IntN(6) == 0 {
			return -1
		}
		return n
	}
	if o.hasCapacity = rng.IntN(4) != 0; o.hasCapacity {
		o.places = unknownSometimes(rng.IntN(30))
	}
	if o.university {
		return o
	}
	if o.hasReturn = rng.IntN(4) != 0; o.hasReturn {
		o.inpost = float64(rng.IntN(200))
	}
	if o.hasPlacements = rng.IntN(4) != 0; o.hasPlacements {
		o.final = rng.IntN(6)
		o.statutory = rng.IntN(o.final + 1)
		o.ended = rng.IntN(8)
		o.passed = rng.IntN(o.ended + 1)
		o.withdrawn = rng.IntN(o.ended - o.passed + 1)
		o.planned = 70 * o.ended
		o.completed = unknownSometimes(rng.IntN(o.planned + 1))
	}
	if o.hasEducators = rng.IntN(4) != 0; o.hasEducators {
		o.stage1, o.stage2 = unknownSometimes(rng.IntN(8)), rng.IntN(8)
		o.active, o.students = rng.IntN(6), rng.IntN(12)
	}
	return o
}

// figures gives the organisation's data as the store reads it: one Figures per kind, and a
// workforce return.
func (o randomOrg) figures() ([]benchmark.Figures, []workforce.Return) {
	n := func(x int) any {
		if x < 0 {
			return nil
		}
		return x
	}
	var fs []benchmark.Figures
	if o.hasCapacity {
		name := benchmark.FigPlacesConfirmed
		if o.university {
			name = benchmark.FigPlacesRequested
		}
		fs = append(fs, orgFigures(o.code, name, n(o.places)))
	}
	if o.hasPlacements {
		fs = append(fs, orgFigures(o.code, benchmark.FigFinalPlacements, o.final, benchmark.FigFinalStatutory, o.statutory,
			benchmark.FigEnded, o.ended, benchmark.FigPassed, o.passed, benchmark.FigWithdrawn, o.withdrawn,
			benchmark.FigPlannedDaysEnded, o.planned, benchmark.FigCompletedDaysEnded, n(o.completed)))
	}
	if o.hasEducators {
		fs = append(fs, orgFigures(o.code, benchmark.FigPEStage1, n(o.stage1), benchmark.FigPEStage2, o.stage2,
			benchmark.FigPEActive, o.active, benchmark.FigPEStudents, o.students))
	}
	var rs []workforce.Return
	if o.hasReturn {
		rs = append(rs, figures(o.code, "inpost_fte", o.inpost))
	}
	return fs, rs
}

// contribution is what the organisation adds to a metric's area sums, worked out from its data
// directly: whether it has data for the metric, whether it is counted, and its counts.
func (o randomOrg) contribution(metric string) (present, counted bool, num, den float64) {
	ratio := func(has bool, known bool, n, d int) (bool, bool, float64, float64) {
		return has, has && known && d > 0, float64(n), float64(d)
	}
	switch metric {
	case "placement_fill_rate":
		if !o.hasCapacity || o.places < 0 {
			return o.hasCapacity, false, 0, 0
		}
		if o.university {
			return true, true, 0, float64(o.places)
		}
		return true, true, float64(o.places), 0
	case "placement_days_completed":
		return ratio(o.hasPlacements, o.completed >= 0, o.completed, o.planned)
	case "final_placements_statutory":
		return ratio(o.hasPlacements, true, o.statutory, o.final)
	case "placement_pass_rate":
		return ratio(o.hasPlacements, true, o.passed, o.ended)
	case "placement_withdrawal_rate":
		return ratio(o.hasPlacements, true, o.withdrawn, o.ended)
	case "practice_educators_per_100_fte":
		counted := o.hasEducators && o.stage1 >= 0 && o.hasReturn && o.inpost > 0
		return o.hasEducators, counted, float64(o.stage1 + o.stage2), o.inpost
	case "students_per_practice_educator":
		return ratio(o.hasEducators, true, o.students, o.active)
	}
	panic(metric)
}

// Each Standard 8 area value is the ratio of the summed counts of the organisations whose inputs
// are known, whatever the order their figures arrive in, kind by kind.
func TestStandard8AreaValueIsRatioOfSumsInAnyOrder(t *testing.T) {
	var metrics []benchmark.Metric
	for _, m := range benchmark.Standard8 {
		if m.Source != submission.KindSurvey && m.Source != submission.KindAudit {
			metrics = append(metrics, m)
		}
	}
	rng := rand.New(rand.NewPCG(8, 2025))
	regions := []string{"E12000001", "E13000001", "E13000002"}
	for round := range 200 {
		orgs := map[string]reference.Organisation{}
		var data []randomOrg
		in := benchmark.Input{Period: "2025", Regions: fixtureRegions, Organisations: orgs}
		for i := range 1 + rng.IntN(30) {
			o := newRandomOrg(rng, "O"+strconv.Itoa(i), regions[rng.IntN(len(regions))])
			orgs[o.code] = reference.Organisation{Code: o.code, Region: o.region}
			data = append(data, o)
			fs, rs := o.figures()
			in.Figures, in.Returns = append(in.Figures, fs...), append(in.Returns, rs...)
		}
		want := benchmark.Compute(in, metrics)
		_, areas := index(want)
		for _, m := range metrics {
			for _, code := range []string{"E12000001", "E13000001", "E13000002", "E12000007", reference.England} {
				for _, o := range data {
					inArea := code == reference.England || o.region == code || (code == "E12000007" && o.region != "E12000001")
					if present, _, _, _ := o.contribution(m.ID); inArea && present {
						if _, ok := areas[[2]string{m.ID, code}]; !ok {
							t.Fatalf("round %d: %s has data for %s but %s has no row", round, o.code, m.ID, code)
						}
					}
				}
			}
		}
		for _, a := range want.Areas {
			m, _ := benchmark.Lookup(a.Metric)
			var num, den float64
			contributors, excluded := 0, 0
			for _, o := range data {
				inArea := a.Region == reference.England || o.region == a.Region ||
					(a.Region == "E12000007" && fixtureRegions[o.region].Parent == "E12000007")
				present, counted, n, d := o.contribution(a.Metric)
				switch {
				case !inArea || !present:
				case !counted:
					excluded++
				default:
					num, den = num+n, den+d
					contributors++
				}
			}
			wantValue := nan
			if den != 0 {
				wantValue = m.Scale * num / den
			}
			if a.Contributors != contributors || a.Excluded != excluded || a.Num != num || a.Den != den || !near(a.Value, wantValue) {
				t.Fatalf("round %d, %s %s: %s = %v ÷ %v from %d (%d excluded), want %v = %v ÷ %v from %d (%d excluded)", round, a.Metric, a.Region,
					fmtPtr(a.Value), a.Num, a.Den, a.Contributors, a.Excluded, wantValue, num, den, contributors, excluded)
			}
		}
		shuffled := in
		shuffled.Figures = slices.Clone(in.Figures)
		shuffled.Returns = slices.Clone(in.Returns)
		rng.Shuffle(len(shuffled.Figures), func(i, j int) { shuffled.Figures[i], shuffled.Figures[j] = shuffled.Figures[j], shuffled.Figures[i] })
		rng.Shuffle(len(shuffled.Returns), func(i, j int) { shuffled.Returns[i], shuffled.Returns[j] = shuffled.Returns[j], shuffled.Returns[i] })
		if got := benchmark.Compute(shuffled, metrics); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: the order of arrival changed the result", round)
		}
	}
}
