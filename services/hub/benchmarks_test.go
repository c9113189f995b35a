package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
)

// standard2 reads the Standard 2 benchmarks as client.
func (r *running) standard2(client, query string) (int, benchmark.StandardBenchmarks) {
	r.t.Helper()
	var out benchmark.StandardBenchmarks
	code := r.do(client, "GET", "/v1/benchmarks/standard-2?"+query, "", nil, &out)
	return code, out
}

func metricOf(b benchmark.StandardBenchmarks, id string) *benchmark.MetricBenchmark {
	for i := range b.Metrics {
		if b.Metrics[i].Metric.ID == id {
			return &b.Metrics[i]
		}
	}
	return nil
}

// orgValue is an organisation's value for a metric in b, if b names it.
func orgValue(b benchmark.StandardBenchmarks, metric, org string) *float64 {
	if m := metricOf(b, metric); m != nil {
		for _, o := range m.Orgs {
			if o.Code == org {
				return o.Value
			}
		}
	}
	return nil
}

// waitForValue polls the benchmarks as client until org's value for the metric is want, and
// returns how long that took.
func (r *running) waitForValue(client, query, metric, org string, want float64) time.Duration {
	r.t.Helper()
	start := time.Now()
	poll.UntilEvery(r.t, time.Minute, 2*time.Millisecond, func() error {
		code, b := r.standard2(client, query)
		if v := orgValue(b, metric, org); code == http.StatusOK && v != nil && math.Abs(*v-want) < 1e-9 {
			return nil
		}
		return fmt.Errorf("%s's %s still not %v (%d)", org, metric, want, code)
	})
	return time.Since(start)
}

// putNorthEastAlliance makes (or remakes) the alliance the demo analyst's token names: the North
// East's councils.
func (r *running) putNorthEastAlliance() {
	r.t.Helper()
	orgs, err := reference.Organisations()
	if err != nil {
		r.t.Fatal(err)
	}
	var members []string
	for _, o := range orgs {
		if o.Region == "E12000001" && o.Type == "local_authority" {
			members = append(members, o.Code)
		}
	}
	body, _ := json.Marshal(map[string]any{"name": "North East", "members": members})
	if code := r.do("demo-steward", "PUT", "/v1/alliances/north-east", "application/json", bytes.NewReader(body), nil); code != http.StatusOK {
		r.t.Fatalf("alliance: %d", code)
	}
}

func TestBenchmarksEndToEnd(t *testing.T) {
	r := startHub(t)
	const ne = "region=E12000001&period=2025"

	t.Run("the DfE demo data yields the North East's ratio of sums", func(t *testing.T) {
		r.waitForValue("demo-steward", ne, "vacancy_rate", "E06000047", 100*44/(44+403.7)) // County Durham, 2025
		var want float64
		if err := r.ch.QueryRow(t.Context(), `SELECT 100 * sum(vacancy_fte) / (sum(vacancy_fte) + sum(inpost_fte))
			FROM workforce_returns FINAL
			WHERE period = '2025' AND vacancy_fte IS NOT NULL AND inpost_fte IS NOT NULL
			  AND org_code IN (SELECT code FROM organisations FINAL WHERE region_code = 'E12000001')`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		_, b := r.standard2("demo-steward", ne)
		m := metricOf(b, "vacancy_rate")
		if m == nil || m.RegionValue == nil || math.Abs(*m.RegionValue-want) > 1e-9 || m.Contributors+m.Excluded != 12 || len(m.Orgs) != 12 {
			t.Fatalf("North East vacancy rate %+v, want %v over 12 councils", m, want)
		}
	})

	t.Run("a submitted return's new value appears", func(t *testing.T) {
		r.submit("demo-council", "text/csv", "org,period,inpost_fte,vacancy_fte\nE06000001,2025,150,50\n")
		r.waitForValue("demo-council", ne, "vacancy_rate", "E06000001", 25)
		_, b := r.standard2("demo-council", ne)
		if m := metricOf(b, "vacancy_rate"); len(m.Orgs) != 1 || m.Contributors < 10 {
			t.Errorf("a council should see only itself by name, among all contributors: %+v", m)
		}
	})

	t.Run("an analyst sees no name outside its alliance", func(t *testing.T) {
		r.putNorthEastAlliance()
		code, b := r.standard2("demo-analyst", "region=E12000002&period=2025")
		m := metricOf(b, "vacancy_rate")
		if code != http.StatusOK || m == nil || len(m.Orgs) != 0 || m.Contributors == 0 || m.RegionValue == nil {
			t.Fatalf("North West for the analyst: %d %+v", code, m)
		}
		if code, _ := r.standard2("demo-analyst", "region=E12000002&period=2025&org=E06000008"); code != http.StatusForbidden {
			t.Errorf("org outside the alliance: %d, want 403", code)
		}
		code, b = r.standard2("demo-analyst", ne+"&org=E06000001")
		if m := metricOf(b, "vacancy_rate"); m == nil {
			t.Errorf("North East with org= for the analyst: %d", code)
		} else if len(m.Orgs) != 12 || m.Position == nil || m.Position.Rank == 0 {
			t.Errorf("North East for its alliance's analyst: %d named, position %+v", len(m.Orgs), m.Position)
		}
	})
	t.Run("placement capacity flows into Standard 8 for the year its academic year ends", func(t *testing.T) {
		// 2023/24 has no demo data: the fill rate for 2024 is the councils' confirmed places
		// over the university's requested ones.
		r.submitTo("demo-university", "/v1/placement-capacity", "org,academic_year,stage,requested\n10007799,2023/24,final,10\n", "")
		r.submitTo("demo-council", "/v1/placement-capacity", "org,academic_year,stage,offered,confirmed\nE06000001,2023/24,final,8,6\n", "")
		const want = 100 * 6.0 / 10
		poll.UntilEvery(t, time.Minute, 5*time.Millisecond, func() error {
			var b benchmark.StandardBenchmarks
			code := r.do("demo-analyst", "GET", "/v1/benchmarks/standard-8?region=E12000001&period=2024", "", nil, &b)
			m := metricOf(b, "placement_fill_rate")
			if code == http.StatusOK && m != nil && m.RegionValue != nil && math.Abs(*m.RegionValue-want) < 1e-9 {
				if m.Contributors != 2 || !m.Metric.AreaOnly {
					t.Fatalf("fill rate %+v, want an area figure from 2 contributors", m)
				}
				return nil
			}
			return fmt.Errorf("North East fill rate for 2024 still not %v: %d %+v", want, code, m)
		})
	})
}
