package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/sheet"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Projections are worked out on request from the projection inputs the benchmark service writes
// beside each period's benchmarks (package projection), never from raw rows: the model is a few
// sums a year per organisation, so every what-if a person tries is answered at once, and the
// inputs are held in memory until the benchmark service announces a recomputation.

type projectionInput struct {
	Org                 string  `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"An organisation you may see by name (or give alliance= or region=)" example:"E06000001"`
	Alliance            string  `query:"alliance" pattern:"^[a-z0-9-]{1,40}$" maxLength:"40" doc:"An alliance you may see: the sum of its members' projections"`
	Region              string  `query:"region" pattern:"^[Ee](92|12|13)[0-9]{6}$" maxLength:"9" doc:"A region (E12…), London sub-region (E13…) or England (E92000001): the sum of its organisations' projections"`
	Years               int     `query:"years" minimum:"1" maximum:"10" default:"5" doc:"Years ahead"`
	Base                int     `query:"base" doc:"The last year of figures to start from; default the latest"`
	Demand              string  `query:"demand" enum:"children_in_need,child_population,flat" default:"children_in_need" doc:"What the establishment follows: the trend of children in need at 31 March, of the child population 0–17, or today's establishment held flat"`
	TargetCaseload      float64 `query:"target_caseload" minimum:"0" doc:"Cases per case-holder FTE the establishment should allow (e.g. 16); default today's caseload"`
	LeaverRateChange    float64 `query:"leaver_rate_change" minimum:"-100" maximum:"100" doc:"What-if: percentage points added to the leaver rate (-2: turnover down 2 points)"`
	ExtraStarters       float64 `query:"extra_starters" minimum:"0" doc:"What-if: more experienced starters a year, FTE"`
	Apprentices         float64 `query:"apprentices" minimum:"0" doc:"What-if: more apprentices starting each year, who qualify after apprenticeship_years and stay"`
	ApprenticeshipYears int     `query:"apprenticeship_years" minimum:"0" maximum:"10" doc:"Years an apprenticeship takes (default 3)"`
	QualificationRate   float64 `query:"qualification_rate" minimum:"0" maximum:"1" doc:"Share of final placements passed that end in the qualification (default 0.93)"`
	LocalShare          float64 `query:"local_share" minimum:"0" maximum:"1" doc:"Share of the newly qualified who start work locally (default 0.65)"`
	Shrinkage           float64 `query:"shrinkage" minimum:"0" doc:"FTE-years of the area's leaver rate a small organisation's own is shrunk towards (default 100)"`
	CloseGapBy          int     `query:"close_gap_by" doc:"The year by which the gap should be closed; default the last year projected"`
	Accept              string  `header:"Accept" doc:"application/json (default) or text/csv"`
}

// ProjectionArea names what was projected: an organisation, an alliance, or an area of the
// geography.
type ProjectionArea struct {
	Code  string `json:"code" example:"E12000001"`
	Name  string `json:"name" example:"North East"`
	Level string `json:"level" enum:"organisation,alliance,england,region,subregion"`
}

// Projections is the answer: the projection of what was asked for (an organisation's, or an
// area's as the sum of its members'), its members' you may see by name, and the members left
// out because an input is unknown.
type Projections struct {
	Area ProjectionArea `json:"area"`
	// ComputedAt is when the inputs the answer used were last computed (the model runs at each
	// request, from them).
	ComputedAt  *time.Time              `json:"computed_at,omitempty" doc:"When the projection's inputs were last computed (UTC): the latest computation of the inputs the answer used; the model runs on them at each request"`
	Assumptions projection.Assumptions  `json:"assumptions" doc:"The assumptions used, with the defaults filled in"`
	Projection  projection.Projection   `json:"projection"`
	Members     []projection.Projection `json:"members" doc:"The members' projections you may see by name (an area's only)"`
	Included    int                     `json:"members_included" doc:"Members summed into the projection"`
	Excluded    []projection.Exclusion  `json:"excluded" doc:"Members you may see by name left out, and why"`
	// Members left out that the reader may not see by name are counted, not named.
	ExcludedUnnamed int `json:"excluded_unnamed" doc:"Members left out that you may not see by name"`
}

const projectionsDoc = "A stock-and-flow projection of children's social workers for an organisation (`org=`, which you must be allowed to see by name), an alliance you may see (`alliance=`) or an area (`region=`), year by year for 1–10 years after the latest year of figures: " +
	"in-post FTE = in-post × (1 − leaver rate) + experienced starters + newly qualified starters, with the leaver rate a ratio of sums over three years shrunk towards the area's for small organisations and newly qualified supply from the final placements passed; " +
	"the establishment (in-post + vacancies) follows the demand measure chosen (`demand=`) or moves to a target caseload; the gap, the agency FTE to cover it at today's ratio, and the final placements and practice educators that would close it by `close_gap_by`; " +
	"a low–high band from the spread of each organisation's own yearly rates; and what-if assumptions (`leaver_rate_change=-2`, `apprentices=10`, `target_caseload=16`). " +
	"An area's projection is the sum of its members'; a member whose inputs are unknown is left out and says why (`excluded`, for those you may see by name). " +
	"Who may see what is as for benchmarks: areas for every reader of figures, an organisation's own projection to those who may see it by name. " +
	"With `Accept: text/csv` the answer is a tidy table, one row per organisation (or the area, with an empty `org`) × year, history then projection; the last column, `org_code`, repeats `org` under its old name until version 1.2.0 (deprecated: read `org`). " +
	"Formulas, defaults and their sources: README \"Projections\"."

func registerProjections(api huma.API, d *Deps) {
	inputs := d.Projections
	if inputs == nil {
		inputs = projection.NewCache(projection.NewInputStore(d.CH), 0)
	}
	reg := api.OpenAPI().Components.Schemas
	huma.Register(api, huma.Operation{
		OperationID: "get-projections",
		Method:      http.MethodGet,
		Path:        "/v1/projections",
		Summary:     "Workforce projection with scenarios and what-if assumptions",
		Description: projectionsDoc,
		Tags:        []string{"Projections"},
		Security:    secured,
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{"200": {Description: "OK", Content: map[string]*huma.MediaType{
			mediaJSON: {Schema: reg.Schema(reflect.TypeOf(Projections{}), true, "")},
			mediaCSV:  {Schema: &huma.Schema{Type: huma.TypeString, Description: columnsDoc(projectionHeader)}},
		}}},
	}, func(ctx context.Context, in *projectionInput) (*tableOutput, error) {
		rd, err := callerReader(ctx, d)
		if err != nil {
			return nil, err
		}
		org := workforce.NormaliseOrg(in.Org)
		if n := countGiven(org, in.Alliance, in.Region); n != 1 {
			return nil, huma.Error422UnprocessableEntity("give one of org=, alliance= or region=")
		}
		format, err := negotiate(in.Accept, mediaJSON, mediaCSV)
		if err != nil {
			return nil, err
		}
		orgs, err := inputs.Orgs(ctx)
		if err != nil {
			return nil, errInternal(d.Log, "could not read the projection inputs", err)
		}
		res := Projections{Members: []projection.Projection{}, Excluded: []projection.Exclusion{}}
		var members []string
		switch {
		case org != "":
			if err := readNamed(ctx, rd, org); err != nil {
				return nil, err
			}
			members = []string{org}
			res.Area = ProjectionArea{Code: org, Name: org, Level: "organisation"}
		case in.Alliance != "":
			a, err := visibleAlliance(ctx, d, rd, in.Alliance)
			if err != nil {
				return nil, err
			}
			members = a.Members
			res.Area = ProjectionArea{Code: a.ID, Name: a.Name, Level: "alliance"}
		default:
			area, ok := geographyArea(in.Region)
			if !ok {
				return nil, huma.Error404NotFound("no such area: give a region (E12…), London sub-region (E13…) or England (E92000001)")
			}
			members = projection.InArea(orgs, in.Region)
			res.Area = area
		}
		result, err := projection.Run(orgs, members, assumptionsOf(in))
		if errors.Is(err, projection.ErrAssumption) {
			return nil, huma.Error422UnprocessableEntity(err.Error())
		}
		if err != nil {
			return nil, errInternal(d.Log, "could not project", err)
		}
		res.Assumptions = result.Assumptions
		if at := projection.ComputedAt(orgs, members); !at.IsZero() {
			res.ComputedAt = &at
		}
		res.Included = len(result.Members)
		if org != "" {
			if len(result.Members) == 0 {
				reason := "no figures"
				if len(result.Excluded) > 0 {
					reason = result.Excluded[0].Reason
				}
				return nil, huma.Error422UnprocessableEntity(fmt.Sprintf("%s cannot be projected: %s", org, reason))
			}
			res.Projection = result.Members[0]
			res.Area.Name = res.Projection.Name
		} else {
			res.Projection = result.Area
			for _, m := range result.Members {
				if rd.Named(m.Org) {
					res.Members = append(res.Members, m)
				}
			}
			for _, e := range result.Excluded {
				if rd.Named(e.Org) {
					res.Excluded = append(res.Excluded, e)
				} else {
					res.ExcludedUnnamed++
				}
			}
		}
		if format == mediaCSV {
			body, err := projectionCSV(res)
			if err != nil {
				return nil, err
			}
			return csvFile(fmt.Sprintf("projection-%s-%d.csv", res.Area.Code, res.Assumptions.Base), body), nil
		}
		return jsonOutput(res)
	})
}

func countGiven(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

// visibleAlliance reads an alliance the reader may see (authz.Reader.SeesAlliance): 404 for
// none, or for one it may not see, as the alliance reads answer.
func visibleAlliance(ctx context.Context, d *Deps, rd authz.Reader, id string) (alliance.Alliance, error) {
	if d.Alliances == nil || !rd.IsAlliance(id) {
		return alliance.Alliance{}, huma.Error404NotFound("no such alliance")
	}
	if !rd.SeesAlliance(id) {
		trail.Explain(ctx, "an alliance the caller may not see")
		return alliance.Alliance{}, huma.Error404NotFound("no such alliance")
	}
	all, err := d.Alliances.List(ctx)
	if err != nil {
		return alliance.Alliance{}, errInternal(d.Log, "could not read alliances", err)
	}
	i := slices.IndexFunc(all, func(a alliance.Alliance) bool { return a.ID == id })
	if i < 0 {
		return alliance.Alliance{}, huma.Error404NotFound("no such alliance")
	}
	return all[i], nil
}

// geographyArea names a region, London sub-region or England from the reference geography.
func geographyArea(code string) (ProjectionArea, bool) {
	regions, err := reference.Regions()
	if err != nil {
		return ProjectionArea{}, false
	}
	for _, r := range regions {
		if r.Code == code {
			return ProjectionArea{Code: r.Code, Name: r.Name, Level: r.Level}, true
		}
	}
	return ProjectionArea{}, false
}

func assumptionsOf(in *projectionInput) projection.Assumptions {
	return projection.Assumptions{Base: in.Base, Years: in.Years, Demand: projection.Demand(in.Demand), TargetCaseload: in.TargetCaseload,
		LeaverRateChange: in.LeaverRateChange, ExtraStarters: in.ExtraStarters, ExtraApprentices: in.Apprentices,
		ApprenticeshipYears: in.ApprenticeshipYears, QualificationRate: in.QualificationRate, LocalShare: in.LocalShare,
		Shrinkage: in.Shrinkage, CloseGapBy: in.CloseGapBy}
}

// projectionHeader is the tidy table's columns: one row per organisation (empty org: the area
// itself) × year; kind says whether the year is a figure (history) or projected. The last column
// repeats org under its old name (deprecatedOrgColumn).
var projectionHeader = []string{"area_code", "area_name", "org", "org_name", "year", "kind", "inpost_fte", "inpost_fte_low", "inpost_fte_high",
	"leavers_fte", "starters_fte", "newly_qualified_fte", "establishment_fte", "gap_fte", "agency_fte", "demand", deprecatedOrgColumn}

func projectionCSV(res Projections) ([]byte, error) {
	var buf bytes.Buffer
	w := sheet.NewWriter(&buf)
	if err := w.Write(projectionHeader); err != nil {
		return nil, err
	}
	write := func(p projection.Projection, org bool) error {
		code, name := "", ""
		if org {
			code, name = p.Org, p.Name
		}
		for _, part := range []struct {
			kind   string
			points []projection.Point
		}{{"history", p.History}, {"projection", p.Points}} {
			for _, pt := range part.points {
				if err := w.Write([]string{res.Area.Code, res.Area.Name, code, name, strconv.Itoa(pt.Year), part.kind,
					num(&pt.Inpost), num(&pt.InpostLow), num(&pt.InpostHigh), num(&pt.Leavers), num(&pt.Starters), num(&pt.NewlyQualified),
					num(&pt.Establishment), num(&pt.Gap), num(pt.Agency), num(pt.Demand), code}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := write(res.Projection, res.Area.Level == "organisation"); err != nil {
		return nil, err
	}
	for _, m := range res.Members {
		if err := write(m, true); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
