package benchmark_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Real organisations of the North East: two councils, a third that confirms no places, and a
// university.
const (
	hartlepool    = "E06000001"
	middlesbrough = "E06000002"
	redcar        = "E06000003"
	newcastleUni  = "10007799"
	northEast     = "E12000001"
)

// sources inserts rows of the other kinds through their own stores, each checked by its kind's
// rules first, as ingest does.
type sources struct {
	t     *testing.T
	ctx   context.Context
	conn  driver.Conn
	today time.Time
	at    time.Time // the next submission's time
}

func (s *sources) next() time.Time {
	s.at = s.at.Add(time.Minute)
	return s.at
}

func (s *sources) received() placement.Received {
	at := s.next()
	return placement.Received{SubmissionID: fmt.Sprint("sub-", at.UnixNano()), SubmittedBy: "test", ReceivedAt: at}
}

// placement is one placement of the university's, hosted by host; completed < 0 is not reported.
func (s *sources) placement(student, cohort, year, stage, host string, statutory bool, planned, completed int, outcome string) placement.Placement {
	p := placement.Placement{Org: newcastleUni, StudentRef: placement.StudentRef([]byte("test secret"), student), Route: "postgraduate",
		Cohort: cohort, AcademicYear: year, Stage: stage, HostOrg: host, Setting: "la", StatutoryTasks: statutory,
		ServiceUserGroup: "children_and_families", PlannedDays: planned, PEStage: 2, PELocation: "on_site", Outcome: outcome}
	if completed >= 0 {
		p.CompletedDays = &completed
	}
	if errs, _ := placement.Validate(p, s.today); len(errs) > 0 {
		s.t.Fatalf("placement %s: %v", student, errs)
	}
	return p
}

func (s *sources) insertPlacements(ps ...placement.Placement) {
	s.t.Helper()
	rec := s.received()
	rows := make([]placement.StoredPlacement, len(ps))
	for i, p := range ps {
		rows[i] = placement.StoredPlacement{Row: placement.Row{Row: i + 2, Placement: p}, Received: rec}
	}
	if err := placement.NewStore(s.conn).Insert(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

// reported is a count as reported: -1 is not reported.
func reported(x int) *int {
	if x < 0 {
		return nil
	}
	return &x
}

func (s *sources) insertCapacity(org, year string, university bool, cs ...[4]int) {
	s.t.Helper()
	rec := s.received()
	var rows []placement.StoredCapacity
	for i, x := range cs {
		c := placement.Capacity{Org: org, AcademicYear: year, Stage: placement.Stages[x[0]], Requested: reported(x[1]), Offered: reported(x[2]), Confirmed: reported(x[3])}
		if errs := placement.ValidateCapacity(c, university, s.today); len(errs) > 0 {
			s.t.Fatalf("capacity %s %s: %v", org, year, errs)
		}
		rows = append(rows, placement.StoredCapacity{CapacityRow: placement.CapacityRow{Row: i + 2, Capacity: c}, Received: rec})
	}
	if err := placement.NewStore(s.conn).InsertCapacity(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sources) insertEducators(org, period string, stage1, stage2, active, students int) {
	s.t.Helper()
	e := placement.Educators{Org: org, Period: period, Stage1: reported(stage1), Stage2: reported(stage2), Active: reported(active), StudentsSupported: reported(students)}
	if errs, _ := placement.ValidateEducators(e, s.today); len(errs) > 0 {
		s.t.Fatalf("educators %s: %v", org, errs)
	}
	row := placement.StoredEducators{EducatorsRow: placement.EducatorsRow{Row: 2, Educators: e}, Received: s.received()}
	if err := placement.NewStore(s.conn).InsertEducators(s.ctx, []placement.StoredEducators{row}); err != nil {
		s.t.Fatal(err)
	}
}

// insertSurvey stores results of one submission: each is question, group, then the five
// counts from strongly disagree to strongly agree.
func (s *sources) insertSurvey(org, year string, results ...[7]any) {
	s.t.Helper()
	rec := s.received()
	var rows []survey.Stored
	for i, r := range results {
		g := survey.GroupResult{Org: org, Year: atoi(s.t, year), Question: r[0].(string), Group: r[1].(string),
			StronglyDisagree: r[2].(int), Disagree: r[3].(int), Neutral: r[4].(int), Agree: r[5].(int), StronglyAgree: r[6].(int)}
		g.N = g.StronglyDisagree + g.Disagree + g.Neutral + g.Agree + g.StronglyAgree
		c, errs := survey.Validate(g, s.today)
		if len(errs) > 0 {
			s.t.Fatalf("survey %s %s: %v", org, r[0], errs)
		}
		c.Row.Row = i + 2
		rows = append(rows, survey.Stored{Checked: c, SubmissionID: rec.SubmissionID, SubmittedBy: rec.SubmittedBy, ReceivedAt: rec.ReceivedAt})
	}
	if err := survey.NewStore(s.conn).Insert(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

// insertAudit stores one submission's ratings: item, then rating.
func (s *sources) insertAudit(org, cycle string, ratings ...[2]string) {
	s.t.Helper()
	fw, err := audit.LoadFramework()
	if err != nil {
		s.t.Fatal(err)
	}
	rec := s.received()
	var rows []audit.Stored
	for i, r := range ratings {
		c, errs := audit.Validate(audit.Rating{Org: org, Cycle: atoi(s.t, cycle), Item: r[0], Rating: r[1], Evidence: "Minutes of the workforce board", Priority: audit.Medium},
			fw, s.today)
		if len(errs) > 0 {
			s.t.Fatalf("audit %s %s: %v", org, r[0], errs)
		}
		c.Row.Row = i + 2
		rows = append(rows, audit.Stored{Checked: c, SubmissionID: rec.SubmissionID, SubmittedBy: rec.SubmittedBy, ReceivedAt: rec.ReceivedAt})
	}
	if err := audit.NewStore(s.conn).Insert(s.ctx, rows); err != nil {
		s.t.Fatal(err)
	}
}

func newSources(t *testing.T) (*sources, *benchmark.Store) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return &sources{t: t, ctx: ctx, conn: conn, today: now, at: now.Add(-time.Hour)}, must(benchmark.NewStore(conn))
}

// read recomputes a period and reads back the North East's organisations and its area figures.
func read(t *testing.T, store *benchmark.Store, period string) (map[[2]string]benchmark.Value, map[[2]string]benchmark.Area) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.Recompute(ctx, period); err != nil {
		t.Fatal(err)
	}
	return index(readBack(t, store, period))
}

type valueWant struct {
	metric, org string
	want        float64 // NaN: no value
	reason      string
}

func checkValues(t *testing.T, vs map[[2]string]benchmark.Value, tests []valueWant) {
	t.Helper()
	for _, tt := range tests {
		v, ok := vs[[2]string{tt.metric, tt.org}]
		if !ok {
			t.Errorf("%s %s: no value", tt.metric, tt.org)
			continue
		}
		if !near(v.Value, tt.want) || v.Reason != tt.reason {
			t.Errorf("%s %s: %s (%q), want %v (%q)", tt.metric, tt.org, fmtPtr(v.Value), v.Reason, tt.want, tt.reason)
		}
	}
}

type areaWant struct {
	metric, area           string
	value                  float64
	contributors, excluded int
}

func checkAreas(t *testing.T, as map[[2]string]benchmark.Area, tests []areaWant) {
	t.Helper()
	for _, tt := range tests {
		a, ok := as[[2]string{tt.metric, tt.area}]
		if !ok {
			t.Errorf("%s %s: no area", tt.metric, tt.area)
			continue
		}
		if !near(a.Value, tt.value) || a.Contributors != tt.contributors || a.Excluded != tt.excluded {
			t.Errorf("%s %s: %s from %d (%d excluded), want %v from %d (%d excluded)", tt.metric, tt.area, fmtPtr(a.Value), a.Contributors, a.Excluded,
				tt.value, tt.contributors, tt.excluded)
		}
	}
}

// The figures of every kind are read from the stored rows of the period: placements of the
// academic year that ends in it towards their host, capacity, practice educators over the
// workforce return's FTE, the survey and the latest audit rating of each item.
func TestSourceFigures(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()

	// Placements of 2024/25 (benchmark period 2025), and one of 2023/24 that must not count.
	const ay, cohort = "2024/25", "2023/24"
	later := src.placement("s5", cohort, ay, placement.Final, hartlepool, true, 100, -1, placement.Planned)
	src.insertPlacements(
		src.placement("s1", cohort, ay, placement.Final, hartlepool, true, 100, 100, placement.Passed),
		src.placement("s2", cohort, ay, placement.Final, hartlepool, false, 100, 40, placement.Withdrawn),
		src.placement("s3", cohort, ay, placement.First, hartlepool, false, 70, 70, placement.Failed),
		src.placement("s4", cohort, ay, placement.First, hartlepool, false, 70, -1, placement.Ongoing),
		later,
		src.placement("s6", cohort, ay, placement.First, middlesbrough, false, 70, 65, placement.Passed),
		// Withdrawn without saying how many days were done: Middlesbrough's completed days are unknown.
		src.placement("s7", cohort, ay, placement.Final, middlesbrough, true, 100, -1, placement.Withdrawn),
		src.placement("s8", "2022/23", "2023/24", placement.Final, hartlepool, true, 100, 100, placement.Passed),
	)
	// Capacity: stage, requested, offered, confirmed (-1: not reported).
	src.insertCapacity(newcastleUni, ay, true, [4]int{1, 6, -1, -1}, [4]int{2, 4, -1, -1})
	src.insertCapacity(newcastleUni, "2025/26", true, [4]int{2, 50, -1, -1})
	src.insertCapacity(hartlepool, ay, false, [4]int{1, -1, 5, 4}, [4]int{2, -1, 3, 2})
	src.insertCapacity(middlesbrough, ay, false, [4]int{2, -1, 2, 2})
	src.insertCapacity(redcar, ay, false, [4]int{1, -1, 3, -1})
	src.insertEducators(hartlepool, "2025", 3, 6, 6, 9)
	src.insertEducators(middlesbrough, "2025", 1, 1, 2, -1)
	returns := []workforce.Stored{
		stored(figures(hartlepool, "inpost_fte", 90), src.next()),
		stored(figures(middlesbrough, "inpost_fte", 40), src.next()),
	}
	for i := range returns {
		returns[i].Period = "2025"
	}
	if err := workforce.NewStore(src.conn).Insert(ctx, returns); err != nil {
		t.Fatal(err)
	}
	// Survey: question, group, strongly disagree … strongly agree.
	src.insertSurvey(hartlepool, "2025",
		[7]any{"Q2.1", "social_worker", 1, 1, 2, 6, 2},
		[7]any{"Q2.2", "social_worker", 1, 2, 4, 3, 1},
		[7]any{"Q2.1", "manager", 0, 1, 1, 2, 1},
		[7]any{"Q8.1", "social_worker", 0, 0, 0, 5, 5},
	)
	src.insertSurvey(middlesbrough, "2025", [7]any{"Q2.1", "social_worker", 2, 3, 5, 8, 2})
	src.insertSurvey(middlesbrough, "2024", [7]any{"Q2.1", "social_worker", 0, 0, 0, 0, 30})
	src.insertAudit(hartlepool, "2025", [2]string{"S2.1", audit.Green}, [2]string{"S2.2", audit.Amber}, [2]string{"S2.3", audit.Red},
		[2]string{"S2.4", audit.Green}, [2]string{"S8.1", audit.Green}, [2]string{"S8.2", audit.Red})
	src.insertAudit(middlesbrough, "2025", [2]string{"S2.1", audit.Red}, [2]string{"S2.2", audit.Red})
	src.insertAudit(middlesbrough, "2024", [2]string{"S2.3", audit.Green})

	vs, as := read(t, store, "2025")
	checkValues(t, vs, []valueWant{
		// Hartlepool hosts s1–s5: finals s1, s2, s5; ended s1 (passed), s2 (withdrawn), s3 (failed).
		{"placement_pass_rate", hartlepool, 100 * 1.0 / 3, ""},
		{"placement_withdrawal_rate", hartlepool, 100 * 1.0 / 3, ""},
		{"final_placements_statutory", hartlepool, 100 * 2.0 / 3, ""},
		{"placement_days_completed", hartlepool, 100 * (100 + 40 + 70.0) / (100 + 100 + 70), ""},
		{"placement_pass_rate", middlesbrough, 100 * 1.0 / 2, ""},
		{"placement_withdrawal_rate", middlesbrough, 100 * 1.0 / 2, ""},
		{"final_placements_statutory", middlesbrough, 100 * 1.0 / 1, ""},
		{"placement_days_completed", middlesbrough, nan, "completed_days_ended unknown (not reported)"},
		{"placement_fill_rate", newcastleUni, nan, benchmark.ReasonAreaOnly},
		{"placement_fill_rate", hartlepool, nan, benchmark.ReasonAreaOnly},
		{"placement_fill_rate", redcar, nan, "places_confirmed unknown (not reported)"},
		{"practice_educators_per_100_fte", hartlepool, 100 * (3 + 6.0) / 90, ""},
		{"practice_educators_per_100_fte", middlesbrough, 100 * (1 + 1.0) / 40, ""},
		{"students_per_practice_educator", hartlepool, 9.0 / 6, ""},
		{"students_per_practice_educator", middlesbrough, nan, "pe_students_supported unknown (not reported)"},
		// Hartlepool: 12 + 11 + 5 answers, (6 + 2) + (3 + 1) + (2 + 1) agreeing.
		{"survey_agreement_s2", hartlepool, 100 * (8 + 4 + 3.0) / (12 + 11 + 5), ""},
		{"survey_agreement_s8", hartlepool, 100 * 10.0 / 10, ""},
		{"survey_agreement_s2", middlesbrough, 100 * (8 + 2.0) / 20, ""},
		{"audit_green_s2", hartlepool, 100 * 2.0 / 4, ""},
		{"audit_red_s2", hartlepool, 100 * 1.0 / 4, ""},
		{"audit_green_s8", hartlepool, 100 * 1.0 / 2, ""},
		{"audit_red_s2", middlesbrough, 100 * 2.0 / 2, ""},
	})
	if v := vs[[2]string{"survey_agreement_s2", hartlepool}]; v.Respondents != 12+5 {
		t.Errorf("Hartlepool's survey from %d respondents, want 17: per group the most who answered one question", v.Respondents)
	}
	// Redcar confirmed no places it reported, and has no other data.
	for _, m := range benchmark.Catalogue() {
		if _, ok := vs[[2]string{m.ID, redcar}]; ok != (m.ID == "placement_fill_rate") {
			t.Errorf("Redcar has a %s row: %v, want only placement_fill_rate", m.ID, ok)
		}
	}
	checkAreas(t, as, []areaWant{
		{"placement_pass_rate", northEast, 100 * (1 + 1.0) / (3 + 2), 2, 0},
		{"placement_days_completed", northEast, 100 * 210.0 / 270, 1, 1},
		// (4 + 2) + 2 confirmed ÷ 6 + 4 requested; Redcar left out; 2025/26's request not counted.
		{"placement_fill_rate", northEast, 100 * (4 + 2 + 2.0) / (6 + 4), 3, 1},
		{"placement_fill_rate", reference.England, 100 * (4 + 2 + 2.0) / (6 + 4), 3, 1},
		{"practice_educators_per_100_fte", northEast, 100 * (9 + 2.0) / (90 + 40), 2, 0},
		{"students_per_practice_educator", northEast, 9.0 / 6, 1, 1},
		{"survey_agreement_s2", northEast, 100 * (15 + 10.0) / (28 + 20), 2, 0},
		// Hartlepool 2 of 4 green, Middlesbrough none of 2; 2024's rating not counted.
		{"audit_green_s2", northEast, 100 * 2.0 / (4 + 2), 2, 0},
		{"audit_red_s2", northEast, 100 * (1 + 2.0) / (4 + 2), 2, 0},
	})
	if a := as[[2]string{"survey_agreement_s2", northEast}]; a.Respondents != 17+20 || a.Withheld != "" {
		t.Errorf("North East survey: %d respondents, withheld %q; want 37 and published", a.Respondents, a.Withheld)
	}

	// s5 is reported again, passed: it replaces the planned report rather than adding a placement.
	done := later
	done.Outcome, done.CompletedDays = placement.Passed, reported(98)
	src.insertPlacements(done)
	// Hartlepool rates S2.3 again: the latest rating counts, the item once.
	src.insertAudit(hartlepool, "2025", [2]string{"S2.3", audit.Green})

	vs, as = read(t, store, "2025")
	checkValues(t, vs, []valueWant{
		{"placement_pass_rate", hartlepool, 100 * 2.0 / 4, ""},
		{"placement_withdrawal_rate", hartlepool, 100 * 1.0 / 4, ""},
		{"final_placements_statutory", hartlepool, 100 * 2.0 / 3, ""},
		{"placement_days_completed", hartlepool, 100 * (100 + 40 + 70 + 98.0) / (100 + 100 + 70 + 100), ""},
		{"audit_green_s2", hartlepool, 100 * 3.0 / 4, ""},
		{"audit_amber_s2", hartlepool, 100 * 1.0 / 4, ""},
		{"audit_red_s2", hartlepool, 0, ""},
	})
	checkAreas(t, as, []areaWant{
		{"placement_pass_rate", northEast, 100 * (2 + 1.0) / (4 + 2), 2, 0},
		{"placement_withdrawal_rate", northEast, 100 * (1 + 1.0) / (4 + 2), 2, 0},
		{"final_placements_statutory", northEast, 100 * (2 + 1.0) / (3 + 1), 2, 0},
		{"audit_green_s2", northEast, 100 * 3.0 / (4 + 2), 2, 0},
		{"audit_red_s2", northEast, 100 * 2.0 / (4 + 2), 2, 0},
	})
	if v := vs[[2]string{"audit_green_s2", hartlepool}]; !near(v.Den, 4) {
		t.Errorf("Hartlepool has %s rated Standard 2 items, want 4", fmtPtr(v.Den))
	}
}

// Rebuild finds the periods of every kind: a placement's and capacity's academic year as the
// reporting year it ends in, the practice educators' period, the survey year and the audit cycle.
func TestRebuildFindsEveryKindsPeriods(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	src.insertPlacements(src.placement("s1", "2024/25", "2024/25", placement.First, hartlepool, false, 70, 70, placement.Passed))
	src.insertCapacity(newcastleUni, "2019/20", true, [4]int{2, 12, -1, -1})
	src.insertEducators(middlesbrough, "2023-Q2", 2, 2, 1, 1)
	src.insertSurvey(hartlepool, "2022", [7]any{"Q8.2", "social_worker", 0, 0, 5, 5, 2})
	src.insertAudit(middlesbrough, "2021", [2]string{"S2.1", audit.Green})

	periods, values, err := store.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Placements: 4 metrics; capacity: the fill rate; educators: 2; the survey: 1; the audit: 3.
	if periods != 5 || values != 4+1+2+1+3 {
		t.Errorf("rebuild: %d periods, %d values; want 5 and %d", periods, values, 4+1+2+1+3)
	}
	got, err := store.AreaPeriods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2020", "2021", "2022", "2023-Q2", "2025"}; !slices.Equal(got, want) {
		t.Errorf("periods %v, want %v", got, want)
	}
	for _, tt := range []struct{ period, org, metric string }{
		{"2025", hartlepool, "placement_pass_rate"},
		{"2020", newcastleUni, "placement_fill_rate"},
		{"2023-Q2", middlesbrough, "students_per_practice_educator"},
		{"2022", hartlepool, "survey_agreement_s8"},
		{"2021", middlesbrough, "audit_green_s2"},
	} {
		vs, err := store.OrgValues(ctx, tt.period, []string{tt.org})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(vs, func(v benchmark.Value) bool { return v.Metric == tt.metric }) {
			t.Errorf("%s %s: no %s", tt.period, tt.org, tt.metric)
		}
	}
}

// A placement reported again with its host corrected moves to the new host: the old host, which
// hosts nothing now, is no longer a member, in the period or in its series, rather than keeping
// the value of the earlier computation.
func TestCorrectedHostLeavesNoStaleValue(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	p := src.placement("s9", "2023/24", "2024/25", placement.Final, redcar, true, 100, 100, placement.Passed)
	src.insertPlacements(p)
	if vs, _ := read(t, store, "2025"); !near(vs[[2]string{"placement_pass_rate", redcar}].Value, 100) {
		t.Fatalf("Redcar before the correction: %s, want 100", fmtPtr(vs[[2]string{"placement_pass_rate", redcar}].Value))
	}
	p.HostOrg = middlesbrough
	src.insertPlacements(p)
	vs, as := read(t, store, "2025")
	for k := range vs {
		if k[1] == redcar {
			t.Errorf("Redcar still has %s after the placement moved", k[0])
		}
	}
	if v := vs[[2]string{"placement_pass_rate", middlesbrough}]; !near(v.Value, 100) {
		t.Errorf("Middlesbrough: %s, want 100", fmtPtr(v.Value))
	}
	if a := as[[2]string{"placement_pass_rate", northEast}]; a.Contributors != 1 || !near(a.Value, 100) {
		t.Errorf("North East: %s from %d, want 100 from 1", fmtPtr(a.Value), a.Contributors)
	}
	series, err := store.OrgSeries(ctx, "placement_pass_rate", redcar)
	if err != nil || len(series) != 0 {
		t.Errorf("Redcar's series: %+v, %v; want none", series, err)
	}
	if series, err := store.OrgSeries(ctx, "placement_pass_rate", middlesbrough); err != nil || len(series) != 1 {
		t.Errorf("Middlesbrough's series: %+v, %v; want 2025", series, err)
	}
	if areas, err := store.AreaSeries(ctx, "placement_pass_rate", []string{northEast}); err != nil || len(areas) != 1 || areas[0].Contributors != 1 {
		t.Errorf("North East's series: %+v, %v", areas, err)
	}
}

// A period whose every row is corrected into another period loses its benchmarks, rather than
// keeping those of its last computation.
func TestEmptiedPeriodIsCleared(t *testing.T) {
	src, store := newSources(t)
	ctx := context.Background()
	p := src.placement("s9", "2023/24", "2024/25", placement.Final, redcar, true, 100, 100, placement.Passed)
	src.insertPlacements(p)
	if vs, _ := read(t, store, "2025"); !near(vs[[2]string{"placement_pass_rate", redcar}].Value, 100) {
		t.Fatalf("Redcar in 2025: %s, want 100", fmtPtr(vs[[2]string{"placement_pass_rate", redcar}].Value))
	}
	p.AcademicYear = "2025/26"
	src.insertPlacements(p)
	if _, err := store.Recompute(ctx, "2025", "2026"); err != nil {
		t.Fatal(err)
	}
	if vs, _ := read(t, store, "2026"); !near(vs[[2]string{"placement_pass_rate", redcar}].Value, 100) {
		t.Fatalf("Redcar in 2026: %s, want 100", fmtPtr(vs[[2]string{"placement_pass_rate", redcar}].Value))
	}
	poll.Until(t, 30*time.Second, func() error {
		members, err := store.Members(ctx, "2025", northEast)
		if err != nil {
			t.Fatal(err)
		}
		periods, err := store.AreaPeriods(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) == 0 && slices.Equal(periods, []string{"2026"}) {
			return nil
		}
		return fmt.Errorf("2025 still has %d values; periods %v, want only 2026", len(members), periods)
	})
}

// atoi reads a survey year or an audit cycle, a number in the contract.
func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
