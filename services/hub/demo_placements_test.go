package hub

import (
	"bytes"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/placement"
)

// TestDemoStandard8 checks that the demo partnership is the same every time, keeps the rules,
// and looks like a region: most final placements statutory, a few withdrawals, fewer places
// confirmed than requested.
func TestDemoStandard8(t *testing.T) {
	a, err := demoStandard8()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := demoStandard8()
	if len(a) != len(b) {
		t.Fatalf("%d uploads, then %d", len(a), len(b))
	}
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var finals, statutory, all, withdrawn, requested, confirmed, universities int
	for i, u := range a {
		if !bytes.Equal(u.body, b[i].body) {
			t.Errorf("%s %s differs between runs", u.client, u.path)
		}
		switch u.path {
		case "/v1/placements":
			d, err := placement.Layout.DecodeCSV(u.body)
			if err != nil {
				t.Fatal(err)
			}
			d.Normalise(placement.Normalise, placement.Key)
			if len(d.Rejected) > 0 {
				t.Fatalf("%s: refused %+v", u.key, d.Rejected[:1])
			}
			for _, rec := range d.Records {
				p, _ := placement.FromRecord(rec)
				if errs, _ := placement.Validate(p.Placement, today); len(errs) > 0 {
					t.Fatalf("%s row %d: %+v", u.key, rec.Row, errs)
				}
				if u.client == "demo-university" && p.Org != DemoUniversity {
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
		case "/v1/placement-capacity":
			d, err := placement.CapacityLayout.DecodeCSV(u.body)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range d.Records {
				c, _ := placement.CapacityFromRecord(rec)
				if c.Requested != nil {
					requested += *c.Requested
					universities++
				}
				if c.Confirmed != nil {
					confirmed += *c.Confirmed
				}
			}
		}
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
	if universities != len(demoUniversities)*len(DemoAcademicYears)*2 {
		t.Errorf("%d capacity requests", universities)
	}
}
