package reference_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/reference"
)

// The directory answers from memory what the reference tables hold: every organisation, and a
// region's organisations with those of its sub-regions (London's boroughs).
func TestDirectory(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	d := reference.NewDirectory(conn, time.Hour)
	orgs, err := d.Organisations(ctx)
	if err != nil || orgs["E06000001"].Name != "Hartlepool" || orgs["10007799"].Type != "university" {
		t.Fatalf("organisations: %d, %v", len(orgs), err)
	}
	codes := func(region string) []string {
		t.Helper()
		in, err := d.InRegion(ctx, region)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range in {
			out = append(out, o.Code)
		}
		return out
	}
	london, inner := codes("E12000007"), codes("E13000001")
	if !slices.Contains(london, "E09000001") || !slices.Contains(london, "E09000033") || !slices.Contains(inner, "E09000033") || len(inner) >= len(london) {
		t.Errorf("London %d organisations, Inner London %d", len(london), len(inner))
	}
	ne := codes("E12000001")
	if !slices.Contains(ne, "E06000001") || slices.Contains(ne, "E09000001") || !slices.IsSorted(ne) {
		t.Errorf("North East: %v", ne)
	}
	if got := codes("E99999999"); len(got) != 0 {
		t.Errorf("an unknown region has %v", got)
	}
}
