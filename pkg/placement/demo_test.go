package placement_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/placement"
)

// uploads reads a kind's demo uploads back as its rows, failing on any refused row.
func uploads[R any](t *testing.T, k *kind.Kind[R]) map[string][]R {
	t.Helper()
	a, err := k.Uploads()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Uploads()
	out := map[string][]R{}
	for i, u := range a {
		if !bytes.Equal(u.Body, b[i].Body) {
			t.Errorf("%s %s differs between runs", u.Client, u.Key)
		}
		d, err := k.ReadAll(kind.Body{R: bytes.NewReader(u.Body), CSV: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Rejected) > 0 {
			t.Fatalf("%s: refused %+v", u.Key, d.Rejected[:1])
		}
		for _, r := range d.Rows {
			out[u.Client] = append(out[u.Client], r.Value)
		}
	}
	return out
}

// TestDemo checks that the demo partnership is the same every time, keeps the rules, and looks
// like a region: most final placements statutory, a few withdrawals, fewer places confirmed than
// requested.
func TestDemo(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var finals, statutory, all, withdrawn, requested, confirmed, universities int
	for client, ps := range uploads(t, placement.Kind) {
		for _, p := range ps {
			if errs, _ := placement.Validate(p, today); len(errs) > 0 {
				t.Fatalf("%s: %+v", client, errs)
			}
			if client == "demo-university" && p.Org != placement.DemoUniversity {
				t.Errorf("demo-university sends %s's placement", p.Org)
			}
			all++
			if p.Outcome == placement.Withdrawn {
				withdrawn++
			}
			if p.Stage == placement.Final {
				finals++
				if p.StatutoryTasks {
					statutory++
				}
			}
		}
	}
	for _, cs := range uploads(t, placement.CapacityKind) {
		for _, c := range cs {
			if c.Requested != nil {
				requested += *c.Requested
				universities++
			}
			if c.Confirmed != nil {
				confirmed += *c.Confirmed
			}
		}
	}
	if n := len(uploads(t, placement.EducatorsKind)); n != 2 {
		t.Errorf("practice educators from %d clients, want the trust and the steward", n)
	}
	if share := float64(statutory) / float64(finals); share < 0.6 || share > 0.85 {
		t.Errorf("statutory final placements %.2f, want 0.6–0.85", share)
	}
	if share := float64(withdrawn) / float64(all); share < 0.03 || share > 0.1 {
		t.Errorf("withdrawals %.3f, want 0.03–0.10", share)
	}
	if confirmed >= requested || float64(confirmed)/float64(requested) < 0.7 {
		t.Errorf("confirmed %d of %d requested: want a shortfall, not a collapse", confirmed, requested)
	}
	if universities != 4*len(placement.DemoAcademicYears)*2 {
		t.Errorf("%d capacity requests", universities)
	}
}

func TestReportingYearOfAndAcademicYearOf(t *testing.T) {
	for p, want := range map[string]string{"2024/25": "2025", "1999/00": "2000", "2025": "2025", "2025-Q1": "2025-Q1"} {
		if got := placement.ReportingYearOf(p); got != want {
			t.Errorf("ReportingYearOf(%q) = %q, want %q", p, got, want)
		}
	}
	for _, ay := range []string{"2024/25", "1999/00", "2009/10", "2099/00"} {
		if got := placement.AcademicYearOf(placement.ReportingYearOf(ay)); got != ay {
			t.Errorf("AcademicYearOf(ReportingYearOf(%q)) = %q", ay, got)
		}
	}
	for _, p := range []string{"2025-Q1", "2024/25", "", "20x5"} {
		if got := placement.AcademicYearOf(p); got != "" {
			t.Errorf("AcademicYearOf(%q) = %q, want none", p, got)
		}
	}
}
