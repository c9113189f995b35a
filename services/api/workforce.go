package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

type submitInput struct {
	ContentType    string `header:"Content-Type" doc:"application/json or text/csv"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Any string unique to this submission; sending it again within 24 hours returns the first submission instead of storing twice"`
	RawBody        []byte
}

type listInput struct {
	Org    string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Organisation code; defaults to your own. Only stewards may read another organisation's returns."`
	Period string `query:"period" pattern:"^[0-9]{4}(-Q[1-4])?$" maxLength:"10" doc:"One period (YYYY or YYYY-Qn); all when empty"`
}

type listOutput struct {
	Body struct {
		Org     string             `json:"org"`
		Returns []workforce.Stored `json:"returns"`
	}
}

// maxProblemDetails caps the row errors put in one 4xx answer.
const maxProblemDetails = 100

func registerWorkforce(api huma.API, d *Deps) {
	bodySchema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(workforce.Returns{}), true, "Returns")
	huma.Register(api, huma.Operation{
		OperationID:   "submit-workforce-returns",
		Method:        http.MethodPost,
		Path:          "/v1/workforce-returns",
		Summary:       "Submit workforce returns",
		Description:   workforceSubmitDoc,
		Tags:          []string{"Workforce"},
		Security:      secured,
		DefaultStatus: http.StatusAccepted,
		MaxBodyBytes:  d.Limits.MaxUploadBytes,
		// The body is read row by row by the workforce decoders, so that one bad row is refused
		// on its own instead of failing the whole request; the schema is for the documentation.
		SkipValidateBody: true,
		RequestBody: &huma.RequestBody{
			Required: true,
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: bodySchema},
				"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: "CSV with a header row: the hub's layout (org, period and the figure names) or the DfE published layout"}},
			},
		},
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *submitInput) (*submitOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		steward := p.HasRole(auth.RoleSteward)
		if !steward && !p.HasRole(auth.RoleSubmitter) {
			return nil, forbid(ctx, "workforce returns are submitted by employers (role submitter) or stewards")
		}
		if !steward && p.Org == "" {
			return nil, forbid(ctx, "your token names no organisation")
		}
		decoded, err := decodeBody(d, in, "workforce returns", workforce.DecodeCSVBytes, workforce.DecodeJSON)
		if err != nil {
			return nil, err
		}
		rows := len(decoded.Rows) + submission.DistinctRows(decoded.Rejected)
		if err := d.Limits.checkRows(rows); err != nil {
			return nil, err
		}
		orgOf := func(r workforce.Row) (int, string) { return r.Row, r.Org }
		annotateOrg(ctx, decoded.Rows, orgOf)
		if !steward {
			foreign := foreignRows(p, decoded.Rows, orgOf, nil)
			if len(foreign) > 0 {
				d.Log.Warn("submission for another organisation refused", "client", p.ClientID, "org", p.Org, "rows", len(foreign))
				return nil, forbid(ctx, "you may only submit returns for your own organisation: nothing was stored", details(foreign)...)
			}
		}
		chunks := split(decoded.Rows, func(r workforce.Row) int { return r.Row }, decoded.Rejected, d.Limits.ChunkRows)
		return publish(ctx, d, p, submission.KindWorkforce, in.IdempotencyKey, in.RawBody, chunks, rows, workforce.EncodeRows)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-workforce-returns",
		Method:      http.MethodGet,
		Path:        "/v1/workforce-returns",
		Summary:     "Read stored workforce returns",
		Description: "Your organisation's stored returns, the latest version of each organisation and period. Stewards may read any organisation's.",
		Tags:        []string{"Workforce"},
		Security:    secured,
	}, func(ctx context.Context, in *listInput) (*listOutput, error) {
		org, err := ownOrg(ctx, in.Org, "returns")
		if err != nil {
			return nil, err
		}
		returns, err := d.Returns.List(ctx, org, in.Period)
		if err != nil {
			return nil, errInternal(d.Log, "could not read returns", err)
		}
		out := &listOutput{}
		out.Body.Org = org
		out.Body.Returns = returns
		if out.Body.Returns == nil {
			out.Body.Returns = []workforce.Stored{}
		}
		return out, nil
	})
}

const workforceSubmitDoc = `One or many workforce returns, as JSON ({"returns": [...]}) or as CSV (Content-Type: text/csv).

CSV takes the hub's own columns (org, period and the figure names of the JSON schema) or the Department for Education's published layout as it is (time_period, new_la_code, …; its rate columns are ignored, since the hub computes rates itself).
A figure is a number, empty or null when not reported, or a DfE symbol saying why it is unknown: x, c, z, u, low. Symbols are kept beside an unknown value, never turned into 0.

The answer comes at once (202) with a submission id; rows are checked and stored in the background. Rows that cannot be read are refused one by one and listed in the submission's status with their row number, field and reason; the rest are stored.
A submitter may only send returns for its own organisation: a submission naming another one is refused whole (403) and nothing is stored. Sending the same Idempotency-Key again within 24 hours returns the first submission.`

func isJSON(ct string) bool {
	ct = strings.ToLower(ct)
	return ct == "" || strings.HasPrefix(ct, "application/json") || strings.Contains(ct, "+json")
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
