package benchmark

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"

	"github.com/partnership-hub/hub/pkg/projection"
)

// written is what the benchmark tables hold of one period: a fingerprint of each current row
// (tombstones left out) by its key, so that a recomputation writes only the rows it changes,
// and a tombstone for each row it no longer has (migration 0013). A row's key is two numbered
// strings (see rowNames): the metric and organisation of a value, the metric and area of an
// area's figures, the organisation and figure of a projection input.
type written struct {
	values, areas, inputs map[rowKey]uint64
}

func newWritten() *written {
	return &written{values: map[rowKey]uint64{}, areas: map[rowKey]uint64{}, inputs: map[rowKey]uint64{}}
}

type rowKey uint64

// rowNames numbers the strings of rows' keys, for every period at once: metrics, organisation,
// area and figure codes, a bounded set. Safe for concurrent use; numbering a string met before
// takes no lock.
type rowNames struct {
	ids   sync.Map // string → uint32
	mu    sync.Mutex
	names []string
}

func newRowNames() *rowNames { return &rowNames{} }

// key numbers a and b.
func (rn *rowNames) key(a, b string) rowKey { return rowKey(uint64(rn.id(a))<<32 | uint64(rn.id(b))) }

func (rn *rowNames) id(s string) uint32 {
	if id, ok := rn.ids.Load(s); ok {
		return id.(uint32)
	}
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if id, ok := rn.ids.Load(s); ok {
		return id.(uint32)
	}
	id := uint32(len(rn.names))
	rn.names = append(rn.names, s)
	rn.ids.Store(s, id)
	return id
}

// firsts numbers keys whose first string is often the one of the key before.
func (rn *rowNames) firsts() *firstKeys { return &firstKeys{rn: rn} }

type firstKeys struct {
	rn   *rowNames
	last string
	id   uint32
	used bool
}

func (f *firstKeys) key(a, b string) rowKey {
	if !f.used || a != f.last {
		f.last, f.id, f.used = a, f.rn.id(a), true
	}
	return rowKey(uint64(f.id)<<32 | uint64(f.rn.id(b)))
}

// of gives back a key's two strings.
func (rn *rowNames) of(k rowKey) (string, string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.names[k>>32], rn.names[uint32(k)]
}

// changes are the rows a recomputation writes: new or changed rows (the computation's own, not
// copied), and tombstones (only the period and key set) for rows it no longer has.
type changes struct {
	values     []*Value
	goneValues []Value
	areas      []*Area
	goneAreas  []Area
	inputs     []*projection.Row // tombstones among them: Deleted
}

// diff adds to c the rows of one period's computation (res and its projection inputs) that
// differ from what was written of it (prev, not modified), and returns what is written once c
// is.
func (rn *rowNames) diff(c *changes, period string, prev *written, res Result, inputs []projection.Row) *written {
	var h maphash.Hash
	h.SetSeed(printSeed)
	next := &written{}
	metrics := rn.firsts() // a computation's values come metric by metric
	next.values = diffRows(prev.values, res.Values, &c.values, func(v *Value) (rowKey, uint64) { return metrics.key(v.Metric, v.Org), valuePrint(&h, v) },
		func(k rowKey) {
			metric, org := rn.of(k)
			c.goneValues = append(c.goneValues, Value{Period: period, Metric: metric, Org: org})
		})
	next.areas = diffRows(prev.areas, res.Areas, &c.areas, func(a *Area) (rowKey, uint64) { return rn.key(a.Metric, a.Region), areaPrint(&h, a) },
		func(k rowKey) {
			metric, region := rn.of(k)
			c.goneAreas = append(c.goneAreas, Area{Period: period, Metric: metric, Region: region})
		})
	next.inputs = diffRows(prev.inputs, inputs, &c.inputs, func(r *projection.Row) (rowKey, uint64) { return rn.key(r.Org, r.Figure), inputPrint(&h, r) },
		func(k rowKey) {
			org, figure := rn.of(k)
			c.inputs = append(c.inputs, &projection.Row{Period: period, Org: org, Figure: figure, Deleted: true})
		})
	return next
}

// diffRows adds to changed the rows whose fingerprint differs from prev's of their key (or whose
// key prev lacks), calls gone with each key of prev that rows lack, and returns the fingerprints
// of rows by key.
func diffRows[R any](prev map[rowKey]uint64, rows []R, changed *[]*R, print func(*R) (rowKey, uint64), gone func(rowKey)) map[rowKey]uint64 {
	next := make(map[rowKey]uint64, len(rows))
	for i := range rows {
		k, p := print(&rows[i])
		next[k] = p
		if old, ok := prev[k]; !ok || old != p {
			*changed = append(*changed, &rows[i])
		}
	}
	for k := range prev {
		if _, ok := next[k]; !ok {
			gone(k)
		}
	}
	return next
}

// read gives what the tables hold of periods, read back from them.
func (rn *rowNames) read(ctx context.Context, s *Store, periods []string) ([]*written, error) {
	out := make([]*written, len(periods))
	at := make(map[string]*written, len(periods))
	for i, p := range periods {
		out[i] = newWritten()
		at[p] = out[i]
	}
	values, err := s.queryValues(ctx, selectPeriodValues, periods)
	if err != nil {
		return nil, err
	}
	areas, err := s.queryAreas(ctx, selectPeriodAreas, periods)
	if err != nil {
		return nil, err
	}
	inputs, err := s.inputs.ReadRows(ctx, periods)
	if err != nil {
		return nil, err
	}
	var h maphash.Hash
	h.SetSeed(printSeed)
	for i := range values {
		v := &values[i]
		if w := at[v.Period]; w != nil {
			w.values[rn.key(v.Metric, v.Org)] = valuePrint(&h, v)
		}
	}
	for i := range areas {
		a := &areas[i]
		if w := at[a.Period]; w != nil {
			w.areas[rn.key(a.Metric, a.Region)] = areaPrint(&h, a)
		}
	}
	for i := range inputs {
		r := &inputs[i]
		if w := at[r.Period]; w != nil {
			w.inputs[rn.key(r.Org, r.Figure)] = inputPrint(&h, r)
		}
	}
	return out, nil
}

// printSeed seeds the fingerprints: they are compared within one process only.
var printSeed = maphash.MakeSeed()

// The fingerprints cover every column a row is written with, as it is written (the counts as
// the table's integer types), but its key, computed_at and version. Two rows with the same
// fingerprint are taken to be the same (a 64-bit hash: two different rows collide once in
// 2^64).
func valuePrint(h *maphash.Hash, v *Value) uint64 {
	h.Reset()
	printString(h, v.Name)
	printStrings(h, v.Regions)
	printFloat(h, v.Num)
	printFloat(h, v.Den)
	printFloat(h, v.Value)
	printString(h, v.Reason)
	printFloat(h, v.SNMedian)
	printUint(h, uint64(uint16(v.SNCount)))
	printUint(h, uint64(uint32(v.Respondents)))
	printString(h, v.Withheld)
	return h.Sum64()
}

func areaPrint(h *maphash.Hash, a *Area) uint64 {
	h.Reset()
	printString(h, a.Name)
	printString(h, a.Level)
	printFloat(h, &a.Num)
	printFloat(h, &a.Den)
	printFloat(h, a.Value)
	printFloat(h, a.Median)
	printFloat(h, a.P25)
	printFloat(h, a.P75)
	printUint(h, uint64(uint32(a.Contributors)))
	printUint(h, uint64(uint32(a.Excluded)))
	printUint(h, uint64(uint32(a.Respondents)))
	printString(h, a.Withheld)
	return h.Sum64()
}

func inputPrint(h *maphash.Hash, r *projection.Row) uint64 {
	h.Reset()
	printString(h, r.Name)
	printStrings(h, r.Areas)
	printFloat(h, r.Value.Ptr())
	printString(h, string(r.Value.Reason))
	return h.Sum64()
}

func printUint(h *maphash.Hash, u uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], u)
	_, _ = h.Write(b[:])
}

func printString(h *maphash.Hash, s string) {
	printUint(h, uint64(len(s)))
	_, _ = h.WriteString(s)
}

func printStrings(h *maphash.Hash, ss []string) {
	printUint(h, uint64(len(ss)))
	for _, s := range ss {
		printString(h, s)
	}
}

// printFloat prints a nullable number: NULL apart from every number (the bits, as Float64
// stores them).
func printFloat(h *maphash.Hash, f *float64) {
	if f == nil {
		_ = h.WriteByte(0)
		return
	}
	_ = h.WriteByte(1)
	printUint(h, math.Float64bits(*f))
}
