package benchmark

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A recomputation writes a period's organisation values, its area values and its projection
// inputs in separate inserts, and ClickHouse has no transaction across them: a reader that read
// the area values and the organisation values apart, or while they were being written, could
// show an organisation's new value beside its region's old one. So the writer marks each period
// it writes in benchmark_writes (migration 0020) before its first insert (mark 2v+1, v its
// version) and after its last (2v+2), and a reader reads a period whole between two reads of
// its mark: the same even mark both times means that no write began or ended meanwhile, and
// what it read is one recomputation's state of the period (a Snapshot). An odd mark is a write
// under way: the reader waits for it to end. Like the Recomputer, this holds while there is one
// writer of a period at a time.

const (
	insertWriteMarks = `INSERT INTO benchmark_writes (period, mark)`
	// max() of no rows is 0: a period never marked (written before the marks) reads as written.
	selectWriteMark = `SELECT max(mark) FROM benchmark_writes PREWHERE period = ?`
)

// ErrBeingWritten is returned by a read of a period whose recomputation has not ended within
// the time a reader waits for it (WaitForWrites).
var ErrBeingWritten = errors.New("the period's benchmarks are being recomputed")

const (
	// WaitForWrites is how long a read waits at most for a period's recomputation to end.
	WaitForWrites = time.Minute
	// abandonedWrite is how old a write must be, unfinished, to be taken as abandoned (its writer
	// stopped between its inserts): its period is read as it stands rather than waited for. A
	// recomputation of a group of periods takes seconds.
	abandonedWrite = 10 * time.Minute
)

// Snapshot is one period's benchmarks as one recomputation left them: every organisation value
// and area value of the period, read together. It is not modified once read; the slices its
// methods return are shared and must not be modified.
type Snapshot struct {
	Period string
	// Mark names the recomputation (0 for a period written before the marks).
	Mark   uint64
	areas  []Area
	values []Value
	byOrg  map[string][]int // values by organisation
	byArea map[string][]int // values by each area they count towards
	areaOf map[string][]int // areas by code
}

func newSnapshot(period string, mark uint64, areas []Area, values []Value) *Snapshot {
	s := &Snapshot{Period: period, Mark: mark, areas: areas, values: values,
		byOrg: map[string][]int{}, byArea: map[string][]int{}, areaOf: map[string][]int{}}
	for i, v := range values {
		s.byOrg[v.Org] = append(s.byOrg[v.Org], i)
		for _, code := range v.Regions {
			s.byArea[code] = append(s.byArea[code], i)
		}
	}
	for i, a := range areas {
		s.areaOf[a.Region] = append(s.areaOf[a.Region], i)
	}
	return s
}

// Empty tells whether the period has no benchmarks (never computed, or cleared).
func (s *Snapshot) Empty() bool { return len(s.areas) == 0 && len(s.values) == 0 }

// Areas are the figures of the given areas, every metric, in the order of codes.
func (s *Snapshot) Areas(codes []string) []Area {
	var out []Area
	for _, code := range uniq(codes) {
		for _, i := range s.areaOf[code] {
			out = append(out, s.areas[i])
		}
	}
	return out
}

// Members are the values of every organisation counting towards area.
func (s *Snapshot) Members(area string) []Value { return s.pick(s.byArea[area]) }

// OrgValues are the values of the given organisations.
func (s *Snapshot) OrgValues(orgs []string) []Value {
	var out []Value
	for _, org := range uniq(orgs) {
		out = append(out, s.pick(s.byOrg[org])...)
	}
	return out
}

// orgValue is org's value for metric.
func (s *Snapshot) orgValue(metric, org string) (Value, bool) {
	for _, i := range s.byOrg[org] {
		if s.values[i].Metric == metric {
			return s.values[i], true
		}
	}
	return Value{}, false
}

// area is area's figures for metric.
func (s *Snapshot) area(metric, code string) (Area, bool) {
	for _, i := range s.areaOf[code] {
		if s.areas[i].Metric == metric {
			return s.areas[i], true
		}
	}
	return Area{}, false
}

func (s *Snapshot) pick(idx []int) []Value {
	out := make([]Value, len(idx))
	for j, i := range idx {
		out[j] = s.values[i]
	}
	return out
}

func uniq(codes []string) []string {
	var out []string
	for _, c := range codes {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Period reads a period's benchmarks whole, as one recomputation left them, waiting for a
// recomputation under way to end (WaitForWrites at most).
func (s *Store) Period(ctx context.Context, period string) (*Snapshot, error) {
	wait, waited := 10*time.Millisecond, time.Duration(0)
	for {
		before, err := s.writeMark(ctx, period)
		if err != nil {
			return nil, err
		}
		if before%2 == 1 && !abandoned(before) {
			if waited >= WaitForWrites {
				return nil, fmt.Errorf("period %s: %w", period, ErrBeingWritten)
			}
			if s.waiting != nil {
				s.waiting(period)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			waited += wait
			wait = min(2*wait, time.Second)
			continue
		}
		areas, err := s.queryAreas(ctx, selectPeriodAreas, []string{period})
		if err != nil {
			return nil, err
		}
		values, err := s.queryValues(ctx, selectPeriodValues, []string{period})
		if err != nil {
			return nil, err
		}
		after, err := s.writeMark(ctx, period)
		if err != nil {
			return nil, err
		}
		if after == before {
			return newSnapshot(period, before, areas, values), nil
		}
	}
}

// abandoned tells whether the write that mark begins started too long ago to be still running.
func abandoned(mark uint64) bool {
	return time.Since(time.Unix(0, int64(mark/2))) > abandonedWrite
}

func (s *Store) writeMark(ctx context.Context, period string) (uint64, error) {
	var mark uint64
	if err := s.conn.QueryRow(ctx, selectWriteMark, period).Scan(&mark); err != nil {
		return 0, fmt.Errorf("read benchmark write mark: %w", err)
	}
	return mark, nil
}

// markWrites marks periods as being written (done false) or written (done true) by the
// recomputation of version.
func (s *Store) markWrites(ctx context.Context, periods []string, version uint64, done bool) error {
	mark := 2*version + 1
	if done {
		mark++
	}
	marks := make([]uint64, len(periods))
	for i := range marks {
		marks[i] = mark
	}
	if err := insertColumns(ctx, s.conn, insertWriteMarks, len(periods), periods, marks); err != nil {
		return fmt.Errorf("mark benchmark writes: %w", err)
	}
	return nil
}
