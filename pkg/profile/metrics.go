package profile

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
)

// Whole is the whole workforce, as a level of the figures and metrics: the sum of the levels an
// employer reports.
const Whole = "all"

// FigGroup names the figure of a group's headcount at a level (or Whole); FigKnown the headcount
// at the level whose group in the dimension is known, which its shares are of.
func FigGroup(dim, group, level string) string { return "profile_" + Column(dim, group) + "_" + level }
func FigKnown(dim, level string) string        { return "profile_" + dim + "_known_" + level }

// MetricID is the id of the share of a group at a level (or Whole).
func MetricID(dim, group, level string) string { return "share_" + Column(dim, group) + "_" + level }

// Metrics are representation by level: per benchmarked group, its share of each level and of the
// whole workforce. The areas' values are ratios of sums like every benchmark, so that the share of
// a group among an area's senior managers stands beside its share of the area's whole workforce
// and of the employer's. They count people, so they are under disclosure control: a share of
// fewer than 10 people whose group is known is withheld, and so is any share that would let a
// withheld one be worked out, the whole workforce's being the sum of the levels' (its Parts: a
// level withheld is not the whole less the others). No direction is better: a rank orders the
// shares from the lowest.
var Metrics = func() []kind.Metric {
	var out []kind.Metric
	levels := append([]string{Whole}, Levels...)
	for _, d := range Dimensions {
		for _, g := range d.Shares {
			label := groupLabel(d, g)
			for i, l := range levels {
				of := "the whole workforce"
				var parts []string
				if i > 0 {
					of = levelLabels[i-1]
				} else {
					for _, part := range Levels {
						parts = append(parts, MetricID(d.ID, g, part))
					}
				}
				out = append(out, kind.Metric{ID: MetricID(d.ID, g, l), Label: fmt.Sprintf("%s: share of %s", label, of), Unit: "%",
					Disclosure: true, Parts: parts,
					Formula: fmt.Sprintf("headcount of %s in the group %s ÷ headcount of %s whose %s is known × 100 (no direction is better)",
						of, label, of, d.Label),
					Numerator: []string{FigGroup(d.ID, g, l)}, Denominator: []string{FigKnown(d.ID, l)},
					Respondents: FigKnown(d.ID, l), Scale: 100})
			}
		}
	}
	return kind.Standard(2, Name, out...)
}()

func groupLabel(d Dimension, id string) string {
	for _, g := range d.Groups {
		if g.ID == id {
			return g.Label
		}
	}
	return id
}

// Figures gives each employer's figures from its rows of one year: per level and for the whole
// workforce, the headcount of each benchmarked group and of those whose group is known, per
// dimension. A dimension a level's row leaves out is unknown at that level and in the whole
// workforce; a level with no row has no figures.
func Figures(rows []LevelProfile) []kind.Figures {
	type tally struct {
		known  int
		groups map[string]int
		absent bool
	}
	whole := map[string][]tally{} // org → per dimension
	g := kind.Gather{}
	for _, p := range rows {
		if whole[p.Org] == nil {
			whole[p.Org] = make([]tally, len(Dimensions))
			for i := range whole[p.Org] {
				whole[p.Org][i].groups = map[string]int{}
			}
		}
		for d, counts := range p.Counts() {
			dim, all := Dimensions[d], &whole[p.Org][d]
			if *counts[len(counts)-1] == nil {
				all.absent = true
				g.Add(p.Org, FigKnown(dim.ID, p.Level), measure.Unknown(measure.NotReported))
				for _, s := range dim.Shares {
					g.Add(p.Org, FigGroup(dim.ID, s, p.Level), measure.Unknown(measure.NotReported))
				}
				continue
			}
			known := p.Headcount - **counts[len(counts)-1]
			all.known += known
			g.Add(p.Org, FigKnown(dim.ID, p.Level), kind.Known(uint64(known)))
			for gi, grp := range dim.Groups {
				if n := *counts[gi]; slices.Contains(dim.Shares, grp.ID) {
					all.groups[grp.ID] += *n
					g.Add(p.Org, FigGroup(dim.ID, grp.ID, p.Level), kind.Known(uint64(*n)))
				}
			}
		}
	}
	for org, dims := range whole {
		for d, t := range dims {
			dim := Dimensions[d]
			known, share := kind.Known(uint64(t.known)), func(s string) measure.Value { return kind.Known(uint64(t.groups[s])) }
			if t.absent {
				known, share = measure.Unknown(measure.NotReported), func(string) measure.Value { return measure.Unknown(measure.NotReported) }
			}
			g.Add(org, FigKnown(dim.ID, Whole), known)
			for _, s := range dim.Shares {
				g.Add(org, FigGroup(dim.ID, s, Whole), share(s))
			}
		}
	}
	return g.List()
}

// figures reads the employers' figures of a reporting year (only not nil: those employers').
func figures(ctx context.Context, conn driver.Conn, period string, _ map[string]reference.Organisation, only []string) ([]kind.Figures, error) {
	year, err := strconv.Atoi(period)
	if err != nil || len(period) != 4 {
		return nil, nil
	}
	rs, err := rows(ctx, conn, uint16(year), only)
	if err != nil {
		return nil, err
	}
	return Figures(rs), nil
}
