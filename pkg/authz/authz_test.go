package authz_test

import (
	"errors"
	"testing"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/authz"
)

var (
	alliances = []alliance.Alliance{
		{ID: "north-east", Members: []string{"E06000001", "E06000047"}},
		{ID: "london", Members: []string{"E09000033"}},
	}
	steward    = auth.Principal{Subject: "steward", Roles: []string{auth.RoleSteward}}
	analyst    = auth.Principal{Subject: "analyst", Roles: []string{auth.RoleAnalyst}, Alliances: []string{"north-east"}}
	council    = auth.Principal{Subject: "council", Org: "E06000001", Roles: []string{auth.RoleSubmitter}}
	university = auth.Principal{Subject: "uni", Org: "10007799", Roles: []string{auth.RoleUniversity}}
	provider   = auth.Principal{Subject: "survey", Roles: []string{auth.RoleSurveyProvider}}
	noOrg      = auth.Principal{Subject: "x", Roles: []string{auth.RoleSubmitter}}
	noRoles    = auth.Principal{Subject: "y", Org: "E06000001"}
)

// Who may read figures, whom each may see by name, and which alliances.
func TestReader(t *testing.T) {
	for _, tt := range []struct {
		name      string
		p         auth.Principal
		refused   bool
		named     map[string]bool // organisation → may see it by name
		alliances map[string]bool // area → may see its figures
	}{
		{"steward", steward, false, map[string]bool{"E06000001": true, "E09000033": true}, map[string]bool{"north-east": true, "london": true, "E12000001": true}},
		{"analyst", analyst, false, map[string]bool{"E06000001": true, "E06000047": true, "E09000033": false}, map[string]bool{"north-east": true, "london": false, "E12000007": true}},
		{"council", council, false, map[string]bool{"E06000001": true, "E06000047": false}, map[string]bool{"north-east": true, "london": false, "E12000001": true}},
		{"university", university, false, map[string]bool{"10007799": true, "E06000001": false}, map[string]bool{"north-east": false, "E92000001": true}},
		{"analyst of an unknown alliance", auth.Principal{Roles: []string{auth.RoleAnalyst}, Alliances: []string{"nowhere"}}, false,
			map[string]bool{"E06000001": false}, map[string]bool{"north-east": false, "nowhere": true}},
		{"council with an alliances claim", auth.Principal{Org: "E06000001", Roles: []string{auth.RoleSubmitter}, Alliances: []string{"london"}}, false,
			map[string]bool{"E06000001": true, "E06000047": false, "E09000033": false}, map[string]bool{"london": false}},
		{"survey provider", provider, true, nil, nil},
		{"survey provider with an alliances claim", auth.Principal{Roles: []string{auth.RoleSurveyProvider}, Alliances: []string{"north-east"}}, true, nil, nil},
		{"submitter without an organisation", noOrg, true, nil, nil},
		{"no roles", noRoles, true, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := authz.ReaderOf(tt.p, alliances)
			if tt.refused {
				if !errors.Is(err, authz.ErrForbidden) || err.Error() == "" {
					t.Fatalf("err = %v, want a refusal with a reason", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for org, want := range tt.named {
				if r.Named(org) != want || (r.ReadOrg(org) == nil) != want {
					t.Errorf("Named(%s) = %v, want %v", org, r.Named(org), want)
				}
			}
			for area, want := range tt.alliances {
				if r.SeesArea(area) != want {
					t.Errorf("SeesArea(%s) = %v, want %v", area, r.SeesArea(area), want)
				}
			}
		})
	}
}

// Two readers who see the same figures share a key; readers who see different ones do not.
func TestReaderKey(t *testing.T) {
	key := func(p auth.Principal) string {
		r, err := authz.ReaderOf(p, alliances)
		if err != nil {
			t.Fatal(err)
		}
		return r.Key()
	}
	other := analyst
	other.Subject = "another analyst"
	if key(analyst) != key(other) {
		t.Error("two analysts of one alliance have different keys")
	}
	for _, p := range []auth.Principal{steward, council, university} {
		if key(p) == key(analyst) {
			t.Errorf("%s shares the analyst's key %q", p.Subject, key(p))
		}
	}
	// The analyst's key changes with its alliance's members.
	grown := []alliance.Alliance{{ID: "north-east", Members: []string{"E06000001", "E06000047", "E06000002"}}}
	r, _ := authz.ReaderOf(analyst, grown)
	if r.Key() == key(analyst) {
		t.Error("the key does not change with the alliance's members")
	}
}

func TestRowsSubmissionsTrailAlliances(t *testing.T) {
	allowed := func(err error) bool {
		if err != nil && !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("%v is not a refusal", err)
		}
		return err == nil
	}
	for _, tt := range []struct {
		name string
		got  bool
		want bool
	}{
		{"council reads its rows", allowed(authz.MayReadRows(council, "E06000001")), true},
		{"council reads another's rows", allowed(authz.MayReadRows(council, "E06000002")), false},
		{"university reads its rows", allowed(authz.MayReadRows(university, "10007799")), true},
		{"steward reads any rows", allowed(authz.MayReadRows(steward, "E06000002")), true},
		{"analyst reads rows", allowed(authz.MayReadRows(analyst, "E06000001")), false},
		{"provider reads rows", allowed(authz.MayReadRows(provider, "")), false},
		{"organisation without a role reads its rows", allowed(authz.MayReadRows(noRoles, "E06000001")), false},
		{"client follows its submission", allowed(authz.MayFollow(provider, "survey")), true},
		{"client follows another's", allowed(authz.MayFollow(council, "survey")), false},
		{"steward follows any", allowed(authz.MayFollow(steward, "council")), true},
		{"no subject follows no submitter", allowed(authz.MayFollow(auth.Principal{}, "")), false},
		{"steward reads the trail", allowed(authz.MayReadTrail(steward)), true},
		{"analyst reads the trail", allowed(authz.MayReadTrail(analyst)), false},
		{"steward manages alliances", allowed(authz.MayManageAlliances(steward)), true},
		{"analyst manages alliances", allowed(authz.MayManageAlliances(analyst)), false},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: allowed %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
