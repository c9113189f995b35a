package kind

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// Benchmarks says how a kind's stored rows feed the benchmarks (package benchmark computes them).
type Benchmarks struct {
	// Metrics are the benchmarks the kind's figures are the source of, in the order the catalogue
	// lists them (each standard's metrics in the registry's order of kinds).
	Metrics []Metric
	// Figures reads every organisation's figures of some benchmark periods from the stored rows
	// (the latest version of each), summed per organisation, by period. orgs is the reference
	// data, by code. EachPeriod makes one from a reader of one period.
	Figures func(ctx context.Context, conn driver.Conn, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error)
	// FiguresOf reads the figures of one period of only the organisations only, through the
	// table's primary key, for a kind whose figures belong to the organisation whose rows they
	// are (nil: the kind is read whole, its figures counting towards other organisations, say).
	FiguresOf func(ctx context.Context, conn driver.Conn, period string, orgs map[string]reference.Organisation, only []string) ([]Figures, error)
	// Moves: a row's period is not part of its key, so that a newer version of a row can move it
	// into another period (a placement's academic year corrected): a change in one period may
	// change the kind's figures of any other.
	Moves bool
	// MovedFrom lists, for a kind whose rows move, the periods (as the rows name them) an
	// organisation's submission may have moved rows out of, but those in except (its own): those
	// of the other reports of the rows it stored. Its stored events do not name them.
	MovedFrom func(ctx context.Context, conn driver.Conn, org, submission string, except []string) ([]string, error)
	// ByAuthority: each local authority of a joint workforce return (Kingston upon Thames with
	// Richmond upon Thames) reports the kind's figures on its own; in a period where the joint
	// return reports the workforce, the benchmarks count its authorities' figures under it, so
	// that they are set against the social workers who serve them and counted once in an area.
	ByAuthority bool
	// Periods lists the periods of the kind's stored rows, as the rows name them.
	Periods func(ctx context.Context, conn driver.Conn) ([]string, error)
	// PeriodOf gives the benchmark period a period of the kind's rows belongs to (an academic
	// year belongs to the reporting year it ends in); nil when every period is its own.
	PeriodOf func(string) string
}

// PeriodReader reads the figures of one benchmark period: of every organisation, or (only not
// nil) of those only.
type PeriodReader func(ctx context.Context, conn driver.Conn, period string, orgs map[string]reference.Organisation, only []string) ([]Figures, error)

// EachPeriod is a Benchmarks.Figures reading every organisation's figures one period at a time.
func EachPeriod(read PeriodReader) func(context.Context, driver.Conn, []string, map[string]reference.Organisation) (map[string][]Figures, error) {
	return func(ctx context.Context, conn driver.Conn, periods []string, orgs map[string]reference.Organisation) (map[string][]Figures, error) {
		out := make(map[string][]Figures, len(periods))
		for _, p := range periods {
			figs, err := read(ctx, conn, p, orgs, nil)
			if err != nil {
				return nil, err
			}
			out[p] = figs
		}
		return out, nil
	}
}

// OfOrgs is the clause a figures query twin has to read only the organisations bound first:
// PREWHERE on the leading key column, which ClickHouse reads through the primary key (has() would
// read every row).
const OfOrgs = `
		PREWHERE org_code IN (SELECT arrayJoin(CAST(? AS Array(String))))`

// Pick chooses a kind's query of every organisation's figures of a period, or its twin of only
// some organisations, with its binds.
func Pick(all, of string, period any, only []string) (string, []any) {
	if only == nil {
		return all, []any{period}
	}
	return of, []any{only, period}
}

// BenchmarkPeriod maps a period of the kind's rows to its benchmark period.
func (b *Benchmarks) BenchmarkPeriod(p string) string {
	if b == nil || b.PeriodOf == nil {
		return p
	}
	return b.PeriodOf(p)
}

// Metric is one benchmark: value = Scale × Σ numerator ÷ (Factor × Σ denominator), where each
// sum is over the figures named (see Figures; all must be known).
type Metric struct {
	ID             string `json:"id" doc:"Stable id" example:"vacancy_rate"`
	Label          string `json:"label" doc:"Name to show" example:"Vacancy rate (FTE)"`
	Unit           string `json:"unit" doc:"Unit of the value" example:"%"`
	HigherIsBetter bool   `json:"higher_is_better" doc:"Direction: whether a higher value is better (rank 1 is the best)"`
	Formula        string `json:"formula" doc:"How it is computed, in words"`
	Source         string `json:"source" doc:"Data kind its inputs come from" example:"workforce"`
	Standard       int    `json:"standard" doc:"The employer standard it serves (1–8)" example:"2"`
	// AreaOnly: the numerator and the denominator are reported by different organisations
	// (employers confirm places, universities request them), so each organisation adds whichever
	// it reports to its areas' sums and only areas have a value.
	AreaOnly bool `json:"area_only" doc:"Only areas have a value: the numerator and the denominator are reported by different organisations"`
	// Disclosure: the figures count people (survey respondents, staff) and are withheld below
	// disclosure.Threshold of them, or where they would let a withheld one be worked out.
	Disclosure  bool     `json:"disclosure_control" doc:"Counts people: a figure from fewer than 10 is withheld, and so is any figure that would let a withheld one be worked out"`
	Numerator   []string `json:"numerator" doc:"Figures summed above the line"`
	Denominator []string `json:"denominator" doc:"Figures summed below the line"`
	Respondents string   `json:"-"` // the figure counting the people behind a disclosure-controlled value
	// Parts are the disclosure-controlled metrics whose figures add up to this one's, organisation
	// by organisation (a share of the whole workforce is of the staff of each level): disclosure
	// control protects the metric with its parts (benchmark.Disclose), so that no withheld figure of
	// one can be worked out from the others'.
	Parts  []string `json:"-"`
	Factor float64  `json:"-"`
	Scale  float64  `json:"-"`
}

// Figures are one organisation's inputs for a period, by name, each summed from its kind's stored
// rows. A name that is absent means the organisation has no data of that kind for the period (it
// is not counted for the metrics it feeds); a name present but unknown means data with that
// figure missing (the organisation is left out of those metrics, and counted as left out).
type Figures struct {
	Org    string
	Values map[string]measure.Value
}

// Gather collects figures organisation by organisation, for a kind's Figures.
type Gather map[string]*Figures

// Add sets one figure of an organisation.
func (g Gather) Add(org, name string, v measure.Value) {
	f, ok := g[org]
	if !ok {
		f = &Figures{Org: org, Values: map[string]measure.Value{}}
		g[org] = f
	}
	f.Values[name] = v
}

// Known is a known count, as a figure.
func Known(n uint64) measure.Value { return measure.Of(float64(n)) }

// List returns the figures gathered.
func (g Gather) List() []Figures {
	out := make([]Figures, 0, len(g))
	for _, f := range g {
		out = append(out, *f)
	}
	return out
}

// Standard marks metrics as serving standard std, with source as the kind of those naming none.
func Standard(std int, source string, ms ...Metric) []Metric {
	for i := range ms {
		ms[i].Standard = std
		if ms[i].Source == "" {
			ms[i].Source = source
		}
	}
	return ms
}

// Distinct is a Periods reading one query of one text column (e.g. SELECT DISTINCT period FROM t).
func Distinct(query string) func(context.Context, driver.Conn) ([]string, error) {
	return func(ctx context.Context, conn driver.Conn) ([]string, error) {
		return chstore.Strings(ctx, conn, "periods", query)
	}
}
