package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

type actionPlanInput struct {
	Org    string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Organisation code; defaults to your own. Analysts may read their alliances' members', stewards any organisation's."`
	Cycle  int    `query:"cycle" required:"true" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle (year)"`
	Accept string `header:"Accept" doc:"application/json (default) or text/csv"`
}

type rawOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

type ragMixInput struct {
	Cycle  int    `query:"cycle" required:"true" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle (year)"`
	Region string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" required:"true" maxLength:"9" doc:"ONS region code, e.g. E12000001 (North East)"`
}

// OrgMix is one organisation's mix for a standard.
type OrgMix struct {
	Org  string `json:"org"`
	Name string `json:"name"`
	audit.Mix
}

// StandardMix is a standard's RAG mix across a region.
type StandardMix struct {
	Standard      int        `json:"standard"`
	Title         string     `json:"title"`
	Contributors  int        `json:"contributors" doc:"Organisations that rated items of the standard"`
	Region        *audit.Mix `json:"region" doc:"All contributors' items together; null for a submitter when fewer than 3 organisations contribute"`
	Organisations []OrgMix   `json:"organisations" doc:"Named organisations: every one for analysts and stewards, your own for a submitter"`
}

type ragMixOutput struct {
	Body struct {
		Cycle      int           `json:"cycle" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle (year)"`
		Region     string        `json:"region"`
		Standards  []StandardMix `json:"standards"`
		ComputedAt time.Time     `json:"computed_at" doc:"When the hub computed these figures from the ratings it had stored then (UTC): they are computed at each request" example:"2026-03-31T09:00:00Z"`
	}
}

func registerAudits(api huma.API, d *Deps) {
	planSchema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(audit.Plan{}), true, "")
	huma.Register(api, huma.Operation{
		OperationID: "get-action-plan",
		Method:      http.MethodGet,
		Path:        "/v1/audits/action-plan",
		Summary:     "An organisation's action plan for an audit cycle",
		Description: "The organisation's red and amber items (its current rating of each: the latest submission for the item and cycle), ordered by priority (high first), then standard, then item, with the planned action, its owner, due date and whether it is overdue (due before today). JSON, or CSV with Accept: text/csv. An organisation reads its own plan, an analyst those of its alliances' members, a steward any organisation's.",
		Tags:        []string{"Audits"},
		Security:    secured,
		Responses: map[string]*huma.Response{"200": {
			Description: "The action plan",
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: planSchema},
				"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString, Description: "The plan's items, one a row, with a header row naming the columns " + strings.Join(audit.PlanColumns, ", ")}},
			},
		}},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotAcceptable, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *actionPlanInput) (*rawOutput, error) {
		rd, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		org := cmp.Or(workforce.NormaliseOrg(in.Org), rd.Own())
		if org == "" {
			return nil, huma.Error422UnprocessableEntity("name an organisation with org=")
		}
		if err := readNamed(ctx, rd, org); err != nil {
			return nil, err
		}
		format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
		if err != nil {
			return nil, err
		}
		fw, err := audit.LoadFramework()
		if err != nil {
			return nil, errInternal(d.Log, "could not read the audit framework", err)
		}
		latest, err := d.Audits.Latest(ctx, in.Cycle, []string{org})
		if err != nil {
			return nil, errInternal(d.Log, "could not read audit ratings", err)
		}
		plan := audit.BuildPlan(fw, org, in.Cycle, latest, d.Now())
		var b bytes.Buffer
		if format == mediaCSV {
			if err := plan.WriteCSV(&b); err != nil {
				return nil, errInternal(d.Log, "could not write the action plan", err)
			}
			return &rawOutput{ContentType: "text/csv; charset=utf-8", Body: b.Bytes()}, nil
		}
		enc := json.NewEncoder(&b)
		if err := enc.Encode(plan); err != nil {
			return nil, errInternal(d.Log, "could not write the action plan", err)
		}
		return &rawOutput{ContentType: "application/json", Body: b.Bytes()}, nil
	})

	huma.Register(api, regionalGet("get-rag-mix", "/v1/audits/rag-mix", "Audit RAG mix per standard across a region",
		"For each standard, the share of red, amber and green among the items the region's organisations rated (each item's current rating) for the cycle, for the region as a whole and per organisation. Stewards see every organisation named, analysts the members of their alliances, a submitter its own organisation; everyone sees the regional figure, withheld when exactly one contributing organisation is hidden from the reader, since the region less the named ones would give it away.",
		"Audits"), func(ctx context.Context, in *ragMixInput) (*ragMixOutput, error) {
		sc, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		orgs, codes, err := regionOrgs(ctx, d, in.Region)
		if err != nil {
			return nil, err
		}
		fw, err := audit.LoadFramework()
		if err != nil {
			return nil, errInternal(d.Log, "could not read the audit framework", err)
		}
		latest, err := d.Audits.Latest(ctx, in.Cycle, codes)
		if err != nil {
			return nil, errInternal(d.Log, "could not read audit ratings", err)
		}
		mixes := audit.Mixes(latest)
		out := &ragMixOutput{}
		out.Body.Cycle, out.Body.Region, out.Body.Standards, out.Body.ComputedAt = in.Cycle, in.Region, []StandardMix{}, computedNow(d)
		for _, s := range fw.Standards {
			sm := StandardMix{Standard: s.Number, Title: s.Title, Organisations: []OrgMix{}}
			var (
				parts  []*audit.Mix
				hidden int
			)
			for _, o := range orgs {
				m := mixes[o.Code][s.Number]
				if m == nil {
					continue
				}
				parts = append(parts, m)
				if sc.Named(o.Code) {
					sm.Organisations = append(sm.Organisations, OrgMix{Org: o.Code, Name: o.Name, Mix: *m})
				} else {
					hidden++
				}
			}
			sm.Contributors = len(parts)
			// With exactly one contributor hidden, the region less the named ones would be it.
			if len(parts) > 0 && hidden != 1 {
				region := audit.Combine(parts...)
				sm.Region = &region
			}
			out.Body.Standards = append(out.Body.Standards, sm)
		}
		return out, nil
	})
}

// regionOrgs reads a region's organisations, 404 when it has none.
func regionOrgs(ctx context.Context, d *Deps, region string) ([]reference.Organisation, []string, error) {
	orgs, err := d.Directory.InRegion(ctx, strings.ToUpper(strings.TrimSpace(region)))
	if err != nil {
		return nil, nil, errInternal(d.Log, "could not read the region's organisations", err)
	}
	if len(orgs) == 0 {
		return nil, nil, huma.Error404NotFound("no organisations in region " + region)
	}
	codes := make([]string, len(orgs))
	for i, o := range orgs {
		codes[i] = o.Code
	}
	return orgs, codes, nil
}
