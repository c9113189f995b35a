package benchmark

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/projection"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// Store computes benchmarks from the fact tables and keeps them in the benchmark tables
// (migration 0007); the API reads them back from here.
type Store struct {
	conn       driver.Conn
	sources    []kind.Any // the kinds whose rows feed the benchmarks
	alliances  *alliance.Store
	inputs     *projection.InputStore
	neighbours map[string][]string
}

// NewStore returns a store on conn, reading the figures of every kind that feeds the benchmarks
// (kinds.Benchmarked).
func NewStore(conn driver.Conn) (*Store, error) {
	ns, err := reference.StatisticalNeighbours()
	if err != nil {
		return nil, err
	}
	return &Store{conn: conn, sources: kinds.Benchmarked(), alliances: alliance.NewStore(conn), inputs: projection.NewInputStore(conn),
		neighbours: ns}, nil
}

// Neighbours returns the DfE statistical-neighbour groups by old LA code.
func (s *Store) Neighbours() map[string][]string { return s.neighbours }

const (
	insertValues = `INSERT INTO benchmark_values (` + valueColumns + `, computed_at, version)`
	insertAreas  = `INSERT INTO benchmark_regions (` + areaColumns + `, computed_at, version)`

	valueColumns = `period, metric, org_code, org_name, regions, num, den, value, reason, sn_median, sn_count, respondents, withheld`
	areaColumns  = `period, metric, region_code, region_name, level, num, den, value, median, p25, p75, contributors, excluded, respondents, withheld`

	// PREWHERE on key columns (all versions of a row share them) makes ClickHouse 18.16 filter
	// before FINAL merges versions: three times faster than WHERE there; the same result.
	//
	// has(CAST(? AS Array(String)), …): an empty list binds as [], of type Array(Nothing), which
	// has() refuses on ClickHouse 18.16 (current ClickHouse takes it); cast, it works on both.
	//
	// Only rows of a period's latest computation count: a computation writes every row it has
	// with one version, and a row it no longer has (a placement's host or academic year
	// corrected, say) cannot be deleted, so it keeps an older version and is left out here.
	selectAreas      = `SELECT ` + areaColumns + `, computed_at FROM benchmark_regions FINAL PREWHERE period = ? WHERE has(CAST(? AS Array(String)), region_code) AND ` + latestAreaOfPeriod
	selectMembers    = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE period = ? WHERE has(regions, ?) AND ` + latestValueOfPeriod
	selectOrgValues  = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE period = ? WHERE has(CAST(? AS Array(String)), org_code) AND ` + latestValueOfPeriod
	selectAreaSeries = `SELECT ` + areaColumns + `, computed_at FROM benchmark_regions FINAL PREWHERE metric = ? WHERE has(CAST(? AS Array(String)), region_code) AND ` + latestAreas +
		` ORDER BY period`
	selectOrgSeries = `SELECT ` + valueColumns + ` FROM benchmark_values FINAL PREWHERE metric = ? AND org_code = ? WHERE ` + latestValues +
		` ORDER BY period`
	latestValueOfPeriod = `version = (SELECT max(version) FROM benchmark_values WHERE period = ?)`
	latestAreaOfPeriod  = `version = (SELECT max(version) FROM benchmark_regions WHERE period = ?)`
	latestValues        = `(period, version) IN (SELECT period, max(version) FROM benchmark_values GROUP BY period)`
	latestAreas         = `(period, version) IN (SELECT period, max(version) FROM benchmark_regions GROUP BY period)`
	selectAreaPeriods   = `SELECT DISTINCT period FROM benchmark_regions ORDER BY period`

	// A mutation: ClickHouse 18.16 has no DELETE FROM (lightweight deletes came in 22.8), and
	// ALTER … DELETE works on both, applied in the background on both.
	clearValues = `ALTER TABLE benchmark_values DELETE WHERE period = ?`
	clearAreas  = `ALTER TABLE benchmark_regions DELETE WHERE period = ?`

	// Raw rows, without FINAL: only whether there are any matters.
	countProjectionInputs = `SELECT count() FROM projection_inputs`
)

// Recompute works out every benchmark of each period from the stored rows of every kind that
// feeds the benchmarks, and writes them (with the period's projection inputs); it returns the
// number of organisation rows written.
func (s *Store) Recompute(ctx context.Context, periods ...string) (int, error) {
	if len(periods) == 0 {
		return 0, nil
	}
	orgs, err := reference.ReadOrganisations(ctx, s.conn)
	if err != nil {
		return 0, err
	}
	regions, err := reference.ReadRegions(ctx, s.conn)
	if err != nil {
		return 0, err
	}
	alliances, err := s.alliances.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range periods {
		in := Input{Period: p, Organisations: orgs, Regions: regions, Neighbours: s.neighbours, Alliances: alliances}
		if in.Figures, err = s.sourceFigures(ctx, p, orgs); err != nil {
			return n, err
		}
		reporting := map[string]bool{}
		for _, f := range in.Figures {
			if _, ok := f.Values[workforce.Fields[0].Name]; ok {
				reporting[f.Org] = true
			}
		}
		in.Figures = foldJointDemand(in.Figures, reporting, orgs)
		res := Compute(in, Catalogue())
		if len(res.Values) == 0 {
			// Nothing is stored for the period any more (its rows were corrected into another):
			// the rows of its last computation would otherwise stay the latest.
			if err := s.clear(ctx, p); err != nil {
				return n, fmt.Errorf("period %s: %w", p, err)
			}
			if err := s.inputs.Clear(ctx, p); err != nil {
				return n, fmt.Errorf("period %s: %w", p, err)
			}
			continue
		}
		if err := s.Write(ctx, res); err != nil {
			return n, fmt.Errorf("period %s: %w", p, err)
		}
		if err := s.inputs.Write(ctx, p, projectionInputs(in)); err != nil {
			return n, fmt.Errorf("period %s: %w", p, err)
		}
		n += len(res.Values)
	}
	return n, nil
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
func (s *Store) Periods(ctx context.Context) ([]string, error) {
	return s.sourcePeriods(ctx)
}

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

// Write stores a result; its rows replace those of an earlier computation of the same period.
func (s *Store) Write(ctx context.Context, res Result) error {
	now := time.Now()
	version, at := uint64(now.UnixNano()), now.UTC().Truncate(time.Second)
	b, err := s.conn.PrepareBatch(chstore.BatchContext(ctx), insertValues)
	if err != nil {
		return fmt.Errorf("insert benchmark values: %w", err)
	}
	for _, v := range res.Values {
		if err := b.Append(v.Period, v.Metric, v.Org, v.Name, v.Regions, v.Num, v.Den, v.Value, v.Reason, v.SNMedian, uint16(v.SNCount),
			uint32(v.Respondents), v.Withheld, at, version); err != nil {
			_ = b.Abort()
			return fmt.Errorf("insert benchmark values: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert benchmark values: %w", err)
	}
	b, err = s.conn.PrepareBatch(chstore.BatchContext(ctx), insertAreas)
	if err != nil {
		return fmt.Errorf("insert benchmark regions: %w", err)
	}
	for _, a := range res.Areas {
		if err := b.Append(a.Period, a.Metric, a.Region, a.Name, a.Level, a.Num, a.Den, a.Value, a.Median, a.P25, a.P75,
			uint32(a.Contributors), uint32(a.Excluded), uint32(a.Respondents), a.Withheld, at, version); err != nil {
			_ = b.Abort()
			return fmt.Errorf("insert benchmark regions: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert benchmark regions: %w", err)
	}
	return nil
}

// Areas reads the figures of the given areas for one period, every metric.
func (s *Store) Areas(ctx context.Context, period string, codes []string) ([]Area, error) {
	return s.queryAreas(ctx, selectAreas, period, codes, period)
}

// AreaSeries reads one metric of the given areas over every period.
func (s *Store) AreaSeries(ctx context.Context, metric string, codes []string) ([]Area, error) {
	return s.queryAreas(ctx, selectAreaSeries, metric, codes)
}

// Members reads the values of every organisation counting towards region in period.
func (s *Store) Members(ctx context.Context, period, region string) ([]Value, error) {
	return s.queryValues(ctx, selectMembers, period, region, period)
}

// OrgValues reads the values of the given organisations in period.
func (s *Store) OrgValues(ctx context.Context, period string, orgs []string) ([]Value, error) {
	return s.queryValues(ctx, selectOrgValues, period, orgs, period)
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
