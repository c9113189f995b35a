package benchmark

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/placement"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Figures are one organisation's inputs for a period, by name: each data kind sums its own from
// its stored rows (kind.Benchmarks.Figures), the workforce return's being its fields
// (workforce.Fields). A name that is absent means the organisation has no data of that kind for
// the period (it is not counted for the metrics it feeds); a name present but unknown means data
// with that figure missing (the organisation is left out of those metrics, and counted as left out).
type Figures = kind.Figures

// The names of the figures summed from the Standard 8 kinds, the health-check survey and the
// audit, as those kinds name them.
const (
	FigPlacesRequested    = placement.FigPlacesRequested
	FigPlacesConfirmed    = placement.FigPlacesConfirmed
	FigFinalPlacements    = placement.FigFinalPlacements
	FigFinalPassed        = placement.FigFinalPassed
	FigFinalStatutory     = placement.FigFinalStatutory
	FigEnded              = placement.FigEnded
	FigPassed             = placement.FigPassed
	FigWithdrawn          = placement.FigWithdrawn
	FigPlannedDaysEnded   = placement.FigPlannedDaysEnded
	FigCompletedDaysEnded = placement.FigCompletedDaysEnded
	FigPEStage1           = placement.FigPEStage1
	FigPEStage2           = placement.FigPEStage2
	FigPEActive           = placement.FigPEActive
	FigPEStudents         = placement.FigPEStudents
)

// Figures of the service demand kind: its fields (demand.Fields) by their names, of the demand
// year to 31 March that ends in the period's year (see package demand on the alignment).
const (
	FigChildrenInNeed  = demand.FigChildrenInNeed
	FigLookedAfter     = demand.FigLookedAfter
	FigChildPopulation = demand.FigChildPopulation
)

// Names of the health-check and audit figures of a standard.
var (
	FigSurveyAnswers     = survey.FigSurveyAnswers
	FigSurveyAgreeing    = survey.FigSurveyAgreeing
	FigSurveyRespondents = survey.FigSurveyRespondents
	FigAudit             = audit.FigAudit
	FigAuditRated        = audit.FigAuditRated
)

// ReturnFigures gives a workforce return's fields as figures.
func ReturnFigures(r *workforce.Return) Figures { return workforce.ReturnFigures(r) }

// PeriodOf gives the benchmark period a kind's period belongs to (each kind says: an academic
// year YYYY/YY belongs to the reporting year it ends in, 2024/25 → 2025; survey years, audit
// cycles, reporting years and quarters are their own).
func PeriodOf(kind, p string) string { return kinds.BenchmarkPeriod(kind, p) }

// PeriodsTouched gives the benchmark periods a stored event touches. An alliance change
// touches every period (every is true): an alliance is an area in each of them.
func PeriodsTouched(ev submission.Event) (periods []string, every bool) {
	if ev.Kind == alliance.Kind {
		return nil, true
	}
	for _, ps := range ev.Touched {
		for _, p := range ps {
			periods = append(periods, PeriodOf(ev.Kind, p))
		}
	}
	return periods, false
}

// merge adds one organisation's figures to those already gathered for it.
func merge(into map[string]*Figures, f Figures) {
	g, ok := into[f.Org]
	if !ok {
		g = &Figures{Org: f.Org, Values: make(map[string]measure.Value, len(f.Values))}
		into[f.Org] = g
	}
	for k, v := range f.Values {
		g.Values[k] = v
	}
}

// MovedFrom gives the benchmark periods stored events' rows may have moved out of, which the
// events do not name: for a kind whose rows move between periods (a placement's academic year
// corrected), the periods of the other reports of the rows each event's submission stored (asked
// once per submission and organisation, however many of its chunks are among the events); none
// for the other kinds.
func (s *Store) MovedFrom(ctx context.Context, evs ...submission.Event) ([]string, error) {
	type asked struct{ kind, org, submission string }
	own := map[asked][]string{} // the periods, as the rows name them, the events name
	var order []asked
	for _, ev := range evs {
		b := benchmarksOf(ev.Kind)
		if b == nil || !b.Moves || b.MovedFrom == nil {
			continue
		}
		for _, org := range slices.Sorted(maps.Keys(ev.Touched)) {
			a := asked{ev.Kind, org, ev.ID}
			if _, ok := own[a]; !ok {
				order = append(order, a)
			}
			own[a] = append(own[a], ev.Touched[org]...)
		}
	}
	var out []string
	for _, a := range order {
		b := benchmarksOf(a.kind)
		ps, err := b.MovedFrom(ctx, s.conn, a.org, a.submission, own[a])
		if err != nil {
			return nil, fmt.Errorf("%s periods moved from: %w", a.kind, err)
		}
		for _, p := range ps {
			out = append(out, b.BenchmarkPeriod(p))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// benchmarksOf is how a registered kind feeds the benchmarks (nil: it does not, or no such kind).
func benchmarksOf(name string) *kind.Benchmarks {
	for _, k := range kinds.Benchmarked() {
		if k.About().Name == name {
			return k.About().Benchmarks
		}
	}
	return nil
}
