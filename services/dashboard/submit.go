package dashboard

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
)

// upload is a data kind a person may upload: the registry's kind (pkg/kinds), with the API
// endpoint machine submissions use too.
type upload struct {
	ID, Label, Path, Hint string
	Policy                kind.Policy
}

// uploads are the registry's kinds, in its order, so that a new kind is offered without a change
// here.
var uploads = func() []upload {
	var out []upload
	for _, k := range kinds.All {
		m := k.About()
		out = append(out, upload{ID: m.Name, Label: m.Docs.Title, Path: m.Docs.Path, Hint: columnsHint(k.Columns()), Policy: m.Policy})
	}
	return out
}()

// columnsHint names a kind's first CSV columns, the way the form's hints show them.
func columnsHint(cols []string) string {
	const shown = 6
	if len(cols) <= shown {
		return strings.Join(cols, ", ")
	}
	return strings.Join(cols[:shown], ", ") + ", …"
}

// submittable lists the kinds p may upload: those its roles may submit by the kind's policy (the
// API checks the same policy again).
func submittable(p Person) []upload {
	c := kind.Caller{Roles: p.Roles, Org: p.Org}
	var out []upload
	for _, k := range uploads {
		if k.Policy.MaySubmit(c, k.Label) == nil {
			out = append(out, k)
		}
	}
	return out
}

type submitData struct {
	Kinds  []upload
	Chosen string
	Errors []formError
}

// formError is an error of a form: the field it is about (its form group), what to say, and
// where the error summary links to when that is not the field itself (the first radio of a
// group).
type formError struct{ Field, Text, Link string }

// chooseKind is the error of a form sent without a kind chosen; the summary links to the first
// radio, as GOV.UK's error summary does for a group of radios.
func (d submitData) chooseKind() formError {
	e := formError{Field: "kind", Text: "Select what the file holds"}
	if len(d.Kinds) > 0 {
		e.Link = "kind-" + d.Kinds[0].ID
	}
	return e
}

func (v *visit) submitForm(w http.ResponseWriter) {
	v.showSubmit(w, http.StatusOK, submitData{Kinds: submittable(v.person), Chosen: v.r.URL.Query().Get("kind")})
}

func (v *visit) showSubmit(w http.ResponseWriter, code int, d submitData) {
	discardBody(v.r) // a refusal given before the whole file was read
	p := page{Title: "Submit data", Section: "submit", Data: d, Person: &v.person, Query: v.r.URL.Query()}
	if len(d.Errors) > 0 {
		p.Title = "Error: Submit data"
	}
	v.app.render(w, v.r, code, "submit", p)
}

// submit streams an uploaded CSV to the kind's API endpoint with the person's token: the same
// endpoint, checks and status as a machine submission. The form's kind comes before the file,
// so the file is never held whole by the dashboard.
func (v *visit) submit(w http.ResponseWriter) {
	d := submitData{Kinds: submittable(v.person)}
	mr, err := v.r.MultipartReader()
	if err != nil {
		d.Errors = []formError{{Field: "file", Text: "Select a CSV file"}}
		v.showSubmit(w, http.StatusBadRequest, d)
		return
	}
	var k *upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.Errors = []formError{{Field: "file", Text: "The file could not be read: upload it again"}}
			v.showSubmit(w, http.StatusBadRequest, d)
			return
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			d.Chosen = string(b)
			for i := range d.Kinds {
				if d.Kinds[i].ID == d.Chosen {
					k = &d.Kinds[i]
				}
			}
		case "file":
			if k == nil {
				d.Errors = []formError{d.chooseKind()}
				v.showSubmit(w, http.StatusBadRequest, d)
				return
			}
			v.send(w, d, k, part)
			return
		}
	}
	if k == nil {
		d.Errors = append(d.Errors, d.chooseKind())
	}
	d.Errors = append(d.Errors, formError{Field: "file", Text: "Select a CSV file"})
	v.showSubmit(w, http.StatusBadRequest, d)
}

func (v *visit) send(w http.ResponseWriter, d submitData, k *upload, part *multipart.Part) {
	if part.FileName() == "" {
		d.Errors = []formError{{Field: "file", Text: "Select a CSV file"}}
		v.showSubmit(w, http.StatusBadRequest, d)
		return
	}
	var ref submissionRef
	err := v.call(http.MethodPost, k.Path, nil, "text/csv", part, nil, &ref)
	var p *apiProblem
	if errors.As(err, &p) && p.Status != http.StatusUnauthorized {
		// The API refused the file whole (not CSV, a column it does not know, another
		// organisation's rows …): nothing was stored. Say why, as the API said it.
		// The API speaks of the request's body: to the person it is their file.
		why := strings.Replace(problemText(p), "the body", "the file", 1)
		d.Errors = []formError{{Field: "file", Text: "The file was not accepted, and nothing was stored: " + why}}
		for i, e := range p.Errors {
			if i == 20 {
				d.Errors = append(d.Errors, formError{Field: "file", Text: fmt.Sprintf("and %d more problems", len(p.Errors)-20)})
				break
			}
			d.Errors = append(d.Errors, formError{Field: "file", Text: wholeFileError(e.Location, e.Message)})
		}
		v.showSubmit(w, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		v.refuse(w, err)
		return
	}
	target := "/submissions/" + url.PathEscape(ref.ID)
	if ref.Repeat {
		target += "?repeat=1"
	}
	http.Redirect(w, v.r, target, http.StatusSeeOther)
}

// wholeFileError words one of the API's reasons for refusing a file whole, whose location is
// "row N", "row N field", "body" or "body field": "Row 1, colour: unknown column 4".
func wholeFileError(location, message string) string {
	words := strings.Fields(location)
	var where string
	switch {
	case len(words) >= 2 && words[0] == "row":
		where = "Row " + words[1]
		if len(words) > 2 {
			where += ", " + strings.Join(words[2:], " ")
		}
	case len(words) >= 1 && words[0] == "body":
		where = strings.Join(words[1:], " ")
	default:
		where = location
	}
	if where == "" {
		return upperFirst(message)
	}
	return where + ": " + message
}

// upperFirst starts s with a capital letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

type submissionData struct {
	Status   submissionStatus
	Pending  bool
	Outcome  string
	Repeat   bool
	Kind     string
	Fields   []fieldErrors
	Warnings []fieldErrors
	Problems int  // errors and warnings
	Partial  bool // the fields group only the first errors and warnings of many
}

type fieldErrors struct {
	Field string
	Rows  string
	Count int
	Why   []string
}

// submissionPage is the result of an upload the way ASC-WDS shows one: accepted, accepted with
// warnings or N errors, the errors grouped by field with their rows, every error a page at a
// time, and the error report.
func (v *visit) submissionPage(w http.ResponseWriter) {
	var st submissionStatus
	if err := v.get("/v1/submissions/"+url.PathEscape(v.r.PathValue("id")), nil, &st); err != nil {
		v.refuse(w, err)
		return
	}
	// The status lists the first errors and warnings only; the counts are of them all.
	errs, warns := max(st.ErrorCount, len(st.Errors)), max(st.WarningCount, len(st.Warnings))
	st.ErrorCount, st.WarningCount = errs, warns
	d := submissionData{Status: st, Pending: st.Status == "pending", Repeat: v.r.URL.Query().Get("repeat") != "", Kind: st.Kind,
		Problems: errs + warns, Partial: errs > len(st.Errors) || warns > len(st.Warnings)}
	switch {
	case d.Pending:
		d.Outcome = fmt.Sprintf("Checking: %d of %d rows done", st.Accepted+st.Rejected, st.Rows)
	case st.Rejected == 0 && warns == 0:
		d.Outcome = fmt.Sprintf("Accepted: all %s stored", plural(st.Accepted, "row"))
	case st.Rejected == 0:
		d.Outcome = fmt.Sprintf("Accepted with %s: all %s stored", plural(warns, "warning"), plural(st.Accepted, "row"))
	default:
		d.Outcome = fmt.Sprintf("%s: %s refused, %s stored", plural(errs, "error"), plural(st.Rejected, "row"), plural(st.Accepted, "row"))
	}
	d.Fields, d.Warnings = groupByField(st.Errors), groupByField(st.Warnings)
	v.show(w, "submission", page{Title: "Submission " + st.ID, Section: "submit", Data: d})
}

// errorsPerPage is how many errors and warnings the errors page lists at a time.
const errorsPerPage = 500

type submissionErrorsData struct {
	ID, Next                string
	Page, NextPage, PerPage int
}

// submissionErrors lists every error and warning of a submission, row by row, a page at a time
// as the API pages them.
func (v *visit) submissionErrors(w http.ResponseWriter) {
	id := v.r.PathValue("id")
	q := v.r.URL.Query()
	var ep errorsPage
	if err := v.get("/v1/submissions/"+url.PathEscape(id)+"/errors", query("limit", strconv.Itoa(errorsPerPage), "cursor", q.Get("cursor")), &ep); err != nil {
		v.refuse(w, err)
		return
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	d := submissionErrorsData{ID: cmpOr(ep.ID, id), Page: n, NextPage: n + 1, PerPage: errorsPerPage}
	if ep.NextCursor != "" {
		d.Next = "?" + url.Values{"cursor": {ep.NextCursor}, "page": {strconv.Itoa(n + 1)}}.Encode()
	}
	t := &Table{ID: "errors", Caption: fmt.Sprintf("Errors and warnings, page %d", n),
		Head: []Head{{Text: "Row", Numeric: true}, {Text: "Field"}, {Text: "Severity"}, {Text: "Reason"}}}
	for _, e := range ep.Errors {
		t.Rows = append(t.Rows, []Cell{{Text: strconv.Itoa(e.Row), Numeric: true, Header: true}, {Text: cmpOr(e.Field, "whole row")}, {Text: e.Severity}, {Text: e.Reason}})
	}
	v.show(w, "submission-errors", page{Title: fmt.Sprintf("Errors and warnings of submission %s (page %d)", d.ID, n), Section: "submit", Tables: []*Table{t}, Data: d})
}

// errorReport is the API's whole error report of a submission (row, field, reason, severity),
// passed on as it comes, for a spreadsheet.
func (v *visit) errorReport(w http.ResponseWriter) {
	id := v.r.PathValue("id")
	resp, err := v.do(http.MethodGet, "/v1/submissions/"+url.PathEscape(id)+"/errors", nil, "", nil, http.Header{"Accept": {"text/csv"}})
	if err != nil {
		v.refuse(w, err)
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+reportName(id)+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Server-Timing", v.serverTiming())
	if _, err := io.Copy(w, resp.Body); err != nil {
		v.app.log.Info("error report cut short", "submission", id, "err", err)
	}
}

// reportName is the error report's file name: the submission id kept to letters, digits and
// hyphens.
func reportName(id string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, id)
	return "submission-" + safe + "-errors.csv"
}

// plural writes "1 row", "2 rows".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// groupByField gathers row errors by field, rows in order.
func groupByField(errs []rowError) []fieldErrors {
	var out []fieldErrors
	for _, e := range errs {
		field := cmpOr(e.Field, "whole row")
		i := slices.IndexFunc(out, func(f fieldErrors) bool { return f.Field == field })
		if i < 0 {
			out = append(out, fieldErrors{Field: field})
			i = len(out) - 1
		}
		f := &out[i]
		f.Count++
		if f.Count <= 50 {
			if f.Rows != "" {
				f.Rows += ", "
			}
			f.Rows += strconv.Itoa(e.Row)
			if !slices.Contains(f.Why, e.Reason) && len(f.Why) < 5 {
				f.Why = append(f.Why, e.Reason)
			}
		}
	}
	for i := range out {
		if out[i].Count > 50 {
			out[i].Rows += fmt.Sprintf(" and %d more", out[i].Count-50)
		}
	}
	return out
}
