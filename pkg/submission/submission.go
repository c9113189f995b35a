// Package submission describes a submission as it travels from the API through JetStream to
// ingest: the envelope of each chunk of rows, the per-row problems, and the status a submitter
// polls.
package submission

import (
	"errors"
	"fmt"
	"slices"
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
	Rows       []byte     `json:"rows"` // the rows in the kind's wire form, gzip-compressed (Unpack)
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

// StatusErrors is how many errors, and how many warnings, a status lists: the first ones, by
// row. The submission's errors list (see Store.Problems) holds them all.
const StatusErrors = 100

// Status is what a submitter sees when it polls: counts, and the first StatusErrors errors and
// warnings, so that it stays small however many rows were refused.
type Status struct {
	ID           string     `json:"id" doc:"Submission id"`
	Kind         string     `json:"kind" doc:"Data kind"`
	Status       string     `json:"status" enum:"pending,accepted,partially_accepted,rejected"`
	ReceivedAt   time.Time  `json:"received_at"`
	Rows         int        `json:"rows" doc:"Rows received"`
	Accepted     int        `json:"accepted" doc:"Rows stored so far"`
	Rejected     int        `json:"rejected" doc:"Rows refused so far"`
	ErrorCount   int        `json:"error_count" doc:"Errors so far, of every refused row (a row may have several)"`
	WarningCount int        `json:"warning_count" doc:"Warnings so far"`
	Errors       []RowError `json:"errors" maxItems:"100" doc:"The first 100 errors, by row: row, field and reason; errors_url lists them all"`
	Warnings     []RowError `json:"warnings" maxItems:"100" doc:"The first 100 rows stored with a doubt worth checking, by row; errors_url lists them all"`
	ErrorsURL    string     `json:"errors_url" doc:"Every error and warning, a page at a time (Accept: text/csv for the whole report)"`
}

// Summarise merges the chunk results recorded so far into a status. A nil entry is a chunk not
// yet stored.
func Summarise(m Meta, chunks []*ChunkResult) Status {
	s := Status{ID: m.ID, Kind: m.Kind, ReceivedAt: m.ReceivedAt, Rows: m.Rows, Errors: []RowError{}, Warnings: []RowError{},
		ErrorsURL: "/v1/submissions/" + m.ID + "/errors"}
	done := 0
	for _, c := range chunks {
		if c != nil {
			s.add(c)
			done++
		}
	}
	s.settle(m, done)
	return s
}

// add counts a stored chunk's rows, and lists its first errors and warnings while fewer than
// StatusErrors are.
func (s *Status) add(c *ChunkResult) {
	s.Accepted += c.Accepted
	s.Rejected += DistinctRows(c.Rejected)
	s.ErrorCount += len(c.Rejected)
	s.WarningCount += len(c.Warnings)
	// Chunks hold consecutive rows, in order: the first errors are those of the first chunks.
	s.Errors = first(s.Errors, c.Rejected)
	s.Warnings = first(s.Warnings, c.Warnings)
}

// settle says where the submission stands once done of its chunks are stored.
func (s *Status) settle(m Meta, done int) {
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
}

// first adds a chunk's errors, in row order, to those listed, up to StatusErrors.
func first(listed, chunk []RowError) []RowError {
	if len(listed) >= StatusErrors || len(chunk) == 0 {
		return listed
	}
	chunk = slices.Clone(chunk)
	sortRows(chunk)
	return append(listed, chunk[:min(len(chunk), StatusErrors-len(listed))]...)
}

// Severities of a problem in a submission's errors list.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// RowProblem is one line of a submission's errors list: a refused row's error, or a warning on a
// stored row.
type RowProblem struct {
	RowError
	Severity string `json:"severity" enum:"error,warning" doc:"error: the row was refused; warning: it was stored with a doubt worth checking"`
}

// Problems are a chunk's errors and warnings in row order (a row's errors before its warnings).
func (c *ChunkResult) Problems() []RowProblem {
	out := make([]RowProblem, 0, len(c.Rejected)+len(c.Warnings))
	for _, e := range c.Rejected {
		out = append(out, RowProblem{RowError: e, Severity: SeverityError})
	}
	for _, w := range c.Warnings {
		out = append(out, RowProblem{RowError: w, Severity: SeverityWarning})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out
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
