package placement_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
)

var today = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func intp(n int) *int { return &n }

func goodPlacement() placement.Placement {
	return placement.Placement{
		Org: "10007799", StudentRef: placement.StudentRef([]byte("secret"), "S1234567"), Route: "postgraduate",
		Cohort: "2024/25", AcademicYear: "2025/26", Stage: placement.Final, HostOrg: "E06000001", Setting: "la",
		StatutoryTasks: true, ServiceUserGroup: "children_and_families", PlannedDays: 100, CompletedDays: intp(100),
		PEStage: 2, PELocation: "on_site", Outcome: placement.Passed,
	}
}

func TestStudentRef(t *testing.T) {
	a, b := placement.StudentRef([]byte("k1"), "S1"), placement.StudentRef([]byte("k2"), "S1")
	if len(a) != placement.StudentRefLength || a == b || a != placement.StudentRef([]byte("k1"), "S1") {
		t.Errorf("refs %q %q: want 32 hex characters, stable for one secret, different across secrets", a, b)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name        string
		change      func(p *placement.Placement)
		errs, warns []string // fields
	}{
		{"a good final placement", func(*placement.Placement) {}, nil, nil},
		{"completed within the tolerance", func(p *placement.Placement) { p.CompletedDays = intp(100 + placement.OverrunTolerance) }, nil, nil},
		{"completed above planned beyond the tolerance", func(p *placement.Placement) { p.CompletedDays = intp(100 + placement.OverrunTolerance + 1) }, []string{"completed_days"}, nil},
		{"a final placement planned short is a warning", func(p *placement.Placement) { p.PlannedDays, p.CompletedDays = 90, intp(90) }, nil, []string{"planned_days", "completed_days"}},
		{"a final placement passed short is a warning", func(p *placement.Placement) { p.CompletedDays = intp(97) }, nil, []string{"completed_days"}},
		{"a short first placement withdrawn is no warning about completion", func(p *placement.Placement) {
			p.Stage, p.PlannedDays, p.CompletedDays, p.Outcome = placement.First, 70, intp(20), placement.Withdrawn
		}, nil, nil},
		{"a passed placement without completed days", func(p *placement.Placement) { p.CompletedDays = nil }, []string{"completed_days"}, nil},
		{"a name as the student reference", func(p *placement.Placement) { p.StudentRef = "jane.doe@example.ac.uk" }, []string{"student_ref"}, nil},
		{"unknown route, stage and outcome", func(p *placement.Placement) { p.Route, p.Stage, p.Outcome = "ba", "middle", "done" }, []string{"route", "stage", "outcome"}, nil},
		{"placement before its cohort", func(p *placement.Placement) { p.AcademicYear = "2023/24" }, []string{"academic_year"}, nil},
		{"a cohort not begun", func(p *placement.Placement) { p.Cohort, p.AcademicYear = "2027/28", "2027/28" }, []string{"cohort"}, nil},
		{"a malformed academic year", func(p *placement.Placement) { p.AcademicYear = "2025/27" }, []string{"academic_year"}, nil},
		{"practice educator stage 3", func(p *placement.Placement) { p.PEStage = 3 }, []string{"pe_stage"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := goodPlacement()
			tt.change(&p)
			errs, warns := placement.Validate(p, today)
			if got := fields(errs); !slices.Equal(got, tt.errs) {
				t.Errorf("errors %+v, want on %v", errs, tt.errs)
			}
			if got := fields(warns); !slices.Equal(got, tt.warns) {
				t.Errorf("warnings %+v, want on %v", warns, tt.warns)
			}
		})
	}
}

func TestFromRecordNeverEchoesTheStudentReference(t *testing.T) {
	d, err := placement.Kind.ReadAll(kind.Body{CSV: true, R: strings.NewReader(strings.Join(placement.Kind.Columns(), ",") + "\n" +
		"10007799,Jane Doe 1999-04-01,undergraduate,2024/25,2024/25,first,E06000001,la,yes,adults,70,,1,on_site,ongoing\n")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 0 || len(d.Rejected) != 1 || d.Rejected[0].Field != "student_ref" || strings.Contains(d.Rejected[0].Reason, "Jane") {
		t.Errorf("decoded %+v", d)
	}
	if _, err := placement.Kind.ReadAll(kind.Body{CSV: true, R: strings.NewReader("org,student_ref,name\n10007799,abc,Jane\n")}); err == nil {
		t.Error("a name column was taken")
	}
}

func TestValidateCapacity(t *testing.T) {
	tests := []struct {
		name       string
		c          placement.Capacity
		university bool
		errs       []string
	}{
		{"a university requests", placement.Capacity{Org: "10007799", AcademicYear: "2026/27", Stage: "final", Requested: intp(40)}, true, nil},
		{"an employer offers and confirms", placement.Capacity{Org: "E06000001", AcademicYear: "2025/26", Stage: "first", Offered: intp(10), Confirmed: intp(8)}, false, nil},
		{"a university may not offer", placement.Capacity{Org: "10007799", AcademicYear: "2025/26", Stage: "final", Offered: intp(4)}, true, []string{"offered"}},
		{"an employer may not request", placement.Capacity{Org: "E06000001", AcademicYear: "2025/26", Stage: "final", Requested: intp(4)}, false, []string{"requested"}},
		{"confirmed above offered", placement.Capacity{Org: "E06000001", AcademicYear: "2025/26", Stage: "final", Offered: intp(4), Confirmed: intp(5)}, false, []string{"confirmed"}},
		{"no figures", placement.Capacity{Org: "E06000001", AcademicYear: "2025/26", Stage: "final"}, false, []string{""}},
		{"two years ahead", placement.Capacity{Org: "E06000001", AcademicYear: "2028/29", Stage: "final", Offered: intp(1)}, false, []string{"academic_year"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fields(placement.ValidateCapacity(tt.c, tt.university, today)); !slices.Equal(got, tt.errs) {
				t.Errorf("errors on %v, want %v", got, tt.errs)
			}
		})
	}
}

func TestValidateEducators(t *testing.T) {
	tests := []struct {
		name        string
		e           placement.Educators
		errs, warns []string
	}{
		{"good", placement.Educators{Org: "E06000001", Period: "2025", Stage1: intp(3), Stage2: intp(5), Active: intp(6), StudentsSupported: intp(9)}, nil, nil},
		{"more active than qualified", placement.Educators{Org: "E06000001", Period: "2025", Stage1: intp(1), Stage2: intp(1), Active: intp(3)}, []string{"active"}, nil},
		{"students with no active educator", placement.Educators{Org: "E06000001", Period: "2025-Q2", Active: intp(0), StudentsSupported: intp(2)}, nil, []string{"students_supported"}},
		{"an academic year", placement.Educators{Org: "E06000001", Period: "2025/26", Active: intp(1)}, []string{"period"}, nil},
		{"a future year", placement.Educators{Org: "E06000001", Period: "2027", Active: intp(1)}, []string{"period"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, warns := placement.ValidateEducators(tt.e, today)
			if !slices.Equal(fields(errs), tt.errs) || !slices.Equal(fields(warns), tt.warns) {
				t.Errorf("errors %+v warnings %+v, want %v and %v", errs, warns, tt.errs, tt.warns)
			}
		})
	}
}

// TestStoreKeepsTheLatestAndTheHistory: a placement reported as planned and then as passed is
// one row (the latest), with both reports in the history; a redelivered chunk adds nothing.
func TestStoreKeepsTheLatestAndTheHistory(t *testing.T) {
	conn, _ := chtest.New(t)
	store := placement.NewStore(conn)
	ctx := context.Background()
	p := goodPlacement()
	planned := p
	planned.Outcome, planned.CompletedDays = placement.Planned, nil
	first := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	reports := []placement.StoredPlacement{
		{Row: placement.Row{Row: 2, Placement: planned}, Received: placement.Received{SubmissionID: "a", SubmittedBy: "u", ReceivedAt: first}},
		{Row: placement.Row{Row: 2, Placement: p}, Received: placement.Received{SubmissionID: "b", SubmittedBy: "u", ReceivedAt: first.Add(24 * time.Hour)}},
	}
	for _, batch := range [][]placement.StoredPlacement{reports[:1], reports[1:], reports[1:]} { // the last is a redelivery
		if err := store.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.List(ctx, "10007799", "2025/26")
	if err != nil || len(got) != 1 || got[0].Outcome != placement.Passed || got[0].CompletedDays == nil || *got[0].CompletedDays != 100 || !got[0].StatutoryTasks {
		t.Fatalf("latest %+v (%v)", got, err)
	}
	hist, err := store.History(ctx, "10007799", p.StudentRef)
	if err != nil || len(hist) != 2 || hist[0].Outcome != placement.Planned || hist[0].CompletedDays != nil || hist[1].SubmissionID != "b" {
		t.Errorf("history %+v (%v)", hist, err)
	}
	c := placement.StoredCapacity{CapacityRow: placement.CapacityRow{Row: 2, Capacity: placement.Capacity{Org: "E06000001", AcademicYear: "2025/26", Stage: "final", Offered: intp(5), Confirmed: intp(0)}},
		Received: placement.Received{SubmissionID: "c", ReceivedAt: first}}
	if err := store.InsertCapacity(ctx, []placement.StoredCapacity{c, c}); err != nil {
		t.Fatal(err)
	}
	caps, err := store.ListCapacity(ctx, "E06000001", "")
	if err != nil || len(caps) != 1 || caps[0].Requested != nil || *caps[0].Confirmed != 0 || *caps[0].Offered != 5 {
		t.Errorf("capacity %+v (%v): unknown must stay unknown and 0 stay 0", caps, err)
	}
	e := placement.StoredEducators{EducatorsRow: placement.EducatorsRow{Row: 2, Educators: placement.Educators{Org: "RX4", Period: "2025", Stage2: intp(4)}},
		Received: placement.Received{SubmissionID: "e", ReceivedAt: first}}
	if err := store.InsertEducators(ctx, []placement.StoredEducators{e}); err != nil {
		t.Fatal(err)
	}
	eds, err := store.ListEducators(ctx, "RX4", "2025")
	if err != nil || len(eds) != 1 || eds[0].Stage1 != nil || *eds[0].Stage2 != 4 {
		t.Errorf("educators %+v (%v)", eds, err)
	}
}

func fields(errs []submission.RowError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}
