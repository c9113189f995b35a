package api

import (
	"context"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/triangulation"
)

type agreementInput struct {
	Year   int    `query:"year" required:"true" minimum:"2000" maximum:"2100" example:"2026" doc:"Survey year"`
	Region string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" required:"true" maxLength:"9" doc:"ONS region code, e.g. E12000001 (North East)"`
}

type agreementOutput struct {
	Body struct {
		Year       int                        `json:"year" minimum:"2000" maximum:"2100" example:"2026" doc:"Survey year"`
		Region     string                     `json:"region"`
		Threshold  int                        `json:"threshold" doc:"Fewest respondents a published figure may come from"`
		Standards  []survey.StandardAgreement `json:"standards"`
		ComputedAt time.Time                  `json:"computed_at" doc:"When the hub computed these figures from the results it had stored then (UTC): they are computed at each request" example:"2026-03-31T09:00:00Z"`
	}
}

type triangulationInput struct {
	Cycle  int    `query:"cycle" required:"true" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle; the survey of the same year is set beside it"`
	Region string `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" required:"true" maxLength:"9" doc:"ONS region code, e.g. E12000001 (North East)"`
}

type triangulationOutput struct {
	Body struct {
		Cycle      int                        `json:"cycle" minimum:"2000" maximum:"2100" example:"2026" doc:"Audit cycle; the survey of the same year is set beside it"`
		Region     string                     `json:"region"`
		Quartiles  []triangulation.Quartiles  `json:"quartiles" doc:"Per standard, the region's quartiles of staff agreement"`
		Rows       []triangulation.Comparison `json:"rows" doc:"Per organisation and standard; flagged rows carry a flag"`
		ComputedAt time.Time                  `json:"computed_at" doc:"When the hub computed these figures from the results it had stored then (UTC): they are computed at each request" example:"2026-03-31T09:00:00Z"`
	}
}

// computedNow is the computed_at of an answer computed now.
func computedNow(d *Deps) time.Time { return d.Now().UTC().Truncate(time.Second) }

func registerSurveys(api huma.API, d *Deps) {
	huma.Register(api, regionalGet("get-survey-agreement", "/v1/surveys/agreement", "Staff agreement per standard, per organisation and for a region",
		agreementDoc, "Surveys"), func(ctx context.Context, in *agreementInput) (*agreementOutput, error) {
		sc, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		orgs, cells, err := surveyCells(ctx, d, in.Year, in.Region)
		if err != nil {
			return nil, err
		}
		out := &agreementOutput{}
		out.Body.Year, out.Body.Region, out.Body.Threshold, out.Body.ComputedAt = in.Year, in.Region, disclosure.Threshold, computedNow(d)
		out.Body.Standards = survey.Agreement(cells, visible(orgs, sc))
		if out.Body.Standards == nil {
			out.Body.Standards = []survey.StandardAgreement{}
		}
		return out, nil
	})

	huma.Register(api, regionalGet("get-triangulation", "/v1/triangulation", "Audit self-assessment beside staff experience, per organisation and standard",
		triangulationDoc, "Audits", "Surveys"), func(ctx context.Context, in *triangulationInput) (*triangulationOutput, error) {
		sc, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		orgs, cells, err := surveyCells(ctx, d, in.Cycle, in.Region)
		if err != nil {
			return nil, err
		}
		codes := make([]string, len(orgs))
		names := map[string]string{}
		for i, o := range orgs {
			codes[i] = o.Code
			if sc.Named(o.Code) {
				names[o.Code] = o.Name
			}
		}
		latest, err := d.Audits.Latest(ctx, in.Cycle, codes)
		if err != nil {
			return nil, errInternal(d.Log, "could not read audit ratings", err)
		}
		// Quartiles are the region's, from every organisation's published figure; the rows are
		// those the reader may see named.
		agreement := survey.Agreement(cells, visible(orgs, authz.Everyone()))
		out := &triangulationOutput{}
		out.Body.Cycle, out.Body.Region, out.Body.ComputedAt = in.Cycle, in.Region, computedNow(d)
		out.Body.Rows, out.Body.Quartiles = triangulation.Compare(audit.Mixes(latest), agreement, names)
		if out.Body.Rows == nil {
			out.Body.Rows = []triangulation.Comparison{}
		}
		if out.Body.Quartiles == nil {
			out.Body.Quartiles = []triangulation.Quartiles{}
		}
		return out, nil
	})
}

func surveyCells(ctx context.Context, d *Deps, year int, region string) ([]reference.Organisation, []survey.Cell, error) {
	orgs, codes, err := regionOrgs(ctx, d, region)
	if err != nil {
		return nil, nil, err
	}
	cells, err := d.Surveys.Cells(ctx, year, codes)
	if err != nil {
		return nil, nil, errInternal(d.Log, "could not read survey results", err)
	}
	return orgs, cells, nil
}

func visible(orgs []reference.Organisation, sc authz.Reader) []survey.Org {
	out := make([]survey.Org, len(orgs))
	for i, o := range orgs {
		out[i] = survey.Org{Code: o.Code, Name: o.Name, Visible: sc.Named(o.Code)}
	}
	return out
}

const agreementDoc = `Percent agree (agree or strongly agree, as a percent of all answers to the standard's questions) per standard: for each organisation of the region and each of its respondent groups, for the organisation as a whole, for each group across the region, and for the region (ratios of sums, never means of rates). Respondents are the most who answered any one of the standard's questions.

Disclosure control: a figure from fewer than 10 respondents is withheld (withheld: fewer_than_threshold), and so is any further figure from which a withheld one could be worked out by adding and subtracting published ones (withheld: secondary) — e.g. when one group of an organisation is withheld, another group is too, or the organisation's total could give it away; the hub checks this exactly over all the sums the answer holds.
Organisations are named by the hub's access rule: a steward sees every one, an analyst the members of its alliances, an organisation itself; everyone sees the regional figures, and the organisations hidden from a reader are protected in the same way, so that no neighbour's figure can be worked out from them. A survey provider reads no figures.`

const triangulationDoc = `For each organisation and standard, the employer's own audit beside its staff's experience in the health-check survey of the same year.

- audit_rating is the standard's rating as a whole: the rating more than half of its rated items hold (their current ratings), or amber when none has a majority; audit_mix gives the counts.
- staff_agreement is the organisation's percent agree for the standard's questions, with the same disclosure control as /v1/surveys/agreement (null when withheld, or when there are no results).
- agreement_quartile places it among the published figures of the region's organisations: bottom (at or below the lower quartile), top (at or above the upper quartile) or middle. Quartiles interpolate between the figures (as R's and numpy's default) and need at least four organisations with a published figure; with fewer, nothing is placed or flagged.
- flag: green_but_low_agreement when the standard is rated green but staff agreement is in the bottom quartile; red_but_high_agreement when it is rated red but staff agreement is in the top quartile. A flag is a prompt to look again at the evidence, not a finding.

Rows are named by the hub's access rule (a steward every organisation, an analyst its alliances' members, an organisation itself); everyone sees the region's quartiles. A survey provider reads no figures.`
