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
// concurrent use, but one period must not be recomputed twice at once (nor be given twice to
// one Recompute).
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

// Recompute works out every benchmark of periods and writes them (in one insert per table),
// re-reading only the figures of the kinds that changed since it last read them (every kind
// when a period is not kept, or when the reference data that places organisations changed); it
// returns the number of organisation rows written.
func (r *Recomputer) Recompute(ctx context.Context, periods ...string) (int, error) {
	if len(periods) == 0 {
		return 0, nil
	}
	at, err := r.store.readPlaces(ctx)
	if err != nil {
		return 0, err
	}
	type reading struct {
		k     *keptPeriod
		figs  kindFigures
		stale []string // the kinds to read; nil: every kind
	}
	rs := make([]reading, len(periods))
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
	for i, p := range periods {
		k, ok := r.kept[p]
		if !ok {
			k = &keptPeriod{stale: map[string]bool{}}
			r.kept[p] = k
		}
		rs[i].k = k
		if k.figs != nil {
			rs[i].figs = maps.Clone(k.figs)
			rs[i].stale = append([]string{}, slices.Collect(maps.Keys(k.stale))...)
		}
		clear(k.stale)
		k.busy = true
	}
	r.mu.Unlock()

	stale := make([][]string, len(periods))
	for i := range rs {
		stale[i] = rs[i].stale
	}
	fresh, err := r.store.readFigures(ctx, periods, at.orgs, stale)
	figs := make([]kindFigures, len(periods))
	n := 0
	for i := range periods {
		if err != nil {
			break
		}
		if rs[i].figs == nil {
			rs[i].figs = fresh[i]
		} else {
			maps.Copy(rs[i].figs, fresh[i])
		}
		figs[i] = rs[i].figs
	}
	if err == nil {
		n, err = r.store.computeAndWrite(ctx, at, periods, figs)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range periods {
		k := rs[i].k
		k.busy = false
		switch {
		case err != nil || gen != r.gen:
			// What was to be read is read again next time (all of it when places changed meanwhile).
			if rs[i].stale == nil || gen != r.gen {
				k.figs = nil
			}
			for _, kind := range rs[i].stale {
				k.stale[kind] = true
			}
		case r.keep == 0:
			delete(r.kept, p)
		default:
			r.clock++
			k.figs, k.used = rs[i].figs, r.clock
		}
	}
	r.evict()
	return n, err
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
