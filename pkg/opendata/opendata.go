// Package opendata writes the hub's tables in the Department for Education's open-data layout,
// the one Explore Education Statistics (EES) publishes and takes: a tidy CSV with the time and
// geography columns first (time_period, time_identifier, geographic_level, country_code,
// country_name, region_code, region_name, new_la_code, old_la_code, la_name), one column per
// indicator, the DfE symbols in place of numbers that are not published, and beside it the
// metadata file (name.meta.csv) that describes each indicator.
//
// So an alliance can join the hub's figures with the DfE's own files, and a workforce table
// written here reads back through the hub's own DfE-layout importer unchanged.
package opendata

import (
	"io"
	"math"
	"strconv"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/period"
	"github.com/partnership-hub/hub/pkg/sheet"
)

// Geographic levels, as EES names them.
const (
	National       = "National"
	Regional       = "Regional"
	LocalAuthority = "Local authority"
)

// The country every row is in.
const (
	CountryCode = "E92000001"
	CountryName = "England"
)

// Columns are the time and geography columns every row starts with, in the DfE's order.
var Columns = []string{"time_period", "time_identifier", "geographic_level", "country_code", "country_name",
	"region_code", "region_name", "new_la_code", "old_la_code", "la_name"}

// MetaColumns are the columns of the metadata file.
var MetaColumns = []string{"col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
	"filter_hint", "filter_grouping_column"}

// Indicator is one column of figures.
type Indicator struct {
	Name     string // the column name: lower case, no spaces
	Label    string // what EES shows
	Grouping string // indicators shown together
	Unit     string // "%", "£", "£m", "pp" or empty: the units EES knows
	DP       int    // decimal places shown
}

// Geography is where a row's figures are for.
type Geography struct {
	Level                  string
	RegionCode, RegionName string
	// A local authority: its ONS code, its 3-digit DfE code and its name.
	NewLACode, OldLACode, LAName string
}

// Row is one time period and place, with a value for each indicator.
type Row struct {
	Period string // the hub's period: YYYY, YYYY-Qn or YYYY/YY
	Geography
	Values map[string]measure.Value // by indicator name; an absent one is written x (unavailable)
}

// Table is a tidy table and its indicators, in column order.
type Table struct {
	Name       string
	Indicators []Indicator
	Rows       []Row
}

// Time writes a hub period as EES does: a reporting year 2024 is time_period 2024, "Reporting
// year"; a calendar quarter 2024-Q3 is 2024, "Calendar year Q3"; an academic year 2024/25 is
// 202425, "Academic year".
func Time(p string) (timePeriod, identifier string, err error) {
	pp, err := period.Parse(p)
	if err != nil {
		return "", "", err
	}
	switch pp.Kind {
	case period.Quarter:
		return p[:4], "Calendar year Q" + p[6:], nil
	case period.AcademicYear:
		return p[:4] + p[5:], "Academic year", nil
	}
	return p, "Reporting year", nil
}

// WriteCSV writes the table: the time and geography columns, then one per indicator. A value
// that is not known is written as its DfE symbol (x when none was given); cells are written
// as they are, never with a formula's leading character.
func (t Table) WriteCSV(w io.Writer) error {
	header := append(append([]string{}, Columns...), make([]string, len(t.Indicators))...)
	for i, ind := range t.Indicators {
		header[len(Columns)+i] = ind.Name
	}
	return writeAll(w, header, len(t.Rows), func(i int, rec []string) error {
		r := t.Rows[i]
		tp, ti, err := Time(r.Period)
		if err != nil {
			return err
		}
		copy(rec, []string{tp, ti, r.Level, CountryCode, CountryName, r.RegionCode, r.RegionName, r.NewLACode, r.OldLACode, r.LAName})
		for j, ind := range t.Indicators {
			rec[len(Columns)+j] = Cell(r.Values[ind.Name])
		}
		return nil
	})
}

// WriteMeta writes the metadata file: one row per indicator.
func (t Table) WriteMeta(w io.Writer) error {
	return writeAll(w, MetaColumns, len(t.Indicators), func(i int, rec []string) error {
		ind := t.Indicators[i]
		copy(rec, []string{ind.Name, "Indicator", ind.Label, ind.Grouping, ind.Unit, strconv.Itoa(ind.DP), "", ""})
		return nil
	})
}

// Cell is a value as the DfE writes it: the number, or its symbol; x when nothing says why.
func Cell(v measure.Value) string {
	if v.Known {
		return v.String()
	}
	if v.Reason == measure.NotReported {
		return string(measure.Unavailable)
	}
	return string(v.Reason)
}

// Rounded is x rounded to dp decimal places, as a known value.
func Rounded(x float64, dp int) measure.Value {
	p := math.Pow(10, float64(dp))
	return measure.Value{Known: true, V: math.Round(x*p) / p}
}

// writeAll writes a header and n records made by fill, for a spreadsheet or EES (package
// sheet: CRLF line ends, no cell read as a formula).
func writeAll(w io.Writer, header []string, n int, fill func(i int, rec []string) error) error {
	sw := sheet.NewWriter(w)
	if err := sw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for i := range n {
		clear(rec)
		if err := fill(i, rec); err != nil {
			return err
		}
		if err := sw.Write(rec); err != nil {
			return err
		}
	}
	return sw.Flush()
}
