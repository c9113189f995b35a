// Package authz holds the hub's access rules: one rule for each question, asked in one place.
// The HTTP layer asks these questions and maps a refusal to 403; it decides nothing itself.
//
//   - Who may read figures (benchmarks, regional figures, action plans, alliances, the metric
//     catalogue): ReaderOf. Stewards, analysts, and organisations (roles submitter and
//     university, with the organisation in their token). A survey provider only submits.
//   - Who may see organisation X by name: Reader.Named. Stewards every organisation, analysts
//     the members of the alliances in their token, an organisation itself. The others still
//     count, unnamed, in the areas' figures.
//   - Who may read an alliance, and its figures as an area: Reader.SeesAlliance. Stewards every
//     alliance, analysts those in their token, an organisation those it belongs to.
//   - Who may read an organisation's stored rows: MayReadRows. The organisation itself, or a
//     steward.
//   - Who may follow a submission: MayFollow. The client that made it, or a steward.
//   - Who may read the access trail, and who may manage alliances: MayReadTrail and
//     MayManageAlliances. Stewards.
//
// Who may submit what, for which organisation, is each data kind's submit policy.
package authz

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
)

// ErrForbidden is wrapped by every refusal; the refusal's text says why, in words for the
// caller.
var ErrForbidden = errors.New("forbidden")

type refusal string

func (r refusal) Error() string        { return string(r) }
func (r refusal) Is(target error) bool { return target == ErrForbidden }

func refuse(why string) error { return refusal(why) }

// Reader is what one caller may read of the hub's figures.
type Reader struct {
	org       string
	everyone  bool
	named     map[string]bool
	alliances map[string]bool // every alliance: whether the reader may see it
}

// ReaderOf works out what p may read, given the current alliances; it refuses (ErrForbidden)
// a caller who may read no figures at all.
func ReaderOf(p auth.Principal, alliances []alliance.Alliance) (Reader, error) {
	steward, analyst := p.HasRole(auth.RoleSteward), p.HasRole(auth.RoleAnalyst)
	member := p.Org != "" && (p.HasRole(auth.RoleSubmitter) || p.HasRole(auth.RoleUniversity))
	if !steward && !analyst && !member {
		switch {
		case p.HasRole(auth.RoleSurveyProvider) && len(p.Roles) == 1:
			return Reader{}, refuse("a survey provider submits survey results and reads no figures")
		case p.Org == "" && (p.HasRole(auth.RoleSubmitter) || p.HasRole(auth.RoleUniversity)):
			return Reader{}, refuse("your token names no organisation")
		}
		return Reader{}, refuse("figures are for stewards, analysts and organisations (roles submitter and university)")
	}
	r := Reader{everyone: steward, named: map[string]bool{}, alliances: map[string]bool{}}
	if member || analyst {
		r.org = p.Org
	}
	if r.org != "" {
		r.named[r.org] = true
	}
	for _, a := range alliances {
		inToken := analyst && slices.Contains(p.Alliances, a.ID)
		r.alliances[a.ID] = steward || inToken || (r.org != "" && slices.Contains(a.Members, r.org))
		if inToken {
			for _, m := range a.Members {
				r.named[m] = true
			}
		}
	}
	return r, nil
}

// Everyone is the reader that may see every organisation by name and every alliance: what
// figures are computed for before they are shown to a reader.
func Everyone() Reader { return Reader{everyone: true} }

// Named tells whether the reader may see org's figures by name.
func (r Reader) Named(org string) bool { return r.everyone || r.named[org] }

// Everyone tells whether the reader may see every organisation by name.
func (r Reader) Everyone() bool { return r.everyone }

// Own is the reader's organisation ("" for none): its figures are the reader's own, known to it
// whatever the hub publishes.
func (r Reader) Own() string { return r.org }

// IsAlliance tells whether id names an alliance (visible to the reader or not).
func (r Reader) IsAlliance(id string) bool {
	_, ok := r.alliances[id]
	return ok
}

// SeesAlliance tells whether the reader may see the alliance id: its members and its figures as
// an area.
func (r Reader) SeesAlliance(id string) bool { return r.everyone || r.alliances[id] }

// SeesArea tells whether the reader may see an area's figures: every region, London sub-region
// and England; an alliance when it may see the alliance.
func (r Reader) SeesArea(code string) bool { return !r.IsAlliance(code) || r.SeesAlliance(code) }

// ReadOrg refuses (ErrForbidden) a reader who may not see org by name.
func (r Reader) ReadOrg(org string) error {
	if r.Named(org) {
		return nil
	}
	return refuse("you may not see " + org + "'s figures by name")
}

// Key identifies what the reader may see: two readers with the same key see the same figures.
func (r Reader) Key() string {
	if r.everyone {
		return "*"
	}
	var seen []string
	for id, ok := range r.alliances {
		if ok {
			seen = append(seen, id)
		}
	}
	slices.Sort(seen)
	return r.org + "|" + strings.Join(slices.Sorted(maps.Keys(r.named)), ",") + "|" + strings.Join(seen, ",")
}

// MayReadRows refuses (ErrForbidden) a caller who may not read org's stored rows: only the
// organisation itself (roles submitter and university) and stewards may.
func MayReadRows(p auth.Principal, org string) error {
	switch {
	case p.HasRole(auth.RoleSteward):
		return nil
	case org == "" || org != p.Org:
		return refuse("you may only read your own organisation's stored rows")
	case p.HasRole(auth.RoleSubmitter) || p.HasRole(auth.RoleUniversity):
		return nil
	}
	return refuse("stored rows are read by the organisation that sent them (roles submitter and university) and stewards")
}

// MayFollow refuses (ErrForbidden) a caller who may not read the status of a submission made
// by the client submitter: only that client and stewards may.
func MayFollow(p auth.Principal, submitter string) error {
	if p.HasRole(auth.RoleSteward) || (p.Subject != "" && p.Subject == submitter) {
		return nil
	}
	return refuse("this submission was made by another client")
}

// MayReadTrail refuses (ErrForbidden) anyone but a steward.
func MayReadTrail(p auth.Principal) error {
	if p.HasRole(auth.RoleSteward) {
		return nil
	}
	return refuse("the access trail is for stewards")
}

// MayManageAlliances refuses (ErrForbidden) anyone but a steward.
func MayManageAlliances(p auth.Principal) error {
	if p.HasRole(auth.RoleSteward) {
		return nil
	}
	return refuse("alliances are managed by stewards")
}
