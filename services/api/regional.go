package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
)

// readerScope authorises a reader of regional figures and says whom it may see named, as for
// benchmarks (alliance.ScopeOf): stewards everyone, analysts their alliances' members, an
// employer itself. Anyone else is refused.
func readerScope(ctx context.Context, d *Deps) (alliance.Scope, error) {
	p, err := principal(ctx)
	if err != nil {
		return alliance.Scope{}, err
	}
	if p.HasRole(auth.RoleSteward) || p.HasRole(auth.RoleAnalyst) || (p.HasRole(auth.RoleSubmitter) && p.Org != "") {
		return callerScope(ctx, d)
	}
	return alliance.Scope{}, forbid(ctx, "regional figures are for analysts, stewards and employers (role submitter)")
}

// regionalGet describes a GET of regional figures.
func regionalGet(id, path, summary, description string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Description: description,
		Tags: tags, Security: secured, Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}}
}

func hasAnyRole(p auth.Principal, roles ...string) bool {
	return slices.ContainsFunc(roles, p.HasRole)
}
