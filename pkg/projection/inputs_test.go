package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
)

// The inputs written for a period are read back as organisations' years; the latest
// computation of a period wins; an authority whose ONS code changed keeps its history (Barnsley,
// E08000016 to 2024, E08000038 from 2025: DfE code 370); and the cache keeps what it read until
// dropped.
func TestInputsStoreAndCache(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	s := projection.NewInputStore(conn)
	write := func(period, org string, inpost float64) {
		t.Helper()
		in := projection.Input{Org: org, Name: "Barnsley", Areas: []string{"E12000003", reference.England},
			Values: map[string]measure.Value{projection.FigInpost: measure.Of(inpost), projection.FigVacancies: measure.Unknown(measure.Confidential)}}
		if err := s.Write(ctx, period, []projection.Input{in}); err != nil {
			t.Fatal(err)
		}
	}
	write("2024", "E08000016", 100)
	write("2024", "E08000016", 110) // the period recomputed
	write("2025", "E08000038", 120)
	write("2025-Q1", "E08000038", 999) // a quarter: not a year of the model, not written

	cache := projection.NewCache(s, time.Minute)
	orgs, err := cache.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0].Code != "E08000038" || len(orgs[0].Years) != 2 {
		t.Fatalf("orgs %+v", orgs)
	}
	byYear := map[int]projection.Year{}
	for _, y := range orgs[0].Years {
		byYear[y.Year] = y
	}
	if byYear[2024].Inpost != measure.Of(110) || byYear[2025].Inpost != measure.Of(120) || byYear[2025].Vacancies != measure.Unknown(measure.Confidential) {
		t.Errorf("years %+v", byYear)
	}

	write("2025", "E08000038", 130)
	again, _ := cache.Orgs(ctx)
	if !yearHas(again, 2025, 120) {
		t.Errorf("the cache should keep what it read until dropped: %+v", again)
	}
	cache.Drop()
	dropped, _ := cache.Orgs(ctx)
	if !yearHas(dropped, 2025, 130) {
		t.Errorf("after a drop the cache should read again: %+v", dropped)
	}
}

func yearHas(orgs []projection.Org, year int, inpost float64) bool {
	for _, o := range orgs {
		for _, y := range o.Years {
			if y.Year == year && y.Inpost == measure.Of(inpost) {
				return true
			}
		}
	}
	return false
}
