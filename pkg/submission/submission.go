// Package submission describes a submission as it travels from the API through JetStream to
// ingest: the envelope of each chunk of rows, the per-row problems, and the status a submitter
// polls.
package submission

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kinds of data the hub takes.
const (
	KindWorkforce = "workforce"
	KindSurvey    = "survey"
	KindAudit     = "audit"
	// Standard 8 (issue #4).
	KindPlacement         = "placement"
	KindPlacementCapacity = "placement_capacity"
	KindPracticeEducators = "practice_educators"
	// Standard 2, current and future need (issue #13).
	KindServiceDemand = "service_demand"
)

// Statuses a submission passes through.
const (
	StatusPending           = "pending"
	StatusAccepted          = "accepted"
	StatusPartiallyAccepted = "partially_accepted"
	StatusRejected          = "rejected"
)

// ErrNotFound is returned for a submission the store does not hold.
var ErrNotFound = errors.New("submission not found")

// RowError says which row, which field and why a row was refused, or (as a warning) stored with
// a doubt. Row is the spreadsheet row for CSV (the header is row 1) and the 1-based position in
// the list for JSON.
type RowError struct {
	Row    int    `json:"row" doc:"Spreadsheet row for CSV (header is row 1); 1-based position for JSON"`
	Field  string `json:"field,omitempty" doc:"Field or column concerned, empty for the whole row"`
	Reason string `json:"reason" doc:"Why"`
}

// Envelope is one JetStream message: a chunk of one submission's rows. The organisation and
// submitter come from the verified token, set by the API.
type Envelope struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Org        string     `json:"org"`
	Submitter  string     `json:"submitter"`
	Steward    bool       `json:"steward,omitempty"`
	Roles      []string   `json:"roles,omitempty"` // the submitter's roles, from its token: a kind may let more than stewards report for any organisation
	Chunk      int        `json:"chunk"`
	Chunks     int        `json:"chunks"`
	ReceivedAt time.Time  `json:"received_at"`
	Rows       []byte     `json:"rows"` // the rows in the kind's compact form (workforce: workforce.EncodeRows)
	Rejected   []RowError `json:"rejected,omitempty"`
}

// Meta is what the API records when it takes a submission.
type Meta struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Org        string    `json:"org"`
	Submitter  string    `json:"submitter"`
	ReceivedAt time.Time `json:"received_at"`
	Rows       int       `json:"rows"`
	Chunks     int       `json:"chunks"`
	Published  bool      `json:"published"`
	BodyHash   string    `json:"body_hash"`
}

// ChunkResult is what ingest records once a chunk is stored.
type ChunkResult struct {
	Accepted int        `json:"accepted"`
	Rejected []RowError `json:"rejected,omitempty"`
	Warnings []RowError `json:"warnings,omitempty"`
}

// Status is what a submitter sees when it polls.
type Status struct {
	ID         string     `json:"id" doc:"Submission id"`
	Kind       string     `json:"kind" doc:"Data kind"`
	Status     string     `json:"status" enum:"pending,accepted,partially_accepted,rejected"`
	ReceivedAt time.Time  `json:"received_at"`
	Rows       int        `json:"rows" doc:"Rows received"`
	Accepted   int        `json:"accepted" doc:"Rows stored so far"`
	Rejected   int        `json:"rejected" doc:"Rows refused so far"`
	Errors     []RowError `json:"errors" doc:"Every refused row: row, field and reason"`
	Warnings   []RowError `json:"warnings" doc:"Rows stored with a doubt worth checking"`
}

// Summarise merges the chunk results recorded so far into a status. A nil entry is a chunk not
// yet stored.
func Summarise(m Meta, chunks []*ChunkResult) Status {
	s := Status{ID: m.ID, Kind: m.Kind, ReceivedAt: m.ReceivedAt, Rows: m.Rows, Errors: []RowError{}, Warnings: []RowError{}}
	done := 0
	for _, c := range chunks {
		if c == nil {
			continue
		}
		done++
		s.Accepted += c.Accepted
		s.Rejected += DistinctRows(c.Rejected)
		s.Errors = append(s.Errors, c.Rejected...)
		s.Warnings = append(s.Warnings, c.Warnings...)
	}
	sortRows(s.Errors)
	sortRows(s.Warnings)
	switch {
	case done < m.Chunks || !m.Published:
		s.Status = StatusPending
	case s.Rejected == 0:
		s.Status = StatusAccepted
	case s.Accepted == 0:
		s.Status = StatusRejected
	default:
		s.Status = StatusPartiallyAccepted
	}
	return s
}

// DistinctRows counts the rows named by errors: one row may have several.
func DistinctRows(e []RowError) int {
	rows := make(map[int]struct{}, len(e))
	for _, x := range e {
		rows[x.Row] = struct{}{}
	}
	return len(rows)
}

func sortRows(e []RowError) {
	sort.SliceStable(e, func(i, j int) bool { return e[i].Row < e[j].Row })
}

// Event is what ingest announces for each stored chunk on hub.stored.<kind>.<org>, and for each
// chunk with refused rows on hub.rejected.<kind>.<org>, where org is the submitter's
// organisation (from its token). Touched lists, per organisation the rows were for, the periods
// stored: a steward's bulk load touches many organisations in one chunk.
type Event struct {
	ID      string              `json:"id"`
	Kind    string              `json:"kind"`
	Org     string              `json:"org"`
	Chunk   int                 `json:"chunk"`
	Touched map[string][]string `json:"touched,omitempty"`
	Rows    int                 `json:"rows"`
}

// DocumentError says a body as a whole cannot be read: it is not JSON or CSV, a column is
// unknown or missing, or there are no rows. Nothing of such a body is stored.
type DocumentError struct {
	Problems []RowError
}

func (e *DocumentError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.Reason
	}
	return strings.Join(s, "; ")
}

// DocumentProblem is a DocumentError with one problem.
func DocumentProblem(field, format string, a ...any) *DocumentError {
	return &DocumentError{Problems: []RowError{{Field: field, Reason: fmt.Sprintf(format, a...)}}}
}
