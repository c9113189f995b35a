package triangulation_test

import (
	"testing"

	"github.com/partnership-hub/hub/pkg/audit"
	"github.com/partnership-hub/hub/pkg/survey"
	"github.com/partnership-hub/hub/pkg/triangulation"
)

func TestCompare(t *testing.T) {
	var cells []survey.Cell
	var orgs []survey.Org
	names := map[string]string{}
	for i, code := range []string{"A", "B", "C", "D", "E"} {
		cells = append(cells, survey.Cell{Org: code, Standard: 3, Group: "social_worker", Respondents: 50, Answers: 100, Agreeing: 20 + 15*i})
		orgs = append(orgs, survey.Org{Code: code, Name: code, Visible: true})
		names[code] = code
	}
	cells = append(cells, survey.Cell{Org: "F", Standard: 3, Group: "social_worker", Respondents: 5, Answers: 10, Agreeing: 1})
	orgs = append(orgs, survey.Org{Code: "F", Name: "F", Visible: true})
	names["F"] = "F"
	mixes := map[string]map[int]*audit.Mix{
		"A": {3: {Rated: 4, Green: 4}},         // GREEN, lowest agreement: flagged
		"B": {3: {Rated: 4, Green: 3, Red: 1}}, // GREEN, at the lower quartile: flagged
		"C": {3: {Rated: 4, Red: 4}},           // RED, middle: not flagged
		"D": {3: {Rated: 4, Green: 4}},         // GREEN, top: fine
		"E": {3: {Rated: 3, Red: 2, Amber: 1}}, // RED, highest agreement: flagged
		"F": {3: {Rated: 1, Green: 1}},         // GREEN, agreement withheld: never flagged
	}
	rows, quartiles := triangulation.Compare(mixes, survey.Agreement(cells, orgs), names)
	want := map[string]string{"A": triangulation.GreenButLow, "B": triangulation.GreenButLow, "C": "", "D": "", "E": triangulation.RedButHigh, "F": ""}
	if len(rows) != 6 {
		t.Fatalf("rows = %+v", rows)
	}
	for _, r := range rows {
		if r.Flag != want[r.Org] {
			t.Errorf("%s: flag %q (rating %s, quartile %q), want %q", r.Org, r.Flag, r.AuditRating, r.Quartile, want[r.Org])
		}
	}
	if len(quartiles) != 1 || quartiles[0].Organisations != 5 || *quartiles[0].Lower != 35 || *quartiles[0].Upper != 65 {
		t.Errorf("quartiles = %+v", quartiles)
	}
}
