package benchmark

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/demand"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// sourceFigures reads the figures of every kind that feeds the benchmarks for a period, one
// Figures an organisation.
func (s *Store) sourceFigures(ctx context.Context, period string, orgs map[string]reference.Organisation) ([]Figures, error) {
	by := map[string]*Figures{}
	for _, k := range s.sources {
		fs, err := k.About().Benchmarks.Figures(ctx, s.conn, period, orgs)
		if err != nil {
			return nil, fmt.Errorf("%s figures: %w", k.About().Name, err)
		}
		for _, f := range fs {
			merge(by, f)
		}
	}
	// The service demand kind is read here until it is registered with the other kinds.
	stored, err := demand.NewStore(s.conn).ListPeriod(ctx, period)
	if err != nil {
		return nil, err
	}
	for _, d := range stored {
		f := Figures{Org: d.Org, Values: map[string]measure.Value{}}
		for _, fd := range demand.Fields {
			if v := *fd.Of(&d.Return); v.Known || v.Reason != measure.NotReported {
				f.Values[fd.Name] = v
			}
		}
		merge(by, f)
	}
	out := make([]Figures, 0, len(by))
	for _, f := range by {
		out = append(out, *f)
	}
	return out, nil
}

// foldJointDemand counts the demand of a joint return's authorities under the joint return when
// it is the joint return that reports the workforce in the period (Kingston upon Thames with
// Richmond upon Thames, say), so that children in need are set against the social workers who
// serve them and counted once in an area: each figure is the sum of the authorities', unknown
// when one of theirs is.
func foldJointDemand(figs []Figures, returns map[string]bool, orgs map[string]reference.Organisation) []Figures {
	byOrg := make(map[string]map[string]measure.Value, len(figs))
	for _, f := range figs {
		byOrg[f.Org] = f.Values
	}
	for code, o := range orgs {
		if o.Type != reference.TypeJointReturn || !returns[code] {
			continue
		}
		members := strings.Split(code, "_")
		for _, f := range demand.Fields {
			var sum measure.Value
			given := 0
			for _, m := range members {
				v, ok := byOrg[m][f.Name]
				if !ok || returns[m] { // a member with its own workforce return keeps its demand
					continue
				}
				given++
				delete(byOrg[m], f.Name)
				switch {
				case given == 1:
					sum = v
				case sum.Known && v.Known:
					sum.V += v.V
				case sum.Known:
					sum = v // unknown, with the first reason
				}
			}
			if given == 0 {
				continue
			}
			if given < len(members) && sum.Known {
				sum = measure.Unknown(measure.NotReported)
			}
			if byOrg[code] == nil {
				byOrg[code] = map[string]measure.Value{}
			}
			byOrg[code][f.Name] = sum
		}
	}
	out := make([]Figures, 0, len(byOrg))
	for org, values := range byOrg {
		if len(values) > 0 {
			out = append(out, Figures{Org: org, Values: values})
		}
	}
	return out
}

// selectDemandPeriods lists the periods of the service demand kind, until it is registered.
const selectDemandPeriods = `SELECT DISTINCT period FROM service_demand`

// sourcePeriods lists the benchmark periods the kinds that feed the benchmarks have rows for.
func (s *Store) sourcePeriods(ctx context.Context) ([]string, error) {
	out, err := chstore.Strings(ctx, s.conn, "service demand periods", selectDemandPeriods)
	if err != nil {
		return nil, err
	}
	for _, k := range s.sources {
		b := k.About().Benchmarks
		ps, err := b.Periods(ctx, s.conn)
		if err != nil {
			return nil, fmt.Errorf("%s periods: %w", k.About().Name, err)
		}
		for _, p := range ps {
			out = append(out, b.BenchmarkPeriod(p))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scan runs query and hands each row to fn.
func (s *Store) scan(ctx context.Context, what, query string, args []any, fn func(scan func(...any) error) error) error {
	return chstore.Scan(ctx, s.conn, what, query, args, fn)
}
