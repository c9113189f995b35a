package kind

import (
	"fmt"
	"slices"

	"github.com/partnership-hub/hub/pkg/auth"
)

// Policy says who may submit a kind: the roles that may report for their own organisation (the
// one in their token) and those that may report for any. The API checks a whole body with it
// before anything is published, and ingest checks each row again with the same functions.
type Policy struct {
	Own []string
	Any []string
	// Who says it in words, for refusals: "employers (role submitter) or stewards".
	Who string
}

// Caller is a submitter as its verified token names it.
type Caller struct {
	Roles []string
	Org   string
}

// AnyOrg reports whether the caller may report for any organisation.
func (p Policy) AnyOrg(c Caller) bool {
	return slices.ContainsFunc(p.Any, func(r string) bool { return slices.Contains(c.Roles, r) })
}

// MaySubmit says why the caller may not submit the kind at all, or nil.
func (p Policy) MaySubmit(c Caller, rows string) error {
	if p.AnyOrg(c) {
		return nil
	}
	if !slices.ContainsFunc(p.Own, func(r string) bool { return slices.Contains(c.Roles, r) }) {
		return fmt.Errorf("%s are submitted by %s: your roles %v may not", rows, p.Who, c.Roles)
	}
	if c.Org == "" {
		return fmt.Errorf("your token names no organisation")
	}
	return nil
}

// Allows reports whether a caller that may submit the kind (MaySubmit) may report a row for
// organisation org: any organisation for a role that may, otherwise its own only. The API checks
// every row of a body with it before publishing anything, ingest each row again.
func (p Policy) Allows(c Caller, org string) bool {
	return p.AnyOrg(c) || (c.Org != "" && org == c.Org)
}

// OwnOrAny is the usual policy: the roles own report for their own organisation, stewards for
// any; who says who the own roles are.
func OwnOrAny(who string, own ...string) Policy {
	return Policy{Own: own, Any: []string{auth.RoleSteward}, Who: who + " or stewards"}
}
