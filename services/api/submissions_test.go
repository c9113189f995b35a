package api_test

import (
	"context"
	"encoding/json"
	"net/http"
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
