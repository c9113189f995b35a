package survey

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"

	"github.com/partnership-hub/hub/pkg/kind"
)

// DemoYear is the survey year (and the audit cycle) of the demo data.
const DemoYear = 2026

// demoRespondents are the survey respondents of each North East council per group
// (social_worker, newly_qualified, manager, occupational_therapist). Hartlepool is small enough
// to be withheld whole; Darlington's managers and several occupational therapist groups are
// withheld, which forces secondary suppression.
var demoRespondents = map[string][4]int{
	"E06000001": {5, 2, 1, 0},   // Hartlepool
	"E06000002": {40, 12, 8, 3}, // Middlesbrough
	"E06000003": {35, 10, 6, 0}, // Redcar and Cleveland
	"E06000004": {45, 14, 9, 4}, // Stockton-on-Tees
	"E06000005": {30, 9, 4, 2},  // Darlington
	"E06000047": {120, 30, 25, 8},
	"E06000057": {90, 22, 18, 6},
	"E08000021": {110, 28, 20, 7},
	"E08000022": {55, 15, 10, 3},
	"E08000023": {38, 11, 7, 0},
	"E08000024": {80, 20, 15, 5},
	"E08000037": {50, 13, 9, 2},
}

var demoGroups = [4]string{"social_worker", "newly_qualified", "manager", "occupational_therapist"}

// DemoMismatches are deliberate mismatches between self-assessment and staff experience, for the
// triangulation, by organisation and standard: their staff's agreement. Sunderland's staff
// disagree most in the region about safe workloads (3), which it rates GREEN; Gateshead's agree
// most about supervision (5), which it rates RED (see the audit's demo).
var DemoMismatches = map[DemoCell]float64{
	{"E08000024", 3}: 0.22,
	{"E08000037", 5}: 0.96,
}

// DemoCell is an organisation and a standard of the demo.
type DemoCell struct {
	Org      string
	Standard int
}

// DemoAgreement is the share of a council's staff agreeing with a standard's questions.
func DemoAgreement(org string, standard int) float64 {
	if a, ok := DemoMismatches[DemoCell{org, standard}]; ok {
		return a
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", org, standard)
	return 0.45 + 0.4*float64(h.Sum32()%1000)/1000
}

// DemoOrgs are the North East councils of the demo, in order.
func DemoOrgs() []string {
	orgs := make([]string, 0, len(demoRespondents))
	for o := range demoRespondents {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	return orgs
}

// demo is the health-check survey of the North East councils, as the demo survey provider sends it.
func demo() ([]kind.Sample[GroupResult], error) {
	qs, err := Questions()
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(qs))
	for id := range qs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var rows []GroupResult
	for _, org := range DemoOrgs() {
		for qi, id := range ids {
			for gi, g := range demoGroups {
				n := demoRespondents[org][gi]
				if n == 0 {
					continue
				}
				p := DemoAgreement(org, qs[id].Standard) + 0.04*float64(qi%3-1)
				agreeing := min(n, max(0, int(math.Round(p*float64(n)))))
				strongly := agreeing / 3
				rest := n - agreeing
				neutral, disagree := rest/2, rest/4
				rows = append(rows, GroupResult{Org: org, Year: DemoYear, Question: id, Group: g,
					StronglyDisagree: rest - neutral - disagree, Disagree: disagree, Neutral: neutral,
					Agree: agreeing - strongly, StronglyAgree: strongly, N: n})
			}
		}
	}
	return []kind.Sample[GroupResult]{{Client: "demo-survey", Key: "demo-survey-north-east", Rows: rows}}, nil
}
