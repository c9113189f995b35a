package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// rowKind describes a data kind read by package rows (survey results, audit submissions): how
// its body is laid out, how a record is tidied and keyed, and who may send it.
type rowKind struct {
	kind      string // submission kind
	what      string // in messages: "survey results"
	layout    rows.Layout
	normalise func(rows.Record) (rows.Record, []submission.RowError)
	key       func(rows.Record) string
	// anyOrg tells whether the caller may report for any organisation; otherwise only a
	// submitter, for its own.
	anyOrg func(auth.Principal) bool
	// roles may submit for their own organisation; none means submitter.
	roles []string
}

// registerRowSubmit adds the POST operation of a row kind: JSON or CSV, read row by row, 202 with
// a submission id, exactly as workforce returns flow.
func registerRowSubmit(api huma.API, d *Deps, k rowKind, op huma.Operation, body any) {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(body), true, "")
	op.Method = http.MethodPost
	op.Security = secured
	op.DefaultStatus = http.StatusAccepted
	op.MaxBodyBytes = d.Limits.MaxUploadBytes
	// Read row by row by package rows, so that one bad row is refused on its own; the schema is
	// for the documentation.
	op.SkipValidateBody = true
	op.RequestBody = &huma.RequestBody{
		Required: true,
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: fmt.Sprintf("CSV with a header row naming the columns %v", k.layout.Columns)}},
		},
	}
	op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	huma.Register(api, op, func(ctx context.Context, in *submitInput) (*submitOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		anyOrg := k.anyOrg(p)
		roles := k.roles
		if len(roles) == 0 {
			roles = []string{auth.RoleSubmitter}
		}
		if !anyOrg && !hasAnyRole(p, roles...) {
			return nil, huma.Error403Forbidden(fmt.Sprintf("your roles %v may not submit %s", p.Roles, k.what))
		}
		if !anyOrg && p.Org == "" {
			return nil, huma.Error403Forbidden("your token names no organisation")
		}
		decoded, err := decodeBody(d, in, k.what, k.layout.DecodeCSV, k.layout.DecodeJSON)
		if err != nil {
			return nil, err
		}
		decoded.Normalise(k.normalise, k.key)
		n := len(decoded.Records) + submission.DistinctRows(decoded.Rejected)
		if err := d.Limits.checkRows(n); err != nil {
			return nil, err
		}
		orgOf := func(r rows.Record) (int, string) { return r.Row, r.Cells["org"] }
		annotateOrg(ctx, decoded.Records, orgOf)
		if !anyOrg {
			foreign := foreignRows(p, decoded.Records, orgOf, nil)
			if len(foreign) > 0 {
				d.Log.Warn("submission for another organisation refused", "kind", k.kind, "client", p.ClientID, "org", p.Org, "rows", len(foreign))
				return nil, huma.Error403Forbidden(fmt.Sprintf("you may only submit %s for your own organisation: nothing was stored", k.what), details(foreign)...)
			}
		}
		chunks := split(decoded.Records, func(r rows.Record) int { return r.Row }, decoded.Rejected, d.Limits.ChunkRows)
		return publish(ctx, d, p, k.kind, in.IdempotencyKey, in.RawBody, chunks, n, k.layout.Encode)
	})
}

// regionalGet describes a GET of regional figures.
func regionalGet(id, path, summary, description string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: description,
		Tags: tags, Security: secured, Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}
}

func hasAnyRole(p auth.Principal, roles ...string) bool {
	return slices.ContainsFunc(roles, p.HasRole)
}

// decodeBody reads a submission's body as CSV or JSON, by its content type, with the kind's
// decoders: a body that cannot be read as what is a 422 problem listing why, a JSON body above
// the JSON limit a 413.
func decodeBody[D any](d *Deps, in *submitInput, what string, fromCSV func([]byte) (D, error), fromJSON func(io.Reader) (D, error)) (D, error) {
	var (
		decoded D
		err     error
	)
	switch {
	case workforce.IsCSV(in.ContentType):
		decoded, err = fromCSV(in.RawBody)
	case isJSON(in.ContentType):
		if int64(len(in.RawBody)) > d.Limits.MaxJSONBytes {
			return decoded, huma.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("a JSON submission may be at most %d bytes; send large files as text/csv", d.Limits.MaxJSONBytes))
		}
		decoded, err = fromJSON(bytes.NewReader(in.RawBody))
	default:
		return decoded, huma.NewError(http.StatusUnsupportedMediaType, "send application/json or text/csv")
	}
	var de *submission.DocumentError
	if errors.As(err, &de) {
		return decoded, huma.Error422UnprocessableEntity("the body cannot be read as "+what, details(de.Problems)...)
	}
	if err != nil {
		return decoded, huma.Error400BadRequest("the body cannot be read", err)
	}
	return decoded, nil
}

// checkRows refuses a submission of more rows than one may hold.
func (l Limits) checkRows(n int) error {
	if n > l.MaxRows {
		return huma.Error422UnprocessableEntity(fmt.Sprintf("%d rows is more than the %d one submission may hold: split the file", n, l.MaxRows))
	}
	return nil
}

// foreignRows lists the rows that name another organisation than the caller's, each told to
// seen (when not nil).
func foreignRows[T any](p auth.Principal, rs []T, of func(T) (row int, org string), seen func(org string)) []submission.RowError {
	var foreign []submission.RowError
	for _, r := range rs {
		row, org := of(r)
		if org != p.Org {
			if seen != nil {
				seen(org)
			}
			foreign = append(foreign, submission.RowError{Row: row, Field: "org", Reason: fmt.Sprintf("%s is not your organisation (%s)", org, p.Org)})
		}
	}
	return foreign
}
