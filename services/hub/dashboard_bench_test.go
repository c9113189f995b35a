package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDashboardPages measures the dashboard on the DfE demo data: the server time of the
// overview and an indicator page (p50 and p95 over 200 requests one after another, each with the
// API calls it makes, from its Server-Timing header), and each page's weight as transferred:
// its HTML and the CSS and JavaScript it loads, compressed as a browser asks for them.
//
//	go test -run '^$' -bench DashboardPages -benchtime 1x ./services/hub
func BenchmarkDashboardPages(b *testing.B) {
	r := startBenchHub(b)
	r.waitForBenchmarks(b)
	pages := []struct{ person, name, path string }{
		{"council", "overview", "/"},
		{"council", "indicator", "/indicators/vacancy_rate"},
		{"council", "indicator, neighbours", "/indicators/vacancy_rate?compare=neighbours"},
		{"analyst", "overview (alliance)", "/"},
		{"analyst", "indicator (alliance member)", "/indicators/vacancy_rate?org=E06000047&compare=alliance"},
	}
	people := map[string]*person{}
	for _, p := range pages {
		if people[p.person] == nil {
			people[p.person] = r.signIn(b, p.person)
		}
	}
	assets := 0
	for _, a := range []string{"/assets/app.css", "/assets/app.js", "/assets/govuk-frontend.min.js"} {
		assets += transferred(b, people["council"], a)
	}
	for range b.N {
		for _, p := range pages {
			pp := people[p.person]
			pp.get(p.path) // the API's cache warm, as for a person who has just signed in
			var took []time.Duration
			calls, apiMS := 0, 0.0
			for range 200 {
				start := time.Now()
				resp, err := pp.client.Get(pp.base + p.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took = append(took, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, resp.StatusCode)
				}
				n, ms := serverTiming(resp.Header.Get("Server-Timing"))
				calls, apiMS = n, apiMS+ms
			}
			slices.Sort(took)
			html := transferred(b, pp, p.path)
			fmt.Printf("dashboard %-28s p50 %6.1f ms  p95 %6.1f ms  (%2d API calls, %5.1f ms of API time a page)  weight %5.1f KB (HTML %.1f KB + CSS and JS %.1f KB, compressed)\n",
				p.name, ms(percentile(took, 0.50)), ms(percentile(took, 0.95)), calls, apiMS/200, float64(html+assets)/1024, float64(html)/1024, float64(assets)/1024)
			b.ReportMetric(ms(percentile(took, 0.95)), "p95-ms/"+strings.NewReplacer(" ", "-", ",", "", "(", "", ")", "").Replace(p.name))
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var timing = regexp.MustCompile(`api;desc="(\d+) calls";dur=([0-9.]+)`)

// serverTiming reads the dashboard's Server-Timing header: the API calls a page made and their
// time.
func serverTiming(h string) (int, float64) {
	m := timing.FindStringSubmatch(h)
	if m == nil {
		return 0, 0
	}
	n, _ := strconv.Atoi(m[1])
	d, _ := strconv.ParseFloat(m[2], 64)
	return n, d
}

// transferred is the size of a response as a browser receives it, asking for gzip.
func transferred(b *testing.B, p *person, path string) int {
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip") // set by hand, the client leaves the body compressed
	resp, err := p.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return int(n)
}
