package survey

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// Stored is a result as it is kept: with the submission it came in.
type Stored struct {
	Checked
	SubmissionID string
	SubmittedBy  string
	ReceivedAt   time.Time
}

// Store keeps survey results in ClickHouse.
type Store struct {
	conn driver.Conn
}

// NewStore returns a store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

const (
	insertQuestions = `INSERT INTO survey_questions (question, standard, text)`
	insertResults   = `INSERT INTO survey_results (org_code, year, question, standard, respondent_group, strongly_disagree, disagree,
		neutral, agree, strongly_agree, n, submission_id, row_number, submitted_by, received_at, version)`

	// Per organisation, standard and group: answers to the standard's questions pooled, and the
	// respondents as the most who answered any one of them (the same people answer each).
	selectFigures = `SELECT org_code, standard, respondent_group, max(n), sum(n), sum(agree + strongly_agree)
		FROM survey_results FINAL
		WHERE year = ? AND has(CAST(? AS Array(String)), org_code) -- CAST: an empty list is Array(Nothing) on 18.16, which has() refuses
		GROUP BY org_code, standard, respondent_group
		ORDER BY org_code, standard, respondent_group`
)

// Seed loads the embedded question bank into survey_questions.
func Seed(ctx context.Context, conn driver.Conn) error {
	qs, err := Questions()
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(qs))
	for _, q := range qs {
		rows = append(rows, []any{q.ID, uint8(q.Standard), q.Text})
	}
	if err := chstore.InsertRows(ctx, conn, insertQuestions, rows); err != nil {
		return fmt.Errorf("seed survey questions: %w", err)
	}
	return nil
}

// Insert writes results in one batch, keyed by organisation, year, question and group and
// versioned by the time the submission was received: a newer result replaces an older one.
func (s *Store) Insert(ctx context.Context, rows []Stored) error {
	batch := make([][]any, len(rows))
	for i, r := range rows {
		batch[i] = []any{r.Org, uint16(r.YearNumber), r.Question, uint8(r.Standard), r.Group,
			uint32(r.StronglyDisagree), uint32(r.Disagree), uint32(r.Neutral), uint32(r.Agree), uint32(r.StronglyAgree), uint32(r.N),
			r.SubmissionID, uint32(r.Row.Row), r.SubmittedBy, r.ReceivedAt.UTC().Truncate(time.Second), uint64(r.ReceivedAt.UnixNano())}
	}
	if err := chstore.InsertRows(ctx, s.conn, insertResults, batch); err != nil {
		return fmt.Errorf("insert survey results: %w", err)
	}
	return nil
}

// Cell is one organisation's pooled answers to a standard's questions from one group.
type Cell struct {
	Org         string
	Standard    int
	Group       string
	Respondents int // the most who answered any one question
	Answers     int // answers to all the questions
	Agreeing    int // answers agree or strongly agree
}

// Cells reads the pooled answers of the organisations in a survey year. Raw counts: they must go
// through Agreement (disclosure control) before anyone sees them.
func (s *Store) Cells(ctx context.Context, year int, orgs []string) ([]Cell, error) {
	rows, err := s.conn.Query(ctx, selectFigures, uint16(year), orgs)
	if err != nil {
		return nil, fmt.Errorf("read survey results: %w", err)
	}
	defer rows.Close()
	var out []Cell
	for rows.Next() {
		var (
			c                 Cell
			standard          uint8
			respondents       uint32
			answers, agreeing uint64
		)
		if err := rows.Scan(&c.Org, &standard, &c.Group, &respondents, &answers, &agreeing); err != nil {
			return nil, fmt.Errorf("read survey results: %w", err)
		}
		c.Standard, c.Respondents, c.Answers, c.Agreeing = int(standard), int(respondents), int(answers), int(agreeing)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read survey results: %w", err)
	}
	return out, nil
}
