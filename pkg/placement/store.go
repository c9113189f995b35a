package placement

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/period"
)

// Received is where a stored row came from.
type Received = kind.Received

// StoredPlacement is a placement as it is kept.
type StoredPlacement struct {
	Row
	Received
}

// StoredCapacity is placement capacity as it is kept.
type StoredCapacity struct {
	CapacityRow
	Received
}

// StoredEducators is practice educators as they are kept.
type StoredEducators struct {
	EducatorsRow
	Received
}

// Store keeps the Standard 8 kinds in ClickHouse.
type Store struct {
	conn driver.Conn
}

// NewStore returns a store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

const (
	placementColumns = `org_code, student_ref, cohort, stage, academic_year, route, host_org, setting, statutory_tasks,
		service_user_group, planned_days, completed_days, pe_stage, pe_location, outcome, submission_id, row_number, submitted_by, received_at`
	insertPlacements = `INSERT INTO placements (` + placementColumns + `, version)`
	insertHistory    = `INSERT INTO placement_history (` + placementColumns + `, version)`
	selectPlacements = `SELECT ` + placementColumns + ` FROM placements FINAL
		WHERE org_code = ? AND (? = '' OR academic_year = ?)
		ORDER BY academic_year, student_ref, stage`
	selectHistory = `SELECT ` + placementColumns + ` FROM placement_history FINAL
		WHERE org_code = ? AND student_ref = ?
		ORDER BY version`

	capacityColumns = `org_code, academic_year, stage, requested, offered, confirmed, submission_id, row_number, submitted_by, received_at`
	insertCapacity  = `INSERT INTO placement_capacity (` + capacityColumns + `, version)`
	selectCapacity  = `SELECT ` + capacityColumns + ` FROM placement_capacity FINAL
		WHERE org_code = ? AND (? = '' OR academic_year = ?)
		ORDER BY academic_year, stage`

	educatorColumns = `org_code, period, stage1, stage2, active, students_supported, submission_id, row_number, submitted_by, received_at`
	insertEducators = `INSERT INTO practice_educators (org_code, period, period_end, stage1, stage2, active, students_supported,
		submission_id, row_number, submitted_by, received_at, version)`
	selectEducators = `SELECT ` + educatorColumns + ` FROM practice_educators FINAL
		WHERE org_code = ? AND (? = '' OR period = ?)
		ORDER BY period`
)

// Insert writes placements in one batch to placement_history (every report) and then to
// placements (the latest of each). The two are separate inserts — ClickHouse has no transaction
// across tables — so a crash or failure between them leaves the report in the history and not
// yet current; history first means that placements never shows a report the history lacks.
// The chunk is then not acknowledged and is delivered again: rows carry their version (the time
// the API received the submission, the same on every delivery), so inserting them again gives
// both tables the same version and replaces rather than adds. Until ClickHouse merges the
// parts, a plain read can show such a row twice; only reads with FINAL (or argMax by version)
// are exact, and every read of these tables is one.
func (s *Store) Insert(ctx context.Context, rows []StoredPlacement) error {
	batch := make([][]any, len(rows))
	for i := range rows {
		r := &rows[i]
		var completed *uint16
		if r.CompletedDays != nil {
			v := uint16(*r.CompletedDays)
			completed = &v
		}
		var statutory uint8
		if r.StatutoryTasks {
			statutory = 1
		}
		batch[i] = []any{r.Org, r.StudentRef, r.Cohort, r.Stage, r.AcademicYear, r.Route, r.HostOrg, r.Setting, statutory,
			r.ServiceUserGroup, uint16(r.PlannedDays), completed, uint8(r.PEStage), r.PELocation, r.Outcome,
			r.SubmissionID, uint32(r.Row.Row), r.SubmittedBy, r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())}
	}
	for _, q := range []string{insertHistory, insertPlacements} {
		if err := chstore.InsertRows(ctx, s.conn, q, batch); err != nil {
			return fmt.Errorf("insert placements: %w", err)
		}
	}
	return nil
}

// List reads a university's placements (the latest report of each), for one academic year or
// (year "") all.
func (s *Store) List(ctx context.Context, org, academicYear string) ([]StoredPlacement, error) {
	return s.queryPlacements(ctx, selectPlacements, org, academicYear, academicYear)
}

// History reads every report of one student's placements, oldest first.
func (s *Store) History(ctx context.Context, org, studentRef string) ([]StoredPlacement, error) {
	return s.queryPlacements(ctx, selectHistory, org, studentRef)
}

func (s *Store) queryPlacements(ctx context.Context, query string, args ...any) ([]StoredPlacement, error) {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list placements: %w", err)
	}
	defer rows.Close()
	var out []StoredPlacement
	for rows.Next() {
		var (
			r             StoredPlacement
			statutory, pe uint8
			planned       uint16
			completed     *uint16
			row           uint32
		)
		if err := rows.Scan(&r.Org, &r.StudentRef, &r.Cohort, &r.Stage, &r.AcademicYear, &r.Route, &r.HostOrg, &r.Setting, &statutory,
			&r.ServiceUserGroup, &planned, &completed, &pe, &r.PELocation, &r.Outcome, &r.SubmissionID, &row, &r.SubmittedBy, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("list placements: %w", err)
		}
		r.StatutoryTasks, r.PlannedDays, r.PEStage, r.Row.Row = statutory == 1, int(planned), int(pe), int(row)
		if completed != nil {
			n := int(*completed)
			r.CompletedDays = &n
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list placements: %w", err)
	}
	return out, nil
}

// InsertCapacity writes placement capacity in one batch; a newer row for the same organisation,
// academic year and stage replaces an older one.
func (s *Store) InsertCapacity(ctx context.Context, rows []StoredCapacity) error {
	batch := make([][]any, len(rows))
	for i, r := range rows {
		batch[i] = []any{r.Org, r.AcademicYear, r.Stage, count32(r.Requested), count32(r.Offered), count32(r.Confirmed),
			r.SubmissionID, uint32(r.Row), r.SubmittedBy, r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())}
	}
	if err := chstore.InsertRows(ctx, s.conn, insertCapacity, batch); err != nil {
		return fmt.Errorf("insert placement capacity: %w", err)
	}
	return nil
}

// ListCapacity reads an organisation's placement capacity, for one academic year or ("") all.
func (s *Store) ListCapacity(ctx context.Context, org, academicYear string) ([]StoredCapacity, error) {
	rows, err := s.conn.Query(ctx, selectCapacity, org, academicYear, academicYear)
	if err != nil {
		return nil, fmt.Errorf("list placement capacity: %w", err)
	}
	defer rows.Close()
	var out []StoredCapacity
	for rows.Next() {
		var (
			r         StoredCapacity
			req, o, c *uint32
			row       uint32
		)
		if err := rows.Scan(&r.Org, &r.AcademicYear, &r.Stage, &req, &o, &c, &r.SubmissionID, &row, &r.SubmittedBy, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("list placement capacity: %w", err)
		}
		r.Row, r.Requested, r.Offered, r.Confirmed = int(row), countInt(req), countInt(o), countInt(c)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list placement capacity: %w", err)
	}
	return out, nil
}

// InsertEducators writes practice educators in one batch; a newer row for the same employer and
// period replaces an older one.
func (s *Store) InsertEducators(ctx context.Context, rows []StoredEducators) error {
	batch := make([][]any, len(rows))
	for i, r := range rows {
		p, err := period.Parse(r.Period)
		if err != nil {
			return fmt.Errorf("insert practice educators: row %d: %w", r.Row, err)
		}
		batch[i] = []any{r.Org, r.Period, p.End, count32(r.Stage1), count32(r.Stage2), count32(r.Active), count32(r.StudentsSupported),
			r.SubmissionID, uint32(r.Row), r.SubmittedBy, r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())}
	}
	if err := chstore.InsertRows(ctx, s.conn, insertEducators, batch); err != nil {
		return fmt.Errorf("insert practice educators: %w", err)
	}
	return nil
}

// ListEducators reads an employer's practice educators, for one period or ("") all.
func (s *Store) ListEducators(ctx context.Context, org, period string) ([]StoredEducators, error) {
	rows, err := s.conn.Query(ctx, selectEducators, org, period, period)
	if err != nil {
		return nil, fmt.Errorf("list practice educators: %w", err)
	}
	defer rows.Close()
	var out []StoredEducators
	for rows.Next() {
		var (
			r               StoredEducators
			s1, s2, a, stud *uint32
			row             uint32
		)
		if err := rows.Scan(&r.Org, &r.Period, &s1, &s2, &a, &stud, &r.SubmissionID, &row, &r.SubmittedBy, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("list practice educators: %w", err)
		}
		r.Row, r.Stage1, r.Stage2, r.Active, r.StudentsSupported = int(row), countInt(s1), countInt(s2), countInt(a), countInt(stud)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list practice educators: %w", err)
	}
	return out, nil
}

func count32(v *int) *uint32 {
	if v == nil {
		return nil
	}
	n := uint32(*v)
	return &n
}

func countInt(v *uint32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
