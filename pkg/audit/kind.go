package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is the employer audit as a data kind: an employer sends its own, a steward anyone's.
var Kind = &kind.Kind[Rating]{
	Meta: kind.Meta{
		Name:   submission.KindAudit,
		Rows:   "audit submissions",
		Policy: kind.OwnOrAny("employers (role submitter)", auth.RoleSubmitter),
		Tables: []string{"audit_ratings"},
		Docs: kind.Docs{
			Path: "/v1/audit-submissions", Tags: []string{"Audits"},
			SubmitID: "submit-audit", Summary: "Submit an employer audit (self-assessment against the standards)", Description: submitDoc,
			Schema: "audit-submission.v1.json", Title: "Audit submissions", Root: "AuditRatings", ListDoc: "Rated items",
		},
		Benchmarks: &kind.Benchmarks{Metrics: Metrics, Figures: kind.EachPeriod(figures), FiguresOf: figures, Periods: kind.Distinct(selectCycles)},
	},
	Format: &kind.Columns[Rating]{List: "items", Fields: []kind.Field[Rating]{
		kind.Text("org", kind.Required, func(r *Rating) *string { return &r.Org }, upper),
		kind.Year("cycle", kind.Required, func(r *Rating) *int { return &r.Cycle }),
		kind.Text("item", kind.Required, func(r *Rating) *string { return &r.Item }, upper),
		kind.Text("rating", kind.Required, func(r *Rating) *string { return &r.Rating }, lower),
		kind.Text("evidence", kind.Required, func(r *Rating) *string { return &r.Evidence }, nil),
		kind.Text("priority", kind.Required, func(r *Rating) *string { return &r.Priority }, lower),
		kind.Text("action", kind.Optional, func(r *Rating) *string { return &r.Action }, nil),
		kind.Text("owner", kind.Optional, func(r *Rating) *string { return &r.Owner }, nil),
		kind.Text("due", kind.Optional, func(r *Rating) *string { return &r.Due }, strings.TrimSpace),
	}},
	Key: func(r *Rating) string {
		return fmt.Sprintf("organisation %s, cycle %d, item %s", r.Org, r.Cycle, r.Item)
	},
	Org:    func(r *Rating) string { return r.Org },
	Period: func(r *Rating) string { return strconv.Itoa(r.Cycle) },
	Validate: func(r *Rating, today time.Time) (errs, warns []submission.RowError) {
		fw, err := LoadFramework()
		if err != nil {
			return []submission.RowError{{Field: "item", Reason: "audit framework: " + err.Error()}}, nil
		}
		c, errs := Validate(*r, fw, today)
		r.checked = &c
		return errs, nil
	},
	Insert: func(ctx context.Context, conn driver.Conn, rows []kind.Stored[Rating]) error {
		stored := make([]Stored, len(rows))
		for i, r := range rows {
			c := *r.Value.checked
			c.Row = Row{Row: r.Num, Rating: r.Value}
			stored[i] = Stored{Checked: c, SubmissionID: r.SubmissionID, SubmittedBy: r.SubmittedBy, ReceivedAt: r.ReceivedAt}
		}
		return NewStore(conn).Insert(ctx, stored)
	},
	Demo: demo,
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// lower reads a value of an enumeration in any letter case.
func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// FigAudit names the number of a standard's audit items with a rating; FigAuditRated all rated.
func FigAudit(std int, rating string) string {
	return fmt.Sprintf("audit_%s_s%d", strings.ToLower(rating), std)
}
func FigAuditRated(std int) string { return fmt.Sprintf("audit_rated_s%d", std) }

// BenchmarkStandards are the standards whose audit RAG mix is benchmarked.
var BenchmarkStandards = []int{2, 8}

// Metrics are, for each benchmarked standard, the shares of its items rated green, amber and red.
var Metrics = func() []kind.Metric {
	var out []kind.Metric
	for _, std := range BenchmarkStandards {
		out = append(out, kind.Standard(std, submission.KindAudit, Share(std, Green), Share(std, Amber), Share(std, Red))...)
	}
	return out
}()

// Share is the share of a standard's audit items with one rating. Green is better; amber and red
// are ranked lower-is-better, an amber item being one not yet met in full.
func Share(std int, rating string) kind.Metric {
	words := strings.ToLower(rating)
	return kind.Metric{ID: fmt.Sprintf("audit_%s_s%d", words, std), Label: fmt.Sprintf("Audit: Standard %d items rated %s", std, rating),
		Unit: "%", HigherIsBetter: rating == Green,
		Formula:   fmt.Sprintf("items of Standard %d rated %s ÷ items of Standard %d rated × 100, latest rating of each item in the audit cycle", std, rating, std),
		Numerator: []string{FigAudit(std, rating)}, Denominator: []string{FigAuditRated(std)}, Scale: 100}
}

// The current rating of an item is its latest submission's. The "Of" twin reads only the
// organisations bound first (kind.OfOrgs).
const (
	selectBenchmarkFigures   = `SELECT ` + auditCounts + auditFrom + auditWhere
	selectBenchmarkFiguresOf = `SELECT ` + auditCounts + auditFrom + kind.OfOrgs + auditWhere

	auditCounts = `org_code, standard, countIf(rating = 'GREEN'), countIf(rating = 'AMBER'), countIf(rating = 'RED'), count()
		FROM (
			SELECT org_code, item_id, standard, rating`
	auditFrom = `
			FROM audit_ratings FINAL`
	auditWhere = `
			WHERE cycle = ? AND standard IN (2, 8)
			ORDER BY org_code, item_id, version DESC
			LIMIT 1 BY org_code, item_id
		)
		GROUP BY org_code, standard`
)

// selectCycles lists the audit cycles with stored ratings.
const selectCycles = `SELECT DISTINCT toString(cycle) FROM audit_ratings`

func figures(ctx context.Context, conn driver.Conn, period string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	year, err := strconv.Atoi(period)
	if err != nil || len(period) != 4 {
		return nil, nil
	}
	g := kind.Gather{}
	q, args := kind.Pick(selectBenchmarkFigures, selectBenchmarkFiguresOf, uint16(year), only)
	err = chstore.Scan(ctx, conn, "audit ratings", q, args, func(scan func(...any) error) error {
		var (
			org                      string
			std                      uint8
			green, amber, red, rated uint64
		)
		if err := scan(&org, &std, &green, &amber, &red, &rated); err != nil {
			return err
		}
		g.Add(org, FigAudit(int(std), Green), kind.Known(green))
		g.Add(org, FigAudit(int(std), Amber), kind.Known(amber))
		g.Add(org, FigAudit(int(std), Red), kind.Known(red))
		g.Add(org, FigAuditRated(int(std)), kind.Known(rated))
		return nil
	})
	return g.List(), err
}

const submitDoc = `An employer's self-assessment against the Standards for employers of social workers in England, as JSON ({"items": [...]}) or CSV (Content-Type: text/csv; columns org, cycle, item, rating, evidence, priority, action, owner, due).

Each row rates one item of the audit framework version the cycle uses (item ids such as S2.1: standard 2, item 1) red, amber or green, with the evidence and a priority (low, medium, high; both read in any letter case, so RED and HIGH as version 1.0.0 documented them are still taken), and optionally the planned action, the role that owns it and its due date (an action needs both).
Partial submissions are fine: a later rating of the same item and cycle replaces the earlier one as the current rating, and the earlier one is kept as history.

Evidence, action and owner are plain text, shown in web pages: at most 2000, 500 and 100 characters, no < or >, no control characters other than new line and tab, no bidirectional formatting characters, and not starting with =, + or @ (a spreadsheet would run it as a formula). Text that breaks the rule is refused, never altered.

The answer comes at once (202) with a submission id; rows are checked in the background, and refused ones (unknown items, ratings off the scale, a cycle in the future, text with markup …) are listed in the submission's status with their row number, field and reason; the rest are stored.
A submitter may only send its own organisation's audit: a submission naming another is refused whole (403). Stewards may send any organisation's.`
