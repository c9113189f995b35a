// Package triangulation sets an employer's audit self-assessment beside its staff's experience
// from the health-check survey, standard by standard, and flags where they disagree: a standard
// rated GREEN while the staff's agreement is in the region's bottom quartile, or rated RED while
// it is in the top quartile.
package triangulation

import (
	"sort"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/survey"
)

// Flags.
const (
	GreenButLow = "green_but_low_agreement"
	RedButHigh  = "red_but_high_agreement"
)

// Quartile positions of an organisation's agreement within its region.
const (
	Bottom = "bottom"
	Middle = "middle"
	Top    = "top"
)

// Comparison is one organisation and standard: self-assessment beside staff experience.
type Comparison struct {
	Org            string        `json:"org"`
	Name           string        `json:"name"`
	Standard       int           `json:"standard"`
	AuditRating    string        `json:"audit_rating" enum:"red,amber,green," doc:"The rating most of the standard's rated items hold (more than half), amber when none has a majority; empty when no item is rated"`
	AuditMix       audit.Mix     `json:"audit_mix"`
	StaffAgreement survey.Figure `json:"staff_agreement"`
	Quartile       string        `json:"agreement_quartile,omitempty" enum:"bottom,middle,top" doc:"Where the staff agreement sits among the region's published figures; empty when withheld or too few organisations"`
	Flag           string        `json:"flag,omitempty" enum:"green_but_low_agreement,red_but_high_agreement"`
}

// Quartiles are a standard's regional quartiles of staff agreement.
type Quartiles struct {
	Standard      int      `json:"standard"`
	Organisations int      `json:"organisations" doc:"Organisations with a published agreement figure"`
	Lower         *float64 `json:"lower_quartile" doc:"Null with fewer than four organisations: no flags then"`
	Upper         *float64 `json:"upper_quartile"`
}

// Compare sets each organisation's audit mix (per standard) beside its staff agreement. The
// agreement must be the full regional view (every organisation visible) so that the quartiles
// are the region's; names gives the organisations to compare, by code.
func Compare(mixes map[string]map[int]*audit.Mix, agreement []survey.StandardAgreement, names map[string]string) ([]Comparison, []Quartiles) {
	figures := map[[2]any]survey.Figure{}
	var quartiles []Quartiles
	bounds := map[int][2]float64{}
	for _, sa := range agreement {
		var values []float64
		for _, o := range sa.Organisations {
			figures[[2]any{o.Org, sa.Standard}] = o.All
			if o.All.PercentAgree != nil {
				values = append(values, *o.All.PercentAgree)
			}
		}
		q := Quartiles{Standard: sa.Standard, Organisations: len(values)}
		if lo, hi, ok := survey.Quartiles(values); ok {
			q.Lower, q.Upper = &lo, &hi
			bounds[sa.Standard] = [2]float64{lo, hi}
		}
		quartiles = append(quartiles, q)
	}
	var out []Comparison
	for org, name := range names {
		for s := 1; s <= 8; s++ {
			r := Comparison{Org: org, Name: name, Standard: s}
			if m := mixes[org][s]; m != nil {
				r.AuditMix, r.AuditRating = *m, m.Overall()
			}
			f, surveyed := figures[[2]any{org, s}]
			if r.AuditRating == "" && !surveyed {
				continue
			}
			r.StaffAgreement = f
			if b, ok := bounds[s]; ok && f.PercentAgree != nil {
				switch p := *f.PercentAgree; {
				case p <= b[0]:
					r.Quartile = Bottom
				case p >= b[1]:
					r.Quartile = Top
				default:
					r.Quartile = Middle
				}
			}
			switch {
			case r.AuditRating == audit.Green && r.Quartile == Bottom:
				r.Flag = GreenButLow
			case r.AuditRating == audit.Red && r.Quartile == Top:
				r.Flag = RedButHigh
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Org != out[j].Org {
			return out[i].Org < out[j].Org
		}
		return out[i].Standard < out[j].Standard
	})
	return out, quartiles
}
