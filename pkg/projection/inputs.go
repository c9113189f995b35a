package projection

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// The figures a projection starts from, by the names the benchmarks give them (the workforce
// return's fields, the service demand's, and those summed from the Standard 8 kinds).
const (
	FigInpost                = "inpost_fte"
	FigStarters              = "starters_fte"
	FigLeavers               = "leavers_fte"
	FigVacancies             = "vacancy_fte"
	FigAgency                = "agency_fte"
	FigCaseHolders           = "case_holders_fte"
	FigCases                 = "cases"
	FigChildrenInNeed        = "cin_at_31_march"
	FigChildPopulation       = "child_population"
	FigFinalPlacementsPassed = "final_placements_passed"
	FigEducatorsActive       = "pe_active"
	FigStudentsSupported     = "pe_students_supported"
)

// inputFields places each figure in a Year.
var inputFields = []struct {
	name string
	of   func(*Year) *measure.Value
}{
	{FigInpost, func(y *Year) *measure.Value { return &y.Inpost }},
	{FigStarters, func(y *Year) *measure.Value { return &y.Starters }},
	{FigLeavers, func(y *Year) *measure.Value { return &y.Leavers }},
	{FigVacancies, func(y *Year) *measure.Value { return &y.Vacancies }},
	{FigAgency, func(y *Year) *measure.Value { return &y.Agency }},
	{FigCaseHolders, func(y *Year) *measure.Value { return &y.CaseHolders }},
	{FigCases, func(y *Year) *measure.Value { return &y.Cases }},
	{FigChildrenInNeed, func(y *Year) *measure.Value { return &y.ChildrenInNeed }},
	{FigChildPopulation, func(y *Year) *measure.Value { return &y.ChildPopulation }},
	{FigFinalPlacementsPassed, func(y *Year) *measure.Value { return &y.FinalPlacementsPassed }},
	{FigEducatorsActive, func(y *Year) *measure.Value { return &y.EducatorsActive }},
	{FigStudentsSupported, func(y *Year) *measure.Value { return &y.StudentsSupported }},
}

// InputFigures lists the names of the figures a projection starts from.
func InputFigures() []string {
	out := make([]string, len(inputFields))
	for i, f := range inputFields {
		out[i] = f.name
	}
	return out
}

// Input is one organisation's figures for one period, as the benchmark service works them out.
type Input struct {
	Org, Name string
	Areas     []string // every area it counts towards, innermost first
	Values    map[string]measure.Value
}

// InputStore keeps the projection inputs in ClickHouse (migration 0012).
type InputStore struct{ conn driver.Conn }

// NewInputStore returns a store on conn.
func NewInputStore(conn driver.Conn) *InputStore { return &InputStore{conn: conn} }

const (
	insertInputs = `INSERT INTO projection_inputs (period, org_code, org_name, regions, figure, value, reason, deleted, computed_at, version)`
	// Each row's latest version is its current state; a figure an organisation no longer has is
	// a tombstone (deleted = 1), left out.
	selectInputs = `SELECT period, org_code, org_name, regions, figure, value, reason, computed_at FROM projection_inputs FINAL
		WHERE deleted = 0
		ORDER BY org_code, period`
	// The current rows of some periods, as the benchmark service compares a recomputation with
	// them (PREWHERE on the leading key column; deleted is not a key column, so it is filtered
	// after FINAL).
	selectPeriodInputs = `SELECT period, org_code, org_name, regions, figure, value, reason FROM projection_inputs FINAL
		PREWHERE period IN (SELECT arrayJoin(CAST(? AS Array(String))))
		WHERE deleted = 0`
	// A mutation, as the benchmarks' clear: 18.16 has no DELETE FROM.
	clearInputs = `ALTER TABLE projection_inputs DELETE WHERE period = ?`
)

// Write stores a period's inputs, each replacing the organisation's figure of the period as
// written before. Only reporting years YYYY are kept: the model steps a year at a time.
func (s *InputStore) Write(ctx context.Context, period string, inputs []Input) error {
	return s.WritePeriods(ctx, PeriodInputs{Period: period, Inputs: inputs})
}

// PeriodInputs are one period's inputs, for WritePeriods.
type PeriodInputs struct {
	Period string
	Inputs []Input
}

// WritePeriods stores the inputs of several periods in one insert, as Write does each.
func (s *InputStore) WritePeriods(ctx context.Context, periods ...PeriodInputs) error {
	var rows []*Row
	for _, p := range periods {
		for _, r := range Rows(p.Period, p.Inputs) {
			rows = append(rows, &r)
		}
	}
	return s.WriteRows(ctx, rows)
}

// Row is one row of the inputs' table: one organisation's figure of one period, or a tombstone
// (Deleted, the figure and names empty) for a figure it no longer has.
type Row struct {
	Period, Org, Name string
	Areas             []string
	Figure            string
	Value             measure.Value
	Deleted           bool
}

// Rows are the rows of a period's inputs (none for a period that is not a reporting year YYYY).
func Rows(period string, inputs []Input) []Row {
	if _, err := YearOf(period); err != nil {
		return nil
	}
	var out []Row
	for _, in := range inputs {
		for _, f := range inputFields {
			if v, ok := in.Values[f.name]; ok {
				out = append(out, Row{Period: period, Org: in.Org, Name: in.Name, Areas: in.Areas, Figure: f.name, Value: v})
			}
		}
	}
	return out
}

// WriteRows stores rows in one insert, each replacing the row of its period, organisation and
// figure written before.
func (s *InputStore) WriteRows(ctx context.Context, rows []*Row) error {
	if len(rows) == 0 {
		return nil
	}
	now := time.Now()
	version, at := uint64(now.UnixNano()), now.UTC().Truncate(time.Second)
	b, err := s.conn.PrepareBatch(chstore.BatchContext(ctx), insertInputs)
	if err != nil {
		return fmt.Errorf("insert projection inputs: %w", err)
	}
	for _, r := range rows {
		var deleted uint8
		if r.Deleted {
			deleted = 1
		}
		areas := r.Areas
		if areas == nil {
			areas = []string{}
		}
		if err := b.Append(r.Period, r.Org, r.Name, areas, r.Figure, r.Value.Ptr(), string(r.Value.Reason), deleted, at, version); err != nil {
			_ = b.Abort()
			return fmt.Errorf("insert projection inputs: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert projection inputs: %w", err)
	}
	return nil
}

// ReadRows reads the current rows of periods.
func (s *InputStore) ReadRows(ctx context.Context, periods []string) ([]Row, error) {
	var out []Row
	err := chstore.Scan(ctx, s.conn, "projection inputs", selectPeriodInputs, []any{periods}, func(scan func(...any) error) error {
		var (
			r      Row
			value  *float64
			reason string
		)
		if err := scan(&r.Period, &r.Org, &r.Name, &r.Areas, &r.Figure, &value, &reason); err != nil {
			return err
		}
		// As written: a known value keeps whatever reason it was written with.
		r.Value = measure.FromPtr(value, measure.Reason(reason))
		r.Value.Reason = measure.Reason(reason)
		out = append(out, r)
		return nil
	})
	return out, err
}

// Clear deletes a period's inputs (nothing is stored for it any more). ClickHouse applies the
// deletion in the background; a computation written after it is not affected.
func (s *InputStore) Clear(ctx context.Context, period string) error {
	if err := s.conn.Exec(ctx, clearInputs, period); err != nil {
		return fmt.Errorf("clear projection inputs: %w", err)
	}
	return nil
}

// Orgs reads every organisation's inputs over every reporting year.
func (s *InputStore) Orgs(ctx context.Context) ([]Org, error) {
	rows, err := s.conn.Query(ctx, selectInputs)
	if err != nil {
		return nil, fmt.Errorf("read projection inputs: %w", err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		var (
			period, org, name, figure, reason string
			areas                             []string
			value                             *float64
			at                                time.Time
		)
		if err := rows.Scan(&period, &org, &name, &areas, &figure, &value, &reason, &at); err != nil {
			return nil, fmt.Errorf("read projection inputs: %w", err)
		}
		year, err := YearOf(period)
		if err != nil {
			continue
		}
		if n := len(out); n == 0 || out[n-1].Code != org {
			out = append(out, Org{Code: org})
		}
		o := &out[len(out)-1]
		if at.After(o.ComputedAt) {
			o.ComputedAt = at.UTC()
		}
		// The latest period's name and areas stand for the organisation.
		if len(o.Years) == 0 || year >= o.Years[len(o.Years)-1].Year {
			o.Name, o.Areas = name, areas
		}
		if n := len(o.Years); n == 0 || o.Years[n-1].Year != year {
			o.Years = append(o.Years, Year{Year: year})
		}
		y := &o.Years[len(o.Years)-1]
		for _, f := range inputFields {
			if f.name == figure {
				*f.of(y) = measure.FromPtr(value, measure.Reason(reason))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read projection inputs: %w", err)
	}
	known, err := reference.ReadOrganisations(ctx, s.conn)
	if err != nil {
		return nil, err
	}
	return Stitch(out, func(code string) string { return cmp.Or(known[code].OldCode, code) }), nil
}

// Cache keeps the inputs in memory: they change only when the benchmark service recomputes a
// period, when Drop is called (on its announcement), and are read again after ttl whatever
// happens, which bounds staleness if an announcement is lost.
type Cache struct {
	store *InputStore
	ttl   time.Duration
	now   func() time.Time

	mu   sync.Mutex
	orgs []Org
	at   time.Time
	gen  int
}

// NewCache caches store's inputs for at most ttl (0 turns the cache off).
func NewCache(store *InputStore, ttl time.Duration) *Cache {
	return &Cache{store: store, ttl: ttl, now: time.Now}
}

// Drop forgets the cached inputs.
func (c *Cache) Drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orgs, c.gen = nil, c.gen+1
}

// Orgs returns every organisation's inputs, shared: callers must not modify them.
func (c *Cache) Orgs(ctx context.Context) ([]Org, error) {
	c.mu.Lock()
	if c.orgs != nil && c.now().Sub(c.at) < c.ttl {
		defer c.mu.Unlock()
		return c.orgs, nil
	}
	gen := c.gen
	c.mu.Unlock()
	orgs, err := c.store.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	if orgs == nil {
		orgs = []Org{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A drop announced while the read ran wins: keep what was read for this caller only.
	if c.ttl > 0 && gen == c.gen {
		c.orgs, c.at = orgs, c.now()
	}
	return orgs, nil
}

// ComputedAt is when the inputs a projection of members (codes) uses were last computed: the
// latest computation of the members' own rows and of their areas' organisations' (each member's
// leaver rate is shrunk towards its area's, worked out from all of them, as Run does); zero for
// none.
func ComputedAt(orgs []Org, members []string) time.Time {
	codes := make(map[string]bool, len(members))
	for _, m := range members {
		codes[m] = true
	}
	areas := map[string]bool{}
	for _, o := range orgs {
		if codes[o.Code] && len(o.Areas) > 0 {
			areas[o.Areas[0]] = true
		}
	}
	var latest time.Time
	for _, o := range orgs {
		if (codes[o.Code] || len(o.Areas) > 0 && areas[o.Areas[0]]) && o.ComputedAt.After(latest) {
			latest = o.ComputedAt
		}
	}
	return latest
}

// InArea lists the organisations counting towards area, by code.
func InArea(orgs []Org, area string) []string {
	var out []string
	for _, o := range orgs {
		if slices.Contains(o.Areas, area) {
			out = append(out, o.Code)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(a, b) })
	return out
}
