package projection

import (
	"os"
	"strings"
	"testing"
)

func TestBacktestByHand(t *testing.T) {
	// X grows 90, 100, 110 to 2021 with 9 and 10 leavers (rate 19 ÷ 190 = 0.1) and 20, 19, 20
	// starters: the model says 110 × 0.9 + 59/3 for 2022, naive 110, the line 120; it was 120.
	// Y holds 50 (rate 0.1, 5 starters): every method says 50; it was 40.
	x := Org{Code: "X", Areas: []string{"R", "E"}, Years: []Year{
		{Year: 2019, Inpost: of(90), Leavers: of(8), Starters: of(20)},
		{Year: 2020, Inpost: of(100), Leavers: of(9), Starters: of(19)},
		{Year: 2021, Inpost: of(110), Leavers: of(10), Starters: of(20), Vacancies: of(10)},
		{Year: 2022, Inpost: of(120), Leavers: of(12)},
	}}
	y := Org{Code: "Y", Areas: []string{"R", "E"}, Years: []Year{
		{Year: 2019, Inpost: of(50), Leavers: of(5), Starters: of(5)},
		{Year: 2020, Inpost: of(50), Leavers: of(5), Starters: of(5)},
		{Year: 2021, Inpost: of(50), Leavers: of(5), Starters: of(5), Vacancies: of(5)},
		{Year: 2022, Inpost: of(40), Leavers: of(4)},
	}}
	self := func(c string) string { return c }
	region := func(string) string { return "R" }
	rows, excluded, err := Backtest([]Org{x, y}, 2021, 2022, self, region)
	if err != nil || len(excluded) > 0 {
		t.Fatal(err, excluded)
	}
	model := 110*0.9 + 59.0/3
	apeX := 100 * (120 - model) / 120
	want := map[string][3]float64{
		MeasureInpost + "/" + LevelLocalAuthority: {(apeX + 25) / 2, (100*10.0/120 + 25) / 2, 25.0 / 2},
		MeasureInpost + "/" + LevelRegion:         {100 * (model + 50 - 160) / 160, 0, 100 * 10.0 / 160},
		// Leavers: model 0.1 × 110 and 5, naive 10 and 5, line 11 and 5; they were 12 and 4.
		MeasureLeavers + "/" + LevelLocalAuthority: {(100.0/12 + 25) / 2, (200.0/12 + 25) / 2, (100.0/12 + 25) / 2},
		MeasureLeavers + "/" + LevelEngland:        {0, 100 * 1.0 / 16, 0},
	}
	seen := 0
	for _, r := range rows {
		w, ok := want[r.Measure+"/"+r.Level]
		if !ok {
			continue
		}
		seen++
		near(t, r.Measure+" "+r.Level+" model", r.Model, w[0])
		near(t, r.Measure+" "+r.Level+" naive", r.Naive, w[1])
		near(t, r.Measure+" "+r.Level+" linear", r.Linear, w[2])
		if r.Compared != 2 || r.Year != 2022 || r.Horizon != 1 {
			t.Errorf("%+v", r)
		}
	}
	if seen != len(want) {
		t.Fatalf("rows %+v", rows)
	}
}

// TestBacktestTableInREADME keeps the README's backtest table what `hub backtest` prints.
func TestBacktestTableInREADME(t *testing.T) {
	rows, _, err := DfEBacktest()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), Markdown(rows)) {
		t.Fatalf("the README's backtest table is stale: paste the output of `cd services/hub && go run ./cmd/hub backtest`:\n%s", Markdown(rows))
	}
	for _, level := range []string{LevelLocalAuthority, LevelRegion, LevelEngland} {
		n := 0
		for _, r := range rows {
			if r.Level == level {
				n++
			}
		}
		if n != 8 {
			t.Errorf("%s: %d rows, want 4 horizons × 2 measures", level, n)
		}
	}
}
