package workforce_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/workforce"
)

func TestStoreReplacesAndKeepsReasons(t *testing.T) {
	conn, _ := chtest.New(t)
	s := workforce.NewStore(conn)
	ctx := context.Background()
	first := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	row := func(at time.Time, vacancies measure.Value) workforce.Stored {
		return workforce.Stored{
			Row:          workforce.Row{Row: 2, Return: workforce.Return{Org: "E06000001", Period: "2025", InpostFTE: measure.Of(100.5), VacancyFTE: vacancies, Cases: measure.Unknown(measure.Confidential)}},
			SubmissionID: "s-" + at.Format(time.RFC3339), SubmittedBy: "demo-council", ReceivedAt: at,
		}
	}
	// The same rows twice (a redelivery), then a newer submission of the same return.
	for _, batch := range [][]workforce.Stored{{row(first, measure.Of(12))}, {row(first, measure.Of(12))}, {row(first.Add(time.Hour), measure.Of(14))}} {
		if err := s.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "E06000001", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d rows, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.VacancyFTE != measure.Of(14) || r.InpostFTE != measure.Of(100.5) || r.Cases != measure.Unknown(measure.Confidential) || r.StartersFTE != (measure.Value{}) {
		t.Errorf("stored row = %+v", r.Return)
	}
	if r.SubmissionID != "s-2026-01-05T11:00:00Z" {
		t.Errorf("submission = %s, want the newer one", r.SubmissionID)
	}
	if other, err := s.List(ctx, "E06000002", ""); err != nil || len(other) != 0 {
		t.Errorf("another organisation's rows = %+v, %v; want none", other, err)
	}
}
