package benchmark

import (
	"context"

	"github.com/partnership-hub/hub/pkg/projection"
)

// Computed works out a period's benchmarks and projection inputs from every stored row, in
// memory, without reading or writing the benchmark tables: what they must hold of it.
func Computed(ctx context.Context, s *Store, period string) (Result, []projection.Row, error) {
	at, err := s.readPlaces(ctx)
	if err != nil {
		return Result{}, nil, err
	}
	figs, err := s.readFigures(ctx, []string{period}, at.orgs, nil)
	if err != nil {
		return Result{}, nil, err
	}
	res, inputs := s.compute(at, period, figs[0])
	return res, inputs, nil
}

// NewSnapshot is a period's benchmarks as given (tests' tables in memory).
var NewSnapshot = newSnapshot

// OnWait has s tell waiting each time a read of a period waits for its write to end.
func OnWait(s *Store, waiting func(period string)) { s.waiting = waiting }

// BetweenWrites has s call between the first insert of a write and the next.
func BetweenWrites(s *Store, f func()) { s.betweenWrites = f }
