package profile

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/reference"
)

// DemoYears are the reporting years of the demo profile.
var DemoYears = []int{2024, 2025}

// demoOwn is the organisation the demo-council client reports for itself (Hartlepool).
const demoOwn = "E06000001"

// demoRegion is the region of the demo: the North East.
const demoRegion = "E12000001"

// The demo's mix, as published figures suggest; the DfE publishes no breakdown by local
// authority and level, so these shares are illustrative, not any council's. Of those whose
// ethnic group is known: the North East's social workers are mostly White (the region's
// population is 93% White at the 2021 census), Newcastle's a little less so; staff from ethnic
// minorities are fewer the more senior the level (as the DfE's national figures show), women
// somewhat fewer, and managers older.
var (
	demoEthnicity  = []float64{0.025, 0.02, 0.02, 0.925, 0.01} // asian, black, mixed, white, other
	demoNewcastle  = []float64{0.055, 0.04, 0.03, 0.86, 0.015}
	demoMinority   = []float64{1.15, 1.0, 0.8, 0.65, 0.45} // minorities' share by level, relative
	demoFemale     = []float64{0.88, 0.86, 0.84, 0.80, 0.76}
	demoAge        = [][]float64{{0.22, 0.32, 0.24, 0.16, 0.06}, {0.08, 0.36, 0.30, 0.20, 0.06}, {0.05, 0.32, 0.34, 0.23, 0.06}, {0.01, 0.22, 0.39, 0.31, 0.07}, {0, 0.14, 0.40, 0.36, 0.10}}
	demoNotKnown   = []float64{0.06, 0.01, 0.03, 0.16} // ethnicity, sex, age, disability: not known, of the headcount
	demoDisabled   = 0.055
	demoAboveShare = []float64{0.30, 0.38, 0.20, 0.12} // the staff above case holders, by level
)

// demo is a plausible workforce profile of the North East councils for the demo years: each
// council's headcount is its in-post headcount in the DfE's workforce figures of the year, its
// case holders in the same proportion as its case-holding FTE to its in-post FTE, and the rest
// spread over the other levels. The demo council sends its own; the steward the others'.
func demo() ([]kind.Sample[LevelProfile], error) {
	heads, err := demoHeadcounts()
	if err != nil {
		return nil, err
	}
	var own, others []LevelProfile
	for _, h := range heads {
		rows := demoRows(h)
		if h.org == demoOwn {
			own = append(own, rows...)
		} else {
			others = append(others, rows...)
		}
	}
	return []kind.Sample[LevelProfile]{
		{Client: "demo-steward", Key: "demo-workforce-profile-north-east", Rows: others},
		{Client: "demo-council", Key: "demo-workforce-profile-" + demoOwn, Rows: own},
	}, nil
}

// demoHeadcount is a council's headcount of a year, and its case holders.
type demoHeadcount struct {
	org                      string
	year, headcount, holders int
}

// demoHeadcounts reads the North East councils' headcounts of the demo years from the DfE's
// workforce figures, in the file's order.
func demoHeadcounts() ([]demoHeadcount, error) {
	f, err := reference.DfEWorkforce()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("read the DfE workforce figures: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var out []demoHeadcount
	for _, r := range recs[1:] {
		year, err := strconv.Atoi(r[col["time_period"]])
		if err != nil || r[col["region_code"]] != demoRegion || !slices.Contains(DemoYears, year) {
			continue
		}
		head, err1 := strconv.Atoi(r[col["inpost_headcount"]])
		fte, err2 := strconv.ParseFloat(r[col["inpost_fte"]], 64)
		holders, err3 := strconv.ParseFloat(r[col["case_holders_fte"]], 64)
		if err1 != nil || err2 != nil || err3 != nil || fte <= 0 {
			continue
		}
		out = append(out, demoHeadcount{org: r[col["new_la_code"]], year: year, headcount: head,
			holders: int(math.Round(float64(head) * holders / fte))})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no North East headcounts of %v in the DfE workforce figures", DemoYears)
	}
	return out, nil
}

// demoRows is one council's rows of a year, one per level.
func demoRows(h demoHeadcount) []LevelProfile {
	per := append([]int{h.holders}, allocate(h.headcount-h.holders, demoAboveShare)...)
	base := demoEthnicity
	if h.org == "E08000021" {
		base = demoNewcastle
	}
	out := make([]LevelProfile, len(Levels))
	for l, level := range Levels {
		n := per[l]
		p := LevelProfile{Org: h.org, Year: h.year, Level: level, Headcount: n}
		// A little variation between councils and years, the same every time.
		j := jitter(fmt.Sprint(h.org, h.year, level))
		shares := slices.Clone(base)
		minority := 0.0
		for i := range shares {
			if i != 3 {
				shares[i] *= demoMinority[l] * (1 + j)
				minority += shares[i]
			}
		}
		shares[3] = 1 - minority
		female := demoFemale[l] + j/10
		dims := [][]int{
			split(n, demoNotKnown[0], shares),
			split(n, demoNotKnown[1], []float64{female, 1 - female}),
			split(n, demoNotKnown[2], demoAge[l]),
			split(n, demoNotKnown[3], []float64{demoDisabled * (1 + j), 1 - demoDisabled*(1+j)}),
		}
		for d, counts := range p.Counts() {
			for g, c := range counts {
				v := dims[d][g]
				*c = &v
			}
		}
		out[l] = p
	}
	return out
}

// split divides n into groups by shares of those known, the not known (a share of n) last.
func split(n int, notKnown float64, shares []float64) []int {
	unknown := int(math.Round(float64(n) * notKnown))
	return append(allocate(n-unknown, shares), unknown)
}

// allocate divides n by shares (summing to 1) into whole numbers adding up to n: the largest
// remainders get the rest.
func allocate(n int, shares []float64) []int {
	out := make([]int, len(shares))
	rest := make([]float64, len(shares))
	left := n
	for i, s := range shares {
		x := float64(n) * s
		out[i] = int(math.Floor(x))
		rest[i] = x - float64(out[i])
		left -= out[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rest[b], rest[a]) })
	for i := 0; left > 0; i = (i + 1) % len(order) {
		out[order[i]]++
		left--
	}
	return out
}

// jitter is a number in [-0.2, 0.2) drawn from s.
func jitter(s string) float64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return 0.4*float64(h.Sum32()%1000)/1000 - 0.2
}
