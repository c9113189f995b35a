package demand

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is service demand as a data kind: reported by councils for themselves, and by stewards
// for any local authority (the DfE files, as make demo imports them).
var Kind = &kind.Kind[Return]{
	Meta: kind.Meta{
		Name:   submission.KindServiceDemand,
		Rows:   "service demand rows",
		Policy: kind.OwnOrAny("councils (role submitter)", auth.RoleSubmitter),
		Tables: []string{"service_demand"},
		Docs: kind.Docs{
			Path: "/v1/service-demand", Tags: []string{"Demand"},
			SubmitID: "submit-service-demand", Summary: "Submit service demand: children in need, children looked after and the child population",
			Description: submitDoc,
			Schema:      "service-demand.v1.json", Title: "Service demand", Root: "ServiceDemand",
			ListDoc: "One or many local authorities' demand figures for a reporting year (the year to 31 March)",
			CSVDoc:  "CSV with a header row: the hub's layout (org, period and the figure names), or the DfE children in need file (table B1) or children looked after file as published",
		},
		List: kind.ListOf("list-service-demand", "StoredServiceDemand", "Read stored service demand",
			"Your local authority's stored demand figures per reporting year, the latest of each figure, with the submission that last gave one. Stewards may read any organisation's.",
			"demand", []kind.Param{{Name: "period", Doc: "One reporting year (YYYY: the year to 31 March); all when empty", MaxLength: 4, Pattern: `^[0-9]{4}$`}},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]Stored, error) {
				return NewStore(conn).List(ctx, org, q["period"])
			}),
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: kind.EachPeriod(figures), FiguresOf: figures, ByAuthority: true,
			Periods: kind.Distinct(selectDemandPeriods)},
	},
	Format: format{columns},
	Key:    func(r *Return) string { return fmt.Sprintf("organisation %s, period %s", r.Org, r.Period) },
	Org:    func(r *Return) string { return r.Org },
	Period: func(r *Return) string { return r.Period },
	Validate: func(r *Return, today time.Time) (errs, warns []submission.RowError) {
		return Validate(*r, today)
	},
	// The DfE counts demand per local authority; a joint workforce return's authorities report
	// theirs one by one.
	Refer: func(_ context.Context, _ kind.Ref, org reference.Organisation, _ *Return) ([]submission.RowError, error) {
		if org.Type != reference.TypeLocalAuthority {
			return []submission.RowError{{Field: "org", Reason: fmt.Sprintf("%s is of type %s: service demand is reported for local authorities", org.Code, org.Type)}}, nil
		}
		return nil, nil
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[Return]) error {
		stored := make([]Stored, len(rows))
		for i, r := range rows {
			stored[i] = Stored{Row: Row{Row: r.Num, Return: r.Value}, SubmissionID: r.SubmissionID, SubmittedBy: r.SubmittedBy, ReceivedAt: r.ReceivedAt}
		}
		return NewStore(conn).Insert(ctx, stored)
	},
	Demo: demo,
}

// The figures of service demand the benchmarks and projections read, by their names (Fields).
const (
	FigChildrenInNeed  = "cin_at_31_march"
	FigLookedAfter     = "cla_at_31_march"
	FigChildPopulation = "child_population"
)

// Metrics are Standard 2's demand benchmarks. Lower is ranked first: less need for the service
// per child, or fewer children in need for each social worker holding cases. A rate of need
// measures pressure on the service, not its quality. The demand year to 31 March YYYY is set
// beside the workforce snapshot of 30 September YYYY (see the package documentation).
var Metrics = kind.Standard(2, submission.KindServiceDemand,
	kind.Metric{ID: "children_in_need_per_10000", Label: "Children in need per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Formula:   "children in need at 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{FigChildPopulation}, Scale: 10000},
	kind.Metric{ID: "children_in_need_per_case_holder", Label: "Children in need per case-holding FTE", Unit: "children per FTE", HigherIsBetter: false,
		Formula:   "children in need at 31 March ÷ case-holders FTE at 30 September of the same year (the workforce return of the period)",
		Numerator: []string{FigChildrenInNeed}, Denominator: []string{"case_holders_fte"}, Scale: 1},
	kind.Metric{ID: "children_looked_after_per_10000", Label: "Children looked after per 10,000 children", Unit: "per 10,000 children", HigherIsBetter: false,
		Formula:   "children looked after on 31 March ÷ child population 0–17 × 10,000 (the year to 31 March of the period's year)",
		Numerator: []string{FigLookedAfter}, Denominator: []string{FigChildPopulation}, Scale: 10000},
)

// figures reads the demand figures of a period, every organisation's or (only not nil) some
// organisations' through the primary key: each figure given (a number or a DfE symbol), under
// its name.
func figures(ctx context.Context, conn driver.Conn, period string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	q, args := kind.Pick(selectFigures, selectFiguresOf, period, only)
	g := kind.Gather{}
	var (
		org, figure, reason string
		value               *float64
	)
	err := chstore.Scan(ctx, conn, "service demand", q, args, func(scan func(...any) error) error {
		if err := scan(&org, &figure, &value, &reason); err != nil {
			return err
		}
		g.Add(org, figure, measure.FromPtr(value, measure.Reason(reason)))
		return nil
	})
	return g.List(), err
}

const submitDoc = `One or many local authorities' service demand for a reporting year (the year to 31 March), as JSON ({"demand": [...]}) or as CSV (Content-Type: text/csv): children in need (at 31 March, episodes and children in the year, started, ended, awaiting assessment), children looked after (on 31 March, starting, ceasing) and the child population 0–17.

CSV takes the hub's own columns (org, period and the figure names of the JSON schema) or either Department for Education file as it is published: the children in need file (table B1: time_period, new_la_code, Anypoint_episodes, …, At31_episodes, awaiting_assessment) or the children looked after file (one row per authority, year and population_type, with children_count and population_estimate, the rows of an authority and year one after another as the DfE publishes them: they are gathered into one row). Names, region codes and rates are set aside; only local authorities' rows are taken.
A figure is a whole number, empty or null when not reported, or a DfE symbol saying why it is unknown: x, c, z, u, low. Symbols are kept beside an unknown value, never turned into 0. Each figure is kept on its own: a submission replaces the figures it gives and leaves the others, so the two DfE files may be sent one after the other.

The answer comes at once (202) with a submission id; rows are checked and stored in the background, refused rows listed in the submission's status with their row number, field and reason.
A council may only send its own authority's demand: a submission naming another one is refused whole (403) and nothing is stored; stewards may send any local authority's. Sending the same Idempotency-Key again within 24 hours returns the first submission.`

// demo is the Department for Education's local-authority figures as published, imported by the
// demo steward: children in need 2013–2025, then children looked after and the child population
// 2021–2025.
func demo() ([]kind.Sample[Return], error) {
	cin, err := reference.DfEChildrenInNeed()
	if err != nil {
		return nil, err
	}
	cla, err := reference.DfEChildrenLookedAfter()
	if err != nil {
		return nil, err
	}
	return []kind.Sample[Return]{
		{Client: "demo-steward", Key: "demo-dfe-children-in-need-la-2013-2025", Body: cin},
		{Client: "demo-steward", Key: "demo-dfe-children-looked-after-la-2021-2025", Body: cla},
	}, nil
}
