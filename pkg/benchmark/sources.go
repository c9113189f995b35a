package benchmark

import (
	"context"
	"fmt"
	"slices"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/reference"
)

// sourceFigures reads the figures of every kind that feeds the benchmarks for a period.
func (s *Store) sourceFigures(ctx context.Context, period string, orgs map[string]reference.Organisation) ([]Figures, error) {
	var out []Figures
	for _, k := range s.sources {
		fs, err := k.About().Benchmarks.Figures(ctx, s.conn, period, orgs)
		if err != nil {
			return nil, fmt.Errorf("%s figures: %w", k.About().Name, err)
		}
		out = append(out, fs...)
	}
	return out, nil
}

// sourcePeriods lists the benchmark periods the kinds that feed the benchmarks have rows for.
func (s *Store) sourcePeriods(ctx context.Context) ([]string, error) {
	var out []string
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
