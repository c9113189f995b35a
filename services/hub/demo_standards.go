package hub

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/survey"
)

// DemoYear is the audit cycle and survey year of the demo data.
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

// Deliberate mismatches between self-assessment and staff experience, for the triangulation:
// Sunderland rates safe workloads (3) GREEN while its staff disagree most in the region, and
// Gateshead rates supervision (5) RED while its staff agree most.
var demoMismatches = map[[2]any]struct {
	agreement float64
	rating    string
}{
	{"E08000024", 3}: {0.22, audit.Green},
	{"E08000037", 5}: {0.96, audit.Red},
}

// demoAgreement is the share of a council's staff agreeing with a standard's questions.
func demoAgreement(org string, standard int) float64 {
	if m, ok := demoMismatches[[2]any{org, standard}]; ok {
		return m.agreement
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", org, standard)
	return 0.45 + 0.4*float64(h.Sum32()%1000)/1000
}

func demoOrgs() []string {
	orgs := make([]string, 0, len(demoRespondents))
	for o := range demoRespondents {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	return orgs
}

// demoSurveyCSV is the health-check survey of the North East councils, as a survey provider
// would send it.
func demoSurveyCSV() ([]byte, error) {
	qs, err := survey.Questions()
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(qs))
	for id := range qs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(survey.Layout.Columns)
	for _, org := range demoOrgs() {
		for qi, id := range ids {
			for gi, g := range demoGroups {
				n := demoRespondents[org][gi]
				if n == 0 {
					continue
				}
				p := demoAgreement(org, qs[id].Standard) + 0.04*float64(qi%3-1)
				agreeing := min(n, max(0, int(math.Round(p*float64(n)))))
				strongly := agreeing / 3
				rest := n - agreeing
				neutral, disagree := rest/2, rest/4
				counts := []int{rest - neutral - disagree, disagree, neutral, agreeing - strongly, strongly, n}
				rec := []string{org, strconv.Itoa(DemoYear), id, g}
				for _, c := range counts {
					rec = append(rec, strconv.Itoa(c))
				}
				_ = w.Write(rec)
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// demoAuditCSV is every North East council's audit, rated in line with its staff's agreement
// except for the deliberate mismatches, as a steward would load it.
func demoAuditCSV() ([]byte, error) {
	fw, err := audit.LoadFramework()
	if err != nil {
		return nil, err
	}
	v, ok := fw.VersionFor(DemoYear)
	if !ok {
		return nil, fmt.Errorf("no audit framework for %d", DemoYear)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(audit.Layout.Columns)
	for _, org := range demoOrgs() {
		for i, it := range fw.ItemsOf(v.Version) {
			p := demoAgreement(org, it.Standard) + 0.05*float64(i%3-1)
			rating, priority, action, owner, due := audit.Green, audit.Low, "", "", ""
			switch {
			case p < 0.55:
				rating, priority, due = audit.Red, audit.High, fmt.Sprintf("%d-06-30", DemoYear)
			case p < 0.72:
				rating, priority, due = audit.Amber, audit.Medium, fmt.Sprintf("%d-03-31", DemoYear+1)
			}
			if m, ok := demoMismatches[[2]any{org, it.Standard}]; ok {
				rating, priority, due = m.rating, audit.High, fmt.Sprintf("%d-06-30", DemoYear)
				if rating == audit.Green {
					priority, due = audit.Low, ""
				}
			}
			if rating != audit.Green {
				action, owner = "Agree and carry out improvement steps for: "+strings.ToLower(it.Title), "Principal Social Worker"
			}
			evidence := fmt.Sprintf("Self-assessment of %s (%s): reviewed with team managers; staff survey agreement about %.0f%%.", strings.ToLower(it.Title), it.ID, 100*demoAgreement(org, it.Standard))
			_ = w.Write([]string{org, strconv.Itoa(DemoYear), it.ID, rating, evidence, priority, action, owner, due})
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
