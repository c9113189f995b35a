package api

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
)

type submitInput struct {
	ContentType    string    `header:"Content-Type" doc:"text/csv or application/json; without one, a body beginning with { or [ is read as JSON and any other as CSV"`
	IdempotencyKey string    `header:"Idempotency-Key" maxLength:"200" doc:"Any string unique to this submission; sending it again within 24 hours returns the first submission instead of storing twice"`
	body           io.Reader // the request body, read as it comes (see upload.go)
}

// Resolve implements huma.Resolver: huma leaves the body unread, for submit to read as it comes.
func (in *submitInput) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	return nil
}

// maxProblemDetails caps the row errors put in one 4xx answer.
const maxProblemDetails = 100

// registerKinds adds every registered kind's submit operation, and its list operation when it has
// one.
func registerKinds(api huma.API, d *Deps) {
	for _, k := range kinds.All {
		registerSubmit(api, d, k)
		if k.About().List != nil {
			registerList(api, d, k.About())
		}
	}
}

// registerSubmit adds the POST operation of a kind: JSON or CSV, read row by row, 202 with a
// submission id.
func registerSubmit(api huma.API, d *Deps, k kind.Any) {
	m := k.About()
	schema := api.OpenAPI().Components.Schemas.Schema(k.BodyType(), true, m.Docs.Root)
	csvDoc := m.Docs.CSVDoc
	if csvDoc != "" {
		csvDoc += "; the hub's layout names the columns " + strings.Join(k.Columns(), ", ")
	} else {
		csvDoc = fmt.Sprintf("CSV with a header row naming the columns %v", k.Columns())
	}
	huma.Register(api, huma.Operation{
		OperationID:   m.Docs.SubmitID,
		Method:        http.MethodPost,
		Path:          m.Docs.Path,
		Summary:       m.Docs.Summary,
		Description:   m.Docs.Description + "\n\n" + submitRules(d.Limits, k),
		Tags:          m.Docs.Tags,
		Security:      secured,
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *submitInput) (*submitOutput, error) {
		return submit(ctx, d, k, in)
	})
	// The body is read row by row by the kind's format as it comes (upload.go), so that one bad
	// row is refused on its own instead of failing the whole request and memory does not grow
	// with the file. huma reads (and holds) the body of an operation whose request body has a
	// JSON schema, so the request body is documented only once the operation is registered.
	api.OpenAPI().Paths[m.Docs.Path].Post.RequestBody = &huma.RequestBody{
		Required: true,
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: csvDoc}},
		},
	}
}

// submitRules states, for a kind's submit operation, its CSV columns, the upload limits and the
// idempotency rules, from the registry and the hub's limits, so that each is where a client
// reads the operation.
func submitRules(l Limits, k kind.Any) string {
	return fmt.Sprintf("**Columns.** CSV: a header row naming the columns %s (in any order and letter case; optional ones may be left out), a row each; JSON: {\"%s\": [...]}, each row an object with the same names. ", strings.Join(k.Columns(), ", "), k.Member()) +
		fmt.Sprintf("**Limits.** A CSV body up to %s and a JSON body up to %s (413 beyond: send large files as CSV), at most %d rows (422 beyond: split the file). ", size(l.MaxUploadBytes), size(l.MaxJSONBytes), l.MaxRows) +
		"**Idempotency.** Send `Idempotency-Key` (any string up to 200 characters unique to the submission; without one, a hash of the body is the key): the same key and body again within 24 hours answer the first submission (202, `repeat: true`) and nothing is stored twice, so a submission whose answer was lost may be sent again as it is; the same key with another body is refused (422). " +
		"Two rows of one submission about the same thing (the same key) refuse the second; a later submission's row about the same thing as a stored row replaces it as the current one."
}

// size is a number of bytes as a person reads it.
func size(n int64) string {
	if n > 0 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// submit takes one submission of kind k: the caller must be one the kind's policy lets submit;
// the body is read row by row, as it comes, into chunks set aside in a spool; a body naming an
// organisation the caller may not report for is refused whole (403), as is one of too many rows
// (422), before anything is published.
func submit(ctx context.Context, d *Deps, k kind.Any, in *submitInput) (*submitOutput, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := k.About()
	caller := kind.Caller{Roles: p.Roles, Org: p.Org}
	if err := m.Policy.MaySubmit(caller, m.Rows); err != nil {
		return nil, forbid(ctx, err.Error())
	}
	up, body, sniffed, err := bodyOf(d, in)
	if err != nil {
		return nil, err
	}
	sp := &spool{}
	defer sp.close()
	sum, err := k.Read(body, caller, kind.Limits{MaxRows: d.Limits.MaxRows, ChunkRows: d.Limits.ChunkRows}, sp.add)
	var bodyHash [32]byte
	if err == nil {
		bodyHash, err = up.sum()
	}
	if err != nil {
		return nil, readRefusal(d, m.Rows, sniffed, body.CSV, err)
	}
	if sum.Rows > d.Limits.MaxRows {
		return nil, huma.Error422UnprocessableEntity(fmt.Sprintf("%d rows is more than the %d one submission may hold: split the file", sum.Rows, d.Limits.MaxRows))
	}
	// The organisation the rows concern, on the access trail (a submission naming several is
	// found there by its id).
	trail.Annotate(ctx, sum.Org, "")
	if sum.ForeignRows > 0 {
		d.Log.Warn("submission for another organisation refused", "kind", m.Name, "client", p.ClientID, "org", p.Org, "rows", sum.ForeignRows)
		return nil, forbid(ctx, fmt.Sprintf("you may only submit %s for your own organisation: %d rows name another, nothing was stored", m.Rows, sum.ForeignRows), details(sum.Foreign)...)
	}
	return publish(ctx, d, p, m.Name, in.IdempotencyKey, bodyHash, sp, sum.Rows)
}

// readRefusal answers a body that could not be read to its end: too large (413), not readable
// as the kind (422), cut short (400); or the hub could not set its chunks aside (500).
func readRefusal(d *Deps, what, sniffed string, csv bool, err error) error {
	var (
		de *submission.DocumentError
		se *spoolError
	)
	switch {
	case errors.Is(err, errTooLarge) && csv:
		return huma.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("an upload may be at most %d bytes: split the file", d.Limits.MaxUploadBytes))
	case errors.Is(err, errTooLarge):
		return huma.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("a JSON submission may be at most %d bytes; send large files as text/csv", d.Limits.MaxJSONBytes))
	case errors.As(err, &de):
		return huma.Error422UnprocessableEntity(unreadable(what, sniffed), details(de.Problems)...)
	case errors.As(err, &se):
		return errInternal(d.Log, "could not take the submission", err)
	}
	return huma.Error400BadRequest(unreadable("", sniffed), err)
}

// unreadable is the detail of a refused body: what it cannot be read as, and how its type was
// found when no Content-Type was sent.
func unreadable(what, sniffed string) string {
	s := "the body cannot be read"
	if what != "" {
		s += " as " + what
	}
	if sniffed != "" {
		s += " (" + sniffed + ")"
	}
	return s
}

// bodyOf checks a submission's content type and opens its body to be read as it comes: CSV up
// to the upload limit, JSON up to the JSON limit. A body sent without a Content-Type is read as
// JSON when it begins with { or [, and as CSV otherwise; sniffed then says so, for the answer
// to a body that cannot be read as what it was taken for.
func bodyOf(d *Deps, in *submitInput) (up *uploadBody, body kind.Body, sniffed string, err error) {
	r := in.body
	if r == nil {
		r = http.NoBody
	}
	up = newUploadBody(r, d.Limits.MaxUploadBytes)
	br := bufio.NewReaderSize(up, 64<<10)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return nil, body, "", huma.Error400BadRequest("the body is empty: send a CSV file with a header row (text/csv) or JSON (application/json)")
	}
	ct := in.ContentType
	if strings.TrimSpace(ct) == "" {
		ct, sniffed = sniffFrom(br)
	}
	switch {
	case isCSV(ct):
		return up, kind.Body{R: br, CSV: true}, sniffed, nil
	case isJSON(ct):
		up.limit = min(up.limit, d.Limits.MaxJSONBytes)
		return up, kind.Body{R: br}, sniffed, nil
	}
	return nil, body, "", huma.NewError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not taken: send application/json or text/csv (a CSV file with a header row)", in.ContentType))
}

// sniff names the content type of a body sent without one by b, its beginning after a
// byte-order mark and blanks (see sniffFrom): JSON begins with { or [; anything else is taken for
// CSV. The note says so in words.
func sniff(b []byte) (ct, note string) {
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return "application/json", "no Content-Type was sent, and the body begins with " + string(b[0]) + ", so it was read as JSON (application/json); send Content-Type: text/csv for a CSV file"
	}
	return "text/csv", "no Content-Type was sent, and the body does not begin with { or [, so it was read as CSV (text/csv); send Content-Type: application/json for JSON"
}

// isCSV tells whether a content type names CSV.
func isCSV(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, "application/csv")
}

func isJSON(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "application/json") || strings.Contains(ct, "+json")
}

// details turns row errors into problem details, at most maxProblemDetails of them.
func details(errs []submission.RowError) []error {
	out := make([]error, 0, min(len(errs), maxProblemDetails))
	for _, e := range errs[:min(len(errs), maxProblemDetails)] {
		loc := fmt.Sprintf("row %d", e.Row)
		if e.Row == 0 {
			loc = "body"
		}
		if e.Field != "" {
			loc += " " + e.Field
		}
		out = append(out, &huma.ErrorDetail{Message: e.Reason, Location: loc})
	}
	return out
}

// listInput is a list operation's query: org, the page, and the kind's own parameters (read by
// Resolve).
type listInput struct {
	Org    string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Organisation code; defaults to your own. Only stewards may read another organisation's."`
	Limit  int    `query:"limit" minimum:"1" maximum:"10000" default:"1000" doc:"At most this many rows a page (1,000 by default, at most 10,000), in the order of the rows' key"`
	Cursor string `query:"cursor" maxLength:"500" pattern:"^[A-Za-z0-9_-]*$" doc:"Where the page starts: the next_cursor of the previous page; empty for the first page"`
	query  kind.Query
}

// pageParams are the query parameters of every paged list, not the kind's own.
var pageParams = []string{"org", "limit", "cursor"}

// Resolve implements huma.Resolver: it reads the kind's own query parameters, declared on the
// operation.
func (in *listInput) Resolve(ctx huma.Context) []error {
	in.query = kind.Query{}
	var errs []error
	for _, p := range ctx.Operation().Parameters {
		if p.In != "query" || slices.Contains(pageParams, p.Name) {
			continue
		}
		v := ctx.Query(p.Name)
		if p.Schema != nil && p.Schema.MaxLength != nil && len(v) > *p.Schema.MaxLength {
			errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Value: v, Message: fmt.Sprintf("expected length <= %d", *p.Schema.MaxLength)})
			continue
		}
		if s := p.Schema; v != "" && s != nil && s.Type == huma.TypeInteger && s.Minimum != nil && s.Maximum != nil {
			if n, err := strconv.Atoi(v); err != nil || float64(n) < *s.Minimum || float64(n) > *s.Maximum {
				errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Value: v, Message: fmt.Sprintf("expected a whole number from %v to %v", *s.Minimum, *s.Maximum)})
				continue
			}
		}
		if v != "" && p.Schema != nil && p.Schema.Pattern != "" {
			if ok, err := regexp.MatchString(p.Schema.Pattern, v); err != nil || !ok {
				errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Value: v, Message: "expected string to match pattern " + p.Schema.Pattern})
				continue
			}
		}
		in.query[p.Name] = v
	}
	return errs
}

type listOutput struct {
	Link string `header:"Link" doc:"The next page, rel=\"next\", when there is one"`
	Body any
}

// registerList adds the GET operation of a kind's stored rows: the caller's own organisation's,
// or (for a steward) the one asked for.
func registerList(api huma.API, d *Deps, m *kind.Meta) {
	l := m.List
	op := huma.Operation{
		OperationID: l.ID, Method: http.MethodGet, Path: m.Docs.Path, Summary: l.Summary, Description: l.Description + " " + pagedRowsDoc,
		Tags: m.Docs.Tags, Security: secured,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{"200": {Description: "OK", Content: map[string]*huma.MediaType{
			"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(l.Body(), true, l.Schema)},
		}}},
	}
	for _, p := range l.Params {
		s := &huma.Schema{Type: huma.TypeString, Description: p.Doc, MaxLength: &p.MaxLength, Pattern: p.Pattern}
		if p.Maximum > 0 {
			lo, hi := float64(p.Minimum), float64(p.Maximum)
			s = &huma.Schema{Type: huma.TypeInteger, Format: "int64", Description: p.Doc, Minimum: &lo, Maximum: &hi}
		}
		op.Parameters = append(op.Parameters, &huma.Param{Name: p.Name, In: "query", Description: p.Doc, Schema: s})
	}
	huma.Register(api, op, func(ctx context.Context, in *listInput) (*listOutput, error) {
		org, err := ownOrg(ctx, in.Org, m.Rows)
		if err != nil {
			return nil, err
		}
		page := kind.Page{Limit: in.Limit}
		if in.Cursor != "" {
			page.After = &kind.Position{}
			if err := decodeCursor(in.Cursor, page.After); err != nil {
				return nil, err
			}
		}
		body, next, err := l.Read(ctx, d.CH, org, in.query, page)
		if err != nil {
			return nil, errInternal(d.Log, "could not read "+m.Rows, err)
		}
		out := &listOutput{Body: body}
		if next != nil {
			cursor := encodeCursor(next)
			out.Body = l.WithNextCursor(body, cursor)
			query := url.Values{"org": {in.Org}, "limit": {fmt.Sprint(in.Limit)}}
			for name, v := range in.query {
				query.Set(name, v)
			}
			out.Link = nextLink(m.Docs.Path, query, cursor)
		}
		return out, nil
	})
}

// pagedRowsDoc says how every list of stored rows is read a page at a time.
const pagedRowsDoc = "Read a page at a time, in the order of the rows' key: `limit=` rows a page (1,000 by default, at most 10,000); `next_cursor` (and the `Link` header, rel=\"next\") gives the next page, with the same query. Without `cursor=` the first page is answered. A row stored while you read is on a later page when its place in the order is after the cursor, and on none when before: read again from the first page to see every row as it stands."

// ownOrg is the organisation a reader of stored rows (what) asks for: its own by default;
// another only for a steward (authz.MayReadRows).
func ownOrg(ctx context.Context, asked, what string) (string, error) {
	p, err := principal(ctx)
	if err != nil {
		return "", err
	}
	org := cmp.Or(workforce.NormaliseOrg(asked), p.Org)
	trail.Annotate(ctx, org, "")
	if err := authz.MayReadRows(p, org); err != nil {
		return "", refusal(err)
	}
	if org == "" {
		return "", huma.Error422UnprocessableEntity("name an organisation whose " + what + " to read with org=")
	}
	return org, nil
}
