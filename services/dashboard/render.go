package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/partnership-hub/hub/pkg/sheet"
)

//go:embed web/templates
var templateFiles embed.FS

// templates holds one template set per page, each the layout with the page's content.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates() (*templates, error) {
	funcs := template.FuncMap{
		"add":       func(a, b float64) float64 { return a + b },
		"pct":       func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"f1":        func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"orgName":   orgName,
		"list3":     func(a, b, c string) []string { return []string{a, b, c} },
		"areaName":  areaName,
		"roleWords": roleWords,
		"csvQuery": func(p page, id string) string {
			q := url.Values{}
			for k, v := range p.Query {
				q[k] = v
			}
			q.Set("format", "csv")
			q.Set("table", id)
			return q.Encode()
		},
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFiles, "web/templates/layout.html", "web/templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	names, err := fs.Glob(templateFiles, "web/templates/page-*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, n := range names {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFiles, n); err != nil {
			return nil, fmt.Errorf("dashboard templates: %w", err)
		}
		t.pages[strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "page-"), ".html")] = clone
	}
	return t, nil
}

// page is what every page shows: the layout's parts and the page's own data.
type page struct {
	Title    string
	Section  string // the navigation item it belongs to
	Person   *Person
	Nav      []navItem
	Period   string
	Computed string // when its figures were computed, in words
	Notice   string // a notification banner
	Problem  *problem
	Tables   []*Table
	Data     any
	Back     string
	Query    url.Values // the page's own parameters
}

// problem is a page that could not show what was asked, said in words.
type problem struct {
	Heading, Detail string
	SignIn          bool
	Next            string // where signing in again comes back to
}

type navItem struct {
	Label, Href, Section string
	Current              bool
}

// navigation lists the dashboard's sections a person may use.
func navigation(p *Person, current string) []navItem {
	if p == nil {
		return nil
	}
	items := []navItem{{Label: "Overview", Href: "/", Section: "overview"},
		{Label: "Standard 2", Href: "/standards/2", Section: "standard-2"},
		{Label: "Standard 8", Href: "/standards/8", Section: "standard-8"},
		{Label: "Partnerships", Href: "/partnerships", Section: "partnerships"},
		{Label: "Health check", Href: "/health-check", Section: "health-check"},
		{Label: "Projections", Href: "/projections", Section: "projections"},
	}
	if len(submittable(*p)) > 0 {
		items = append(items, navItem{Label: "Submit data", Href: "/submit", Section: "submit"})
	}
	if p.Steward() {
		items = append(items, navItem{Label: "Alliances", Href: "/alliances", Section: "alliances"},
			navItem{Label: "Access trail", Href: "/access-trail", Section: "access-trail"})
	}
	for i := range items {
		items[i].Current = items[i].Section == current
	}
	return items
}

// render writes a page: HTML, or with ?format=csv&table=ID one of its tables as CSV.
func (a *app) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	if r.URL.Query().Get("format") == "csv" && code == http.StatusOK {
		id := r.URL.Query().Get("table")
		for _, t := range p.Tables {
			if t.ID == id || (id == "" && len(p.Tables) == 1) {
				writeCSV(w, t)
				return
			}
		}
		http.Error(w, "no such table", http.StatusNotFound)
		return
	}
	tpl, ok := a.pages.pages[name]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	p.Nav = navigation(p.Person, p.Section)
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "layout", p); err != nil {
		a.log.Error("render page", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// show renders a signed-in person's page, with the API's share of its time.
func (v *visit) show(w http.ResponseWriter, name string, p page) {
	p.Person = &v.person
	p.Query = v.r.URL.Query()
	w.Header().Set("Server-Timing", v.serverTiming())
	v.app.render(w, v.r, http.StatusOK, name, p)
}

// refuse shows why the API would not answer, in words.
func (v *visit) refuse(w http.ResponseWriter, err error) {
	p := page{Person: &v.person}
	switch statusOf(err) {
	case http.StatusUnauthorized:
		// The token was refused after all (revoked, or the keys changed): sign in again.
		_ = v.app.sessions.Destroy(v.ctx())
		http.Redirect(w, v.r, "/sign-in?next="+url.QueryEscape(v.r.URL.RequestURI()), http.StatusSeeOther)
		return
	case http.StatusForbidden:
		p.Title = "You cannot see these figures"
		p.Problem = &problem{Heading: p.Title, Detail: "The hub does not let your account see this: " + problemText(err) + "."}
		if v.r.Method != http.MethodGet {
			p.Title = "You cannot do this"
			p.Problem = &problem{Heading: p.Title, Detail: "The hub does not let your account do this: " + problemText(err) + "."}
		}
		w.Header().Set("Server-Timing", v.serverTiming())
		v.app.render(w, v.r, http.StatusForbidden, "problem", p)
		return
	case http.StatusNotFound:
		p.Title = "No figures to show"
		p.Problem = &problem{Heading: p.Title, Detail: "The hub has no figures for this: " + problemText(err) + "."}
		v.app.render(w, v.r, http.StatusNotFound, "problem", p)
		return
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		p.Title = "The hub could not answer that question"
		p.Problem = &problem{Heading: p.Title, Detail: problemText(err) + "."}
		v.app.render(w, v.r, http.StatusBadRequest, "problem", p)
		return
	}
	v.app.fail(w, v.r, err)
}

func problemText(err error) string {
	if p, ok := err.(*apiProblem); ok {
		return strings.TrimSuffix(cmpOr(p.Detail, p.Title), ".")
	}
	return err.Error()
}

func cmpOr(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Table is a table a page shows and offers as CSV.
type Table struct {
	ID, Caption string
	// Heading, when set, is shown above the table: the name of the group of tables it begins.
	Heading string
	Head    []Head
	Rows    [][]Cell
	// SortBase is the page address the header links sort; empty: not sortable.
	SortBase string
	// Small sets the caption smaller, for a table under a chart.
	Small bool
}

// Head is a column heading.
type Head struct {
	Text    string
	Numeric bool
	Key     string // sort key
	Sort    string // "ascending", "descending" or "" (aria-sort)
	Href    string // link that sorts by it
}

// Cell is one cell: Text is shown, Raw goes to the CSV (Text when empty).
type Cell struct {
	Text    string
	Raw     string
	Href    string
	Numeric bool
	Missing bool // a figure not known: shown in words
	Header  bool // the row's header cell
	Focus   bool
}

func (c Cell) csv() string {
	if c.Raw != "" || c.Missing {
		return c.Raw
	}
	return c.Text
}

// writeCSV writes t with CRLF line ends for spreadsheets; a cell a spreadsheet would read as a
// formula is quoted with a leading apostrophe.
func writeCSV(w http.ResponseWriter, t *Table) {
	var buf bytes.Buffer
	cw := sheet.NewWriter(&buf) // every cell through the hub's one formula guard (package sheet)
	head := make([]string, len(t.Head))
	for i, h := range t.Head {
		head[i] = h.Text
	}
	_ = cw.Write(head)
	rec := make([]string, len(t.Head))
	for _, row := range t.Rows {
		rec = rec[:0]
		for _, c := range row {
			rec = append(rec, c.csv())
		}
		_ = cw.Write(rec)
	}
	_ = cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, t.ID))
	_, _ = w.Write(buf.Bytes())
}

// when says a time in words, in UK time.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 January 2006 at 15:04")
}
