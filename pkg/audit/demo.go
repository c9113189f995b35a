package audit

import (
	"fmt"
	"strings"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/survey"
)

// demo is every North East council's audit, rated in line with its staff's agreement in the
// demo survey except for the survey's deliberate mismatches (GREEN where staff disagree most,
// RED where they agree most), as the demo steward loads it.
func demo() ([]kind.Sample[Rating], error) {
	fw, err := LoadFramework()
	if err != nil {
		return nil, err
	}
	year := survey.DemoYear
	v, ok := fw.VersionFor(year)
	if !ok {
		return nil, fmt.Errorf("no audit framework for %d", year)
	}
	var rows []Rating
	for _, org := range survey.DemoOrgs() {
		for i, it := range fw.ItemsOf(v.Version) {
			agreement := survey.DemoAgreement(org, it.Standard)
			p := agreement + 0.05*float64(i%3-1)
			rating, priority, action, owner, due := Green, Low, "", "", ""
			switch {
			case p < 0.55:
				rating, priority, due = Red, High, fmt.Sprintf("%d-06-30", year)
			case p < 0.72:
				rating, priority, due = Amber, Medium, fmt.Sprintf("%d-03-31", year+1)
			}
			if _, ok := survey.DemoMismatches[survey.DemoCell{Org: org, Standard: it.Standard}]; ok {
				rating, priority, due = Red, High, fmt.Sprintf("%d-06-30", year)
				if agreement < 0.5 {
					rating, priority, due = Green, Low, ""
				}
			}
			if rating != Green {
				action, owner = "Agree and carry out improvement steps for: "+strings.ToLower(it.Title), "Principal Social Worker"
			}
			evidence := fmt.Sprintf("Self-assessment of %s (%s): reviewed with team managers; staff survey agreement about %.0f%%.", strings.ToLower(it.Title), it.ID, 100*agreement)
			rows = append(rows, Rating{Org: org, Cycle: year, Item: it.ID, Rating: rating, Evidence: evidence,
				Priority: priority, Action: action, Owner: owner, Due: due})
		}
	}
	return []kind.Sample[Rating]{{Client: "demo-steward", Key: "demo-audit-north-east", Rows: rows}}, nil
}
