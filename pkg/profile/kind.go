package profile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Name is the kind's name, on subjects (hub.submit.workforce_profile.<org>) and in events.
const Name = "workforce_profile"

// Kind is the workforce profile as a data kind: reported by employers, for their own staff.
var Kind = &kind.Kind[LevelProfile]{
	Meta: kind.Meta{
		Name:   Name,
		Rows:   "workforce profile rows",
		Policy: kind.OwnOrAny("employers (role submitter)", auth.RoleSubmitter),
		Tables: []string{"workforce_profile"},
		Docs: kind.Docs{
			Path: "/v1/workforce-profile", Tags: []string{"Workforce"},
			SubmitID: "submit-workforce-profile", Summary: "Submit the workforce profile: headcount by ethnic group, sex, age band and disability per role level",
			Description: submitDoc,
			Schema:      "workforce-profile.v1.json", Title: "Workforce profile", Root: "WorkforceProfile",
			ListDoc: "Rows per employer, reporting year and role level",
		},
		List: kind.ListOf("list-workforce-profile", "StoredWorkforceProfile", "Read the stored workforce profile",
			"Your organisation's workforce profile per reporting year and role level, the latest of each. Stewards may read any organisation's.",
			"profile", []kind.Param{{Name: "year", Doc: "One reporting year (YYYY); all when empty", Minimum: 2000, Maximum: 2100}},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]StoredLevelProfile, error) {
				return List(ctx, conn, org, q["year"])
			}),
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: kind.EachPeriod(figures), FiguresOf: figures, Periods: kind.Distinct(selectProfileYears)},
	},
	Format: &kind.Columns[LevelProfile]{List: "profile", Fields: fields()},
	Key: func(p *LevelProfile) string {
		return fmt.Sprintf("organisation %s, year %d, level %s", p.Org, p.Year, p.Level)
	},
	Org:    func(p *LevelProfile) string { return p.Org },
	Period: func(p *LevelProfile) string { return strconv.Itoa(p.Year) },
	Validate: func(p *LevelProfile, today time.Time) (errs, warns []submission.RowError) {
		return Validate(*p, today), nil
	},
	Insert: Insert,
	Demo:   demo,
}

// fields are the kind's columns: org, year, level, headcount, then each dimension's counts.
func fields() []kind.Field[LevelProfile] {
	out := []kind.Field[LevelProfile]{
		kind.Text("org", kind.Required, func(p *LevelProfile) *string { return &p.Org }, upper),
		// A number in JSON, never a string: the kind is newer than the string years of version 1.0.0
		// that kind.Year still takes.
		kind.Count("year", kind.Required, func(p *LevelProfile) *int { return &p.Year }),
		kind.Text("level", kind.Required, func(p *LevelProfile) *string { return &p.Level }, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }),
		kind.Count("headcount", kind.Required, func(p *LevelProfile) *int { return &p.Headcount }),
	}
	for d, dim := range Dimensions {
		for g, grp := range dim.Groups {
			out = append(out, kind.MaybeCount(Column(dim.ID, grp.ID), func(p *LevelProfile) **int { return p.Counts()[d][g] }))
		}
	}
	return out
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

const submitDoc = `An employer's workforce profile, as JSON ({"profile": [...]}) or CSV (Content-Type: text/csv; columns org, year, level, headcount, then each group's count: ethnicity_asian, ethnicity_black, ethnicity_mixed, ethnicity_white, ethnicity_other, ethnicity_not_known, sex_female, sex_male, sex_not_known, age_under_30, age_30_to_39, age_40_to_49, age_50_to_59, age_60_and_over, age_not_known, disability_yes, disability_no, disability_not_known).

One row per employer, reporting year (the snapshot at 30 September) and role level (case_holder, senior_practitioner, first_line_manager, middle_manager, senior_manager): the headcount of social workers at the level, and for each dimension (the census's major ethnic groups, sex, age band, disability) the headcount in each group, those whose group is not known included. A dimension is given whole, its counts adding up to the headcount, or left empty when it is not recorded; small counts are sent as they are: the hub withholds small figures when it publishes them (fewer than 10 people, and any figure that would let one be worked out).
Refused rows (an unknown level, a dimension given in part or not adding up to the headcount, a year whose snapshot is in the future …) are listed in the submission's status with their row number, field and reason; the rest are stored. A newer row for the same employer, year and level replaces the older one.

An employer (role submitter) sends its own organisation's profile only: a submission naming another organisation is refused whole (403). Stewards may send any.`
