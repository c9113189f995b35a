package kind

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// List is a kind's read of stored rows: GET on the kind's path, for one organisation (the
// caller's own unless a steward asks for another), with the kind's own query parameters, a page
// at a time.
type List struct {
	ID, Summary, Description string
	// Schema names the answer's schema in the API document ("StoredWorkforceReturns").
	Schema string
	Params []Param
	body   reflect.Type
	read   func(ctx context.Context, conn driver.Conn, org string, q Query) (reflect.Value, error)
}

// Param is a query parameter of a list operation, beside org: text (MaxLength, Pattern), or a
// whole number from Minimum to Maximum when Maximum is given (a year: 2000 to 2100, as a year is
// everywhere in the contract).
type Param struct {
	Name, Doc string
	MaxLength int
	Pattern   string // a regular expression the value must match, when given
	// Minimum and Maximum bound a whole-number parameter; Maximum 0: the parameter is text.
	Minimum, Maximum int
}

// Query holds a list operation's query parameters by name ("" when not given).
type Query map[string]string

// Rows a page of stored rows holds: DefaultPageRows unless the reader asks for another number,
// at most MaxPageRows.
const (
	DefaultPageRows = 1000
	MaxPageRows     = 10000
)

// Page says which page of a list to read: Limit rows, from After (nil: the first page).
type Page struct {
	Limit int
	After *Position
}

// Position is where a page ended: the number of rows read before the next page, and a
// fingerprint of the last row read. The next page starts after the row with that fingerprint,
// so that a row stored meanwhile before it (in the list's order) does not make the page repeat a
// row; when that row has changed since (a later submission replaced it), at the same number.
type Position struct {
	N    int    `json:"n"`
	Last string `json:"last"`
}

// ListOf makes a list operation answering {"org": …, "<member>": [S, …], "next_cursor": …},
// whose schema is named schema. read gives every stored row of the organisation in the list's
// order (the kind's key); the answer holds one page of them.
func ListOf[S any](id, schema, summary, description, member string, params []Param,
	read func(ctx context.Context, conn driver.Conn, org string, q Query) ([]S, error)) *List {
	body := reflect.StructOf([]reflect.StructField{
		{Name: "Org", Type: reflect.TypeFor[string](), Tag: `json:"org" doc:"The organisation the rows are for"`},
		{Name: "Rows", Type: reflect.TypeFor[[]S](), Tag: reflect.StructTag(`json:"` + member + `"`)},
		{Name: "NextCursor", Type: reflect.TypeFor[string](), Tag: `json:"next_cursor,omitempty" doc:"Give it as cursor= for the next page; absent on the last page"`},
	})
	return &List{ID: id, Schema: schema, Summary: summary, Description: description, Params: params, body: body,
		read: func(ctx context.Context, conn driver.Conn, org string, q Query) (reflect.Value, error) {
			rows, err := read(ctx, conn, org, q)
			if err != nil {
				return reflect.Value{}, err
			}
			if rows == nil {
				rows = []S{}
			}
			return reflect.ValueOf(rows), nil
		}}
}

// Body is the type of the answer, for the API document.
func (l *List) Body() reflect.Type { return l.body }

// Read reads one page of an organisation's stored rows and returns the answer's body, and where
// the next page starts (nil on the last page).
func (l *List) Read(ctx context.Context, conn driver.Conn, org string, q Query, p Page) (any, *Position, error) {
	rows, err := l.read(ctx, conn, org, q)
	if err != nil {
		return nil, nil, err
	}
	limit := p.Limit
	switch {
	case limit <= 0:
		limit = DefaultPageRows
	case limit > MaxPageRows:
		limit = MaxPageRows
	}
	from, err := start(rows, p.After)
	if err != nil {
		return nil, nil, err
	}
	to := min(from+limit, rows.Len())
	v := reflect.New(l.body).Elem()
	v.Field(0).SetString(org)
	v.Field(1).Set(rows.Slice(from, to))
	var next *Position
	if to < rows.Len() {
		last, err := fingerprint(rows.Index(to - 1))
		if err != nil {
			return nil, nil, err
		}
		next = &Position{N: to, Last: last}
	}
	return v.Interface(), next, nil
}

// WithNextCursor is a page's answer (from Read) with its next_cursor: the next page's
// Position, as the API encodes it.
func (l *List) WithNextCursor(body any, cursor string) any {
	v := reflect.New(l.body).Elem()
	v.Set(reflect.ValueOf(body))
	v.Field(2).SetString(cursor)
	return v.Interface()
}

// start is the index the page after pos starts at: after the row pos names (the one nearest its
// number, should two rows be the same); at its number when no row has its fingerprint any more.
func start(rows reflect.Value, pos *Position) (int, error) {
	if pos == nil || pos.N <= 0 {
		return 0, nil
	}
	at, best := min(pos.N, rows.Len()), -1
	for i := range rows.Len() {
		f, err := fingerprint(rows.Index(i))
		if err != nil {
			return 0, err
		}
		if f == pos.Last && (best < 0 || abs(i+1-pos.N) < abs(best-pos.N)) {
			best = i + 1
		}
	}
	if best >= 0 {
		at = best
	}
	return at, nil
}

func abs(n int) int { return max(n, -n) }

// fingerprint identifies a row by its JSON.
func fingerprint(row reflect.Value) (string, error) {
	b, err := json.Marshal(row.Interface())
	if err != nil {
		return "", fmt.Errorf("fingerprint a row: %w", err)
	}
	h := fnv.New64a()
	_, _ = h.Write(b)
	return fmt.Sprintf("%016x", h.Sum64()), nil
}
