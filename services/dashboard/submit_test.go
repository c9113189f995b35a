package dashboard

import (
	"slices"
	"testing"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
)

// TestUploadsComeFromTheRegistry: the submit form offers every registered kind, with its submit
// path, and to each person those its roles may submit by the kind's policy.
func TestUploadsComeFromTheRegistry(t *testing.T) {
	if len(uploads) != len(kinds.All) {
		t.Fatalf("%d uploads, %d registered kinds", len(uploads), len(kinds.All))
	}
	for i, k := range kinds.All {
		if u := uploads[i]; u.ID != k.About().Name || u.Path != k.About().Docs.Path || u.Label == "" || u.Hint == "" {
			t.Errorf("upload %d is %+v, want kind %s at %s", i, u, k.About().Name, k.About().Docs.Path)
		}
	}
	for _, p := range []Person{
		{Roles: []string{auth.RoleSteward}},
		{Org: "E06000001", Roles: []string{auth.RoleSubmitter}},
		{Org: "10007799", Roles: []string{auth.RoleUniversity}},
		{Roles: []string{auth.RoleSurveyProvider}},
		{Roles: []string{auth.RoleAnalyst}},
	} {
		var want, got []string
		for _, k := range kinds.All {
			if k.About().Policy.MaySubmit(kind.Caller{Roles: p.Roles, Org: p.Org}, "rows") == nil {
				want = append(want, k.About().Name)
			}
		}
		for _, u := range submittable(p) {
			got = append(got, u.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v may upload %v, want %v", p.Roles, got, want)
		}
	}
	council := submittable(Person{Org: "E06000001", Roles: []string{auth.RoleSubmitter}})
	if !slices.ContainsFunc(council, func(u upload) bool { return u.ID == "workforce_profile" }) {
		t.Error("a council is not offered the workforce profile")
	}
}
