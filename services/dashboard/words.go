package dashboard

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/partnership-hub/hub/pkg/reference"
)

// Figures are shown with one decimal place (as the DfE publishes rates), their unit, and in
// words when they are not known: never a blank.

func formatValue(v float64, unit string) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	switch unit {
	case "%":
		return s + "%"
	case "":
		return s
	}
	return s + " " + unit
}

func formatTick(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if unit == "%" {
		return s + "%"
	}
	return s
}

// rawValue is a figure as it goes into a CSV: full precision, no unit.
func rawValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(math.Round(*v*1e6)/1e6, 'f', -1, 64)
}

// valueCell shows a figure, or why it is not known.
func valueCell(v *float64, unit, reason, withheld string) Cell {
	if v != nil {
		return Cell{Text: formatValue(*v, unit), Raw: rawValue(v), Numeric: true}
	}
	return Cell{Text: missingWords(reason, withheld), Missing: true, Numeric: true}
}

var unknownInput = regexp.MustCompile(`^([a-z0-9_]+) unknown \((.+)\)$`)

// symbols are the DfE's symbols for a figure that is not known, in words.
var symbols = map[string]string{
	"x":            "not available (DfE symbol x)",
	"c":            "confidential (DfE symbol c)",
	"z":            "not applicable (DfE symbol z)",
	"u":            "of low reliability (DfE symbol u)",
	"low":          "rounds to zero (DfE symbol low)",
	"not reported": "not reported",
}

// missingWords says why a figure is not shown.
func missingWords(reason, withheld string) string {
	switch withheld {
	case "fewer_than_threshold":
		return "withheld: fewer than 10 responses"
	case "secondary":
		return "withheld so that a withheld figure cannot be worked out"
	}
	if m := unknownInput.FindStringSubmatch(reason); m != nil {
		why, ok := symbols[m[2]]
		if !ok {
			why = m[2]
		}
		return fmt.Sprintf("not known: %s %s", strings.ReplaceAll(m[1], "_", " "), why)
	}
	switch {
	case reason == "zero denominator":
		return "cannot be worked out: nothing to divide by"
	case strings.HasPrefix(reason, "only areas have a value"):
		return "an area figure only: shown for the region"
	case strings.HasPrefix(reason, "withheld"):
		return reason
	case reason != "":
		return reason
	}
	return "not reported"
}

// ordinal writes 1st, 2nd, 3rd, 4th …
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// quartileWords places a value among the area's quartiles, given the metric's direction.
func quartileWords(v, p25, p75 *float64, higherIsBetter bool) string {
	if v == nil || p25 == nil || p75 == nil {
		return ""
	}
	switch {
	case *v > *p75:
		if higherIsBetter {
			return "upper quartile (among the best quarter)"
		}
		return "upper quartile (among the highest quarter, where lower is better)"
	case *v < *p25:
		if higherIsBetter {
			return "lower quartile (among the lowest quarter, where higher is better)"
		}
		return "lower quartile (among the best quarter)"
	}
	return "middle half"
}

func direction(m metricDef) string {
	if m.HigherIsBetter {
		return "higher is better"
	}
	return "lower is better"
}

// The reference data embedded in the hub: names and regions of organisations, names of areas.
// They are public facts, not figures; every figure comes from the API.
var (
	refOnce sync.Once
	refOrgs map[string]reference.Organisation
	refArea map[string]reference.Region
)

func loadReference() {
	refOnce.Do(func() {
		refOrgs, refArea = map[string]reference.Organisation{}, map[string]reference.Region{}
		orgs, _ := reference.Organisations()
		for _, o := range orgs {
			refOrgs[o.Code] = o
		}
		regions, _ := reference.Regions()
		for _, r := range regions {
			refArea[r.Code] = r
		}
	})
}

func organisation(code string) (reference.Organisation, bool) {
	loadReference()
	o, ok := refOrgs[code]
	return o, ok
}

func orgName(code string) string {
	if o, ok := organisation(code); ok {
		return o.Name
	}
	return code
}

func areaName(code string) string {
	loadReference()
	if r, ok := refArea[code]; ok {
		return r.Name
	}
	return code
}

// localAuthorities lists the local authorities (and joint returns) by name.
func localAuthorities() []reference.Organisation {
	loadReference()
	var out []reference.Organisation
	for _, o := range refOrgs {
		if o.Type == reference.TypeLocalAuthority || o.Type == reference.TypeJointReturn {
			out = append(out, o)
		}
	}
	sortOrgs(out)
	return out
}

func sortOrgs(os []reference.Organisation) {
	slices.SortFunc(os, func(a, b reference.Organisation) int { return strings.Compare(a.Name, b.Name) })
}

// regions lists England's regions and London's sub-regions.
func regions() []reference.Region {
	loadReference()
	var out []reference.Region
	for _, code := range []string{"E92000001", "E12000001", "E12000002", "E12000003", "E12000004", "E12000005", "E12000006",
		"E12000007", "E13000001", "E13000002", "E12000008", "E12000009"} {
		if r, ok := refArea[code]; ok {
			out = append(out, r)
		}
	}
	return out
}

var roleNames = map[string]string{
	"steward": "hub steward", "submitter": "employer", "university": "university",
	"survey_provider": "survey provider", "analyst": "alliance analyst",
}

func roleWords(p *Person) string {
	var out []string
	for _, r := range p.Roles {
		out = append(out, cmpOr(roleNames[r], r))
	}
	if len(out) == 0 {
		return "no role"
	}
	return strings.Join(out, ", ")
}

// sourceHeadings name the families of metrics by the kind of data they come from; a kind not
// named here is headed by its name in words, so a new kind's metrics group themselves.
var sourceHeadings = map[string]string{
	"workforce":          "Workforce",
	"service_demand":     "Service demand",
	"workforce_profile":  "Workforce profile: representation by level",
	"survey":             "Health check",
	"audit":              "Audit",
	"placement":          "Placements",
	"placement_capacity": "Placement capacity",
	"practice_educators": "Practice educators",
}

func sourceHeading(source string) string {
	if h, ok := sourceHeadings[source]; ok {
		return h
	}
	words := strings.ReplaceAll(source, "_", " ")
	if words == "" {
		return "Other metrics"
	}
	return strings.ToUpper(words[:1]) + words[1:]
}
