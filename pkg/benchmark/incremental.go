package benchmark

import (
	"context"
	"maps"
	"slices"
	"sync"
)

// Recomputer recomputes periods as their stored rows change, keeping the figures of the periods
// it computed last in memory, kind by kind, so that a recomputation re-reads only the kinds whose
// rows changed (a council's workforce return does not re-read a year's placements, survey
// results and audit ratings) and redoes the rest in memory: areas, quartiles, ranks, neighbour
// medians and disclosure control, then writes the whole period as Store.Recompute does, so that
// the period's latest computation holds every row. Its result is always the one
// Store.Recompute would give at the same moment.
//
// What changed is told with Changed before the recomputation that must see it. It is safe for
// concurrent use, but one period must not be recomputed twice at once.
type Recomputer struct {
	store *Store
	keep  int

	mu     sync.Mutex
	places places // the reference data the kept figures were read with
	gen    uint64 // counts the changes of places
	kept   map[string]*keptPeriod
	clock  uint64
}

// keptPeriod is one period's figures as last read (nil: none yet, or to be read whole), and the
// kinds whose rows changed since.
type keptPeriod struct {
	figs  kindFigures
	stale map[string]bool
	used  uint64
	busy  bool // being recomputed: kept whatever the limit, so that changes meanwhile are marked
}

// NewRecomputer keeps the figures of up to keep periods (the ones recomputed last).
func (s *Store) NewRecomputer(keep int) *Recomputer {
	return &Recomputer{store: s, keep: max(keep, 0), kept: map[string]*keptPeriod{}}
}

// Changed tells that rows of kind were stored for periods. A kind whose rows can move between
// periods (a placement's academic year corrected) may have changed every period's figures.
func (r *Recomputer) Changed(kind string, periods ...string) {
	moves := slices.ContainsFunc(sources, func(s source) bool { return s.kind == kind && s.moves })
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, k := range r.kept {
		if moves || slices.Contains(periods, p) {
			k.stale[kind] = true
		}
	}
}

// Recompute works out every benchmark of period and writes them, re-reading only the figures
// of the kinds that changed since it last read them (every kind when the period is not kept,
// or when the reference data that places organisations changed); it returns the number of
// organisation rows written.
func (r *Recomputer) Recompute(ctx context.Context, period string) (int, error) {
	at, err := r.store.readPlaces(ctx)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	if !maps.Equal(at.orgs, r.places.orgs) {
		// An organisation's type decides which figure its placement capacity gives; a new
		// organisation is read afresh too.
		for _, k := range r.kept {
			k.figs = nil
		}
		r.places = at
		r.gen++
	}
	gen := r.gen
	k, ok := r.kept[period]
	if !ok {
		k = &keptPeriod{stale: map[string]bool{}}
		r.kept[period] = k
	}
	var (
		figs  kindFigures
		stale []string // the kinds to read; nil: every kind
	)
	if k.figs != nil {
		figs = maps.Clone(k.figs)
		stale = append([]string{}, slices.Collect(maps.Keys(k.stale))...)
	}
	clear(k.stale)
	k.busy = true
	r.mu.Unlock()

	figs, n, err := r.recompute(ctx, period, at, figs, stale)
	r.mu.Lock()
	defer r.mu.Unlock()
	k.busy = false
	switch {
	case err != nil || gen != r.gen:
		// What was to be read is read again next time (all of it when places changed meanwhile).
		if stale == nil || gen != r.gen {
			k.figs = nil
		}
		for _, kind := range stale {
			k.stale[kind] = true
		}
	case r.keep == 0:
		delete(r.kept, period)
	default:
		r.clock++
		k.figs, k.used = figs, r.clock
		r.evict()
	}
	return n, err
}

// recompute reads the stale kinds' figures (every kind's when stale is nil) over the kept ones,
// then computes and writes the period; it returns the figures it computed from.
func (r *Recomputer) recompute(ctx context.Context, period string, at places, figs kindFigures, stale []string) (kindFigures, int, error) {
	fresh, err := r.store.readFigures(ctx, period, at.orgs, stale)
	if err != nil {
		return nil, 0, err
	}
	if figs == nil {
		figs = fresh
	} else {
		maps.Copy(figs, fresh)
	}
	n, err := r.store.computeAndWrite(ctx, period, at, figs)
	return figs, n, err
}

// evict forgets the periods used longest ago while more than keep are kept, but never one
// being recomputed.
func (r *Recomputer) evict() {
	for len(r.kept) > r.keep {
		oldest := ""
		for p, k := range r.kept {
			if !k.busy && (oldest == "" || k.used < r.kept[oldest].used) {
				oldest = p
			}
		}
		if oldest == "" {
			return
		}
		delete(r.kept, oldest)
	}
}
