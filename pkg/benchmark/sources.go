package benchmark

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// source is a kind whose stored rows feed the benchmarks, with how its figures of some periods
// are read (each organisation's, from the latest version of every row), by period.
type source struct {
	kind    string
	figures func(s *Store, ctx context.Context, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error)
	// of reads the figures of some organisations' rows of one period, when the kind's figures
	// belong to the organisation whose rows they are (nil: the kind is read whole).
	of func(s *Store, ctx context.Context, period string, orgs map[string]reference.Organisation, only []string) ([]Figures, error)
	// moves: a row's period is not part of its key, so that a newer version of a row can move it
	// into another period (a placement's academic year corrected): a change in one period may
	// change the kind's figures of any other.
	moves bool
	// byAuthority: each authority of a joint workforce return reports the kind's figures on its
	// own (kind.Benchmarks.ByAuthority).
	byAuthority bool
}

// sources are the kinds the benchmarks are computed from (every registered kind that feeds them,
// each reading its own figures: kind.Benchmarks), in the order their figures are merged.
var sources = registered(kinds.Benchmarked())

// registered are the sources of registered kinds.
func registered(ks []kind.Any) []source {
	out := make([]source, 0, len(ks))
	for _, k := range ks {
		b := k.About().Benchmarks
		src := source{kind: k.About().Name, moves: b.Moves, byAuthority: b.ByAuthority,
			figures: func(s *Store, ctx context.Context, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error) {
				return b.Figures(ctx, s.conn, periods, orgs)
			}}
		if b.FiguresOf != nil {
			src.of = func(s *Store, ctx context.Context, p string, orgs map[string]reference.Organisation, only []string) ([]Figures, error) {
				return b.FiguresOf(ctx, s.conn, p, orgs, only)
			}
		}
		out = append(out, src)
	}
	return out
}

// byOrg reports whether a kind's figures can be read organisation by organisation.
func byOrg(kind string) bool {
	return slices.ContainsFunc(sources, func(s source) bool { return s.kind == kind && s.of != nil })
}

// foldJoint counts the figures of a joint return's authorities (of a kind each reports on its
// own: service demand) under the joint return when it is the joint return that reports the
// workforce in the period (Kingston upon Thames with Richmond upon Thames, say), so that children
// in need are set against the social workers who serve them and counted once in an area: each
// figure is the sum of the authorities', unknown when one of theirs is.
func foldJoint(figs []Figures, returns map[string]bool, orgs map[string]reference.Organisation) []Figures {
	byOrg := make(map[string]map[string]measure.Value, len(figs))
	for _, f := range figs {
		byOrg[f.Org] = f.Values
	}
	for code, o := range orgs {
		if o.Type != reference.TypeJointReturn || !returns[code] {
			continue
		}
		members := strings.Split(code, "_")
		var names []string
		for _, m := range members {
			if !returns[m] {
				names = append(names, slices.Collect(maps.Keys(byOrg[m]))...)
			}
		}
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			var sum measure.Value
			given := 0
			for _, m := range members {
				v, ok := byOrg[m][name]
				if !ok || returns[m] { // a member with its own workforce return keeps its demand
					continue
				}
				given++
				delete(byOrg[m], name)
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
			byOrg[code][name] = sum
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

// sourcePeriods lists the benchmark periods the kinds that feed the benchmarks have rows for.
func (s *Store) sourcePeriods(ctx context.Context) ([]string, error) {
	var out []string
	for _, k := range kinds.Benchmarked() {
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
