package demand

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
)

// Stored is a return as it is kept: with the latest submission that gave one of its figures.
type Stored struct {
	Row
	SubmissionID string    `json:"submission_id"`
	SubmittedBy  string    `json:"submitted_by"`
	ReceivedAt   time.Time `json:"received_at"`
}

// Store keeps service demand in ClickHouse (migration 0010), one row a figure.
type Store struct{ conn driver.Conn }

// NewStore returns a store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

const (
	insertDemand  = `INSERT INTO service_demand (org_code, period, figure, value, reason, submission_id, row_number, submitted_by, received_at, version)`
	demandColumns = `org_code, period, figure, value, reason, submission_id, row_number, submitted_by, received_at`
	selectDemand  = `SELECT ` + demandColumns + ` FROM service_demand FINAL
		WHERE org_code = ? AND (? = '' OR period = ?)
		ORDER BY period, figure`
	selectDemandPeriods = `SELECT DISTINCT period FROM service_demand ORDER BY period`
	// selectFigures reads every organisation's figures of a period. PREWHERE on a key column
	// filters before FINAL merges versions (every version of a row has the same period): faster
	// on ClickHouse 18.16, the same result.
	selectFigures = `SELECT org_code, figure, value, reason FROM service_demand FINAL
		PREWHERE period = ?`
	// selectFiguresOf reads some organisations' figures of a period, through the primary key.
	selectFiguresOf = `SELECT org_code, figure, value, reason FROM service_demand FINAL` + kind.OfOrgs + ` AND period = ?`
)

// Insert writes the figures each row gives (a number or a DfE symbol) in one batch; a figure not
// reported is not written, so the one stored before stays. Rows carry their version (the time the
// submission was received), so inserting the same rows again after a redelivery replaces rather
// than adds.
func (s *Store) Insert(ctx context.Context, rows []Stored) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(chstore.BatchContext(ctx), insertDemand)
	if err != nil {
		return fmt.Errorf("insert service demand: %w", err)
	}
	for i := range rows {
		r := &rows[i]
		at, version := r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())
		for _, f := range Fields {
			v := f.Of(&r.Return)
			if !v.Reported() {
				continue
			}
			if err := b.Append(r.Org, r.Period, f.Name, v.Ptr(), string(v.Reason), r.SubmissionID, uint32(r.Row.Row), r.SubmittedBy, at, version); err != nil {
				_ = b.Abort()
				return fmt.Errorf("insert service demand: %w", err)
			}
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert service demand: %w", err)
	}
	return nil
}

// List reads an organisation's stored demand, for one period or (period "") all.
func (s *Store) List(ctx context.Context, org, period string) ([]Stored, error) {
	return s.query(ctx, selectDemand, org, period, period)
}

// query reads figure rows and gathers them into one return per organisation and period, with the
// submission of its latest figure.
func (s *Store) query(ctx context.Context, q string, args ...any) ([]Stored, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list service demand: %w", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var (
			org, p, figure, reason, id, by string
			value                          *float64
			row                            uint32
			at                             time.Time
		)
		if err := rows.Scan(&org, &p, &figure, &value, &reason, &id, &row, &by, &at); err != nil {
			return nil, fmt.Errorf("list service demand: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].Org != org || out[n-1].Period != p {
			out = append(out, Stored{Row: Row{Return: Return{Org: org, Period: p}}})
		}
		st := &out[len(out)-1]
		if at.After(st.ReceivedAt) || st.SubmissionID == "" {
			st.SubmissionID, st.SubmittedBy, st.ReceivedAt, st.Row.Row = id, by, at, int(row)
		}
		if f, ok := FieldByName(figure); ok {
			*f.Of(&st.Return) = measure.FromPtr(value, measure.Reason(reason))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list service demand: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Stored) int { return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Period, b.Period)) })
	return out, nil
}
