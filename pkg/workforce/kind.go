package workforce

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is the workforce return as a data kind.
var Kind = &kind.Kind[Return]{
	Meta: kind.Meta{
		Name:   submission.KindWorkforce,
		Rows:   "workforce returns",
		Policy: kind.OwnOrAny("employers (role submitter)", auth.RoleSubmitter),
		Tables: []string{"workforce_returns"},
		Docs: kind.Docs{
			Path: "/v1/workforce-returns", Tags: []string{"Workforce"},
			SubmitID: "submit-workforce-returns", Summary: "Submit workforce returns", Description: submitDoc,
			Schema: "workforce-return.v1.json", Title: "Workforce returns", Root: "WorkforceReturns", ListDoc: "One or many workforce returns",
			CSVDoc: "CSV with a header row: the hub's layout (org, period and the figure names) or the DfE published layout",
		},
		List: kind.ListOf("list-workforce-returns", "StoredWorkforceReturns", "Read stored workforce returns",
			"Your organisation's stored returns, the latest version of each organisation and period. Stewards may read any organisation's.",
			"returns", []kind.Param{{Name: "period", Doc: "One period (YYYY or YYYY-Qn); all when empty", MaxLength: 10, Pattern: `^[0-9]{4}(-Q[1-4])?$`}},
			func(ctx context.Context, conn driver.Conn, org string, q kind.Query) ([]Stored, error) {
				return NewStore(conn).List(ctx, org, q["period"])
			}),
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: figures, FiguresOf: figuresOf, Periods: periods},
	},
	Format: &kind.Columns[Return]{List: "returns", Fields: columns(), Aliases: dfeAliases, Ignored: dfeIgnored},
	Key:    func(r *Return) string { return fmt.Sprintf("organisation %s, period %s", r.Org, r.Period) },
	Org:    func(r *Return) string { return r.Org },
	Period: func(r *Return) string { return r.Period },
	Validate: func(r *Return, today time.Time) (errs, warns []submission.RowError) {
		return Validate(*r, today)
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

// columns are the hub's own layout: org, period and every figure. The DfE published layout
// names the organisation and period otherwise (dfeAliases), has descriptions and rates the hub
// does not take (dfeIgnored), and its geographic level must be the local authority's.
func columns() []kind.Field[Return] {
	cols := []kind.Field[Return]{
		kind.Text("org", kind.Required, func(r *Return) *string { return &r.Org }, NormaliseOrg),
		kind.Text("period", kind.Required, func(r *Return) *string { return &r.Period }, strings.TrimSpace),
		kind.GeographicLevel[Return](),
	}
	for _, f := range Fields {
		cols = append(cols, kind.Figure(f.Name, f.Of))
	}
	return cols
}

var (
	dfeAliases = map[string]string{"new_la_code": "org", "time_period": "period"}
	// Columns of the DfE published file that the hub does not take: descriptions it keeps as
	// reference data, and rates it computes itself from the counts.
	dfeIgnored = []string{"time_identifier", "country_code", "country_name", "region_code", "region_name", "old_la_code", "la_name",
		"turnover_rate_fte", "turnover_rate_headcount", "agency_rate_fte", "agency_rate_headcount", "agency_cover_rate_fte",
		"vacancy_rate_fte", "vacancy_agency_cover_rate_fte", "caseload_fte", "absence_rate_fte"}
)

// ReturnFigures gives a workforce return's fields as benchmark figures, by field name.
func ReturnFigures(r *Return) kind.Figures {
	f := kind.Figures{Org: r.Org, Values: make(map[string]measure.Value, len(Fields))}
	for _, fd := range Fields {
		f.Values[fd.Name] = *fd.Of(r)
	}
	return f
}

// selectFigures reads the figures of the returns of some periods in one query (the table is
// ordered by organisation, so each query reads the whole of it). PREWHERE on the period filters
// before FINAL merges versions (every version of a row has the same period), as the store's reads
// of a period do.
var selectFigures = `SELECT org_code, period, ` + figureColumns + `
		FROM workforce_returns FINAL
		PREWHERE has(CAST(? AS Array(String)), period)`

// selectFiguresOf reads the figures of some organisations' returns of one period, through the
// primary key.
var selectFiguresOf = `SELECT org_code, period, ` + figureColumns + `
		FROM workforce_returns FINAL
		PREWHERE org_code IN (SELECT arrayJoin(CAST(? AS Array(String)))) AND period = ?`

func figures(ctx context.Context, conn driver.Conn, periods []string, _ map[string]reference.Organisation) (map[string][]kind.Figures, error) {
	return scanFigures(ctx, conn, selectFigures, periods)
}

func figuresOf(ctx context.Context, conn driver.Conn, period string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	figs, err := scanFigures(ctx, conn, selectFiguresOf, only, period)
	return figs[period], err
}

// scanFigures reads the figures of returns, by period.
func scanFigures(ctx context.Context, conn driver.Conn, query string, args ...any) (map[string][]kind.Figures, error) {
	out := map[string][]kind.Figures{}
	vals := make([]*float64, len(Fields))
	reasons := make([]string, len(Fields))
	dest := make([]any, 0, 2+2*len(Fields))
	var org, period string
	dest = append(dest, &org, &period)
	for i := range Fields {
		dest = append(dest, &vals[i], &reasons[i])
	}
	err := chstore.Scan(ctx, conn, "workforce returns", query, args, func(scan func(...any) error) error {
		if err := scan(dest...); err != nil {
			return err
		}
		f := kind.Figures{Org: org, Values: make(map[string]measure.Value, len(Fields))}
		for i, fd := range Fields {
			f.Values[fd.Name] = measure.FromPtr(vals[i], measure.Reason(reasons[i]))
		}
		out[period] = append(out[period], f)
		return nil
	})
	return out, err
}

func periods(ctx context.Context, conn driver.Conn) ([]string, error) {
	return NewStore(conn).Periods(ctx)
}

// demo is the Department for Education's local-authority workforce figures 2017–2025, as
// published, imported by the demo steward.
func demo() ([]kind.Sample[Return], error) {
	f, err := reference.DfEWorkforce()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return []kind.Sample[Return]{{Client: "demo-steward", Key: "demo-dfe-csww-la-2017-2025", Body: b}}, nil
}

const submitDoc = `One or many workforce returns, as JSON ({"returns": [...]}) or as CSV (Content-Type: text/csv).

CSV takes the hub's own columns (org, period and the figure names of the JSON schema) or the Department for Education's published layout as it is (time_period, new_la_code, …; its rate columns are ignored, since the hub computes rates itself).
A figure is a number, empty or null when not reported, or a DfE symbol saying why it is unknown: x, c, z, u, low. Symbols are kept beside an unknown value, never turned into 0.

The answer comes at once (202) with a submission id; rows are checked and stored in the background. Rows that cannot be read are refused one by one and listed in the submission's status with their row number, field and reason; the rest are stored.
A submitter may only send returns for its own organisation: a submission naming another one is refused whole (403) and nothing is stored. Sending the same Idempotency-Key again within 24 hours returns the first submission.`

// EncodeRows writes returns in the wire form chunks travel in between the API and ingest.
func EncodeRows(rows []Row) ([]byte, error) {
	rs := make([]kind.Row[Return], len(rows))
	for i, r := range rows {
		rs[i] = kind.Row[Return]{Num: r.Row, Value: r.Return}
	}
	return Kind.Format.Encode(rs)
}
