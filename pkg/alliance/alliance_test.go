package alliance_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/reference"
)

func TestStore(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	s := alliance.NewStore(conn)
	ne := alliance.Alliance{ID: "north-east", Name: "North East", Members: []string{"E06000001", "E06000047"}, UpdatedBy: "steward", UpdatedAt: time.Now()}
	if err := s.Put(ctx, ne); err != nil {
		t.Fatal(err)
	}
	ne.Members = append(ne.Members, "E08000021")
	if err := s.Put(ctx, ne); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "north-east")
	if err != nil || len(got.Members) != 3 || got.Name != "North East" {
		t.Fatalf("Get = %+v, %v; want the replaced alliance with 3 members", got, err)
	}
	for name, tt := range map[string]struct {
		a    alliance.Alliance
		want error
	}{
		"unknown member": {alliance.Alliance{ID: "x-1", Members: []string{"E06000001", "E99999999"}}, alliance.ErrUnknownMember},
		"bad id":         {alliance.Alliance{ID: "North East!", Members: []string{"E06000001"}}, alliance.ErrInvalidID},
	} {
		if err := s.Put(ctx, tt.a); !errors.Is(err, tt.want) {
			t.Errorf("%s: Put error = %v, want %v", name, err, tt.want)
		}
	}
	if err := s.Delete(ctx, "north-east", "steward"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "north-east"); !errors.Is(err, alliance.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "north-east", "steward"); !errors.Is(err, alliance.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
}

func TestScope(t *testing.T) {
	alliances := []alliance.Alliance{
		{ID: "north-east", Members: []string{"E06000001", "E06000047"}},
		{ID: "london", Members: []string{"E09000001"}},
	}
	tests := []struct {
		name  string
		p     auth.Principal
		named map[string]bool
	}{
		{"steward sees all", auth.Principal{Roles: []string{auth.RoleSteward}}, map[string]bool{"E06000001": true, "E09000001": true, "E10000002": true}},
		{"analyst sees its alliance", auth.Principal{Roles: []string{auth.RoleAnalyst}, Alliances: []string{"north-east"}}, map[string]bool{"E06000001": true, "E06000047": true, "E09000001": false}},
		{"analyst of an unknown alliance sees none", auth.Principal{Roles: []string{auth.RoleAnalyst}, Alliances: []string{"nowhere"}}, map[string]bool{"E06000001": false}},
		{"council sees itself only", auth.Principal{Org: "E06000001", Roles: []string{auth.RoleSubmitter}, Alliances: []string{"north-east"}}, map[string]bool{"E06000001": true, "E06000047": false}},
		{"alliances without the analyst role give nothing", auth.Principal{Roles: []string{auth.RoleSurveyProvider}, Alliances: []string{"north-east"}}, map[string]bool{"E06000001": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := alliance.ScopeOf(tt.p, alliances)
			for org, want := range tt.named {
				if got := s.Named(org); got != want {
					t.Errorf("Named(%s) = %v, want %v", org, got, want)
				}
			}
		})
	}
}
