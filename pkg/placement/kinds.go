package placement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is student placements as a data kind: reported by universities, for their own students.
var Kind = &kind.Kind[Placement]{
	Meta: kind.Meta{
		Name:   submission.KindPlacement,
		Rows:   "placements",
		Policy: kind.OwnOrAny("universities (role university)", auth.RoleUniversity),
		Tables: []string{"placements", "placement_history"},
		Docs: kind.Docs{
			Path: "/v1/placements", Tags: []string{"Standard 8"},
			SubmitID: "submit-placements", Summary: "Submit student placements (universities)", Description: placementSubmitDoc,
			Schema: "placement.v1.json", Title: "Placements", Root: "Placements", ListDoc: "Placements, one per student, cohort and stage",
		},
		List: kind.ListOf("list-placements", "StoredPlacements", "Read stored placements",
			"Your university's placements, the latest report of each student, cohort and stage. Stewards may read any organisation's.",
			"placements", []kind.Param{academicYearParam},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]StoredPlacement, error) {
				return NewStore(conn).List(ctx, org, q["academic_year"])
			}),
		// Placements count towards their host, not the university reporting them: read whole; a
		// placement's academic year is not part of its key, so a report can move it.
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: kind.EachPeriod(placementFigures), Moves: true, PeriodOf: ReportingYearOf,
			Periods: kind.Distinct(selectPlacementYears), MovedFrom: movedFrom},
	},
	Format: &kind.Columns[Placement]{List: "placements", Fields: []kind.Field[Placement]{
		kind.Text("org", kind.Required, func(p *Placement) *string { return &p.Org }, normaliseOrg),
		kind.Custom("student_ref", kind.Required, func(p *Placement, s string) error {
			p.StudentRef = lower(s)
			if !isPseudonym(p.StudentRef) {
				p.StudentRef = ""
				return fmt.Errorf("must be a pseudonymous reference of 16 to 64 hex characters (e.g. HMAC-SHA256 of your own student id under a secret you keep), never a name, email or date of birth; the value is not repeated here")
			}
			return nil
		}, func(p *Placement) string { return p.StudentRef }),
		kind.Text("route", kind.Required, func(p *Placement) *string { return &p.Route }, lower),
		kind.Text("cohort", kind.Required, func(p *Placement) *string { return &p.Cohort }, strings.TrimSpace),
		kind.Text("academic_year", kind.Required, func(p *Placement) *string { return &p.AcademicYear }, strings.TrimSpace),
		kind.Text("stage", kind.Required, func(p *Placement) *string { return &p.Stage }, lower),
		kind.Text("host_org", kind.Required, func(p *Placement) *string { return &p.HostOrg }, normaliseOrg),
		kind.Text("setting", kind.Required, func(p *Placement) *string { return &p.Setting }, lower),
		kind.Flag("statutory_tasks", kind.Required, func(p *Placement) *bool { return &p.StatutoryTasks }),
		kind.Text("service_user_group", kind.Required, func(p *Placement) *string { return &p.ServiceUserGroup }, lower),
		kind.Count("planned_days", kind.Required, func(p *Placement) *int { return &p.PlannedDays }),
		kind.MaybeCount("completed_days", func(p *Placement) **int { return &p.CompletedDays }),
		kind.Count("pe_stage", kind.Optional, func(p *Placement) *int { return &p.PEStage }),
		kind.Text("pe_location", kind.Optional, func(p *Placement) *string { return &p.PELocation }, lower),
		kind.Text("outcome", kind.Required, func(p *Placement) *string { return &p.Outcome }, lower),
	}},
	Key: func(p *Placement) string {
		return fmt.Sprintf("university %s, student %s, cohort %s, stage %s", p.Org, p.StudentRef, p.Cohort, p.Stage)
	},
	Org:      func(p *Placement) string { return p.Org },
	Period:   func(p *Placement) string { return p.AcademicYear },
	Validate: func(p *Placement, today time.Time) (errs, warns []submission.RowError) { return Validate(*p, today) },
	// The university must be of type university; the host must be known.
	Refer: func(ctx context.Context, ref kind.Ref, org reference.Organisation, p *Placement) ([]submission.RowError, error) {
		if org.Type != reference.TypeUniversity {
			return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("%s is of type %s: placements are reported by universities", org.Code, org.Type)}}, nil
		}
		if _, ok, err := ref.Orgs.Lookup(ctx, p.HostOrg); err != nil || ok {
			return nil, err
		}
		return []submission.RowError{{Field: "host_org", Reason: fmt.Sprintf("unknown organisation %q: the host must be known to the hub", p.HostOrg)}}, nil
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[Placement]) error {
		stored := make([]StoredPlacement, len(rows))
		for i, r := range rows {
			stored[i] = StoredPlacement{Row: Row{Row: r.Num, Placement: r.Value}, Received: r.Received}
		}
		return NewStore(conn).Insert(ctx, stored)
	},
	Demo: demoPart(func(d *demoData) []kind.Sample[Placement] { return d.placements }),
}

// CapacityKind is placement capacity as a data kind: places universities request, and employers
// offer and confirm.
var CapacityKind = &kind.Kind[Capacity]{
	Meta: kind.Meta{
		Name:   submission.KindPlacementCapacity,
		Rows:   "placement capacity",
		Policy: kind.OwnOrAny("universities (role university) and employers (role submitter)", auth.RoleUniversity, auth.RoleSubmitter),
		Tables: []string{"placement_capacity"},
		Docs: kind.Docs{
			Path: "/v1/placement-capacity", Tags: []string{"Standard 8"},
			SubmitID: "submit-placement-capacity", Summary: "Submit placement capacity: places requested (universities), offered and confirmed (employers)",
			Description: capacitySubmitDoc,
			Schema:      "placement-capacity.v1.json", Title: "Placement capacity", Root: "CapacityList", ListDoc: "Places per organisation, academic year and stage",
		},
		List: kind.ListOf("list-placement-capacity", "StoredCapacityList", "Read stored placement capacity",
			"Your organisation's placement capacity per academic year and stage, the latest of each. Stewards may read any organisation's.",
			"capacity", []kind.Param{academicYearParam},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]StoredCapacity, error) {
				return NewStore(conn).ListCapacity(ctx, org, q["academic_year"])
			}),
		Benchmarks: &kind.Benchmarks{Figures: kind.EachPeriod(capacityFigures), FiguresOf: capacityFigures, PeriodOf: ReportingYearOf,
			Periods: kind.Distinct(selectCapacityYears)},
	},
	Format: &kind.Columns[Capacity]{List: "capacity", Fields: []kind.Field[Capacity]{
		kind.Text("org", kind.Required, func(c *Capacity) *string { return &c.Org }, normaliseOrg),
		kind.Text("academic_year", kind.Required, func(c *Capacity) *string { return &c.AcademicYear }, strings.TrimSpace),
		kind.Text("stage", kind.Required, func(c *Capacity) *string { return &c.Stage }, lower),
		kind.MaybeCount("requested", func(c *Capacity) **int { return &c.Requested }),
		kind.MaybeCount("offered", func(c *Capacity) **int { return &c.Offered }),
		kind.MaybeCount("confirmed", func(c *Capacity) **int { return &c.Confirmed }),
	}},
	Key: func(c *Capacity) string {
		return fmt.Sprintf("organisation %s, academic year %s, stage %s", c.Org, c.AcademicYear, c.Stage)
	},
	Org:    func(c *Capacity) string { return c.Org },
	Period: func(c *Capacity) string { return c.AcademicYear },
	Validate: func(c *Capacity, today time.Time) (errs, warns []submission.RowError) {
		return validateCapacity(*c, today), nil
	},
	// What an organisation reports depends on its type: a university requests places.
	Refer: func(_ context.Context, _ kind.Ref, org reference.Organisation, c *Capacity) ([]submission.RowError, error) {
		return reportedBy(*c, org.Type == reference.TypeUniversity), nil
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[Capacity]) error {
		stored := make([]StoredCapacity, len(rows))
		for i, r := range rows {
			stored[i] = StoredCapacity{CapacityRow: CapacityRow{Row: r.Num, Capacity: r.Value}, Received: r.Received}
		}
		return NewStore(conn).InsertCapacity(ctx, stored)
	},
	Demo: demoPart(func(d *demoData) []kind.Sample[Capacity] { return d.capacity }),
}

// EducatorsKind is practice educators as a data kind: reported by employers.
var EducatorsKind = &kind.Kind[Educators]{
	Meta: kind.Meta{
		Name:   submission.KindPracticeEducators,
		Rows:   "practice educators",
		Policy: kind.OwnOrAny("employers (role submitter)", auth.RoleSubmitter),
		Tables: []string{"practice_educators"},
		Docs: kind.Docs{
			Path: "/v1/practice-educators", Tags: []string{"Standard 8"},
			SubmitID: "submit-practice-educators", Summary: "Submit practice educators (employers)", Description: educatorsSubmitDoc,
			Schema: "practice-educators.v1.json", Title: "Practice educators", Root: "EducatorsList", ListDoc: "Practice educators per employer and period",
		},
		List: kind.ListOf("list-practice-educators", "StoredEducatorsList", "Read stored practice educators",
			"Your organisation's practice educators per period, the latest of each. Stewards may read any organisation's.",
			"educators", []kind.Param{{Name: "period", Doc: "One period (YYYY or YYYY-Qn); all when empty", MaxLength: 10, Pattern: `^[0-9]{4}(-Q[1-4])?$`}},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]StoredEducators, error) {
				return NewStore(conn).ListEducators(ctx, org, q["period"])
			}),
		Benchmarks: &kind.Benchmarks{Figures: kind.EachPeriod(educatorFigures), FiguresOf: educatorFigures, Periods: kind.Distinct(selectEducatorPeriods)},
	},
	Format: &kind.Columns[Educators]{List: "educators", Fields: []kind.Field[Educators]{
		kind.Text("org", kind.Required, func(e *Educators) *string { return &e.Org }, normaliseOrg),
		kind.Text("period", kind.Required, func(e *Educators) *string { return &e.Period }, strings.TrimSpace),
		kind.MaybeCount("stage1", func(e *Educators) **int { return &e.Stage1 }),
		kind.MaybeCount("stage2", func(e *Educators) **int { return &e.Stage2 }),
		kind.MaybeCount("active", func(e *Educators) **int { return &e.Active }),
		kind.MaybeCount("students_supported", func(e *Educators) **int { return &e.StudentsSupported }),
	}},
	Key:    func(e *Educators) string { return fmt.Sprintf("organisation %s, period %s", e.Org, e.Period) },
	Org:    func(e *Educators) string { return e.Org },
	Period: func(e *Educators) string { return e.Period },
	Validate: func(e *Educators, today time.Time) (errs, warns []submission.RowError) {
		return ValidateEducators(*e, today)
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[Educators]) error {
		stored := make([]StoredEducators, len(rows))
		for i, r := range rows {
			stored[i] = StoredEducators{EducatorsRow: EducatorsRow{Row: r.Num, Educators: r.Value}, Received: r.Received}
		}
		return NewStore(conn).InsertEducators(ctx, stored)
	},
	Demo: demoPart(func(d *demoData) []kind.Sample[Educators] { return d.educators }),
}

var academicYearParam = kind.Param{Name: "academic_year", Doc: "One academic year (YYYY/YY); all when empty", MaxLength: 7, Pattern: `^[0-9]{4}/[0-9]{2}$`}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

const placementSubmitDoc = `Student placements, reported by the university, as JSON ({"placements": [...]}) or CSV (Content-Type: text/csv; columns org, student_ref, route, cohort, academic_year, stage, host_org, setting, statutory_tasks, service_user_group, planned_days, completed_days, pe_stage, pe_location, outcome).

No student is ever named. student_ref is a pseudonym the university derives itself: hex(HMAC-SHA256(secret, its own student id)) truncated to 32 characters, with a secret only the university keeps, so the same student has the same reference every time and nobody without the secret can go back to the student. A reference that is not 16 to 64 hex characters refuses the row (its value is not repeated in the status), and a column or field the schema does not list (a name, an email, a date of birth) refuses the body (CSV) or the row (JSON).

A placement is keyed by university, student, cohort and stage (skills_days, first, final). Report it again as it progresses (planned, ongoing, then passed, failed, withdrawn or deferred): the latest report replaces the earlier one, which is kept as history.
Rules, checked in the background: the host organisation must be known to the hub; completed days at most planned days plus 5 (a placement may run a few days over to make up absence); a passed or failed placement says how many days were completed. Warnings only (stored, listed under warnings): fewer days planned than the stage requires (30 skills days, 70 for the first placement, 100 for the final), or a placement passed with fewer days completed than that.

Only a university (role university) may send placements, and only its own (org is its UKPRN): a submission naming another organisation is refused whole (403). Stewards may send any.`

const capacitySubmitDoc = `Placement capacity per organisation, academic year (YYYY/YY) and stage, as JSON ({"capacity": [...]}) or CSV (columns org, academic_year, stage, requested, offered, confirmed).

A university reports the places it requests; an employer the places it offers and those it has confirmed (at most those offered). A figure left empty is not reported, never 0. A later row for the same organisation, year and stage replaces the earlier one.
Universities (role university) and employers (role submitter) send their own organisation's capacity only: a submission naming another organisation is refused whole (403). Stewards may send any.`

const educatorsSubmitDoc = `An employer's practice educators per period (YYYY, the snapshot at 30 September, or YYYY-Qn), as JSON ({"educators": [...]}) or CSV (columns org, period, stage1, stage2, active, students_supported).

Active educators (those who supported a student this year) are at most stage 1 plus stage 2 educators; students supported with no active educator is a warning. A figure left empty is not reported. A later row for the same employer and period replaces the earlier one.
An employer (role submitter) sends its own organisation's figures only: a submission naming another organisation is refused whole (403). Stewards may send any.`
