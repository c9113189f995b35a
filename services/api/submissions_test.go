package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
)

// submitRef posts a body and reads the submission it names.
func (e *env) submitRef(path, client, contentType, body string, header ...string) (int, api.SubmissionRef) {
	e.t.Helper()
	resp, b := e.do("POST", path, client, contentType, body, header...)
	var ref api.SubmissionRef
	if resp.StatusCode == http.StatusAccepted {
		if err := json.Unmarshal(b, &ref); err != nil {
			e.t.Fatalf("answer %s: %v", b, err)
		}
	}
	return resp.StatusCode, ref
}

// A repeat of a submission ingest has finished answers its status now, not "pending".
func TestRepeatOfAFinishedSubmissionAnswersItsStatus(t *testing.T) {
	e := newEnv(t, defaultLimits)
	body := "org,period,inpost_fte\nE06000001,2025,100\nE06000001,2024,oops\n"
	code, first := e.submitRef("/v1/workforce-returns", "demo-council", "text/csv", body, "Idempotency-Key", "finished")
	if code != http.StatusAccepted || first.Repeat || first.Status != submission.StatusPending {
		t.Fatalf("first: %d %+v", code, first)
	}
	// Ingest records the outcome of the one chunk: one row stored, one refused.
	store, err := submission.NewStore(context.Background(), e.nats.JS)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutChunk(context.Background(), first.ID, 0, submission.ChunkResult{Accepted: 1,
		Rejected: []submission.RowError{{Row: 3, Field: "inpost_fte", Reason: "is not a number"}}}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"finished", ""} {
		h := []string{}
		if key != "" {
			h = []string{"Idempotency-Key", key}
		}
		code, again := e.submitRef("/v1/workforce-returns", "demo-council", "text/csv", body, h...)
		if key == "" {
			// Without a key the body's hash is the key: a submission of its own the first time.
			if code != http.StatusAccepted || again.Repeat {
				t.Fatalf("first without a key: %d %+v", code, again)
			}
			continue
		}
		if code != http.StatusAccepted || !again.Repeat || again.ID != first.ID || again.Status != submission.StatusPartiallyAccepted || again.Rows != 2 {
			t.Errorf("repeat: %d %+v, want the first submission, repeat, partially_accepted, 2 rows", code, again)
		}
	}
	if got := e.queued(); got != 2 {
		t.Errorf("queued chunks = %d, want 2 (the repeat queues nothing)", got)
	}
}

// A retry of a submission whose first attempt stopped before anything was queued (here the
// stream was gone, as a client timing out leaves it) queues it for the first time: no repeat.
func TestRetryOfAnAttemptNeverQueuedIsNoRepeat(t *testing.T) {
	e := newEnv(t, defaultLimits)
	ctx := context.Background()
	body := `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100}]}`
	if err := e.nats.JS.DeleteStream(ctx, bus.StreamSubmissions); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.submitRef("/v1/workforce-returns", "demo-council", "application/json", body, "Idempotency-Key", "timed-out"); code != http.StatusInternalServerError {
		t.Fatalf("first attempt with no stream: %d, want 500", code)
	}
	if err := bus.Setup(ctx, e.nats.JS, 1); err != nil {
		t.Fatal(err)
	}
	code, ref := e.submitRef("/v1/workforce-returns", "demo-council", "application/json", body, "Idempotency-Key", "timed-out")
	if code != http.StatusAccepted || ref.Repeat || ref.Status != submission.StatusPending {
		t.Fatalf("retry: %d %+v, want 202, pending and no repeat", code, ref)
	}
	if got := e.queued(); got != 1 {
		t.Fatalf("queued chunks = %d, want 1", got)
	}
	// Once queued, the next attempt is a repeat.
	if code, ref := e.submitRef("/v1/workforce-returns", "demo-council", "application/json", body, "Idempotency-Key", "timed-out"); code != http.StatusAccepted || !ref.Repeat {
		t.Errorf("third attempt: %d %+v, want a repeat", code, ref)
	}
}

// Every kind says in words what a body must be: a CSV file sent without a Content-Type is read
// as CSV (and a refusal says how it was taken), one separated by semicolons or tabs is named
// so, a JSON body of the wrong shape is described without Go types, and an unknown content type
// names the ones taken. One path for every kind in the registry.
func TestEveryKindSaysWhatABodyMustBe(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for _, k := range kinds.All {
		m := k.About()
		t.Run(m.Name, func(t *testing.T) {
			header, row := sampleCSV(t, k)
			csv := header + "\n" + row + "\n"
			tests := []struct {
				name, contentType, body string
				status                  int
				says                    []string
			}{
				{"CSV without a Content-Type", "", csv, http.StatusAccepted, nil},
				{"semicolons", "text/csv", strings.ReplaceAll(csv, ",", ";"), http.StatusUnprocessableEntity, []string{"separated by semicolons", "comma-separated"}},
				{"semicolons without a Content-Type", "", strings.ReplaceAll(csv, ",", ";"), http.StatusUnprocessableEntity, []string{"separated by semicolons", "read as CSV (text/csv)"}},
				{"tabs", "text/csv", strings.ReplaceAll(csv, ",", "\t"), http.StatusUnprocessableEntity, []string{"separated by tabs"}},
				{"a JSON list", "application/json", "[" + strings.Repeat("{}", 1) + "]", http.StatusUnprocessableEntity, []string{"the body is a list", `{"` + k.Member() + `": [...]}`}},
				{"a JSON object for the list", "application/json", `{"` + k.Member() + `": {}}`, http.StatusUnprocessableEntity, []string{`"` + k.Member() + `" is an object: it must be a list`}},
				{"JSON without a Content-Type, cut short", "", `{"` + k.Member() + `": [`, http.StatusUnprocessableEntity, []string{"ends before its JSON is complete", "read as JSON (application/json)"}},
				{"XML", "application/xml", "<rows/>", http.StatusUnsupportedMediaType, []string{"text/csv", "application/json"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp, b := e.do("POST", m.Docs.Path, "demo-steward", tt.contentType, tt.body)
					if resp.StatusCode != tt.status {
						t.Fatalf("%d %s, want %d", resp.StatusCode, b, tt.status)
					}
					if tt.status == http.StatusAccepted {
						return
					}
					if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("content type %q", ct)
					}
					var p problem
					if err := json.Unmarshal(b, &p); err != nil || p.Status != tt.status {
						t.Fatalf("problem %s: %v", b, err)
					}
					text := p.Detail
					for _, d := range p.Errors {
						text += " | " + d.Location + ": " + d.Message
						if d.Location == "" {
							t.Errorf("detail %q has no location", d.Message)
						}
					}
					for _, s := range tt.says {
						if !strings.Contains(text, s) {
							t.Errorf("answer %q does not say %q", text, s)
						}
					}
					for _, goType := range []string{"struct {", "json.RawMessage", "[]", "invalid character", "unknown column 1 \"org;"} {
						if strings.Contains(text, goType) && !strings.Contains(strings.Join(tt.says, ""), goType) {
							t.Errorf("answer %q shows %q", text, goType)
						}
					}
				})
			}
		})
	}
}

// sampleCSV is the header and first row of a kind's demo data, as a client sends them.
func sampleCSV(t *testing.T, k kind.Any) (header, row string) {
	t.Helper()
	ups, err := k.Uploads()
	if err != nil || len(ups) == 0 {
		t.Fatalf("%s has no demo data to try (%v)", k.About().Name, err)
	}
	lines := strings.SplitN(string(ups[0].Body), "\n", 3)
	if len(lines) < 2 || strings.Contains(lines[1], `"`) {
		t.Fatalf("%s demo data: %q", k.About().Name, lines)
	}
	return strings.TrimSuffix(lines[0], "\r"), strings.TrimSuffix(lines[1], "\r")
}

// ingestChunks records, for every chunk queued, what ingest records when it stores the chunk's
// good rows: the rows it holds as accepted and the rows refused at the API as rejected.
func (e *env) ingestChunks(id string, warn func(env submission.Envelope) []submission.RowError) {
	e.t.Helper()
	ctx := context.Background()
	store, err := submission.NewStore(ctx, e.nats.JS)
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := e.nats.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		msg, err := s.GetMsg(ctx, seq)
		if err != nil {
			e.t.Fatal(err)
		}
		var envl submission.Envelope
		if err := json.Unmarshal(msg.Data, &envl); err != nil {
			e.t.Fatal(err)
		}
		if envl.ID != id {
			continue
		}
		wire, err := submission.Unpack(envl.Rows)
		if err != nil {
			e.t.Fatal(err)
		}
		res := submission.ChunkResult{Accepted: strings.Count(string(wire), "\n") - 1, Rejected: envl.Rejected}
		if warn != nil {
			res.Warnings = warn(envl)
		}
		if err := store.PutChunk(ctx, id, envl.Chunk, res); err != nil {
			e.t.Fatal(err)
		}
	}
}

// The status of a submission with many refused rows stays small: counts, the first 100 errors
// and warnings, and a link to the errors list, which gives every one a page at a time, or as
// one CSV file for a spreadsheet (with text that could run as a formula neutralised).
func TestStatusIsSmallAndErrorsArePaged(t *testing.T) {
	limits := defaultLimits
	limits.ChunkRows = 100
	e := newEnv(t, limits)
	var body strings.Builder
	body.WriteString("org,period,inpost_fte\n")
	for i := range 400 {
		if i%4 == 0 {
			fmt.Fprintf(&body, "E06000001,%d,100\n", 1600+i) // refused: a period before 2000, at ingest; good here
			continue
		}
		fmt.Fprintf(&body, "E06000001,%d,oops%d\n", 2000+i%20, i) // refused here: not a number (and repeats)
	}
	code, ref := e.submitRef("/v1/workforce-returns", "demo-council", "text/csv", body.String())
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d", code)
	}
	// One warning a chunk, on its first good row.
	e.ingestChunks(ref.ID, func(envl submission.Envelope) []submission.RowError {
		return []submission.RowError{{Row: 2 + 100*envl.Chunk, Field: "inpost_fte", Reason: "a doubt"}}
	})

	resp, b := e.do("GET", ref.StatusURL, "demo-council", "", "")
	var st submission.Status
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &st) != nil {
		t.Fatalf("status: %d %s", resp.StatusCode, b)
	}
	if st.ErrorCount != 300 || st.Rejected != 300 || st.WarningCount != 4 || len(st.Errors) != submission.StatusErrors || len(st.Warnings) != 4 ||
		st.ErrorsURL != ref.StatusURL+"/errors" || st.Errors[0].Row != 3 || st.Status != submission.StatusPartiallyAccepted {
		t.Fatalf("status: %d errors of %d, %d warnings of %d, url %q, first row %d, %s", len(st.Errors), st.ErrorCount, len(st.Warnings), st.WarningCount, st.ErrorsURL, st.Errors[0].Row, st.Status)
	}
	if len(b) > 20000 {
		t.Errorf("status is %d bytes", len(b))
	}
	// A chunk's result with many refused rows is kept compressed in the status bucket.
	kv, err := e.nats.JS.KeyValue(context.Background(), bus.BucketStatus)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := kv.Get(context.Background(), ref.ID+".1"); err != nil || len(raw.Value()) < 2 || raw.Value()[0] != 0x1f || raw.Value()[1] != 0x8b {
		t.Errorf("chunk 1's result is not compressed (%v)", err)
	}

	// Page by page, following the cursor: every error and warning once, by row.
	var got []submission.RowProblem
	next, pages := st.ErrorsURL+"?limit=120", 0
	for next != "" {
		resp, b := e.do("GET", next, "demo-council", "", "")
		var page api.ErrorsPage
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil {
			t.Fatalf("%s: %d %s", next, resp.StatusCode, b)
		}
		got = append(got, page.Errors...)
		pages++
		link := resp.Header.Get("Link")
		if (page.NextCursor == "") != (link == "") || pages > 10 {
			t.Fatalf("page %d: cursor %q, link %q", pages, page.NextCursor, link)
		}
		next = ""
		if link != "" {
			next = strings.TrimPrefix(strings.TrimSuffix(link, `>; rel="next"`), "<")
			if !strings.Contains(next, "limit=120") {
				t.Errorf("next page %q lost the limit", next)
			}
		}
	}
	if pages != 3 || len(got) != 304 {
		t.Fatalf("%d problems in %d pages, want 304 in 3", len(got), pages)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Row < got[i-1].Row {
			t.Fatalf("problem %d (row %d) after row %d", i, got[i].Row, got[i-1].Row)
		}
	}
	if got[0].Severity != submission.SeverityWarning || got[0].Row != 2 || got[1].Severity != submission.SeverityError {
		t.Errorf("first problems %+v", got[:2])
	}

	// The whole report as CSV.
	resp, b = e.do("GET", st.ErrorsURL, "demo-council", "", "", "Accept", "text/csv")
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || len(lines) != 305 || lines[0] != "row,field,reason,severity" {
		t.Fatalf("report: %d %s, %d lines, header %q", resp.StatusCode, resp.Header.Get("Content-Type"), len(lines), lines[0])
	}
	if resp, b := e.do("GET", st.ErrorsURL+"?cursor=not-ours", "demo-council", "", ""); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a cursor the hub did not give: %d %s", resp.StatusCode, b)
	}

	// A field a client named (and the hub refused) that a spreadsheet would run.
	code, ref = e.submitRef("/v1/workforce-returns", "demo-council", "application/json", `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 1, "=HYPERLINK(\"http://x\")": 1}]}`)
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d", code)
	}
	e.ingestChunks(ref.ID, nil)
	resp, b = e.do("GET", ref.StatusURL+"/errors", "demo-council", "", "", "Accept", "text/csv")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `'=HYPERLINK`) {
		t.Errorf("report %d %s: the formula is not neutralised", resp.StatusCode, b)
	}
}

// A large upload is read as it comes and its chunks set aside on disk until the whole body is
// known good: every row reaches the stream once, in order, in chunks of the configured size, and
// the file set aside is gone once the submission is queued — or refused.
func TestLargeUploadIsSpooledAndPublishedInOrder(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	e := newEnv(t, defaultLimits)
	const rows = 60000 // more chunks than a spool keeps in memory
	body := workforceCSV(rows)
	code, ref := e.submitRef("/v1/workforce-returns", "demo-steward", "text/csv", string(body), "Idempotency-Key", "large")
	if code != http.StatusAccepted || ref.Rows != rows {
		t.Fatalf("submit: %d %+v", code, ref)
	}
	if got := e.queued(); got != rows/1000 {
		t.Fatalf("queued %d chunks, want %d", got, rows/1000)
	}
	ctx := context.Background()
	s, err := e.nats.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	next := 2 // the first row's number: the header is row 1
	for seq := uint64(1); seq <= rows/1000; seq++ {
		msg, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var envl submission.Envelope
		if err := json.Unmarshal(msg.Data, &envl); err != nil {
			t.Fatal(err)
		}
		wire, err := submission.Unpack(envl.Rows)
		if err != nil || len(wire) < 2*len(envl.Rows) {
			t.Fatalf("chunk %d: %d bytes, %d unpacked (%v): the rows travel compressed", seq, len(envl.Rows), len(wire), err)
		}
		var got []int
		var first map[string]string
		for i, line := range strings.Split(strings.TrimSpace(string(wire)), "\n")[1:] {
			var rec []string
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(rec[0])
			got = append(got, n)
			if i == 0 {
				first = map[string]string{"org": rec[1], "period": rec[2]}
			}
		}
		if envl.Chunk != int(seq-1) || envl.Chunks != rows/1000 || len(got) != 1000 || got[0] != next || got[999] != next+999 || msg.Header.Get("Nats-Msg-Id") == "" {
			t.Fatalf("chunk %d: %d of %d, rows %d…%d, want from %d", seq, envl.Chunk, envl.Chunks, got[0], got[len(got)-1], next)
		}
		if want := strings.Split(strings.Split(string(body), "\n")[next-1], ","); first["org"] != want[0] || first["period"] != want[1] {
			t.Fatalf("chunk %d begins with %v, the file's row %d is %v", seq, first, next, want[:2])
		}
		next += 1000
	}
	// The same key and body again: a repeat, nothing queued; the same key with another body: refused.
	if code, again := e.submitRef("/v1/workforce-returns", "demo-steward", "text/csv", string(body), "Idempotency-Key", "large"); code != http.StatusAccepted || !again.Repeat || again.ID != ref.ID {
		t.Errorf("repeat: %d %+v", code, again)
	}
	other := strings.Replace(string(body), "E06000000,2000", "E06000000,1999", 1)
	if resp, b := e.do("POST", "/v1/workforce-returns", "demo-steward", "text/csv", other, "Idempotency-Key", "large"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the key with another body: %d %s, want 422", resp.StatusCode, b)
	}
	// Too many rows: refused, nothing queued.
	limits := defaultLimits
	limits.MaxRows = rows - 1
	small := newEnv(t, limits)
	if resp, b := small.do("POST", "/v1/workforce-returns", "demo-steward", "text/csv", string(body)); resp.StatusCode != http.StatusUnprocessableEntity || small.queued() != 0 {
		t.Errorf("too many rows: %d %s, queued %d", resp.StatusCode, b, small.queued())
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind in TMPDIR: %v", left)
	}
}
