package kind

import (
	"context"
	"reflect"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// List is a kind's read of stored rows: GET on the kind's path, for one organisation (the
// caller's own unless a steward asks for another), with the kind's own query parameters.
type List struct {
	ID, Summary, Description string
	// Schema names the answer's schema in the API document ("StoredWorkforceReturns").
	Schema string
	Params []Param
	body   reflect.Type
	read   func(ctx context.Context, conn driver.Conn, org string, q Query) (reflect.Value, error)
}

// Param is a query parameter of a list operation, beside org.
type Param struct {
	Name, Doc string
	MaxLength int
	Pattern   string // a regular expression the value must match, when given
}

// Query holds a list operation's query parameters by name ("" when not given).
type Query map[string]string

// ListOf makes a list operation answering {"org": …, "<member>": [S, …]}, whose schema is named
// schema.
func ListOf[S any](id, schema, summary, description, member string, params []Param,
	read func(ctx context.Context, conn driver.Conn, org string, q Query) ([]S, error)) *List {
	body := reflect.StructOf([]reflect.StructField{
		{Name: "Org", Type: reflect.TypeFor[string](), Tag: `json:"org" doc:"The organisation the rows are for"`},
		{Name: "Rows", Type: reflect.TypeFor[[]S](), Tag: reflect.StructTag(`json:"` + member + `"`)},
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
			v := reflect.New(body).Elem()
			v.Field(0).SetString(org)
			v.Field(1).Set(reflect.ValueOf(rows))
			return v, nil
		}}
}

// Body is the type of the answer, for the API document.
func (l *List) Body() reflect.Type { return l.body }

// Read reads an organisation's stored rows and returns the answer's body.
func (l *List) Read(ctx context.Context, conn driver.Conn, org string, q Query) (any, error) {
	v, err := l.read(ctx, conn, org, q)
	if err != nil {
		return nil, err
	}
	return v.Interface(), nil
}
