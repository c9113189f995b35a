package benchmark

import (
	"context"
	"fmt"

	"github.com/partnership-hub/hub/pkg/reference"
)

// StandardPeriod is a period in which a standard has figures.
type StandardPeriod struct {
	Period string `json:"period" example:"2024"`
	// Metrics counts the standard's metrics with a value for England in the period.
	Metrics int `json:"metrics_with_values" example:"9" doc:"How many of the standard's metrics have a value for England in the period (a metric has England's value whenever any organisation contributes to it)"`
}

// StandardPeriods lists the periods of a standard's benchmarks: those with figures, and those
// with benchmark rows but no value at all for the standard.
type StandardPeriods struct {
	Standard int              `json:"standard" example:"2"`
	Periods  []StandardPeriod `json:"periods" doc:"The periods in which at least one of the standard's metrics has a value, oldest first: the periods to offer"`
	// Empty are periods whose every metric of the standard is null.
	Empty []string `json:"periods_without_values" doc:"Periods with benchmarks in which every metric of the standard is null (data of another standard only, or inputs unknown: the reason is on each figure), oldest first"`
}

// Periods lists the periods in which the standard has at least one value, by England's values
// (an area's value is null only when no organisation contributes, and England is every
// reader's), each period read from one snapshot; the other periods with benchmarks are listed
// apart. Periods are not figures: the list is the same for every reader.
func (rv *ReaderView) Periods(ctx context.Context, std int) (StandardPeriods, error) {
	metrics := OfStandard(std)
	if metrics == nil {
		return StandardPeriods{}, notFound(fmt.Sprintf("no benchmarks for standard %d", std))
	}
	out := StandardPeriods{Standard: std, Periods: []StandardPeriod{}, Empty: []string{}}
	snaps, err := rv.snapshots(ctx)
	if err != nil {
		return out, err
	}
	for _, snap := range snaps {
		n := 0
		for _, m := range metrics {
			if a, ok := snap.area(m.ID, reference.England); ok && a.Value != nil && a.Withheld == "" {
				n++
			}
		}
		if n == 0 {
			out.Empty = append(out.Empty, snap.Period)
			continue
		}
		out.Periods = append(out.Periods, StandardPeriod{Period: snap.Period, Metrics: n})
	}
	return out, nil
}

// Offered are the periods of ps in which the standard has at least one value.
func (sp StandardPeriods) Offered() []string {
	out := make([]string, len(sp.Periods))
	for i, p := range sp.Periods {
		out[i] = p.Period
	}
	return out
}
