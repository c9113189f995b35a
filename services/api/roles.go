package api

import (
	"slices"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
)

// operationRoles says, per operation, which roles it serves and for what: the access rule of
// package authz and of each kind's submit policy, in words, for the contract (x-hub-roles and
// each description). TestRolesMatchTheAccessRule checks it against what the API answers. The
// submit and list operations of the data kinds come from the registry (withKindRoles).
var operationRoles = withKindRoles(kinds.All, map[string][]roleUse{
	"get-access-trail": {{"steward", "every request's record"}},
	"list-alliances":   allianceReaders,
	"get-alliance":     allianceReaders,
	"put-alliance":     {{"steward", "any alliance"}},
	"delete-alliance":  {{"steward", "any alliance"}},

	"get-submission":        submissionFollowers,
	"get-submission-errors": submissionFollowers,

	"get-action-plan":           namedReaders,
	"get-standard-2-benchmarks": namedReaders,
	"get-standard-8-benchmarks": namedReaders,
	"get-benchmark-trend":       namedReaders,
	"list-standard-2-periods":   figureReaders,
	"list-standard-8-periods":   figureReaders,
	"list-metrics":              figureReaders,
	"get-rag-mix":               namedReaders,
	"get-survey-agreement":      namedReaders,
	"get-triangulation":         namedReaders,
	"get-open-data": {{"submitter", "the benchmark tables with itself named; the workforce table of its own returns"},
		{"university", "the benchmark tables with itself named; the workforce table of its own returns"},
		{"analyst", "the benchmark tables with its alliances' members named (not the workforce table, which holds stored rows)"},
		{"steward", "every table, every organisation named"}},
	"get-open-data-meta": figureReaders,
	"get-projections": {{"submitter", "its own organisation's projection"}, {"university", "its own organisation's projection"},
		{"analyst", "the projections of the alliances' members in its token"}, {"steward", "any organisation's projection"}},
})

// roleUse is one role an operation serves, and for what.
type roleUse struct{ role, may string }

var (
	anySubmit  = roleUse{"steward", "for any organisation"}
	rowReaders = []roleUse{{"submitter", "its own organisation's rows"}, {"university", "its own organisation's rows"},
		{"steward", "any organisation's rows (org=)"}}
	figureReaders = []roleUse{{"submitter", "with the organisation in its token"}, {"university", "with the organisation in its token"},
		{"analyst", "every area"}, {"steward", "every area"}}
	namedReaders = []roleUse{{"submitter", "the areas, and its own organisation by name"}, {"university", "the areas, and its own organisation by name"},
		{"analyst", "the areas, and the members of the alliances in its token by name"}, {"steward", "every organisation by name"}}
	submissionFollowers = []roleUse{{"submitter", "its own client's submissions"}, {"university", "its own client's submissions"},
		{"survey_provider", "its own client's submissions"}, {"analyst", "its own client's submissions"}, {"steward", "any submission"}}
	allianceReaders = []roleUse{{"submitter", "the alliances its organisation belongs to"}, {"university", "the alliances its organisation belongs to"},
		{"analyst", "the alliances in its token"}, {"steward", "every alliance"}}
)

func ownSubmit(role string) roleUse { return roleUse{role, "for its own organisation only"} }

// withKindRoles adds to ops the roles of every kind's operations: its submit policy's (the roles
// for their own organisation, then those for any, stewards last) and, for its list of stored
// rows, the readers of rows.
func withKindRoles(ks []kind.Any, ops map[string][]roleUse) map[string][]roleUse {
	for _, k := range ks {
		m := k.About()
		var uses []roleUse
		for _, r := range slices.Sorted(slices.Values(m.Policy.Own)) {
			uses = append(uses, ownSubmit(r))
		}
		for _, r := range slices.Sorted(slices.Values(m.Policy.Any)) {
			if r != auth.RoleSteward {
				uses = append(uses, roleUse{r, anySubmit.may})
			}
		}
		if slices.Contains(m.Policy.Any, auth.RoleSteward) {
			uses = append(uses, anySubmit)
		}
		ops[m.Docs.SubmitID] = uses
		if m.List != nil {
			ops[m.List.ID] = rowReaders
		}
	}
	return ops
}
