package benchmark

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Store computes benchmarks from the fact tables and keeps them in the benchmark tables
// (migration 0007); the API reads them back from here.
type Store struct {
	conn       driver.Conn
	alliances  *alliance.Store
	inputs     *projection.InputStore
	neighbours map[string][]string
	names      *rowNames // the keys of written rows, numbered

	// Tests' hooks: told when a read waits for a write to end, and between the inserts of a
	// write.
	waiting       func(period string)
	betweenWrites func()
}

// NewStore returns a store on conn, reading the figures of every kind that feeds the benchmarks
// (sources).
func NewStore(conn driver.Conn) (*Store, error) {
	ns, err := reference.StatisticalNeighbours()
	if err != nil {
		return nil, err
	}
	return &Store{conn: conn, alliances: alliance.NewStore(conn), inputs: projection.NewInputStore(conn),
		neighbours: ns, names: newRowNames()}, nil
}

// Neighbours returns the DfE statistical-neighbour groups by old LA code.
func (s *Store) Neighbours() map[string][]string { return s.neighbours }

const (
	insertValues = `INSERT INTO benchmark_values (` + valueColumns + `, deleted, computed_at, version)`
	insertAreas  = `INSERT INTO benchmark_regions (` + areaColumns + `, deleted, computed_at, version)`

	valueColumns = `period, metric, org_code, org_name, regions, num, den, value, reason, sn_median, sn_count, respondents, withheld`
	areaColumns  = `period, metric, region_code, region_name, level, num, den, value, median, p25, p75, contributors, excluded, respondents, withheld`

	// PREWHERE on key columns (all versions of a row share them) makes ClickHouse 18.16 filter
	// before FINAL merges versions: three times faster than WHERE there; the same result.
	//
	// has(CAST(? AS Array(String)), …): an empty list binds as [], of type Array(Nothing), which
	// has() refuses on ClickHouse 18.16 (current ClickHouse takes it); cast, it works on both.
	//
	// A row's latest version is its current state: a recomputation writes the rows it changes,
	// and a tombstone (deleted = 1) for a row it no longer has (a placement's host or academic
	// year corrected, say), which is left out here. deleted is not a key column: it is filtered
	// after FINAL, in WHERE.
	selectAreas      = `SELECT ` + areaColumns + `, computed_at FROM benchmark_regions FINAL PREWHERE period = ? WHERE has(CAST(? AS Array(String)), region_code) AND deleted = 0`
	selectMembers    = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE period = ? WHERE has(regions, ?) AND deleted = 0`
	selectOrgValues  = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE period = ? WHERE has(CAST(? AS Array(String)), org_code) AND deleted = 0`
	selectAreaSeries = `SELECT ` + areaColumns + `, computed_at FROM benchmark_regions FINAL PREWHERE metric = ? WHERE has(CAST(? AS Array(String)), region_code) AND deleted = 0
		ORDER BY period`
	selectOrgSeries = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE metric = ? AND org_code = ? WHERE deleted = 0
		ORDER BY period`
	// What the tables hold of some periods, as a recomputation compares its rows with it.
	selectPeriodValues = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL
		PREWHERE period IN (SELECT arrayJoin(CAST(? AS Array(String)))) WHERE deleted = 0`
	selectPeriodAreas = `SELECT ` + areaColumns + `, computed_at FROM benchmark_regions FINAL
		PREWHERE period IN (SELECT arrayJoin(CAST(? AS Array(String)))) WHERE deleted = 0`
	// Without FINAL: a period cleared (below) goes once ClickHouse has applied the deletion.
	selectAreaPeriods = `SELECT DISTINCT period FROM benchmark_regions ORDER BY period`

	// A mutation: ClickHouse 18.16 has no DELETE FROM (lightweight deletes came in 22.8), and
	// ALTER … DELETE works on both, applied in the background on both. A period's tombstones are
	// written first, so that its rows are gone from the reads at once.
	clearValues = `ALTER TABLE benchmark_values DELETE WHERE period = ?`
	clearAreas  = `ALTER TABLE benchmark_regions DELETE WHERE period = ?`

	// Raw rows, without FINAL: only whether there are any matters.
	countProjectionInputs = `SELECT count() FROM projection_inputs`
)

// Recompute works out every benchmark of each period from the stored rows of every kind that
// feeds the benchmarks (sources), and writes those that differ from what the tables hold, with
// the periods' projection inputs; it returns the number of organisation values computed.
func (s *Store) Recompute(ctx context.Context, periods ...string) (int, error) {
	if len(periods) == 0 {
		return 0, nil
	}
	at, err := s.readPlaces(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for group := range slices.Chunk(periods, PeriodsWrittenTogether) {
		figs, err := s.readFigures(ctx, group, at.orgs, nil)
		if err != nil {
			return n, err
		}
		_, computed, err := s.computeAndWrite(ctx, at, group, figs, nil)
		if err != nil {
			return n, err
		}
		n += computed
	}
	return n, nil
}

// PeriodsWrittenTogether is how many periods a recomputation writes in one insert per table at
// most: an insert has a cost of its own in ClickHouse (a new part to merge), whatever its size.
const PeriodsWrittenTogether = 8

// places is the reference data that places organisations in areas, read once per
// recomputation.
type places struct {
	orgs      map[string]reference.Organisation
	regions   map[string]reference.Region
	alliances []alliance.Alliance
}

func (s *Store) readPlaces(ctx context.Context) (places, error) {
	orgs, err := reference.ReadOrganisations(ctx, s.conn)
	if err != nil {
		return places{}, err
	}
	regions, err := reference.ReadRegions(ctx, s.conn)
	if err != nil {
		return places{}, err
	}
	alliances, err := s.alliances.List(ctx)
	if err != nil {
		return places{}, err
	}
	return places{orgs: orgs, regions: regions, alliances: alliances}, nil
}

// kindFigures are one period's figures, by the kind they were read from (see sources).
type kindFigures map[string][]Figures

// reading is what a recomputation reads of one period's stored rows, by kind: the kind whole
// (nil), or only the rows of the organisations in the set (a kind read organisation by
// organisation: see source.of).
type reading map[string]map[string]bool

// readFigures reads the figures of periods from the stored rows: for periods[i], what reads[i]
// says (every kind whole when reads or reads[i] is nil). A kind read whole is read in one query
// for all the periods that need it; for a kind read for some organisations, the figures returned
// are theirs only.
func (s *Store) readFigures(ctx context.Context, periods []string, orgs map[string]reference.Organisation, reads []reading) ([]kindFigures, error) {
	out := make([]kindFigures, len(periods))
	for i := range out {
		out[i] = kindFigures{}
	}
	for _, src := range sources {
		var whole []string
		for i, p := range periods {
			var only map[string]bool
			switch {
			case reads == nil || reads[i] == nil:
			default:
				var ok bool
				if only, ok = reads[i][src.kind]; !ok {
					continue
				}
			}
			if only == nil || src.of == nil {
				whole = append(whole, p)
				continue
			}
			figs, err := src.of(s, ctx, p, orgs, slices.Sorted(maps.Keys(only)))
			if err != nil {
				return nil, err
			}
			out[i][src.kind] = figs
		}
		if len(whole) == 0 {
			continue
		}
		figs, err := src.figures(s, ctx, whole, orgs)
		if err != nil {
			return nil, err
		}
		for i, p := range periods {
			if slices.Contains(whole, p) {
				out[i][src.kind] = figs[p]
			}
		}
	}
	return out, nil
}

// computeAndWrite computes the benchmarks of periods from their figures (figs[i] are those of
// periods[i]) and writes, with the periods' projection inputs, only the rows that differ from
// what the tables hold of each period (prev[i]; read back from the tables where prev or prev[i]
// is nil), and tombstones for the rows a period no longer has, in one insert per table; a period
// with nothing stored for it any more is cleared. The figures are not modified. It returns what
// the tables hold of each period once written, and the number of organisation values computed.
func (s *Store) computeAndWrite(ctx context.Context, at places, periods []string, figs []kindFigures, prev []*written) ([]*written, int, error) {
	prev = slices.Clone(prev)
	if len(prev) == 0 {
		prev = make([]*written, len(periods))
	}
	var unknown []string
	for i, p := range periods {
		if prev[i] == nil {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		read, err := s.names.read(ctx, s, unknown)
		if err != nil {
			return nil, 0, fmt.Errorf("periods %v: %w", unknown, err)
		}
		for i := range prev {
			if prev[i] == nil {
				prev[i], read = read[0], read[1:]
			}
		}
	}
	var (
		c       changes
		next    = make([]*written, len(periods))
		cleared []string
		n       int
	)
	for i, p := range periods {
		res, inputs := s.compute(at, p, figs[i])
		if len(res.Values) == 0 {
			// Nothing is stored for the period any more (its rows were corrected into another):
			// every row it has goes.
			cleared = append(cleared, p)
		}
		next[i] = s.names.diff(&c, p, prev[i], res, inputs)
		n += len(res.Values)
	}
	// Readers wait while the periods are marked as being written (snapshot.go).
	mark := uint64(time.Now().UnixNano())
	if err := s.markWrites(ctx, periods, mark, false); err != nil {
		return nil, 0, err
	}
	if err := s.writeChanges(ctx, &c); err != nil {
		return nil, 0, fmt.Errorf("periods %v: %w", periods, err)
	}
	for _, p := range cleared {
		if err := s.clear(ctx, p); err != nil {
			return nil, 0, fmt.Errorf("period %s: %w", p, err)
		}
		if err := s.inputs.Clear(ctx, p); err != nil {
			return nil, 0, fmt.Errorf("period %s: %w", p, err)
		}
	}
	if err := s.markWrites(ctx, periods, mark, true); err != nil {
		return nil, 0, err
	}
	return next, n, nil
}

// compute works out a period's benchmarks and projection inputs from its figures (not
// modified); nothing at all when it has no organisation values.
func (s *Store) compute(at places, period string, figs kindFigures) (Result, []projection.Row) {
	in := Input{Period: period, Organisations: at.orgs, Regions: at.regions, Neighbours: s.neighbours, Alliances: at.alliances}
	reporting := map[string]bool{}
	for _, f := range figs[submission.KindWorkforce] {
		reporting[f.Org] = true
	}
	for _, src := range sources {
		if src.byAuthority {
			in.Figures = append(in.Figures, foldJoint(cloneFigures(figs[src.kind]), reporting, at.orgs)...)
		} else {
			in.Figures = append(in.Figures, figs[src.kind]...)
		}
	}
	res := Compute(in, Catalogue())
	if len(res.Values) == 0 {
		return Result{}, nil
	}
	if _, err := projection.YearOf(period); err != nil {
		return res, nil // the projection steps a year at a time: a quarter has no inputs
	}
	return res, projection.Rows(period, projectionInputs(in))
}

// cloneFigures copies figures whose maps are to be changed.
func cloneFigures(figs []Figures) []Figures {
	out := make([]Figures, len(figs))
	for i, f := range figs {
		out[i] = Figures{Org: f.Org, Values: maps.Clone(f.Values)}
	}
	return out
}

// projectionInputs are the period's figures the workforce projection starts from, for every
// organisation with any of them (written beside the benchmarks, from the same figures).
func projectionInputs(in Input) []projection.Input {
	names := projection.InputFigures()
	var out []projection.Input
	for _, f := range OrgFigures(in) {
		values := map[string]measure.Value{}
		for _, name := range names {
			if v, ok := f.Values[name]; ok {
				values[name] = v
			}
		}
		if len(values) == 0 {
			continue
		}
		o := in.Organisations[f.Org]
		out = append(out, projection.Input{Org: f.Org, Name: cmp.Or(o.Name, f.Org), Areas: areasOf(o.Region, in.Regions), Values: values})
	}
	return out
}

// clear deletes a period's benchmarks. ClickHouse applies the deletion in the background, a
// moment later; a computation written after it is not affected.
func (s *Store) clear(ctx context.Context, period string) error {
	for _, stmt := range []string{clearValues, clearAreas} {
		if err := s.conn.Exec(ctx, stmt, period); err != nil {
			return fmt.Errorf("clear benchmarks: %w", err)
		}
	}
	return nil
}

// Rebuild recomputes every period that has stored data of any kind.
func (s *Store) Rebuild(ctx context.Context) (periods, values int, err error) {
	ps, err := s.Periods(ctx)
	if err != nil {
		return 0, 0, err
	}
	n, err := s.Recompute(ctx, ps...)
	return len(ps), n, err
}

// Periods lists every benchmark period that has stored data of any kind.
func (s *Store) Periods(ctx context.Context) ([]string, error) { return s.sourcePeriods(ctx) }

// Empty reports whether no benchmark has been computed yet, or no projection input (a table
// added after the benchmarks: a database from before it is rebuilt once).
func (s *Store) Empty(ctx context.Context) (bool, error) {
	ps, err := s.AreaPeriods(ctx)
	if err != nil || len(ps) == 0 {
		return true, err
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, countProjectionInputs).Scan(&n); err != nil {
		return false, fmt.Errorf("count projection inputs: %w", err)
	}
	return n == 0, nil
}

// writeChanges writes a recomputation's changed rows and tombstones, in one insert per table.
// Rows are appended column by column: a period of national organisations is tens of thousands
// of rows, and appending them row by row costs more than computing them.
func (s *Store) writeChanges(ctx context.Context, c *changes) error {
	now := time.Now()
	version, at := uint64(now.UnixNano()), now.UTC().Truncate(time.Second)
	vs := c.values
	for i := range c.goneValues {
		vs = append(vs, &c.goneValues[i])
	}
	alive := len(c.values)
	err := insertColumns(ctx, s.conn, insertValues, len(vs),
		column(vs, func(v *Value) string { return v.Period }),
		column(vs, func(v *Value) string { return v.Metric }),
		column(vs, func(v *Value) string { return v.Org }),
		column(vs, func(v *Value) string { return v.Name }),
		column(vs, func(v *Value) []string {
			if v.Regions == nil {
				return []string{} // a tombstone's
			}
			return v.Regions
		}),
		column(vs, func(v *Value) *float64 { return v.Num }),
		column(vs, func(v *Value) *float64 { return v.Den }),
		column(vs, func(v *Value) *float64 { return v.Value }),
		column(vs, func(v *Value) string { return v.Reason }),
		column(vs, func(v *Value) *float64 { return v.SNMedian }),
		column(vs, func(v *Value) uint16 { return uint16(v.SNCount) }),
		column(vs, func(v *Value) uint32 { return uint32(v.Respondents) }),
		column(vs, func(v *Value) string { return v.Withheld }),
		deletedColumn(len(vs), alive),
		column(vs, func(*Value) time.Time { return at }),
		column(vs, func(*Value) uint64 { return version }))
	if err != nil {
		return fmt.Errorf("insert benchmark values: %w", err)
	}
	if s.betweenWrites != nil {
		s.betweenWrites()
	}
	as := c.areas
	for i := range c.goneAreas {
		as = append(as, &c.goneAreas[i])
	}
	alive = len(c.areas)
	err = insertColumns(ctx, s.conn, insertAreas, len(as),
		column(as, func(a *Area) string { return a.Period }),
		column(as, func(a *Area) string { return a.Metric }),
		column(as, func(a *Area) string { return a.Region }),
		column(as, func(a *Area) string { return a.Name }),
		column(as, func(a *Area) string { return a.Level }),
		column(as, func(a *Area) float64 { return a.Num }),
		column(as, func(a *Area) float64 { return a.Den }),
		column(as, func(a *Area) *float64 { return a.Value }),
		column(as, func(a *Area) *float64 { return a.Median }),
		column(as, func(a *Area) *float64 { return a.P25 }),
		column(as, func(a *Area) *float64 { return a.P75 }),
		column(as, func(a *Area) uint32 { return uint32(a.Contributors) }),
		column(as, func(a *Area) uint32 { return uint32(a.Excluded) }),
		column(as, func(a *Area) uint32 { return uint32(a.Respondents) }),
		column(as, func(a *Area) string { return a.Withheld }),
		deletedColumn(len(as), alive),
		column(as, func(*Area) time.Time { return at }),
		column(as, func(*Area) uint64 { return version }))
	if err != nil {
		return fmt.Errorf("insert benchmark regions: %w", err)
	}
	return s.inputs.WriteRows(ctx, c.inputs)
}

// deletedColumn is the deleted column of n rows, the first alive of them current, the others
// tombstones.
func deletedColumn(n, alive int) []uint8 {
	out := make([]uint8, n)
	for i := alive; i < n; i++ {
		out[i] = 1
	}
	return out
}

// column is one column of rows, as clickhouse-go appends it whole.
func column[R, C any](rows []*R, of func(*R) C) any {
	out := make([]C, len(rows))
	for i, r := range rows {
		out[i] = of(r)
	}
	return out
}

// insertColumns inserts n rows given column by column, in the order of the statement's columns.
func insertColumns(ctx context.Context, conn driver.Conn, stmt string, n int, columns ...any) error {
	if n == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(chstore.BatchContext(ctx), stmt)
	if err != nil {
		return err
	}
	for i, c := range columns {
		if err := b.Column(i).Append(c); err != nil {
			_ = b.Abort()
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return b.Send()
}

// Areas reads the figures of the given areas for one period, every metric.
func (s *Store) Areas(ctx context.Context, period string, codes []string) ([]Area, error) {
	return s.queryAreas(ctx, selectAreas, period, codes)
}

// AreaSeries reads one metric of the given areas over every period.
func (s *Store) AreaSeries(ctx context.Context, metric string, codes []string) ([]Area, error) {
	return s.queryAreas(ctx, selectAreaSeries, metric, codes)
}

// Members reads the values of every organisation counting towards region in period.
func (s *Store) Members(ctx context.Context, period, region string) ([]Value, error) {
	return s.queryValues(ctx, selectMembers, period, region)
}

// OrgValues reads the values of the given organisations in period.
func (s *Store) OrgValues(ctx context.Context, period string, orgs []string) ([]Value, error) {
	return s.queryValues(ctx, selectOrgValues, period, orgs)
}

// OrgSeries reads one metric of an organisation over every period.
func (s *Store) OrgSeries(ctx context.Context, metric, org string) ([]Value, error) {
	return s.queryValues(ctx, selectOrgSeries, metric, org)
}

// AreaPeriods lists the periods with computed benchmarks.
func (s *Store) AreaPeriods(ctx context.Context) ([]string, error) {
	var out []string
	err := s.scan(ctx, "benchmark periods", selectAreaPeriods, nil, func(scan func(...any) error) error {
		var p string
		if err := scan(&p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func (s *Store) queryAreas(ctx context.Context, query string, args ...any) ([]Area, error) {
	var out []Area
	err := s.scan(ctx, "benchmark regions", query, args, func(scan func(...any) error) error {
		var (
			a                   Area
			contrib, excl, resp uint32
		)
		if err := scan(&a.Period, &a.Metric, &a.Region, &a.Name, &a.Level, &a.Num, &a.Den, &a.Value, &a.Median, &a.P25, &a.P75,
			&contrib, &excl, &resp, &a.Withheld, &a.ComputedAt); err != nil {
			return err
		}
		a.Contributors, a.Excluded, a.Respondents = int(contrib), int(excl), int(resp)
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) queryValues(ctx context.Context, query string, args ...any) ([]Value, error) {
	var out []Value
	err := s.scan(ctx, "benchmark values", query, args, func(scan func(...any) error) error {
		var (
			v    Value
			sn   uint16
			resp uint32
		)
		if err := scan(&v.Period, &v.Metric, &v.Org, &v.Name, &v.Regions, &v.Num, &v.Den, &v.Value, &v.Reason, &v.SNMedian, &sn,
			&resp, &v.Withheld); err != nil {
			return err
		}
		v.SNCount, v.Respondents = int(sn), int(resp)
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
