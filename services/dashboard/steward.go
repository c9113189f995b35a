package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The steward pages: alliances (create, edit members, delete) and the access trail. The API
// refuses anyone else; the dashboard only shows the pages to stewards.

type allianceForm struct {
	ID, Name, Members string
	New               bool
	Errors            []formError
	Orgs              int
}

func (v *visit) alliances(w http.ResponseWriter) {
	var out struct {
		Alliances []allianceDef `json:"alliances"`
	}
	if err := v.get("/v1/alliances", nil, &out); err != nil {
		v.refuse(w, err)
		return
	}
	t := &Table{ID: "alliances", Caption: "Alliances", Head: []Head{{Text: "Alliance"}, {Text: "Id"}, {Text: "Members", Numeric: true}, {Text: "Last changed"}}}
	for _, a := range out.Alliances {
		t.Rows = append(t.Rows, []Cell{{Text: a.Name, Header: true, Href: "/alliances/" + url.PathEscape(a.ID)}, {Text: a.ID},
			intCell(len(a.Members)), {Text: strings.TrimSpace(when(a.UpdatedAt) + " by " + a.UpdatedBy)}})
	}
	v.show(w, "alliances", page{Title: "Alliances", Section: "alliances", Tables: []*Table{t}, Notice: noticeOf(v.r)})
}

func noticeOf(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "saved":
		return "The alliance was saved."
	case "deleted":
		return "The alliance was deleted."
	}
	return ""
}

func (v *visit) allianceForm(w http.ResponseWriter) {
	id := v.r.PathValue("id")
	f := allianceForm{New: id == ""}
	if id != "" {
		var a allianceDef
		if err := v.get("/v1/alliances/"+url.PathEscape(id), nil, &a); err != nil {
			v.refuse(w, err)
			return
		}
		f.ID, f.Name, f.Members = a.ID, a.Name, strings.Join(a.Members, "\n")
	}
	v.showAlliance(w, http.StatusOK, f)
}

func (v *visit) showAlliance(w http.ResponseWriter, code int, f allianceForm) {
	title := "Edit alliance " + f.Name
	if f.New {
		title = "New alliance"
	}
	if len(f.Errors) > 0 {
		title = "Error: " + title
	}
	v.app.render(w, v.r, code, "alliance", page{Title: title, Section: "alliances", Person: &v.person, Data: f, Back: "/alliances"})
}

var allianceID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// saveAlliance creates or replaces an alliance through the API.
func (v *visit) saveAlliance(w http.ResponseWriter) {
	if err := v.r.ParseForm(); err != nil {
		v.refuse(w, &apiProblem{Status: http.StatusBadRequest, Detail: "the form could not be read"})
		return
	}
	id := v.r.PathValue("id")
	f := allianceForm{New: id == "", ID: cmpOr(id, strings.TrimSpace(v.r.PostForm.Get("id"))), Name: strings.TrimSpace(v.r.PostForm.Get("name")),
		Members: v.r.PostForm.Get("members")}
	members := strings.FieldsFunc(strings.ToUpper(f.Members), func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	if !allianceID.MatchString(f.ID) {
		f.Errors = append(f.Errors, formError{Field: "id", Text: "Enter an id of lower-case letters, digits and dashes, starting with a letter or digit"})
	}
	if f.Name == "" {
		f.Errors = append(f.Errors, formError{Field: "name", Text: "Enter the alliance's name"})
	}
	if len(members) == 0 {
		f.Errors = append(f.Errors, formError{Field: "members", Text: "Enter at least one member's organisation code"})
	}
	if len(f.Errors) > 0 {
		v.showAlliance(w, http.StatusBadRequest, f)
		return
	}
	body, _ := json.Marshal(map[string]any{"name": f.Name, "members": members})
	err := v.call(http.MethodPut, "/v1/alliances/"+url.PathEscape(f.ID), nil, "application/json", bytes.NewReader(body), nil, nil)
	if s := statusOf(err); s == http.StatusUnprocessableEntity || s == http.StatusBadRequest {
		f.Errors = append(f.Errors, formError{Field: "members", Text: "The hub did not accept the alliance: " + problemText(err)})
		v.showAlliance(w, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		v.refuse(w, err)
		return
	}
	http.Redirect(w, v.r, "/alliances?done=saved", http.StatusSeeOther)
}

func (v *visit) deleteAlliance(w http.ResponseWriter) {
	if err := v.call(http.MethodDelete, "/v1/alliances/"+url.PathEscape(v.r.PathValue("id")), nil, "", nil, nil, nil); err != nil {
		v.refuse(w, err)
		return
	}
	http.Redirect(w, v.r, "/alliances?done=deleted", http.StatusSeeOther)
}

type trailEntry struct {
	At           time.Time `json:"at"`
	Subject      string    `json:"subject"`
	ClientID     string    `json:"client_id"`
	Org          string    `json:"org"`
	Roles        []string  `json:"roles"`
	Method       string    `json:"method"`
	Operation    string    `json:"operation"`
	Path         string    `json:"path"`
	TargetOrg    string    `json:"target_org"`
	SubmissionID string    `json:"submission_id"`
	Status       int       `json:"status"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail"`
}

type trailFilter struct {
	Org, Outcome, From, To string
	Errors                 []formError
}

// accessTrail shows who asked the API what, filtered by organisation, outcome and dates.
func (v *visit) accessTrail(w http.ResponseWriter) {
	q := v.r.URL.Query()
	f := trailFilter{Org: strings.TrimSpace(q.Get("org")), Outcome: q.Get("outcome"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	api := query("org", f.Org, "outcome", f.Outcome, "limit", "500")
	for _, d := range []struct {
		field, value, param string
		end                 bool
	}{{"from", f.From, "from", false}, {"to", f.To, "to", true}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.value)
		if err != nil {
			f.Errors = append(f.Errors, formError{Field: d.field, Text: "Enter the date as year-month-day, for example 2026-03-31"})
			continue
		}
		if d.end {
			t = t.AddDate(0, 0, 1)
		}
		api.Set(d.param, t.Format(time.RFC3339))
	}
	if f.Outcome != "" && f.Outcome != "allowed" && f.Outcome != "refused" && f.Outcome != "failed" {
		f.Errors = append(f.Errors, formError{Field: "outcome", Text: "Choose allowed, refused or failed"})
	}
	t := &Table{ID: "access-trail", Caption: "Requests to the hub API, newest first", Head: []Head{{Text: "When"}, {Text: "Who"}, {Text: "Organisation"},
		{Text: "What"}, {Text: "Concerning"}, {Text: "Outcome"}, {Text: "Status", Numeric: true}, {Text: "Why"}}}
	if len(f.Errors) == 0 {
		var out struct {
			Entries []trailEntry `json:"entries"`
		}
		if err := v.get("/v1/access-trail", api, &out); err != nil {
			v.refuse(w, err)
			return
		}
		for _, e := range out.Entries {
			t.Rows = append(t.Rows, []Cell{{Text: when(e.At), Raw: e.At.Format(time.RFC3339), Header: true}, {Text: cmpOr(e.Subject, "no valid token")},
				{Text: e.Org}, {Text: e.Method + " " + e.Path, Raw: e.Operation}, {Text: strings.TrimSpace(e.TargetOrg + " " + e.SubmissionID)},
				{Text: e.Outcome}, {Text: strconv.Itoa(e.Status), Numeric: true}, {Text: e.Detail}})
		}
	}
	code := http.StatusOK
	if len(f.Errors) > 0 {
		code = http.StatusBadRequest
	}
	p := page{Title: "Access trail", Section: "access-trail", Tables: []*Table{t}, Data: f, Person: &v.person, Query: v.r.URL.Query()}
	if code != http.StatusOK {
		p.Title = "Error: Access trail"
	}
	w.Header().Set("Server-Timing", v.serverTiming())
	v.app.render(w, v.r, code, "access-trail", p)
}
