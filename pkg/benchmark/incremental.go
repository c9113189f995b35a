package benchmark

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/partnership-hub/hub/pkg/alliance"
)

// Recomputer recomputes periods as their stored rows change, keeping the figures of the periods
// it computed last in memory, kind by kind and organisation by organisation, so that a
// recomputation re-reads only what changed: the rows of the organisations whose rows of a kind
// were stored (a council's survey results do not re-read the year's other survey results, nor
// its placements or audit ratings), or the whole kind where its figures are not the reporting
// organisation's (placements count towards their host). It redoes the rest in memory: areas,
// quartiles, ranks, neighbour medians and disclosure control. It keeps what it wrote of each
// period too (a fingerprint of every row), so that it writes only the rows that changed and a
// tombstone for each row a period no longer has, as Store.Recompute does against the rows read
// back from the tables. Its result is always the one Store.Recompute would give at the same
// moment, as long as it is the only writer of the benchmark tables (a `hub rebuild` beside a
// running benchmark service may leave a row it computed from older rows until that row changes
// again).
//
// What changed is told with Changed before the recomputation that must see it. A recomputation
// may be given the position its caller's log of changes had reached when it began (RecomputeAsOf):
// Reflects then tells whether a change logged up to a position is already in what was written, so
// that a change stored while its period was being recomputed anyway need not be recomputed again
// (a bulk load that the service lags behind is recomputed once for several of its chunks). It is safe for
// concurrent use, but one period must not be recomputed twice at once (nor be given twice to
// one Recompute).
type Recomputer struct {
	store       *Store
	keep        int // periods whose figures are kept
	keepWritten int // periods whose written rows are kept (at least keep)

	mu     sync.Mutex
	places places // the reference data the kept figures were read with
	gen    uint64 // counts the changes of places
	kept   map[string]*keptPeriod
	clock  uint64
}

// keptPeriod is one period's figures as last read (nil: none yet, or to be read whole), what
// changed since, and what the tables hold of it (nil: not known, to be read back).
type keptPeriod struct {
	figs    kindFigures
	stale   reading
	written *written
	used    uint64
	busy    bool // being recomputed: kept whatever the limit, so that changes meanwhile are marked
	// asOf is, kind by kind, the highest position as of which a recomputation that was written
	// read the kind's rows of the period whole: every row of it stored before then is in the
	// benchmarks. readingAsOf is the same for the recomputation under way (while busy).
	asOf, readingAsOf map[string]uint64
	places            places // what placed the organisations when it was last written
}

// samePlaces reports whether a and b place every organisation in the same areas.
func samePlaces(a, b places) bool {
	return maps.Equal(a.orgs, b.orgs) && maps.Equal(a.regions, b.regions) &&
		slices.EqualFunc(a.alliances, b.alliances, func(x, y alliance.Alliance) bool {
			return x.ID == y.ID && x.Name == y.Name && slices.Equal(x.Members, y.Members)
		})
}

// readApart is how many organisations' rows of a kind a recomputation reads by themselves at
// most: past it (a bulk load), the kind is read whole, in one query for all the periods.
const readApart = 100

// NewRecomputer keeps the figures and the written rows of up to keep periods (the ones
// recomputed last).
func (s *Store) NewRecomputer(keep int) *Recomputer {
	keep = max(keep, 0)
	return &Recomputer{store: s, keep: keep, keepWritten: keep, kept: map[string]*keptPeriod{}}
}

// KeepWritten keeps what was written of up to n periods (at least as many as their figures): a
// period's written rows take a sixteen bytes a row, its figures far more, and a period whose
// written rows are not kept is read back from the tables before it is written.
func (r *Recomputer) KeepWritten(n int) *Recomputer {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keepWritten = max(n, r.keep)
	return r
}

// Changed tells that rows of kind were stored for periods, reported by orgs (nil: by any). A
// kind whose rows can move between periods (a placement's academic year corrected) may have
// changed every period's figures.
func (r *Recomputer) Changed(kind string, orgs []string, periods ...string) {
	r.ChangedAt(kind, orgs, 0, periods...)
}

// ChangedAt is Changed for rows stored by position at of the log RecomputeAsOf is given
// positions of (0: not known): a period whose rows of kind were read whole as of at or later, by
// a recomputation that was written or by one under way, has them already.
func (r *Recomputer) ChangedAt(kind string, orgs []string, at uint64, periods ...string) {
	moves := moves(kind)
	if !byOrg(kind) {
		orgs = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, k := range r.kept {
		if !moves && !slices.Contains(periods, p) {
			continue
		}
		if at > 0 && (k.asOf[kind] >= at || k.busy && k.readingAsOf[kind] >= at) {
			continue
		}
		k.stale.add(kind, orgs)
	}
}

// moves reports whether kind's rows can move between periods (source.moves).
func moves(kind string) bool {
	return slices.ContainsFunc(sources, func(s source) bool { return s.kind == kind && s.moves })
}

// add marks the rows of kind of orgs (nil: the whole kind) to be read again.
func (rd reading) add(kind string, orgs []string) {
	set, ok := rd[kind]
	switch {
	case ok && set == nil: // already the whole kind
	case orgs == nil:
		rd[kind] = nil
	default:
		if set == nil {
			set = map[string]bool{}
			rd[kind] = set
		}
		for _, o := range orgs {
			set[o] = true
		}
	}
}

// merge marks again what another reading was to read.
func (rd reading) merge(other reading) {
	for kind, set := range other {
		if set == nil {
			rd.add(kind, nil)
		} else {
			rd.add(kind, slices.Collect(maps.Keys(set)))
		}
	}
}

// Recompute works out every benchmark of periods and writes them (in one insert per table),
// re-reading only the figures of the kinds that changed since it last read them (every kind
// when a period is not kept, or when the reference data that places organisations changed); it
// returns the number of organisation rows written.
func (r *Recomputer) Recompute(ctx context.Context, periods ...string) (int, error) {
	return r.RecomputeAsOf(ctx, 0, periods...)
}

// RecomputeAsOf is Recompute begun once every change up to position asOf of the caller's log was
// stored (0: no position), and records, for each kind it reads whole, that the benchmarks it
// writes hold that kind's rows as of asOf (Reflects).
func (r *Recomputer) RecomputeAsOf(ctx context.Context, asOf uint64, periods ...string) (int, error) {
	if len(periods) == 0 {
		return 0, nil
	}
	at, err := r.store.readPlaces(ctx)
	if err != nil {
		return 0, err
	}
	type recomputing struct {
		k    *keptPeriod
		figs kindFigures
		read reading // nil: every kind whole
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
	// A period whose figures have not changed since it was written, in the same places, is as
	// written: asked for again by changes a recomputation under way has read, say.
	periods = slices.DeleteFunc(slices.Clone(periods), func(p string) bool {
		k := r.kept[p]
		return k != nil && k.figs != nil && k.written != nil && len(k.stale) == 0 && samePlaces(k.places, at)
	})
	if len(periods) == 0 {
		r.mu.Unlock()
		return 0, nil
	}
	prev := make([]*written, len(periods))
	rs := make([]recomputing, len(periods))
	for i, p := range periods {
		k, ok := r.kept[p]
		if !ok {
			k = &keptPeriod{stale: reading{}}
			r.kept[p] = k
		}
		rs[i].k = k
		if k.figs != nil {
			rs[i].figs = maps.Clone(k.figs)
			rs[i].read = k.stale
			for kind, set := range rs[i].read {
				if len(set) > readApart {
					rs[i].read[kind] = nil // read whole, with the other periods' in one query
				}
			}
		}
		prev[i] = k.written
		k.stale = reading{}
		k.busy = true
		k.readingAsOf = wholeKinds(rs[i].read, asOf)
	}
	r.mu.Unlock()

	reads := make([]reading, len(periods))
	for i := range rs {
		reads[i] = rs[i].read
	}
	fresh, err := r.store.readFigures(ctx, periods, at.orgs, reads)
	figs := make([]kindFigures, len(periods))
	var (
		n    int
		next []*written
	)
	for i := range periods {
		if err != nil {
			break
		}
		if rs[i].figs == nil {
			rs[i].figs = fresh[i]
		}
		for kind, fs := range fresh[i] {
			if only := rs[i].read[kind]; rs[i].read != nil && only != nil && byOrg(kind) {
				fs = replaceOrgs(rs[i].figs[kind], only, fs)
			}
			rs[i].figs[kind] = fs
		}
		figs[i] = rs[i].figs
	}
	if err == nil {
		next, n, err = r.store.computeAndWrite(ctx, at, periods, figs, prev)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range periods {
		k := rs[i].k
		r.clock++
		k.used = r.clock
		if err != nil {
			k.written = nil // what was written is not known: read back next time
		} else {
			k.written, k.places = next[i], at
			k.wasRead()
		}
		k.busy, k.readingAsOf = false, nil
		switch {
		case err != nil || gen != r.gen:
			// What was to be read is read again next time (all of it when places changed meanwhile).
			if rs[i].read == nil || gen != r.gen {
				k.figs = nil
			}
			k.stale.merge(rs[i].read)
		default:
			k.figs = rs[i].figs
		}
	}
	r.evict()
	return n, err
}

// Reflects reports whether the benchmarks written of period hold every row of kind stored up to
// position at of the log RecomputeAsOf was given positions of: a recomputation begun after it
// read the kind's rows of the period whole, and was written. It never does for a kind whose rows
// can move between periods: a change may have moved rows out of periods it does not name.
func (r *Recomputer) Reflects(kind, period string, at uint64) bool {
	if moves(kind) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.kept[period]
	return ok && at > 0 && k.asOf[kind] >= at
}

// wasRead records that the recomputation under way, which reads the kinds of readingAsOf
// whole, was written.
func (k *keptPeriod) wasRead() {
	if len(k.readingAsOf) > 0 && k.asOf == nil {
		k.asOf = map[string]uint64{}
	}
	for kind, at := range k.readingAsOf {
		k.asOf[kind] = max(k.asOf[kind], at)
	}
}

// wholeKinds gives each kind that read (nil: every kind whole) reads whole, with asOf (none when
// asOf is 0).
func wholeKinds(read reading, asOf uint64) map[string]uint64 {
	out := map[string]uint64{}
	if asOf == 0 {
		return out
	}
	for _, src := range sources {
		// A kind read for some organisations is read whole where it cannot be read by them.
		if only, ok := read[src.kind]; read == nil || ok && (only == nil || src.of == nil) {
			out[src.kind] = asOf
		}
	}
	return out
}

// evict forgets the figures of the periods used longest ago while more than keep have theirs,
// and the periods themselves while more than keepWritten are kept, but never a period being
// recomputed.
func (r *Recomputer) evict() {
	oldest := func(has func(*keptPeriod) bool) (string, int) {
		p, n := "", 0
		for q, k := range r.kept {
			if !has(k) {
				continue
			}
			n++
			if !k.busy && (p == "" || k.used < r.kept[p].used) {
				p = q
			}
		}
		return p, n
	}
	for {
		p, n := oldest(func(k *keptPeriod) bool { return k.figs != nil })
		if n <= r.keep || p == "" {
			break
		}
		k := r.kept[p]
		k.figs, k.stale = nil, reading{}
	}
	for {
		p, n := oldest(func(*keptPeriod) bool { return true })
		if n <= r.keepWritten || p == "" {
			break
		}
		delete(r.kept, p)
	}
}

// replaceOrgs gives a kind's figures with those of the organisations in only replaced by fresh
// (theirs as read again); kept is not modified.
func replaceOrgs(kept []Figures, only map[string]bool, fresh []Figures) []Figures {
	out := make([]Figures, 0, len(kept)+len(fresh))
	for _, f := range kept {
		if !only[f.Org] {
			out = append(out, f)
		}
	}
	return append(out, fresh...)
}
