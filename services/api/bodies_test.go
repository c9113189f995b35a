package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goTypes matches what a Go decoder says of Go types, which no answer may show.
var goTypes = regexp.MustCompile(`struct \{|json\.|\[\][a-z]|map\[|interface \{|float64|int64|Go (struct|value)|unmarshal`)

// Every operation of the generated document that takes a body, called by a role it serves:
// a Content-Type it does not take is answered 415 naming every type it takes; JSON that is not
// well formed is refused (400, or 422 for a submission, which reads its body as it comes) saying where and what to send; JSON of another shape is refused
// in words, never Go types; a body sent without a Content-Type to an operation that takes no CSV
// is answered naming what it takes. Each answer is a problem (RFC 9457).
func TestEveryBodyOperationSaysWhatItTakes(t *testing.T) {
	e := newEnv(t, defaultLimits)
	rows := allAccessRows(t)
	f := &accessFixture{e: e, submissions: map[string]string{}}
	ops := slices.DeleteFunc(documentOperations(t), func(op docOperation) bool { return len(op.bodyTypes) == 0 })
	if len(ops) == 0 {
		t.Fatal("no operation of the document takes a body")
	}
	slices.SortFunc(ops, func(a, b docOperation) int { return strings.Compare(a.id, b.id) })
	for _, op := range ops {
		id := op.id
		row, ok := rows[id]
		if !ok {
			t.Errorf("%s: no access rows (TestEveryOperationHasAccessRows says which)", id)
			continue
		}
		client := ""
		for _, r := range accessRoles {
			if w := row.want[r.role][0]; client == "" && r.client != "" && w >= 200 && w < 300 {
				client = r.client
			}
		}
		if client == "" {
			t.Errorf("%s: no role may call it", id)
			continue
		}
		path := row.path
		if row.id != nil {
			path = strings.ReplaceAll(path, "{id}", row.id(f, client, "own"))
		}
		call := func(name, contentType, body string) (int, string) {
			t.Helper()
			resp, b := e.do(op.method, path, client, contentType, body)
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s %s: %d answered as %q, want application/problem+json: %s", id, name, resp.StatusCode, ct, b)
			}
			var a problem
			if err := json.Unmarshal(b, &a); err != nil {
				t.Errorf("%s %s: %v: %s", id, name, err, b)
			}
			if goTypes.Match(b) {
				t.Errorf("%s %s: the answer shows Go types: %s", id, name, b)
			}
			for _, d := range a.Errors {
				if s, ok := d.Value.(string); ok && s == body {
					t.Errorf("%s %s: the answer sends the body back: %s", id, name, b)
				}
			}
			return resp.StatusCode, string(b)
		}

		t.Run(id, func(t *testing.T) {
			status, b := call("sent as text/plain", "text/plain", "org;period\nE06000001;2025\n")
			if status != http.StatusUnsupportedMediaType {
				t.Errorf("text/plain: %d %s, want 415", status, b)
			}
			for _, ct := range op.bodyTypes {
				if !strings.Contains(b, ct) {
					t.Errorf("text/plain: 415 %s does not name %s, which the operation takes", b, ct)
				}
			}

			status, b = call("with JSON that is not well formed", "application/json", "{\n  , \"name\": 1\n}")
			if (status != http.StatusBadRequest && status != http.StatusUnprocessableEntity) || !strings.Contains(b, "byte") || !strings.Contains(b, "send") {
				t.Errorf("broken JSON: %d %s, want 400 or 422 saying where (byte) and what to send", status, b)
			}

			status, b = call("with a list for an object", "application/json", "[1, 2]")
			if (status != http.StatusBadRequest && status != http.StatusUnprocessableEntity) || !strings.Contains(b, "object") {
				t.Errorf("a list: %d %s, want 400 or 422 saying an object is expected", status, b)
			}

			if !slices.Contains(op.bodyTypes, "text/csv") {
				status, b = call("as CSV without a Content-Type", "", "org,period\nE06000001,2025\n")
				if status != http.StatusBadRequest || !strings.Contains(b, "application/json") || !strings.Contains(b, "no Content-Type") {
					t.Errorf("CSV without a Content-Type: %d %s, want 400 naming application/json and saying none was sent", status, b)
				}
			}
		})
	}
}
