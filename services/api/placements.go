package api

import (
	"cmp"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
)

type placementListInput struct {
	Org          string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Organisation code; defaults to your own. Only stewards may read another organisation's."`
	AcademicYear string `query:"academic_year" pattern:"^[0-9]{4}/[0-9]{2}$" maxLength:"7" doc:"One academic year (YYYY/YY); all when empty"`
}

type educatorListInput struct {
	Org    string `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"Organisation code; defaults to your own. Only stewards may read another organisation's."`
	Period string `query:"period" pattern:"^[0-9]{4}(-Q[1-4])?$" maxLength:"10" doc:"One period (YYYY or YYYY-Qn); all when empty"`
}

type placementListOutput struct {
	Body struct {
		Org        string                      `json:"org"`
		Placements []placement.StoredPlacement `json:"placements" doc:"The latest report of each placement"`
	}
}

type capacityListOutput struct {
	Body struct {
		Org      string                     `json:"org"`
		Capacity []placement.StoredCapacity `json:"capacity"`
	}
}

type educatorListOutput struct {
	Body struct {
		Org       string                      `json:"org"`
		Educators []placement.StoredEducators `json:"educators"`
	}
}

// stewardOnly lets stewards alone report for any organisation.
func stewardOnly(p auth.Principal) bool { return p.HasRole(auth.RoleSteward) }

func registerPlacements(api huma.API, d *Deps) {
	registerRowSubmit(api, d, rowKind{
		kind: submission.KindPlacement, what: "placements", layout: placement.Layout,
		normalise: placement.Normalise, key: placement.Key, anyOrg: stewardOnly, roles: []string{auth.RoleUniversity},
	}, huma.Operation{
		OperationID: "submit-placements",
		Path:        "/v1/placements",
		Summary:     "Submit student placements (universities)",
		Description: placementSubmitDoc,
		Tags:        []string{"Standard 8"},
	}, placement.Placements{})
	registerRowSubmit(api, d, rowKind{
		kind: submission.KindPlacementCapacity, what: "placement capacity", layout: placement.CapacityLayout,
		normalise: placement.NormaliseCapacity, key: placement.CapacityKey, anyOrg: stewardOnly, roles: []string{auth.RoleUniversity, auth.RoleSubmitter},
	}, huma.Operation{
		OperationID: "submit-placement-capacity",
		Path:        "/v1/placement-capacity",
		Summary:     "Submit placement capacity: places requested (universities), offered and confirmed (employers)",
		Description: capacitySubmitDoc,
		Tags:        []string{"Standard 8"},
	}, placement.CapacityList{})
	registerRowSubmit(api, d, rowKind{
		kind: submission.KindPracticeEducators, what: "practice educators", layout: placement.EducatorsLayout,
		normalise: placement.NormaliseEducators, key: placement.EducatorsKey, anyOrg: stewardOnly,
	}, huma.Operation{
		OperationID: "submit-practice-educators",
		Path:        "/v1/practice-educators",
		Summary:     "Submit practice educators (employers)",
		Description: educatorsSubmitDoc,
		Tags:        []string{"Standard 8"},
	}, placement.EducatorsList{})

	huma.Register(api, listOperation("list-placements", "/v1/placements", "Read stored placements",
		"Your university's placements, the latest report of each student, cohort and stage. Stewards may read any organisation's."),
		func(ctx context.Context, in *placementListInput) (*placementListOutput, error) {
			org, err := ownOrg(ctx, in.Org, "rows")
			if err != nil {
				return nil, err
			}
			out := &placementListOutput{}
			out.Body.Org = org
			out.Body.Placements, err = d.Placements.List(ctx, org, in.AcademicYear)
			if err != nil {
				return nil, errInternal(d.Log, "could not read placements", err)
			}
			out.Body.Placements = nonNil(out.Body.Placements)
			return out, nil
		})
	huma.Register(api, listOperation("list-placement-capacity", "/v1/placement-capacity", "Read stored placement capacity",
		"Your organisation's placement capacity per academic year and stage, the latest of each. Stewards may read any organisation's."),
		func(ctx context.Context, in *placementListInput) (*capacityListOutput, error) {
			org, err := ownOrg(ctx, in.Org, "rows")
			if err != nil {
				return nil, err
			}
			out := &capacityListOutput{}
			out.Body.Org = org
			out.Body.Capacity, err = d.Placements.ListCapacity(ctx, org, in.AcademicYear)
			if err != nil {
				return nil, errInternal(d.Log, "could not read placement capacity", err)
			}
			out.Body.Capacity = nonNil(out.Body.Capacity)
			return out, nil
		})
	huma.Register(api, listOperation("list-practice-educators", "/v1/practice-educators", "Read stored practice educators",
		"Your organisation's practice educators per period, the latest of each. Stewards may read any organisation's."),
		func(ctx context.Context, in *educatorListInput) (*educatorListOutput, error) {
			org, err := ownOrg(ctx, in.Org, "rows")
			if err != nil {
				return nil, err
			}
			out := &educatorListOutput{}
			out.Body.Org = org
			out.Body.Educators, err = d.Placements.ListEducators(ctx, org, in.Period)
			if err != nil {
				return nil, errInternal(d.Log, "could not read practice educators", err)
			}
			out.Body.Educators = nonNil(out.Body.Educators)
			return out, nil
		})
}

func listOperation(id, path, summary, description string) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: description,
		Tags: []string{"Standard 8"}, Security: secured,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}
}

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

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const placementSubmitDoc = `Student placements, reported by the university, as JSON ({"placements": [...]}) or CSV (Content-Type: text/csv; columns org, student_ref, route, cohort, academic_year, stage, host_org, setting, statutory_tasks, service_user_group, planned_days, completed_days, pe_stage, pe_location, outcome).

No student is ever named. student_ref is a pseudonym the university derives itself: hex(HMAC-SHA256(secret, its own student id)) truncated to 32 characters, with a secret only the university keeps, so the same student has the same reference every time and nobody without the secret can go back to the student. A reference that is not 16 to 64 hex characters refuses the row (its value is not repeated in the status), and a column or field the schema does not list (a name, an email, a date of birth) refuses the body (CSV) or the row (JSON).

A placement is keyed by university, student, cohort and stage (skills_days, first, final). Report it again as it progresses (planned, ongoing, then passed, failed, withdrawn or deferred): the latest report replaces the earlier one, which is kept as history.
Rules, checked in the background: the host organisation must be known to the hub; completed days at most planned days plus 5 (a placement may run a few days over to make up absence); a passed or failed placement says how many days were completed. Warnings only (stored, listed under warnings): fewer days planned than the stage requires (30 skills days, 70 for the first placement, 100 for the final), or a placement passed with fewer days completed than that.

Only a university (role university) may send placements, and only its own (org is its UKPRN): a submission naming another organisation is refused whole (403). Stewards may send any.`

const capacitySubmitDoc = `Placement capacity per organisation, academic year (YYYY/YY) and stage, as JSON ({"capacity": [...]}) or CSV (columns org, academic_year, stage, requested, offered, confirmed).

A university reports the places it requests; an employer the places it offers and those it has confirmed (at most those offered). A figure left empty is not reported, never 0. A later row for the same organisation, year and stage replaces the earlier one.
Universities (role university) and employers (role submitter) send their own organisation's capacity only: a submission naming another organisation is refused whole (403). Stewards may send any.`

const educatorsSubmitDoc = `An employer's practice educators per period (YYYY, the snapshot at 30 September, or YYYY-Qn), as JSON ({"educators": [...]}) or CSV (columns org, period, stage1, stage2, active, students_supported).

Active educators (those who supported a student this year) are at most stage 1 plus stage 2 educators; students supported with no active educator is a warning. A figure left empty is not reported. A later row for the same employer and period replaces the earlier one.
An employer (role submitter) sends its own organisation's figures only: a submission naming another organisation is refused whole (403). Stewards may send any.`
