package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/auth/authtest"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/devoidc/devoidctest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/services/api"
)

const councilReturn = `{"returns": [{"org": "E06000001", "period": "2025", "inpost_fte": 100}]}`

// trailRecords reads what the API has recorded on the access trail so far.
func (e *env) trailRecords() []trail.Entry {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.nats.JS.Stream(ctx, bus.StreamTrail)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []trail.Entry
	{
		for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			if err != nil {
				e.t.Fatal(err)
			}
			rec, err := trail.Decode(m.Data)
			if err != nil {
				e.t.Fatal(err)
			}
			out = append(out, rec)
		}
	}
	return out
}

// lastRecord waits for the record of the latest request (records are published asynchronously).
func (e *env) lastRecord(n int) trail.Entry {
	e.t.Helper()
	var recs []trail.Entry
	poll.Until(e.t, 5*time.Second, func() error {
		if recs = e.trailRecords(); len(recs) < n {
			return fmt.Errorf("access trail has %d records, want %d", len(recs), n)
		}
		return nil
	})
	return recs[n-1]
}

// Tokens an attacker would try against the hub's own provider: each refused with 401, nothing
// queued, and the refusal on the access trail.
func TestHostileTokens(t *testing.T) {
	e := newEnv(t, defaultLimits)
	other := devoidctest.Start(t, devoidc.Config{Audience: audience, Clients: clients()})
	otherAudience := devoidctest.Start(t, devoidc.Config{Audience: "another-service", Clients: clients()})

	good := e.tokens["demo-council"]
	header, payload := authtest.DecodeParts(t, good)
	kid, _ := header["kid"].(string)
	promoted := maps.Clone(payload)
	promoted["roles"] = []string{auth.RoleSteward}
	promoted["org"] = "E06000002"
	parts := strings.Split(good, ".")
	parts[1] = authtest.EncodeSegment(t, promoted)
	stranger := authtest.Start(t)

	hostile := map[string]string{
		"another issuer":        other.Token(t, "demo-council", "demo-secret"),
		"wrong audience":        otherAudience.Token(t, "demo-council", "demo-secret"),
		"tampered payload":      strings.Join(parts, "."),
		"alg none":              authtest.EncodeSegment(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + authtest.EncodeSegment(t, promoted) + ".",
		"HS256 with public key": authtest.SignWith(t, jose.HS256, authtest.PublicKeyPEM(t, e.oidc.Issuer), kid, promoted),
		"unknown key id":        stranger.Sign(t, jose.RS256, promoted),
		"garbage":               "not.a.token",
	}
	n := 0
	for name, token := range hostile {
		t.Run(name, func(t *testing.T) {
			e.tokens["attacker"] = token
			resp, body := e.do("POST", "/v1/workforce-returns", "attacker", "application/json", councilReturn)
			n++
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d %s, want 401", resp.StatusCode, body)
			}
			rec := e.lastRecord(n)
			if rec.Status != 401 || rec.Outcome != trail.Refused || rec.Subject != "" || rec.Operation != "submit-workforce-returns" || rec.Detail == "" {
				t.Errorf("trail record = %+v", rec)
			}
		})
	}
	if q := e.queued(); q != 0 {
		t.Errorf("queued %d chunks, want none", q)
	}
	// The untouched token works, so each refusal is down to what was changed.
	if resp, body := e.do("POST", "/v1/workforce-returns", "demo-council", "application/json", councilReturn); resp.StatusCode != http.StatusAccepted {
		t.Errorf("good token: %d %s", resp.StatusCode, body)
	}
}

// Tokens from a trusted issuer with claims built for each case: expiry, a missing organisation,
// and the positive path of every role.
func TestClaimsAndRoles(t *testing.T) {
	iss := authtest.Start(t)
	e := newEnvWith(t, envOptions{limits: defaultLimits, issuer: iss.URL})
	token := func(claims map[string]any) string { return iss.Sign(t, jose.RS256, iss.Claims(claims)) }
	e.tokens = map[string]string{
		"expired":         token(map[string]any{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix(), "nbf": time.Now().Add(-time.Hour).Unix(), "org": "E06000001", "roles": []string{"submitter"}}),
		"not yet valid":   token(map[string]any{"nbf": time.Now().Add(5 * time.Minute).Unix(), "org": "E06000001", "roles": []string{"submitter"}}),
		"no org":          token(map[string]any{"sub": "no-org", "roles": []string{"submitter"}}),
		"submitter":       token(map[string]any{"sub": "council", "org": "E06000001", "roles": []string{"submitter"}}),
		"university":      token(map[string]any{"sub": "uni", "org": "10007799", "roles": []string{"university"}}),
		"survey provider": token(map[string]any{"sub": "survey", "roles": []string{"survey_provider"}}),
		"analyst":         token(map[string]any{"sub": "analyst", "roles": []string{"analyst"}, "alliances": []string{"north-east"}}),
		"steward":         token(map[string]any{"sub": "steward", "roles": []string{"steward"}}),
		"no roles":        token(map[string]any{"sub": "nobody", "org": "E06000001"}),
		"wrong audience":  token(map[string]any{"aud": "another-service", "org": "E06000001", "roles": []string{"submitter"}}),
	}
	tests := []struct {
		client, method, path, body string
		want                       int
	}{
		{"expired", "POST", "/v1/workforce-returns", councilReturn, 401},
		{"not yet valid", "POST", "/v1/workforce-returns", councilReturn, 401},
		{"wrong audience", "POST", "/v1/workforce-returns", councilReturn, 401},
		{"no org", "POST", "/v1/workforce-returns", councilReturn, 403},
		{"no roles", "POST", "/v1/workforce-returns", councilReturn, 403},
		{"survey provider", "POST", "/v1/workforce-returns", councilReturn, 403},
		{"analyst", "POST", "/v1/workforce-returns", councilReturn, 403},
		{"university", "POST", "/v1/workforce-returns", councilReturn, 403},
		{"submitter", "GET", "/v1/access-trail", "", 403},
		{"analyst", "GET", "/v1/access-trail", "", 403},
		{"submitter", "POST", "/v1/workforce-returns", councilReturn, 202},
		{"steward", "POST", "/v1/workforce-returns", councilReturn, 202},
	}
	for _, tt := range tests {
		t.Run(tt.client+" "+tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := e.do(tt.method, tt.path, tt.client, "application/json", tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
	if q := e.queued(); q != 2 {
		t.Errorf("queued %d chunks, want 2 (the two allowed submissions)", q)
	}
	if os.Getenv(chtest.AddrEnv) != "" {
		if resp, body := e.do("GET", "/v1/access-trail", "steward", "", ""); resp.StatusCode != 200 {
			t.Errorf("steward reading the trail: %d %s", resp.StatusCode, body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnvWith(t, envOptions{limits: defaultLimits, rate: api.RateLimit{PerSecond: 0.5, Burst: 2}})
	for i := range 2 {
		if resp, b := e.do("GET", "/v1/submissions/none", "demo-council", "", ""); resp.StatusCode != 404 {
			t.Fatalf("request %d: %d %s, want 404", i+1, resp.StatusCode, b)
		}
	}
	resp, b := e.do("GET", "/v1/submissions/none", "demo-council", "", "")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third request: %d %s, want 429", resp.StatusCode, b)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After = %q, want 1 or 2 seconds", resp.Header.Get("Retry-After"))
	}
	if h := resp.Header; h.Get("RateLimit-Limit") != "2" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") != h.Get("Retry-After") {
		t.Errorf("RateLimit fields %q %q %q, want 2, 0 and Retry-After", h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"))
	}
	if rec := e.lastRecord(3); rec.Status != 429 || rec.Subject != "demo-council" || rec.Outcome != trail.Refused {
		t.Errorf("trail record = %+v", rec)
	}
	// Another client has its own allowance.
	if resp, _ := e.do("GET", "/v1/submissions/none", "other-council", "", ""); resp.StatusCode != 404 {
		t.Errorf("another client: %d, want 404", resp.StatusCode)
	}
}

func TestTrailRecordsWhoAndWhat(t *testing.T) {
	e := newEnv(t, defaultLimits)
	resp, body := e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", "org,period,cases\nE06000001,2025,10\n")
	if resp.StatusCode != 202 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	e.do("POST", "/v1/workforce-returns", "demo-council", "text/csv", "org,period,cases\nE06000002,2025,10\n")
	e.do("GET", "/v1/workforce-returns?org=E06000003", "other-council", "", "")
	allowed, foreign, read := e.lastRecord(1), e.lastRecord(2), e.lastRecord(3)
	if allowed.Outcome != trail.Allowed || allowed.Status != 202 || allowed.Subject != "demo-council" || allowed.ClientID != "demo-council" ||
		allowed.Org != "E06000001" || allowed.SubmissionID == "" || !strings.Contains(string(body), allowed.SubmissionID) || allowed.Method != "POST" {
		t.Errorf("allowed submission recorded as %+v", allowed)
	}
	if foreign.Outcome != trail.Refused || foreign.Status != 403 || foreign.TargetOrg != "E06000002" || foreign.Detail == "" {
		t.Errorf("refused submission recorded as %+v", foreign)
	}
	if read.Outcome != trail.Refused || read.TargetOrg != "E06000003" || read.Org != "E06000002" || read.Operation != "list-workforce-returns" {
		t.Errorf("refused read recorded as %+v", read)
	}
}

func TestAlliances(t *testing.T) {
	if os.Getenv(chtest.AddrEnv) == "" {
		t.Skip(chtest.AddrEnv + " is not set")
	}
	e := newEnv(t, defaultLimits)
	body := `{"name": "North East Social Work Alliance", "members": ["E06000001", "E06000047"]}`
	for _, tt := range []struct {
		client, method, path, body string
		want                       int
	}{
		{"demo-council", "PUT", "/v1/alliances/north-east", body, 403},
		{"demo-analyst", "PUT", "/v1/alliances/north-east", body, 403},
		{"demo-steward", "PUT", "/v1/alliances/north-east", `{"name": "x", "members": ["E99999999"]}`, 422},
		{"demo-steward", "PUT", "/v1/alliances/North%20East", body, 422},
		// The name is free text shown in pages and CSV files: refused, never altered (rows.CheckText).
		{"demo-steward", "PUT", "/v1/alliances/north-east", `{"name": "=HYPERLINK(\"http://x\")", "members": ["E06000001"]}`, 422},
		{"demo-steward", "PUT", "/v1/alliances/north-east", `{"name": "<b>North East</b>", "members": ["E06000001"]}`, 422},
		{"demo-steward", "PUT", "/v1/alliances/north-east", `{"name": "North East\r", "members": ["E06000001"]}`, 422},
		{"demo-steward", "PUT", "/v1/alliances/north-east", body, 200},
		{"demo-steward", "PUT", "/v1/alliances/london", `{"name": "London", "members": ["E09000001"]}`, 200},
		{"demo-analyst", "GET", "/v1/alliances/north-east", "", 200},
		{"demo-analyst", "GET", "/v1/alliances/london", "", 404},
		{"demo-council", "GET", "/v1/alliances/north-east", "", 200},
		{"other-council", "GET", "/v1/alliances/north-east", "", 404},
		{"demo-council", "DELETE", "/v1/alliances/london", "", 403},
		{"demo-steward", "DELETE", "/v1/alliances/london", "", 204},
		{"demo-steward", "GET", "/v1/alliances/london", "", 404},
	} {
		resp, b := e.do(tt.method, tt.path, tt.client, "application/json", tt.body)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s %s: %d %s, want %d", tt.client, tt.method, tt.path, resp.StatusCode, b, tt.want)
		}
	}
	var list struct {
		Alliances []struct{ ID string } `json:"alliances"`
	}
	_, b := e.do("GET", "/v1/alliances", "demo-analyst", "", "")
	if err := json.Unmarshal(b, &list); err != nil || len(list.Alliances) != 1 || list.Alliances[0].ID != "north-east" {
		t.Errorf("analyst's alliances = %s", b)
	}
}

// Every refusal is on the access trail with its reason, whoever answered it: huma's validation,
// the body readers, the handlers, the router.
func TestTrailRecordsWhyEveryRefusal(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for i, tt := range []struct {
		method, path, contentType, body string
		status                          int
		detail                          string // in the trail record's reason
	}{
		{"POST", "/v1/workforce-returns", "text/plain", "org,period\n", 415, "send application/json or text/csv"},
		{"POST", "/v1/workforce-returns", "application/json", `{"returns": [}`, 422, "cannot be read"},
		{"GET", "/v1/audits/action-plan?cycle=1999", "", "", 422, "query.cycle"},
		{"GET", "/v1/submissions/6f1c0000-0000-4000-8000-000000000000", "", "", 404, "no such submission"},
		{"GET", "/v1/access-trail", "", "", 403, "stewards"},
		{"GET", "/v1/nowhere", "", "", 404, "no such path"},
		{"DELETE", "/v1/metrics", "", "", 405, "DELETE is not allowed"},
	} {
		resp, b := e.do(tt.method, tt.path, "demo-council", tt.contentType, tt.body)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, resp.StatusCode, b, tt.status)
			continue
		}
		rec := e.lastRecord(i + 1)
		if rec.Status != tt.status || rec.Outcome != trail.Refused || !strings.Contains(rec.Detail, tt.detail) || rec.Path != strings.Split(tt.path, "?")[0] {
			t.Errorf("%s %s: trail record %+v, want status %d and a reason with %q", tt.method, tt.path, rec, tt.status, tt.detail)
		}
	}
}

// A path or method no operation has is answered as a problem (RFC 9457), as every error is.
func TestUnknownPathsAndMethodsAreProblems(t *testing.T) {
	e := newEnv(t, defaultLimits)
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v1/nowhere", 404, ""},
		{"GET", "/nowhere", 404, ""},
		{"DELETE", "/v1/metrics", 405, "GET"},
		{"POST", "/healthz", 405, "GET"},
	} {
		resp, b := e.do(tt.method, tt.path, "demo-council", "", "")
		var p problem
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(b, &p) != nil ||
			p.Status != tt.status || p.Title == "" || p.Detail == "" {
			t.Errorf("%s %s: %d %q %s, want a %d problem", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.status)
		}
		if tt.allow != "" && !strings.Contains(resp.Header.Get("Allow"), tt.allow) {
			t.Errorf("%s %s: Allow %q, want %s", tt.method, tt.path, resp.Header.Get("Allow"), tt.allow)
		}
	}
}
