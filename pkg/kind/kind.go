// Package kind says what a data kind of the hub is. Each kind (workforce returns, placements,
// survey results …) declares one typed value, a Kind[R] over its row type R, in its own package;
// package kinds lists them, and every service is driven by that list: the API registers each
// kind's submit and list operations from it, ingest checks and stores each kind's chunks with
// it, the JSON Schemas are written from it, and the benchmark service follows the kinds that
// feed benchmarks, reading their figures through it.
//
// A Kind holds, for its kind: the name on subjects and in messages; its JSON and CSV layout and
// the wire form between the API and ingest (Format, usually Columns); the key of a row (a second
// row with the same key in one submission is refused); the rules a row must keep (Validate, and
// Refer for those needing reference data); who may submit it for their own organisation and for
// any (Policy, checked by the API for the whole body and by ingest for each row, through the
// same function); the period each row touches; how it is stored (Insert) and listed (List); its
// documentation (Docs); how it feeds benchmarks (Benchmarks: metrics, figures, periods); and
// the demo data make demo loads (Demo).
//
// # Adding a kind
//
//  1. Write a package under pkg/ with the row type R (struct tags give the JSON Schema and the
//     API documentation: json, doc, example, enum, minimum …), its rules, its ClickHouse store,
//     and one exported value `var Kind = &kind.Kind[R]{...}` filling the fields above. Columns
//     with Text, Count, MaybeCount, Figure, Flag fields give the CSV and JSON layouts and the wire
//     form at once; every number goes through package measure.
//  2. Add the kind's table as the next migration in pkg/chstore/migrations, keyed so that a
//     redelivered chunk replaces itself (ReplacingMergeTree versioned by the time the submission
//     was received, read with FINAL).
//  3. Add one line to kinds.All (pkg/kinds). The contract tests in pkg/kinds then run over the
//     new kind (JSON and CSV round trip, fuzzed decoders, redelivery, refused organisations,
//     periods, the schema), and `make openapi` writes its JSON Schema and the API document.
package kind

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Kind is one data kind, over its row type R.
type Kind[R any] struct {
	Meta
	// Format reads the kind's rows from JSON and CSV and carries them to ingest.
	Format Format[R]
	// Key names what a row is about: one submission says one thing about each (e.g.
	// "organisation E06000001, period 2025").
	Key func(*R) string
	// Org is the organisation a row reports for: the one the submit policy is checked against.
	Org func(*R) string
	// Period is the period a row touches, as the row names it (see Benchmarks.PeriodOf).
	Period func(*R) string
	// Validate applies the rules that need no reference data; it may tidy the row and work out
	// values the store keeps. Errors refuse the row; warnings keep it and are listed.
	Validate func(v *R, today time.Time) (errs, warns []submission.RowError)
	// Refer applies the rules that need reference data, once the row keeps the others and its
	// organisation is known and one the submitter may report for (nil: none).
	Refer func(ctx context.Context, ref Ref, org reference.Organisation, v *R) ([]submission.RowError, error)
	// Insert writes checked rows in one batch; inserting the same rows again (a redelivery)
	// replaces rather than adds.
	Insert func(ctx context.Context, conn driver.Conn, rows []Stored[R]) error
	// Demo makes the kind's demo data, deterministic, in the order make demo sends it (nil: none).
	Demo func() ([]Sample[R], error)
}

// Sample is one demo submission: which demo client sends which rows (Key is its
// Idempotency-Key), or a CSV file as it is (Body: a published file, say).
type Sample[R any] struct {
	Client, Key string
	Rows        []R
	Body        []byte
}

// Uploads implements Any: the demo submissions as CSV bodies, as a client sends them.
func (k *Kind[R]) Uploads() ([]Upload, error) {
	if k.Demo == nil {
		return nil, nil
	}
	samples, err := k.Demo()
	if err != nil {
		return nil, err
	}
	out := make([]Upload, len(samples))
	for i, s := range samples {
		if s.Body != nil {
			out[i] = Upload{Client: s.Client, Key: s.Key, Body: s.Body}
			continue
		}
		var b bytes.Buffer
		if err := k.Format.WriteCSV(&b, s.Rows); err != nil {
			return nil, err
		}
		out[i] = Upload{Client: s.Client, Key: s.Key, Body: b.Bytes()}
	}
	return out, nil
}

// Meta is what every kind says about itself that does not depend on its row type.
type Meta struct {
	Name   string // as on subjects (hub.submit.<name>.<org>) and in envelopes and events
	Rows   string // what its rows are, in messages: "workforce returns"
	Policy Policy
	Docs   Docs
	// Tables are the ClickHouse tables the kind's rows are kept in.
	Tables []string
	// List reads stored rows back (nil: the kind has no list operation).
	List *List
	// Benchmarks says how its rows feed the benchmarks (nil: they do not).
	Benchmarks *Benchmarks
}

// About returns the kind's Meta.
func (k *Kind[R]) About() *Meta { return &k.Meta }

// Row is a row with its number: the spreadsheet row for CSV (the header is row 1), the 1-based
// position in the list for JSON.
type Row[R any] struct {
	Num   int
	Value R
}

// Received says where a stored row came from.
type Received struct {
	SubmissionID string    `json:"submission_id"`
	SubmittedBy  string    `json:"submitted_by"`
	ReceivedAt   time.Time `json:"received_at"`
}

// Version is a stored row's version: the time its submission was received, so that a newer
// submission replaces an older one and a redelivered chunk replaces itself.
func (r Received) Version() uint64 { return uint64(r.ReceivedAt.UnixNano()) }

// Second is the time received, to the second, as the tables keep it.
func (r Received) Second() time.Time { return r.ReceivedAt.UTC().Truncate(time.Second) }

// Stored is a checked row as ingest inserts it.
type Stored[R any] struct {
	Row[R]
	Received
}

// Ref is the reference data a kind's rules may consult.
type Ref struct {
	Orgs  Directory
	Today time.Time
}

// Directory answers whether an organisation is known; *reference.Directory is the real one.
type Directory interface {
	Lookup(ctx context.Context, code string) (reference.Organisation, bool, error)
}

// Upload is one demo submission as it is sent: a CSV body.
type Upload struct {
	Client, Key string
	Body        []byte
}

// Docs documents a kind's operations and JSON Schema.
type Docs struct {
	Path        string   // of the submit (POST) and list (GET) operations: "/v1/workforce-returns"
	Tags        []string // OpenAPI tags
	SubmitID    string   // operation id of the submit operation
	Summary     string   // of the submit operation
	Description string   // of the submit operation
	Schema      string   // file of its JSON Schema in schemas/: "workforce-return.v1.json"
	Title       string   // title of the JSON Schema
	Root        string   // schema name of the JSON body: "Returns"
	ListDoc     string   // doc of the JSON body's list
	CSVDoc      string   // description of the CSV body
}

// BodyType is the type of a kind's JSON body, {"<member>": [R, ...]}, as the JSON Schema and the
// API document describe it.
func (k *Kind[R]) BodyType() reflect.Type {
	return reflect.StructOf([]reflect.StructField{{
		Name: "Rows", Type: reflect.TypeFor[[]R](),
		Tag: reflect.StructTag(`json:"` + k.Format.Member() + `" minItems:"1" doc:"` + k.Docs.ListDoc + `"`),
	}})
}

// Columns are the kind's CSV columns, in order.
func (k *Kind[R]) Columns() []string { return k.Format.Names() }

// Member is the JSON member holding the rows of a body.
func (k *Kind[R]) Member() string { return k.Format.Member() }

// Any is a kind whatever its row type: what the registry lists.
type Any interface {
	About() *Meta
	BodyType() reflect.Type
	Columns() []string
	Member() string
	// Read reads a submission's body (see Kind.Read).
	Read(body Body, c Caller, lim Limits, emit func(Chunk) error) (Summary, error)
	// Handler is ingest's checker and store of the kind's chunks.
	Handler(conn driver.Conn, dir Directory, now func() time.Time) Handler
	// Uploads is the kind's demo data.
	Uploads() ([]Upload, error)
	// Wire reads the kind's wire form back, for the contract tests.
	Wire() Wire
}

// Roles lists every role any kind names in its policy.
func Roles(kinds []Any) []string {
	var out []string
	for _, k := range kinds {
		p := k.About().Policy
		out = append(append(out, p.Own...), p.Any...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
