package hub_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/poll"
)

// dashboardBrowser is one headless Chromium shared by the dashboard's browser tests, with
// axe-core's source to run on every page and a directory for the screenshots.
type dashboardBrowser struct {
	root      context.Context
	axe       string
	artefacts string
}

// startBrowser starts Chromium (chromiumOptions: skipped without it unless HUB_REQUIRE_BROWSER
// is set, as make test does) and says where the screenshots go: HUB_TEST_ARTEFACTS, or a
// directory under the system's temporary directory.
func startBrowser(t *testing.T) *dashboardBrowser {
	t.Helper()
	opts := chromiumOptions(t)
	axe, err := os.ReadFile("../dashboard/node_modules/axe-core/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core: %v (npm ci in services/dashboard; make test does)", err)
	}
	dir := os.Getenv("HUB_TEST_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "partnership-hub-dashboard-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("dashboard screenshots: %s\n", dir)
	t.Logf("dashboard screenshots: %s", dir)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// The first context starts the browser; each person's window is a browser context of it.
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &dashboardBrowser{root: root, axe: string(axe), artefacts: dir}
}

// tab is one person's window: its own browser context, so its cookies are its own. It notes
// what the page writes to the console as an error (an exception, a refused script or style, a
// failed load) and every request the page makes.
type tab struct {
	t   *testing.T
	ctx context.Context
	b   *dashboardBrowser
	r   *running

	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	requests requests
}

func (b *dashboardBrowser) open(t *testing.T, r *running) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancelTime)
	tb := &tab{t: t, ctx: ctx, b: b, r: r}
	tb.requests.listen(t, ctx)
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				tb.mu.Lock()
				tb.console = append(tb.console, m)
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// forget drops the console errors and requests noted so far: what follows is one page's.
func (tb *tab) forget() {
	tb.mu.Lock()
	tb.console = nil
	tb.mu.Unlock()
	tb.requests.mu.Lock()
	tb.requests.urls = nil
	tb.requests.mu.Unlock()
}

// clean fails the test for any console error and any request to another origin than the
// dashboard's since the last forget. A page the hub refuses to show (403) has the browser's
// note of its own status, which is no error of the page's.
func (tb *tab) clean(path string, refused bool) {
	tb.t.Helper()
	tb.mu.Lock()
	msgs := tb.console
	tb.mu.Unlock()
	here := eval[string](tb, "location.href")
	for _, m := range msgs {
		if refused && m.Source == "network" && m.URL == here && strings.Contains(m.Text, "status of 403") {
			continue
		}
		tb.t.Errorf("%s: console error: %.300s", path, m)
	}
	if f := tb.requests.foreign(tb.r.s.DashboardURL); len(f) > 0 {
		tb.t.Errorf("%s: the page asked another origin for %v", path, f)
	}
}

// uploadWorkforce uploads body as a workforce return through the submit page and waits while
// the result page follows the submission until ingest has checked every row.
func (tb *tab) uploadWorkforce(body string) {
	tb.t.Helper()
	file := filepath.Join(tb.t.TempDir(), "returns.csv")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.do(chromedp.Navigate(tb.r.s.DashboardURL+"/submit"), chromedp.WaitVisible(chromedp.CSS("#kind-workforce")),
		chromedp.Click(chromedp.CSS("#kind-workforce")), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload")), chromedp.WaitReady(chromedp.CSS("#submission-status")))
	poll.UntilEvery(tb.t, 2*time.Minute, 200*time.Millisecond, func() error {
		if eval[bool](tb, `!!document.querySelector("[data-submission-pending]")`) {
			return errors.New("the submission page still shows it pending")
		}
		return nil
	})
}

// kindsOffered checks that the submit page offers, in the registry's order, every kind in
// kinds.All that the demo person user may submit by the kind's policy, and no other.
func (tb *tab) kindsOffered(user string) {
	tb.t.Helper()
	i := slices.IndexFunc(devoidc.DemoUsers(), func(u devoidc.User) bool { return u.Username == user })
	if i < 0 {
		tb.t.Fatalf("no demo person %q", user)
	}
	u := devoidc.DemoUsers()[i]
	var want []string
	for _, k := range kinds.All {
		if k.About().Policy.MaySubmit(kind.Caller{Roles: u.Roles, Org: u.Org}, k.About().Rows) == nil {
			want = append(want, k.About().Name)
		}
	}
	got := eval[[]string](tb, `Array.from(document.querySelectorAll("input.govuk-radios__input[name=kind]")).map(i => i.value)`)
	if !slices.Equal(got, want) {
		tb.t.Errorf("%s: the submit page offers the kinds %v, want %v (kinds.All by their policies)", user, got, want)
	}
}

// errorReport downloads the error report the submission page offers and parses it: the API's
// whole report, with the header row row,field,reason,severity.
func (tb *tab) errorReport() [][]string {
	tb.t.Helper()
	href := eval[string](tb, `document.getElementById("error-report").href`)
	body := eval[string](tb, fmt.Sprintf(`fetch(%q).then(r => r.ok ? r.text() : "HTTP " + r.status)`, href))
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 || strings.Join(recs[0], ",") != "row,field,reason,severity" {
		tb.t.Fatalf("error report %v: %.300q", err, body)
	}
	return recs
}

// chart is what a page's chart is in the browser: its picture drawn (decoded, with a size),
// its title and summary, and the table it is drawn from on the page.
type chart struct {
	ID       string `json:"id"`
	Drawn    bool   `json:"drawn"`
	Width    int    `json:"width"`
	SVG      bool   `json:"svg"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Alt      string `json:"alt"`
	HasTable bool   `json:"has_table"`
}

// charts reads every chart of the page.
func (tb *tab) charts() []chart {
	tb.t.Helper()
	raw := eval[string](tb, `Promise.all(Array.from(document.querySelectorAll("figure.app-chart")).map(async f => {
		const img = f.querySelector("img");
		if (img) { try { await img.decode() } catch (e) {} }
		const panel = f.closest(".govuk-tabs");
		return {
			id: img ? img.id : "",
			drawn: !!img && img.complete && img.naturalWidth > 0,
			width: img ? img.naturalWidth : 0,
			svg: !!img && img.src.startsWith("data:image/svg+xml"),
			title: (f.querySelector("h3") || {}).textContent || "",
			summary: (f.querySelector("[id$=-summary]") || {}).textContent || "",
			alt: img ? img.alt : "",
			has_table: !!(panel ? panel : f.parentElement).querySelector("table tbody tr"),
		};
	})).then(cs => JSON.stringify(cs))`)
	var cs []chart
	if err := json.Unmarshal([]byte(raw), &cs); err != nil {
		tb.t.Fatal(err)
	}
	return cs
}

// checkCharts fails the test for a chart that is not drawn, or lacks its title, its summary in
// words or the table behind it; and when the page shows fewer charts than want.
func (tb *tab) checkCharts(path string, want int) {
	tb.t.Helper()
	cs := tb.charts()
	if len(cs) < want {
		tb.t.Errorf("%s: %d charts, want %d", path, len(cs), want)
	}
	for _, c := range cs {
		switch {
		case !c.Drawn || !c.SVG:
			tb.t.Errorf("%s: chart %s is not drawn (an SVG image %v, %d px wide)", path, c.ID, c.SVG, c.Width)
		case strings.TrimSpace(c.Title) == "" || strings.TrimSpace(c.Summary) == "" || c.Alt == "":
			tb.t.Errorf("%s: chart %s lacks its title %q, summary %q or text alternative %q", path, c.ID, c.Title, c.Summary, c.Alt)
		case !c.HasTable:
			tb.t.Errorf("%s: chart %s has no table beside it", path, c.ID)
		}
	}
}

// figurePage tells the pages of figures, each of which says when its figures were computed.
func figurePage(path string) bool {
	for _, p := range []string{"/indicators/", "/standards/", "/partnerships", "/health-check", "/projections"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return path == "/"
}

// chartsOn is how many charts a page shows at least: the indicator page its time series and
// ranked bars, the projection page its projection.
func chartsOn(path string) int {
	switch {
	case strings.HasPrefix(path, "/indicators/"):
		return 2
	case strings.HasPrefix(path, "/projections"):
		return 1
	}
	return 0
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%.80s: %v", js, err)
	}
	return v
}

// signIn signs in through the development provider's page, clicking the person's button.
func (tb *tab) signIn(user string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.r.s.DashboardURL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`button[value="`+user+`"]`)),
		chromedp.Click(chromedp.CSS(`button[value="`+user+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/sign-out"]`)))
	if loc := eval[string](tb, "location.href"); loc != tb.r.s.DashboardURL+"/" {
		tb.t.Fatalf("after signing in as %s: %s", user, loc)
	}
}

// visit opens a page, checks that its charts are drawn with their words and tables, that it
// wrote no error to the console and asked no other origin for anything, checks it with axe-core
// (no serious or critical violation), downloads and parses each of its CSV tables, and saves
// screenshots at 1280 and 375 pixels wide.
func (tb *tab) visit(name, path string) {
	tb.t.Helper()
	tb.forget()
	tb.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(tb.r.s.DashboardURL+path), chromedp.WaitReady(chromedp.CSS("main")))
	if h := eval[string](tb, `document.querySelector("h1") ? document.querySelector("h1").textContent : ""`); strings.TrimSpace(h) == "" {
		tb.t.Errorf("%s: no heading", path)
	}
	// A page that cannot show its figures says why instead: in its error summary (a person's
	// projection that cannot be made, for example), or as the hub's refusal.
	refused := strings.TrimSpace(eval[string](tb, `document.querySelector("h1").textContent`)) == "You cannot see these figures"
	figures := !refused && !eval[bool](tb, `!!document.querySelector(".govuk-error-summary")`)
	if figures {
		tb.checkCharts(path, chartsOn(path))
	}
	if figurePage(path) && figures && !eval[bool](tb, `Array.from(document.querySelectorAll("main dt")).some(dt => dt.textContent.trim() == "Figures computed")`) {
		tb.t.Errorf("%s: the page does not say when its figures were computed", path)
	}
	tb.clean(path, refused)
	tb.axe(path)
	tb.downloads(path)
	for _, width := range []int64{1280, 375} {
		tb.do(chromedp.EmulateViewport(width, 900))
		img, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			tb.t.Fatalf("screenshot %s: %v", path, err)
		}
		if err := os.WriteFile(filepath.Join(tb.b.artefacts, fmt.Sprintf("%s-%d.png", name, width)), img, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}

type axeResult struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axe runs axe-core's WCAG 2.2 AA rules on the page and fails on any serious or critical
// violation.
func (tb *tab) axe(path string) {
	tb.t.Helper()
	if !eval[bool](tb, "typeof axe !== 'undefined'") {
		if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[any](tb.b.axe+";true")); err != nil {
			tb.t.Fatalf("load axe-core: %v", err)
		}
	}
	raw := eval[string](tb, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`)
	var vs []axeResult
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		tb.t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			targets := []string{}
			for i, n := range v.Nodes {
				if i == 3 {
					break
				}
				targets = append(targets, fmt.Sprint(n.Target...))
			}
			tb.t.Errorf("%s: axe %s (%s): %s at %v", path, v.ID, v.Impact, v.Help, targets)
		}
	}
}

// downloads fetches every CSV the page offers, as the browser would with its session, and parses
// it: a header and a row per row of the table it belongs to.
func (tb *tab) downloads(path string) {
	tb.t.Helper()
	links := eval[[]string](tb, `Array.from(document.querySelectorAll("a[download]")).map(a => a.href)`)
	for _, href := range links {
		body := eval[string](tb, fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(r => r.ok ? r.text() : "HTTP " + r.status)`, href))
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(recs) == 0 {
			tb.t.Errorf("%s: download %s is not CSV: %v %.200s", path, href, err, body)
			continue
		}
		u, _ := url.Parse(href)
		table := u.Query().Get("table")
		rows := eval[int](tb, fmt.Sprintf(`(t => t ? t.querySelectorAll("tbody tr").length : -1)(document.getElementById(%q))`, "table-"+table))
		if rows >= 0 && len(recs)-1 != rows && !(rows == 1 && len(recs) == 1) {
			tb.t.Errorf("%s: %s has %d rows, the table on the page %d", path, table, len(recs)-1, rows)
		}
	}
}

// TestDashboardInBrowser signs in as every demo person through the real provider in Chromium,
// opens every page they may use, checks figures against the API's own answers, uploads a CSV
// with bad rows, works the comparison toggle with the keyboard, and runs axe-core everywhere.
func TestDashboardInBrowser(t *testing.T) {
	b := startBrowser(t)
	r := startHub(t)
	r.waitForBenchmarks(t)

	common := []struct{ name, path string }{
		{"overview", "/"}, {"indicator", "/indicators/vacancy_rate"}, {"standard-2", "/standards/2"}, {"standard-8", "/standards/8"},
		{"partnerships", "/partnerships"}, {"health-check", "/health-check?year=2026"}, {"projections", "/projections?demand=flat"},
	}
	people := []struct {
		user  string
		extra []struct{ name, path string }
	}{
		{"council", []struct{ name, path string }{{"submit", "/submit"}, {"indicator-neighbours", "/indicators/caseload?compare=neighbours"}}},
		{"analyst", []struct{ name, path string }{{"indicator-alliance", "/indicators/turnover_rate?org=E06000047&compare=alliance"}}},
		{"steward", []struct{ name, path string }{{"alliances", "/alliances"}, {"alliance", "/alliances/north-east"}, {"access-trail", "/access-trail?outcome=refused"}, {"submit", "/submit"}}},
		{"university", []struct{ name, path string }{{"submit", "/submit"}}},
		{"trust", []struct{ name, path string }{{"submit", "/submit"}}},
		{"survey", []struct{ name, path string }{{"submit", "/submit"}}},
	}
	for _, p := range people {
		t.Run(p.user, func(t *testing.T) {
			tb := b.open(t, r)
			tb.signIn(p.user)
			for _, pg := range append(common, p.extra...) {
				t.Run(pg.name, func(t *testing.T) {
					tb.t = t
					tb.visit(p.user+"-"+pg.name, pg.path)
					if pg.path == "/submit" {
						tb.kindsOffered(p.user)
					}
				})
			}
		})
	}

	t.Run("without JavaScript", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/indicators/vacancy_rate", "/projections?demand=flat"} {
			tb.forget()
			tb.do(chromedp.Navigate(r.s.DashboardURL+path), chromedp.WaitReady(chromedp.CSS("main")))
			if eval[bool](tb, `document.body.classList.contains("js-enabled")`) {
				t.Fatalf("%s: the page's script ran", path)
			}
			// The charts are drawn on the server; without the tabs both the chart and its
			// table are on the page, the table shown.
			tb.checkCharts(path, chartsOn(path))
			if hidden := eval[[]string](tb, `Array.from(document.querySelectorAll("main table")).filter(t => !t.checkVisibility()).map(t => t.id)`); len(hidden) > 0 {
				t.Errorf("%s: without JavaScript the tables %v are hidden", path, hidden)
			}
			tb.clean(path, false)
		}
	})

	t.Run("figures match the API", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		var tr struct {
			Points []struct {
				Period string   `json:"period"`
				Value  *float64 `json:"value"`
			} `json:"points"`
		}
		r.http["demo-council"].Timeout = time.Minute
		if code := r.do("demo-council", "GET", "/v1/benchmarks/vacancy_rate/trend?org=E06000001", "", nil, &tr); code != 200 {
			t.Fatalf("trend: %d", code)
		}
		last := tr.Points[len(tr.Points)-1]
		for i := len(tr.Points) - 1; i >= 0 && last.Value == nil; i-- {
			last = tr.Points[i]
		}
		want := fmt.Sprintf("%.1f%%", *last.Value)
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/"), chromedp.WaitReady(chromedp.CSS("#table-standard-2")))
		row := eval[string](tb, `Array.from(document.querySelectorAll("#table-standard-2 tbody tr")).find(tr => tr.textContent.includes("Vacancy rate")).textContent`)
		if !strings.Contains(row, want) || !strings.Contains(row, last.Period) {
			t.Errorf("overview's vacancy rate row %q lacks the API's %s for %s", strings.Join(strings.Fields(row), " "), want, last.Period)
		}
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/indicators/vacancy_rate"), chromedp.WaitReady(chromedp.CSS("#table-trend")))
		cells := eval[[]string](tb, `Array.from(document.querySelectorAll("#table-trend tbody tr")).map(tr => tr.children[0].textContent.trim() + "=" + tr.children[1].textContent.trim())`)
		for _, pt := range tr.Points {
			want := pt.Period + "=" + "not"
			if pt.Value != nil {
				want = fmt.Sprintf("%s=%.1f%%", pt.Period, *pt.Value)
			}
			found := false
			for _, c := range cells {
				found = found || strings.HasPrefix(c, want)
			}
			if !found {
				t.Errorf("indicator table lacks %s (has %v)", want, cells)
			}
		}
	})

	t.Run("Standard 2 groups its metrics", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		var cat struct {
			Metrics []struct {
				ID       string `json:"id"`
				Source   string `json:"source"`
				Standard int    `json:"standard"`
			} `json:"metrics"`
		}
		r.http["demo-council"].Timeout = time.Minute
		if code := r.do("demo-council", "GET", "/v1/metrics", "", nil, &cat); code != 200 {
			t.Fatalf("metrics: %d", code)
		}
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/standards/2"), chromedp.WaitReady(chromedp.CSS("main table")))
		headings := eval[[]string](tb, `Array.from(document.querySelectorAll("main h2.govuk-heading-l")).map(h => h.textContent.trim())`)
		for _, want := range []string{"Workforce", "Service demand", "Workforce profile: representation by level", "Health check", "Audit"} {
			if !slices.Contains(headings, want) {
				t.Errorf("the Standard 2 page's headings %v lack %q", headings, want)
			}
		}
		// Each table follows its heading, and each metric of the catalogue is on the page once,
		// in the table of its kind.
		shown := eval[[]string](tb, `Array.from(document.querySelectorAll("main table")).flatMap(t => Array.from(t.querySelectorAll("tbody th[scope=row] a")).map(a => t.id + " " + decodeURIComponent(new URL(a.href).pathname.split("/").pop())))`)
		seen := map[string]int{}
		for _, s := range shown {
			table, id, _ := strings.Cut(s, " ")
			seen[id]++
			for _, m := range cat.Metrics {
				if m.ID == id && !strings.HasSuffix(table, "-"+m.Source) {
					t.Errorf("%s (from %s) is in the table %s", id, m.Source, table)
				}
			}
		}
		for _, m := range cat.Metrics {
			if m.Standard == 2 && seen[m.ID] != 1 {
				t.Errorf("%s is on the Standard 2 page %d times, want once", m.ID, seen[m.ID])
			}
		}
		if len(seen) == 0 {
			t.Fatal("the Standard 2 page shows no metrics")
		}
	})

	t.Run("projection what-ifs", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		// The form sets the assumptions; the table behind the chart is the API's answer.
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/projections?demand=flat&years=3"), chromedp.WaitReady(chromedp.CSS("#project")))
		tb.do(chromedp.SetValue(chromedp.CSS("#apprentices"), "10"), chromedp.SetValue(chromedp.CSS("#leaver_rate_change"), "-2"),
			chromedp.Click(chromedp.CSS("#project")))
		poll.Until(t, 30*time.Second, func() error {
			if loc := eval[string](tb, "location.href"); !strings.Contains(loc, "apprentices=10") || !strings.Contains(loc, "leaver_rate_change=-2") {
				return fmt.Errorf("the form went to %s", loc)
			}
			return nil
		})
		tb.do(chromedp.WaitReady(chromedp.CSS("#table-projection")))
		var api struct {
			Projection struct {
				Points []struct {
					Year   int     `json:"year"`
					Inpost float64 `json:"inpost_fte"`
					Gap    float64 `json:"gap_fte"`
				} `json:"points"`
			} `json:"projection"`
		}
		if code := r.do("demo-council", "GET", "/v1/projections?org=E06000001&demand=flat&years=3&apprentices=10&leaver_rate_change=-2", "", nil, &api); code != 200 {
			t.Fatalf("projection: %d", code)
		}
		rows := eval[[]string](tb, `Array.from(document.querySelectorAll("#table-projection tbody tr")).filter(tr => tr.children[1].textContent.trim() == "projected").map(tr => tr.children[0].textContent.trim() + "=" + tr.children[2].textContent.trim())`)
		if len(rows) != len(api.Projection.Points) {
			t.Fatalf("projected rows %v, want %d years", rows, len(api.Projection.Points))
		}
		for i, p := range api.Projection.Points {
			if want := fmt.Sprintf("%d=%.1f", p.Year, p.Inpost); rows[i] != want {
				t.Errorf("row %d is %s, the API says %s", i, rows[i], want)
			}
		}
		if closing := eval[string](tb, `document.getElementById("closing").textContent`); !strings.Contains(closing, "gap") {
			t.Errorf("closing words %q", closing)
		}
		tb.axe("/projections (what-ifs)")
		// A value that is not a number in the hub's grammar is refused on the page, saying why as
		// the API would, linked from the error summary.
		tb.do(chromedp.SetValue(chromedp.CSS("#target_caseload"), "1e3"), chromedp.Click(chromedp.CSS("#project")))
		poll.Until(t, 30*time.Second, func() error {
			if !eval[bool](tb, `!!document.querySelector(".govuk-error-summary")`) {
				return fmt.Errorf("no error summary")
			}
			return nil
		})
		if link := eval[string](tb, `document.querySelector(".govuk-error-summary a").getAttribute("href")`); link != "#target_caseload" {
			t.Errorf("error summary links %q, want #target_caseload", link)
		}
		if text := eval[string](tb, `document.querySelector(".govuk-error-summary a").textContent`); text != "Target caseload is written with an exponent: write the number out in full" {
			t.Errorf("error summary says %q", text)
		}
		tb.axe("/projections (an error)")
	})

	t.Run("upload with bad rows", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		tb.uploadWorkforce("org,period,inpost_fte,inpost_headcount,agency_fte,vacancy_fte,case_holders_fte,cases\n" +
			"E06000001,2024-Q1,152.3,158,6.5,x,95.2,1290\n" +
			"E06000001,2024-Q2,-4,150,5,12,90,1200\n" +
			"E06000001,2024-Q3,150,150.5,5,12,90,1200\n")
		outcome := eval[string](tb, `document.getElementById("outcome").textContent`)
		if want := "2 errors: 2 rows refused, 1 row stored"; strings.TrimSpace(outcome) != want {
			t.Errorf("outcome %q, want %q", outcome, want)
		}
		page := eval[string](tb, `document.querySelector("main").innerText`)
		for _, want := range []string{"inpost_fte", "Row 3", "inpost_headcount"} {
			if !strings.Contains(page, want) {
				t.Errorf("the result page does not say %q:\n%s", want, page)
			}
		}
		tb.downloads("submission")
		recs := tb.errorReport()
		if len(recs) < 3 {
			t.Fatalf("error report %v", recs)
		}
		found := false
		for _, rec := range recs[1:] {
			found = found || (rec[0] == "3" && rec[1] == "inpost_fte" && rec[3] == "error")
		}
		if !found {
			t.Errorf("error report lacks row 3's inpost_fte: %v", recs)
		}
		result := strings.TrimPrefix(eval[string](tb, "location.href"), r.s.DashboardURL)
		tb.visit("council-submission", result)
		// Every error, row by row, on its own page.
		tb.visit("council-submission-errors", result+"/errors")
		if rows := eval[[]string](tb, `Array.from(document.querySelectorAll("#table-errors tbody tr")).map(tr => Array.from(tr.children).map(c => c.textContent.trim()).join("|"))`); !slices.ContainsFunc(rows, func(r string) bool {
			return strings.HasPrefix(r, "3|inpost_fte|error|")
		}) {
			t.Errorf("the errors page lacks row 3's inpost_fte: %v", rows)
		}
	})

	t.Run("upload refused early", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		// A file of 3 MiB sent without saying what it holds: the dashboard refuses it before
		// sending it on, and the browser still reads the error summary (not a broken
		// connection), which links to the first radio.
		file := filepath.Join(t.TempDir(), "returns.csv")
		big := "org,period,inpost_fte,inpost_headcount,agency_fte,vacancy_fte,case_holders_fte,cases\n" +
			strings.Repeat("E06000001,2024-Q1,152.3,158,6.5,12,95.2,1290\n", 3<<20/46)
		if err := os.WriteFile(file, []byte(big), 0o644); err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/submit"), chromedp.WaitVisible(chromedp.CSS("#file")),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}), chromedp.Click(chromedp.CSS("#upload")),
			chromedp.WaitVisible(chromedp.CSS(".govuk-error-summary")))
		if title := eval[string](tb, "document.title"); !strings.HasPrefix(title, "Error: ") {
			t.Errorf("title %q, want it to start Error:", title)
		}
		links := eval[[]string](tb, `Array.from(document.querySelectorAll(".govuk-error-summary a")).map(a => a.getAttribute("href") + " " + a.textContent.trim())`)
		if len(links) == 0 || links[0] != "#kind-workforce Select what the file holds" {
			t.Errorf("error summary %v, want a link to the first kind", links)
		}
		tb.do(chromedp.Click(chromedp.CSS(".govuk-error-summary a")))
		if id := eval[string](tb, "document.activeElement.id"); id != "kind-workforce" {
			t.Errorf("the error summary's link moved the focus to %q, want the first kind", id)
		}
		tb.axe("/submit (no kind)")

		// A file the API refuses whole says why, as the API does, and nothing was stored.
		if err := os.WriteFile(file, []byte("org,period,inpost,colour\nE06000001,2024-Q1,1,blue\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.Click(chromedp.CSS("#kind-workforce")), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
			chromedp.Click(chromedp.CSS("#upload")))
		poll.Until(t, 30*time.Second, func() error {
			if !eval[bool](tb, `!!document.querySelector(".govuk-error-summary a[href='#file']")`) {
				return errors.New("no error summary about the file")
			}
			return nil
		})
		summary := eval[string](tb, `document.querySelector(".govuk-error-summary").innerText`)
		t.Logf("whole-file refusal:\n%s", summary)
		if !strings.Contains(summary, "nothing was stored") || !strings.Contains(summary, "colour") {
			t.Errorf("error summary %q does not say the file was refused whole and why", summary)
		}
		tb.axe("/submit (refused whole)")
	})

	t.Run("upload with many bad rows", func(t *testing.T) {
		// More errors than a status lists (100) and than the errors page shows at a time (500):
		// the counts are the API's, the errors page goes on to a next page, and the error report
		// has every one.
		tb := b.open(t, r)
		tb.signIn("council")
		var body strings.Builder
		body.WriteString("org,period,inpost_fte,inpost_headcount,agency_fte,vacancy_fte,case_holders_fte,cases\n")
		for i := range 600 {
			fmt.Fprintf(&body, "E06000001,%d-Q%d,-4,150,5,12,90,1200\n", 2000+i/4, i%4+1)
		}
		tb.uploadWorkforce(body.String())
		result := strings.TrimPrefix(eval[string](tb, "location.href"), r.s.DashboardURL)
		id := strings.TrimPrefix(strings.SplitN(result, "?", 2)[0], "/submissions/")
		var st struct {
			Rejected     int `json:"rejected"`
			ErrorCount   int `json:"error_count"`
			WarningCount int `json:"warning_count"`
			Errors       []any
		}
		if code := r.do("demo-steward", "GET", "/v1/submissions/"+id, "", nil, &st); code != 200 {
			t.Fatalf("status of %s: %d", id, code)
		}
		if st.ErrorCount < 600 || len(st.Errors) >= st.ErrorCount {
			t.Fatalf("the API counts %d errors and lists %d: want 600 or more, not all listed", st.ErrorCount, len(st.Errors))
		}
		if outcome, want := strings.TrimSpace(eval[string](tb, `document.getElementById("outcome").textContent`)), fmt.Sprintf("%d errors: %d rows refused", st.ErrorCount, st.Rejected); !strings.HasPrefix(outcome, want) {
			t.Errorf("outcome %q, want %q", outcome, want)
		}
		if !eval[bool](tb, `!!document.getElementById("partial")`) {
			t.Error("the result page does not say it groups only the first errors")
		}
		if recs := tb.errorReport(); len(recs)-1 != st.ErrorCount+st.WarningCount {
			t.Errorf("the error report has %d lines, want the API's %d errors and %d warnings", len(recs)-1, st.ErrorCount, st.WarningCount)
		}
		listed := 0
		tb.do(chromedp.Navigate(r.s.DashboardURL+result+"/errors"), chromedp.WaitReady(chromedp.CSS("#table-errors")))
		for page := 1; ; page++ {
			listed += eval[int](tb, `document.querySelectorAll("#table-errors tbody tr").length`)
			if !eval[bool](tb, `!!document.getElementById("next-page")`) || page > 10 {
				break
			}
			tb.do(chromedp.Click(chromedp.CSS("#next-page")), chromedp.WaitReady(chromedp.CSS("#table-errors")))
			poll.Until(t, 30*time.Second, func() error {
				if loc := eval[string](tb, "location.href"); !strings.Contains(loc, fmt.Sprintf("page=%d", page+1)) {
					return fmt.Errorf("still at %s", loc)
				}
				return nil
			})
		}
		if listed != st.ErrorCount+st.WarningCount {
			t.Errorf("the errors pages list %d, want the API's %d errors and %d warnings", listed, st.ErrorCount, st.WarningCount)
		}
		tb.visit("council-submission-errors-page-2", strings.TrimPrefix(eval[string](tb, "location.href"), r.s.DashboardURL))
	})

	t.Run("comparison toggle by keyboard", func(t *testing.T) {
		tb := b.open(t, r)
		tb.signIn("council")
		tb.do(chromedp.Navigate(r.s.DashboardURL+"/indicators/vacancy_rate"), chromedp.WaitReady(chromedp.CSS("#compare-region")))
		// Tab from the top of the page to the toggle, as a keyboard user would.
		eval[bool](tb, `document.activeElement.blur(); window.scrollTo(0, 0); true`)
		for i := 0; i < 200 && eval[string](tb, "document.activeElement.id") != "compare-region"; i++ {
			tb.do(chromedp.KeyEvent(kb.Tab))
		}
		if id := eval[string](tb, "document.activeElement.id"); id != "compare-region" {
			t.Fatalf("tabbing never reached the comparison toggle (at %q)", id)
		}
		tb.do(chromedp.KeyEvent(kb.ArrowDown)) // moves the choice to the next radio
		if !eval[bool](tb, `document.getElementById("compare-neighbours").checked`) {
			t.Fatal("the arrow key did not choose statistical neighbours")
		}
		for i := 0; i < 10 && eval[string](tb, "document.activeElement.id") != "compare-submit"; i++ {
			tb.do(chromedp.KeyEvent(kb.Tab))
		}
		if id := eval[string](tb, "document.activeElement.id"); id != "compare-submit" {
			t.Fatalf("tabbing from the toggle never reached its button (at %q)", id)
		}
		tb.do(chromedp.KeyEvent(kb.Enter))
		poll.UntilEvery(t, 5*time.Second, 50*time.Millisecond, func() error {
			if loc := eval[string](tb, "location.href"); !strings.Contains(loc, "compare=neighbours") {
				return fmt.Errorf("after Enter the page is %s, want the neighbours comparison", loc)
			}
			return nil
		})
		tb.do(chromedp.WaitReady(chromedp.CSS("#rank-chart-title")))
		if loc := eval[string](tb, "location.href"); !strings.Contains(loc, "compare=neighbours") {
			t.Fatalf("after Enter the page is %s, want the neighbours comparison", loc)
		}
		if title := eval[string](tb, `document.getElementById("rank-chart-title").textContent`); !strings.Contains(title, "statistical neighbours") {
			t.Errorf("ranked chart %q, want the statistical neighbours", title)
		}
	})
}
