package demand

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// format reads service demand in three layouts, JSON and CSV in the hub's own (org, period and
// the figure names, {"demand": [...]} in JSON) and in CSV also the two DfE files as they are
// published, recognised by their header:
//   - the children in need file (table B1): one row per authority and year, the figures in the
//     columns the DfE names (Field.Column: At31_episodes, Anypoint_episodes, …);
//   - the children looked after file: one row per authority, year and population_type, the
//     figure in children_count, with population_estimate. The consecutive rows of an authority
//     and year, as the DfE publishes them, are gathered into one row, numbered by the first of
//     them; a figure given twice with different values refuses the later row.
//
// In both, descriptive columns (names, region codes) and rates are set aside and rows other than
// local authorities' refused. Rows travel to ingest, and are written back, in the hub's layout.
type format struct{ *kind.Columns[Return] }

// columns is the hub's layout, taking the children in need file's column names as aliases.
var columns = func() *kind.Columns[Return] {
	c := &kind.Columns[Return]{List: "demand", What: "service demand rows", Aliases: map[string]string{"new_la_code": "org", "time_period": "period"},
		Ignored: dfeIgnored, Fields: []kind.Field[Return]{
			kind.Text("org", kind.Required, func(r *Return) *string { return &r.Org }, NormaliseOrg),
			kind.Text("period", kind.Required, func(r *Return) *string { return &r.Period }, strings.TrimSpace),
			kind.GeographicLevel[Return](),
			kind.Check[Return]("category", func(cell string) error {
				if c := strings.TrimSpace(cell); c != "" && !strings.EqualFold(c, "Children in Need") {
					return fmt.Errorf("category %q is not taken: only Children in Need", c)
				}
				return nil
			}),
		}}
	for _, f := range Fields {
		c.Fields = append(c.Fields, kind.Figure(f.Name, f.Of))
		if f.Column != "" {
			c.Aliases[f.Column] = f.Name
		}
	}
	return c
}()

// dfeIgnored are the columns of the DfE published files the hub does not take: descriptions it
// keeps as reference data, and the rate it computes itself.
var dfeIgnored = []string{"time_identifier", "country_code", "country_name", "region_code", "region_name", "old_la_code", "la_name", "rate_per_10000"}

// ReadCSV implements kind.Format: the looked-after layout when the header names a
// population_type column, otherwise the hub's (or the children in need file's).
func (f format) ReadCSV(r io.Reader, each func(int, Return, []submission.RowError) error) error {
	body, long := lookedAfterHeader(r)
	if !long {
		return f.Columns.ReadCSV(body, each)
	}
	var group []line // consecutive rows of one authority and year
	err := lookedAfter.ReadCSV(body, func(n int, l line, errs []submission.RowError) error {
		l.row, l.errs = n, errs
		// A row that could not be read at all (too many cells, say) names no authority: it stays
		// in the group it is in, so that the group's next row is not taken for another.
		if len(group) > 0 && (l.Org != "" || len(errs) == 0) && (l.Org != group[0].Org || l.Period != group[0].Period) {
			if err := gather(group, each); err != nil {
				return err
			}
			group = group[:0]
		}
		group = append(group, l)
		return nil
	})
	if err != nil {
		return err
	}
	return gather(group, each)
}

// lookedAfterHeader reads the header row ahead and reports whether it is the looked-after
// layout's; the reader returned gives the whole body again.
func lookedAfterHeader(r io.Reader) (io.Reader, bool) {
	var ahead bytes.Buffer
	// A header longer than 64 KiB is no DfE file's: the hub's reader then says what is wrong.
	header, err := csv.NewReader(io.TeeReader(io.LimitReader(r, 64<<10), &ahead)).Read()
	body := io.MultiReader(&ahead, r)
	return body, err == nil && slices.ContainsFunc(header, func(h string) bool { return rows.HeaderName(h) == "population_type" })
}

// line is one row of the DfE looked-after layout: one figure (the population type's) of an
// authority and year, with the child population.
type line struct {
	Org, Period       string
	Figure            *Field
	Count, Population measure.Value
	row               int
	errs              []submission.RowError
}

var lookedAfter = &kind.Columns[line]{List: "demand", Aliases: map[string]string{"new_la_code": "org", "time_period": "period"}, Ignored: dfeIgnored,
	Fields: []kind.Field[line]{
		kind.Text("org", kind.Required, func(l *line) *string { return &l.Org }, NormaliseOrg),
		kind.Text("period", kind.Required, func(l *line) *string { return &l.Period }, strings.TrimSpace),
		kind.GeographicLevel[line](),
		kind.Custom("population_type", kind.Required, func(l *line, cell string) error {
			for i := range Fields {
				if Fields[i].PopulationType != "" && strings.EqualFold(strings.TrimSpace(cell), Fields[i].PopulationType) {
					l.Figure = &Fields[i]
					return nil
				}
			}
			return fmt.Errorf("population type %q is not one the hub takes (children looked after on 31 March, starting or ceasing to be looked after each year)", strings.TrimSpace(cell))
		}, func(l *line) string { return l.Figure.PopulationType }),
		kind.Custom("children_count", kind.Required, func(l *line, cell string) (err error) {
			l.Count, err = measure.Parse(cell)
			return err
		}, func(l *line) string { return l.Count.String() }),
		kind.Figure("population_estimate", func(l *line) *measure.Value { return &l.Population }),
	}}

// childPopulation is the figure every row of the looked-after layout gives beside its own.
var childPopulation = &Fields[slices.IndexFunc(Fields, func(f Field) bool { return f.Name == "child_population" })]

// gather hands on the rows of one authority and year, in order: those refused, and one return
// with the figures of the others, at the first of them.
func gather(group []line, each func(int, Return, []submission.RowError) error) error {
	var (
		out  Return
		from = map[string]int{} // the row each figure was taken from
		at   = -1
	)
	for i := range group {
		l := &group[i]
		if len(l.errs) > 0 {
			continue
		}
		if at < 0 {
			at, out.Org, out.Period = l.row, l.Org, l.Period
		}
		figures := []struct {
			f *Field
			v measure.Value
		}{{l.Figure, l.Count}, {childPopulation, l.Population}}
		for _, fv := range figures {
			if have := *fv.f.Of(&out); fv.v.Reported() && have.Reported() && have != fv.v {
				l.errs = append(l.errs, submission.RowError{Row: l.row, Field: fv.f.Name,
					Reason: fmt.Sprintf("%s differs from row %d's %s for organisation %s and period %s", fv.v, from[fv.f.Name], have, out.Org, out.Period)})
			}
		}
		if len(l.errs) > 0 {
			continue
		}
		for _, fv := range figures {
			if fv.v.Reported() {
				*fv.f.Of(&out), from[fv.f.Name] = fv.v, l.row
			}
		}
	}
	for _, l := range group {
		var err error
		switch {
		case len(l.errs) > 0:
			err = each(l.row, Return{Org: l.Org, Period: l.Period}, l.errs)
		case l.row == at:
			err = each(at, out, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
