package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// Stored is a rating as it is kept: with the submission it came in.
type Stored struct {
	Checked
	SubmissionID string
	SubmittedBy  string
	ReceivedAt   time.Time
}

// Store keeps audit ratings in ClickHouse.
type Store struct {
	conn driver.Conn
}

// NewStore returns a store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

const (
	insertStandards = `INSERT INTO audit_standards (standard, title)`
	insertVersions  = `INSERT INTO audit_framework_versions (version, first_cycle, description)`
	insertItems     = `INSERT INTO audit_items (version, item_id, standard, title)`
	insertItemMap   = `INSERT INTO audit_item_map (from_version, from_item, to_version, to_item, note)`
	insertRatings   = `INSERT INTO audit_ratings (org_code, cycle, item_id, framework_version, standard, rating, evidence, priority,
		action, owner, due, submission_id, row_number, submitted_by, received_at, version)`

	// The current rating of each item: the newest of its history.
	selectLatest = `SELECT org_code, cycle, item_id, framework_version, standard, toString(rating), evidence, toString(priority),
		action, owner, due, submission_id, row_number, submitted_by, received_at
		FROM audit_ratings FINAL
		WHERE cycle = ? AND has(CAST(? AS Array(String)), org_code) -- CAST: an empty list is Array(Nothing) on 18.16, which has() refuses
		ORDER BY org_code, item_id, version DESC
		LIMIT 1 BY org_code, item_id`
)

// Seed loads the embedded audit framework into its reference tables. Loading again replaces
// rather than adds (the tables are keyed ReplacingMergeTrees).
func Seed(ctx context.Context, conn driver.Conn) error {
	fw, err := LoadFramework()
	if err != nil {
		return err
	}
	steps := []struct {
		sql  string
		rows [][]any
	}{{insertStandards, nil}, {insertVersions, nil}, {insertItems, nil}, {insertItemMap, nil}}
	for _, s := range fw.Standards {
		steps[0].rows = append(steps[0].rows, []any{uint8(s.Number), s.Title})
	}
	for _, v := range fw.Versions {
		steps[1].rows = append(steps[1].rows, []any{v.Version, uint16(v.FirstCycle), v.Description})
	}
	for _, it := range fw.Items {
		steps[2].rows = append(steps[2].rows, []any{it.Version, it.ID, uint8(it.Standard), it.Title})
	}
	for _, m := range fw.Mappings {
		steps[3].rows = append(steps[3].rows, []any{m.FromVersion, m.FromItem, m.ToVersion, m.ToItem, m.Note})
	}
	for _, s := range steps {
		if err := chstore.InsertRows(ctx, conn, s.sql, s.rows); err != nil {
			return fmt.Errorf("seed audit framework: %w", err)
		}
	}
	return nil
}

// Insert writes ratings in one batch. Each row is keyed by its submission, so a redelivered
// chunk replaces itself and a later submission adds to the history.
func (s *Store) Insert(ctx context.Context, rows []Stored) error {
	batch := make([][]any, len(rows))
	for i, r := range rows {
		batch[i] = []any{r.Org, uint16(r.CycleYear), r.Item, r.Version, uint8(r.Standard), strings.ToUpper(r.Rating.Rating), r.Evidence, strings.ToUpper(r.Priority),
			r.Action, r.Owner, r.DueDate, r.SubmissionID, uint32(r.Row.Row), r.SubmittedBy,
			r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())}
	}
	if err := chstore.InsertRows(ctx, s.conn, insertRatings, batch); err != nil {
		return fmt.Errorf("insert audit ratings: %w", err)
	}
	return nil
}

// Latest reads the current rating of every item the organisations rated in a cycle.
func (s *Store) Latest(ctx context.Context, cycle int, orgs []string) ([]Stored, error) {
	rows, err := s.conn.Query(ctx, selectLatest, uint16(cycle), orgs)
	if err != nil {
		return nil, fmt.Errorf("read audit ratings: %w", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var (
			r        Stored
			cyc      uint16
			standard uint8
			row      uint32
		)
		if err := rows.Scan(&r.Org, &cyc, &r.Item, &r.Version, &standard, &r.Rating.Rating, &r.Evidence, &r.Priority,
			&r.Action, &r.Owner, &r.DueDate, &r.SubmissionID, &row, &r.SubmittedBy, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("read audit ratings: %w", err)
		}
		r.CycleYear, r.Standard, r.Row.Row = int(cyc), int(standard), int(row)
		r.Cycle = int(cyc)
		r.Rating.Rating, r.Priority = strings.ToLower(r.Rating.Rating), strings.ToLower(r.Priority) // kept in upper case (Enum8)
		if r.DueDate != nil {
			r.Due = r.DueDate.Format(time.DateOnly)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit ratings: %w", err)
	}
	return out, nil
}
