package profile_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/disclosure"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/profile"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

var today = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

func n(v int) *int { return &v }

// full is a row of 20 case holders with every dimension given.
func full() profile.LevelProfile {
	return profile.LevelProfile{Org: "E06000001", Year: 2025, Level: "case_holder", Headcount: 20,
		EthnicityAsian: n(1), EthnicityBlack: n(2), EthnicityMixed: n(1), EthnicityWhite: n(14), EthnicityOther: n(0), EthnicityNotKnown: n(2),
		SexFemale: n(17), SexMale: n(3), SexNotKnown: n(0),
		AgeUnder30: n(5), Age30To39: n(6), Age40To49: n(4), Age50To59: n(3), Age60AndOver: n(1), AgeNotKnown: n(1),
		DisabilityYes: n(1), DisabilityNo: n(15), DisabilityNotKnown: n(4)}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *profile.LevelProfile)
		field string // of the one error; "" for none
	}{
		{"every dimension", func(*profile.LevelProfile) {}, ""},
		{"a dimension left out", func(p *profile.LevelProfile) {
			p.DisabilityYes, p.DisabilityNo, p.DisabilityNotKnown = nil, nil, nil
		}, ""},
		{"no organisation", func(p *profile.LevelProfile) { p.Org = "" }, "org"},
		{"a year not yet snapshot", func(p *profile.LevelProfile) { p.Year = 2027 }, "year"},
		{"before 2000", func(p *profile.LevelProfile) { p.Year = 1999 }, "year"},
		{"unknown level", func(p *profile.LevelProfile) { p.Level = "director" }, "level"},
		{"a dimension in part", func(p *profile.LevelProfile) { p.SexMale = nil }, "sex_male"},
		{"counts not the headcount", func(p *profile.LevelProfile) { p.EthnicityWhite = n(15) }, "ethnicity_asian"},
		{"not known counts towards the headcount", func(p *profile.LevelProfile) { p.AgeNotKnown = n(0) }, "age_under_30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := full()
			tt.edit(&p)
			errs := profile.Validate(p, today)
			switch {
			case tt.field == "" && len(errs) > 0:
				t.Errorf("refused: %+v", errs)
			case tt.field != "" && (len(errs) != 1 || errs[0].Field != tt.field):
				t.Errorf("errors %+v, want one on %s", errs, tt.field)
			}
		})
	}
}

// The CSV columns, the struct's JSON names and the store's columns are the same list, in the
// order of the dimensions.
func TestColumns(t *testing.T) {
	var want []string
	for _, d := range profile.Dimensions {
		for _, g := range d.Groups {
			want = append(want, profile.Column(d.ID, g.ID))
		}
	}
	if got := profile.Kind.Columns()[4:]; !slices.Equal(got, want) {
		t.Errorf("CSV columns %v, want %v", got, want)
	}
	var b bytes.Buffer
	if err := profile.Kind.Format.WriteCSV(&b, []profile.LevelProfile{full()}); err != nil {
		t.Fatal(err)
	}
	d, err := profile.Kind.ReadAll(kind.Body{R: &b, CSV: true})
	if err != nil || len(d.Rows) != 1 || len(d.Rejected) > 0 {
		t.Fatalf("read back %+v, %v", d, err)
	}
	if got := d.Rows[0].Value; fmt.Sprint(counts(got)) != fmt.Sprint(counts(full())) {
		t.Errorf("read back counts %v, want %v", counts(got), counts(full()))
	}
}

func counts(p profile.LevelProfile) []int {
	var out []int
	for _, d := range p.Counts() {
		for _, c := range d {
			out = append(out, **c)
		}
	}
	return out
}

// Figures: per level, the benchmarked groups and those known; the whole workforce sums the levels;
// a dimension one level leaves out is unknown for the whole workforce too.
func TestFigures(t *testing.T) {
	a := full()
	b := full()
	b.Level, b.Headcount = "senior_manager", 4
	b.EthnicityAsian, b.EthnicityBlack, b.EthnicityMixed, b.EthnicityWhite, b.EthnicityOther, b.EthnicityNotKnown = n(0), n(1), n(0), n(3), n(0), n(0)
	b.SexFemale, b.SexMale, b.SexNotKnown = n(3), n(1), n(0)
	b.AgeUnder30, b.Age30To39, b.Age40To49, b.Age50To59, b.Age60AndOver, b.AgeNotKnown = n(0), n(0), n(2), n(2), n(0), n(0)
	b.DisabilityYes, b.DisabilityNo, b.DisabilityNotKnown = nil, nil, nil
	figs := profile.Figures([]profile.LevelProfile{a, b})
	if len(figs) != 1 {
		t.Fatalf("%d organisations", len(figs))
	}
	v := figs[0].Values
	known := func(name string, want float64) {
		t.Helper()
		if got, ok := v[name]; !ok || !got.Known || got.V != want {
			t.Errorf("%s = %+v, want %v", name, got, want)
		}
	}
	known(profile.FigGroup("ethnicity", "black", "case_holder"), 2)
	known(profile.FigKnown("ethnicity", "case_holder"), 18)
	known(profile.FigGroup("ethnicity", "black", "senior_manager"), 1)
	known(profile.FigGroup("ethnicity", "black", profile.Whole), 3)
	known(profile.FigKnown("ethnicity", profile.Whole), 22)
	known(profile.FigKnown("sex", profile.Whole), 24)
	known(profile.FigGroup("disability", "yes", "case_holder"), 1)
	for _, name := range []string{profile.FigGroup("disability", "yes", "senior_manager"), profile.FigGroup("disability", "yes", profile.Whole),
		profile.FigKnown("disability", profile.Whole)} {
		if got, ok := v[name]; !ok || got.Known {
			t.Errorf("%s = %+v (present %v), want present and unknown", name, got, ok)
		}
	}
	if _, ok := v[profile.FigGroup("ethnicity", "black", "middle_manager")]; ok {
		t.Error("a level with no row has figures")
	}
}

// Every metric names figures the kind gives, and serves Standard 2 under disclosure control.
func TestMetrics(t *testing.T) {
	figs := profile.Figures([]profile.LevelProfile{full()})[0].Values
	levels := append([]string{profile.Whole}, profile.Levels...)
	ids := map[string]bool{}
	for _, m := range profile.Metrics {
		if !m.Disclosure || m.Respondents == "" || m.Standard != 2 || m.Source != profile.Name || ids[m.ID] {
			t.Errorf("metric %+v", m)
		}
		ids[m.ID] = true
		for _, f := range append(slices.Clone(m.Numerator), m.Denominator...) {
			if !strings.HasSuffix(f, "_case_holder") {
				continue
			}
			if _, ok := figs[f]; !ok {
				t.Errorf("%s: no figure %s", m.ID, f)
			}
		}
	}
	shares := 0
	for _, d := range profile.Dimensions {
		shares += len(d.Shares)
	}
	if len(ids) != shares*len(levels) {
		t.Errorf("%d metrics, want %d groups × %d levels", len(ids), shares, len(levels))
	}
}

// demoRows reads the demo uploads back, by client.
func demoRows(t testing.TB) map[string][]profile.LevelProfile {
	t.Helper()
	ups, err := profile.Kind.Uploads()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]profile.LevelProfile{}
	for _, u := range ups {
		d, err := profile.Kind.ReadAll(kind.Body{R: bytes.NewReader(u.Body), CSV: true})
		if err != nil || len(d.Rejected) > 0 {
			t.Fatalf("%s: %v, refused %+v", u.Key, err, d.Rejected)
		}
		for _, r := range d.Rows {
			out[u.Client] = append(out[u.Client], r.Value)
		}
	}
	return out
}

// The demo: the twelve North East councils, two years, five levels each, keeping the rules; the
// demo council sends only its own; each council's headcount is its DfE in-post headcount.
func TestDemo(t *testing.T) {
	byClient := demoRows(t)
	heads := map[string]int{}
	orgs := map[string]bool{}
	for client, rows := range byClient {
		for _, p := range rows {
			if errs := profile.Validate(p, today); len(errs) > 0 {
				t.Fatalf("%s: %+v: %+v", client, p, errs)
			}
			if client == "demo-council" && p.Org != "E06000001" {
				t.Errorf("demo-council sends %s's profile", p.Org)
			}
			heads[fmt.Sprint(p.Org, " ", p.Year)] += p.Headcount
			orgs[p.Org] = true
		}
	}
	if len(orgs) != 12 || len(heads) != 24 {
		t.Errorf("%d councils, %d council-years, want 12 and 24", len(orgs), len(heads))
	}
	// DfE in-post headcounts, 2025: County Durham 430, Hartlepool 154.
	if heads["E06000047 2025"] != 430 || heads["E06000001 2025"] != 154 {
		t.Errorf("headcounts %d and %d, want the DfE's 430 and 154", heads["E06000047 2025"], heads["E06000001 2025"])
	}
}

// The demo stored and benchmarked on a real ClickHouse: representation by level for the North
// East is the ratio of the summed counts, beside the whole workforce; small levels are withheld,
// and so is what would give them away.
func TestBenchmarks(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	dir := reference.NewDirectory(conn, time.Minute)
	h := profile.Kind.Handler(conn, dir, func() time.Time { return today })
	ups, err := profile.Kind.Uploads()
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range ups {
		var chunks [][]byte
		if _, err := profile.Kind.Read(kind.Body{R: bytes.NewReader(u.Body), CSV: true}, kind.Caller{Roles: []string{auth.RoleSteward}},
			kind.Limits{MaxRows: 1000, ChunkRows: 1000}, func(c kind.Chunk) error { chunks = append(chunks, c.Rows); return nil }); err != nil {
			t.Fatal(err)
		}
		for j, rows := range chunks {
			env := submission.Envelope{ID: fmt.Sprintf("demo-%d-%d", i, j), Kind: profile.Name, Submitter: u.Client, Steward: true,
				ReceivedAt: today, Rows: rows}
			b := h.Check(ctx, []submission.Envelope{env})
			if c, err := b.Chunk(0); err != nil || len(c.Result.Rejected) > 0 {
				t.Fatalf("%s: %v, refused %+v", u.Key, err, c.Result.Rejected)
			}
			if err := b.Store(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	stored, err := profile.List(ctx, conn, "E06000001", "2025")
	if err != nil || len(stored) != len(profile.Levels) {
		t.Fatalf("Hartlepool 2025: %d rows (%v)", len(stored), err)
	}

	store, err := benchmark.NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Recompute(ctx, "2025"); err != nil {
		t.Fatal(err)
	}
	areas, err := store.Areas(ctx, "2025", []string{"E12000001"})
	if err != nil {
		t.Fatal(err)
	}
	members, err := store.Members(ctx, "2025", "E12000001")
	if err != nil {
		t.Fatal(err)
	}
	area := map[string]benchmark.Area{}
	for _, a := range areas {
		area[a.Metric] = a
	}
	value := map[[2]string]benchmark.Value{}
	for _, v := range members {
		value[[2]string{v.Metric, v.Org}] = v
	}

	// The North East's shares worked out from the demo rows: a ratio of sums.
	var rows []profile.LevelProfile
	for _, rs := range demoRows(t) {
		for _, p := range rs {
			if p.Year == 2025 {
				rows = append(rows, p)
			}
		}
	}
	share := func(level string, group func(p *profile.LevelProfile) int, known func(p *profile.LevelProfile) int) float64 {
		num, den := 0, 0
		for i := range rows {
			if p := &rows[i]; level == profile.Whole || p.Level == level {
				num, den = num+group(p), den+known(p)
			}
		}
		return 100 * float64(num) / float64(den)
	}
	minority := func(p *profile.LevelProfile) int { return *p.EthnicityBlack }
	ethKnown := func(p *profile.LevelProfile) int { return p.Headcount - *p.EthnicityNotKnown }
	for _, level := range append([]string{profile.Whole}, profile.Levels...) {
		id := profile.MetricID("ethnicity", "black", level)
		a, ok := area[id]
		if !ok || a.Value == nil {
			t.Errorf("%s: North East %+v, want a value", id, a)
			continue
		}
		if want := share(level, minority, ethKnown); math.Abs(*a.Value-want) > 1e-9 {
			t.Errorf("%s: North East %v, want the ratio of sums %v", id, *a.Value, want)
		}
		if a.Contributors != 12 {
			t.Errorf("%s: %d contributors, want 12", id, a.Contributors)
		}
	}

	// Hartlepool's senior managers are fewer than 10: withheld, and so is one more of its levels or
	// its whole workforce (else the difference gives them away).
	sm := value[[2]string{profile.MetricID("ethnicity", "white", "senior_manager"), "E06000001"}]
	if sm.Value != nil || sm.Withheld != "fewer_than_threshold" {
		t.Errorf("Hartlepool's senior managers (%d known): %+v, want withheld", sm.Respondents, sm)
	}
	withheld := 0
	for _, v := range members {
		if v.Withheld != "" {
			withheld++
		}
		if v.Value == nil && v.Withheld == "" && v.Reason == "" {
			t.Errorf("%s %s: no value and no reason", v.Metric, v.Org)
		}
	}
	t.Logf("North East 2025: %d values of %d organisations' shares withheld", withheld, len(members))
	safe(t, store, members)

	// An organisation's whole workforce is the sum of its levels: of the whole and the levels, never
	// exactly one is withheld (it would be the whole less the others, or their sum).
	for _, d := range profile.Dimensions {
		for _, g := range d.Shares {
			for _, org := range []string{"E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047", "E06000057",
				"E08000021", "E08000022", "E08000023", "E08000024", "E08000037"} {
				var out []string
				for _, level := range append([]string{profile.Whole}, profile.Levels...) {
					if v, ok := value[[2]string{profile.MetricID(d.ID, g, level), org}]; ok && v.Withheld != "" {
						out = append(out, level)
					}
				}
				if len(out) == 1 {
					t.Errorf("%s %s of %s: only %v withheld, which the others give away", d.ID, g, org, out)
				}
			}
		}
	}
	for _, dim := range []struct{ dim, group string }{{"ethnicity", "white"}, {"ethnicity", "asian"}, {"ethnicity", "black"}, {"sex", "female"}, {"age", "under_30"}, {"disability", "yes"}} {
		line := fmt.Sprintf("%-22s", dim.dim+" "+dim.group)
		for _, level := range append([]string{profile.Whole}, profile.Levels...) {
			if a := area[profile.MetricID(dim.dim, dim.group, level)]; a.Value != nil {
				line += fmt.Sprintf(" %s %.1f%% (n=%d)", level, *a.Value, a.Respondents)
			}
		}
		t.Log(line)
	}
}

// BenchmarkComputeNational is representation by level for a national period: 165 councils over
// England's regions (as BenchmarkComputePeriod of package benchmark), each with the five levels of
// a North East demo council, every metric of the kind under disclosure control.
func BenchmarkComputeNational(b *testing.B) {
	regions, err := reference.Regions()
	if err != nil {
		b.Fatal(err)
	}
	in := benchmark.Input{Period: "2025", Organisations: map[string]reference.Organisation{}, Regions: map[string]reference.Region{}}
	var homes []string
	for _, r := range regions {
		in.Regions[r.Code] = r
		if r.Level == "subregion" || (r.Level == "region" && r.Code != "E12000007") {
			homes = append(homes, r.Code)
		}
	}
	var demo []profile.LevelProfile
	for _, rs := range demoRows(b) {
		for _, p := range rs {
			if p.Year == 2025 {
				demo = append(demo, p)
			}
		}
	}
	var rows []profile.LevelProfile
	for i := range 165 {
		code := fmt.Sprintf("X%05d", i)
		in.Organisations[code] = reference.Organisation{Code: code, Name: code, Type: reference.TypeLocalAuthority, Region: homes[i%len(homes)]}
		for _, p := range demo[(i%12)*len(profile.Levels) : (i%12+1)*len(profile.Levels)] {
			p.Org = code
			rows = append(rows, p)
		}
	}
	in.Figures = profile.Figures(rows)
	b.ReportAllocs()
	for b.Loop() {
		res := benchmark.Compute(in, profile.Metrics)
		if len(res.Values) != 165*len(profile.Metrics) {
			b.Fatalf("%d values", len(res.Values))
		}
	}
}

// safe checks, exactly, that nothing withheld can be worked out: per group, one table of every
// level's and the whole workforce's figures, organisations' and areas', with every sum between
// them (an area of its organisations, an organisation's whole workforce of its levels), the
// withheld ones hidden; protecting it withholds nothing more.
func safe(t *testing.T, store *benchmark.Store, members []benchmark.Value) {
	t.Helper()
	var codes []string
	for _, v := range members {
		for _, c := range v.Regions {
			if !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	areas, err := store.Areas(context.Background(), "2025", codes)
	if err != nil {
		t.Fatal(err)
	}
	areaWithheld := map[[2]string]bool{}
	for _, a := range areas {
		areaWithheld[[2]string{a.Metric, a.Region}] = a.Withheld != ""
	}
	byMetric := map[string][]benchmark.Value{}
	for _, v := range members {
		byMetric[v.Metric] = append(byMetric[v.Metric], v)
	}
	for _, d := range profile.Dimensions {
		for _, g := range d.Shares {
			var tb disclosure.Table
			orgCell := map[[2]string]int{}
			for _, level := range append([]string{profile.Whole}, profile.Levels...) {
				id := profile.MetricID(d.ID, g, level)
				parts, n := map[string][]int{}, map[string]int{}
				for _, v := range byMetric[id] {
					if !v.Counted() {
						continue
					}
					c := tb.Add(v.Respondents)
					if v.Withheld != "" {
						tb.Hide(c)
					}
					orgCell[[2]string{level, v.Org}] = c
					for _, code := range v.Regions {
						parts[code] = append(parts[code], c)
						n[code] += v.Respondents
					}
				}
				for _, code := range slices.Sorted(maps.Keys(parts)) {
					c := tb.Add(n[code])
					if areaWithheld[[2]string{id, code}] {
						tb.Hide(c)
					}
					tb.Sum(c, parts[code]...)
				}
			}
			for k, total := range orgCell {
				if k[0] != profile.Whole {
					continue
				}
				var ps []int
				for _, level := range profile.Levels {
					if c, ok := orgCell[[2]string{level, k[1]}]; ok {
						ps = append(ps, c)
					}
				}
				tb.Sum(total, ps...)
			}
			if more := tb.Protect(0); more > 0 {
				t.Errorf("%s %s: %d more figures would have to be withheld: some withheld one can be worked out", d.ID, g, more)
			}
		}
	}
}
