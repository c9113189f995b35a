package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/authz"
	"github.com/partnership-hub/hub/pkg/trail"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// RateLimit bounds how fast one client (or, before it is authenticated, one address) may call.
type RateLimit struct {
	PerSecond float64 `env:"RATE_LIMIT" envDefault:"50"` // requests per second per client; 0 turns limiting off
	Burst     int     `env:"RATE_BURST" envDefault:"100"`
}

// limiter keeps one token bucket per client, forgetting clients idle for ten minutes.
type limiter struct {
	cfg RateLimit

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	return &limiter{cfg: cfg, buckets: map[string]*bucket{}, swept: time.Now()}
}

// wait reports how long key must wait before its next request; zero when it may go now.
func (l *limiter) wait(key string) time.Duration {
	if l == nil || l.cfg.PerSecond <= 0 {
		return 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.used) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), max(l.cfg.Burst, 1))}
		l.buckets[key] = b
	}
	b.used = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// refuseTooMany answers 429 with the seconds to wait in Retry-After, and the limit in the
// RateLimit fields (limit: the burst; remaining: none; reset: the same wait).
func refuseTooMany(api huma.API, ctx huma.Context, burst int, wait time.Duration) {
	secs := fmt.Sprint(int(math.Ceil(wait.Seconds())))
	ctx.SetHeader("Retry-After", secs)
	ctx.SetHeader("RateLimit-Limit", fmt.Sprint(max(burst, 1)))
	ctx.SetHeader("RateLimit-Remaining", "0")
	ctx.SetHeader("RateLimit-Reset", secs)
	_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests, "too many requests: slow down and try again after Retry-After seconds")
}

// principalSlot carries the verified caller from authenticate back up to recordAccess.
type principalSlot struct{ p *auth.Principal }

type principalSlotKey struct{}

// recordAccess records every /v1 request on the access trail once it is answered: who (from the
// verified token, if any), what, the organisation and submission concerned, the outcome and,
// for every refusal and failure, why. The organisation concerned is the one a handler names
// (trail.Annotate), or else the org= the request asks about; the reason is the one a handler
// gives (trail.Explain), or else the detail of the problem the request was answered with, so
// that no refusal goes on the trail without its reason whoever wrote it.
func recordAccess(d *Deps) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		start := d.Now()
		c, note := trail.WithNote(ctx.Context())
		slot := &principalSlot{}
		c = context.WithValue(c, principalSlotKey{}, slot)
		pc := &problemCapture{humaContext: ctx}
		next(huma.WithContext(pc, c))

		e := trail.Entry{
			At: start, Method: ctx.Method(), Operation: ctx.Operation().OperationID,
			Path: ctx.URL().Path, Status: ctx.Status(), RemoteAddr: host(ctx.RemoteAddr()),
		}
		if slot.p != nil {
			e.Subject, e.ClientID, e.Org, e.Roles = slot.p.Subject, slot.p.ClientID, slot.p.Org, slot.p.Roles
		}
		note.Fill(&e)
		if e.TargetOrg == "" {
			e.TargetOrg = workforce.NormaliseOrg(ctx.Query("org"))
		}
		if e.Detail == "" && e.Status >= 400 {
			e.Detail = problemDetail(pc.body.Bytes())
		}
		record(d, e)
	}
}

// record publishes one record of the access trail.
func record(d *Deps, e trail.Entry) {
	e.RequestID, e.Outcome = uuid.NewString(), trail.OutcomeOf(e.Status)
	if d.JS == nil {
		return
	}
	if err := trail.Publish(d.JS, e); err != nil {
		d.Log.Error("access trail", "err", err, "operation", e.Operation, "status", e.Status, "subject", e.Subject)
	}
}

// maxProblemCapture bounds how much of an error answer recordAccess keeps to read its reason.
const maxProblemCapture = 64 << 10

// problemCapture keeps the body of an error answer (status 400 and above), which is a problem
// (RFC 9457), so that its reason can go on the access trail.
type problemCapture struct {
	humaContext
	body bytes.Buffer
}

// humaContext lets problemCapture embed huma.Context, whose method Context a field of that
// name would hide.
type humaContext = huma.Context

func (c *problemCapture) BodyWriter() io.Writer { return captureWriter{c} }

type captureWriter struct{ c *problemCapture }

func (w captureWriter) Write(b []byte) (int, error) {
	if w.c.Status() >= 400 && w.c.body.Len() < maxProblemCapture {
		w.c.body.Write(b[:min(len(b), maxProblemCapture-w.c.body.Len())])
	}
	return w.c.humaContext.BodyWriter().Write(b)
}

// maxTrailDetail bounds the reason recorded for one request.
const maxTrailDetail = 1000

// problemDetail is the reason a problem gives: its detail and its first few errors.
func problemDetail(body []byte) string {
	var m huma.ErrorModel
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	parts := []string{m.Detail}
	for _, e := range m.Errors[:min(len(m.Errors), 3)] {
		if e.Location != "" {
			parts = append(parts, e.Location+": "+e.Message)
		} else {
			parts = append(parts, e.Message)
		}
	}
	if len(m.Errors) > 3 {
		parts = append(parts, fmt.Sprintf("and %d more", len(m.Errors)-3))
	}
	detail := strings.Join(parts, "; ")
	if len(detail) > maxTrailDetail {
		detail = strings.ToValidUTF8(detail[:maxTrailDetail], "") + "…"
	}
	return detail
}

// serveMux serves r with mux. A request that no route matches is answered as ServeMux would
// (404, or 405 with Allow) but as a problem (RFC 9457), like every other error, and is recorded
// on the access trail when it is for /v1.
func serveMux(d *Deps, mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	if _, pattern := mux.Handler(r); pattern != "" {
		mux.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	mux.ServeHTTP(rec, r)
	var detail string
	switch rec.status {
	case http.StatusNotFound:
		detail = "no such path: see /openapi.json for the API's operations"
	case http.StatusMethodNotAllowed:
		detail = fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, rec.header.Get("Allow"))
		w.Header().Set("Allow", rec.header.Get("Allow"))
	default: // a redirect to the cleaned path
		maps.Copy(w.Header(), rec.header)
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		return
	}
	writeProblem(w, rec.status, detail)
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		record(d, trail.Entry{At: d.Now(), Method: r.Method, Path: r.URL.Path, Status: rec.status, RemoteAddr: host(r.RemoteAddr), Detail: detail})
	}
}

// writeProblem answers a problem (RFC 9457) outside huma's operations.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&huma.ErrorModel{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: detail})
}

// recorder keeps what ServeMux answers to a request no route matches.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// rememberPrincipal lets recordAccess know who the caller was.
func rememberPrincipal(ctx context.Context, p auth.Principal) {
	if s, ok := ctx.Value(principalSlotKey{}).(*principalSlot); ok {
		s.p = &p
	}
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// callerReader is what the caller may read of the hub's figures (authz.ReaderOf, over the
// cached alliances); a caller who may read none is refused.
func callerReader(ctx context.Context, d *Deps) (authz.Reader, error) {
	p, err := principal(ctx)
	if err != nil {
		return authz.Reader{}, err
	}
	var all []alliance.Alliance
	if d.Alliances != nil { // nil only where no database is wired (the OpenAPI document)
		if all, err = d.Alliances.List(ctx); err != nil {
			return authz.Reader{}, errInternal(d.Log, "could not read alliances", err)
		}
	}
	r, err := authz.ReaderOf(p, all)
	return r, refusal(err)
}

// readNamed refuses a reader who may not see org by name (authz.Reader.ReadOrg), with org on
// the access trail either way.
func readNamed(ctx context.Context, rd authz.Reader, org string) error {
	trail.Annotate(ctx, org, "")
	return refusal(rd.ReadOrg(org))
}

// refusal maps a refusal of package authz to 403 with its reason; any other error (or nil) is
// returned as it is.
func refusal(err error) error {
	if errors.Is(err, authz.ErrForbidden) {
		return huma.Error403Forbidden(err.Error())
	}
	return err
}

type trailInput struct {
	Org     string    `query:"org" pattern:"^[A-Za-z0-9_ ]{1,40}$" maxLength:"40" doc:"The caller's or the concerned organisation"`
	Outcome string    `query:"outcome" enum:"allowed,refused,failed" doc:"Only this outcome"`
	From    time.Time `query:"from" doc:"From this time (RFC 3339); default 24 hours ago"`
	To      time.Time `query:"to" doc:"Before this time (RFC 3339); default now"`
	Limit   int       `query:"limit" minimum:"1" maximum:"5000" default:"200" doc:"At most this many records a page (at most 5,000), newest first"`
	Cursor  string    `query:"cursor" maxLength:"500" pattern:"^[A-Za-z0-9_-]*$" doc:"Where the page starts: the next_cursor of the previous page; empty for the first page"`
}

type trailOutput struct {
	Link string `header:"Link" doc:"The next page, rel=\"next\", when there is one"`
	Body struct {
		Entries    []trail.Entry `json:"entries"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Give it as cursor= for the next page; absent on the last page"`
	}
}

func registerTrail(api huma.API, d *Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "get-access-trail",
		Method:      http.MethodGet,
		Path:        "/v1/access-trail",
		Summary:     "Read the access trail",
		Description: "Every request to the API: when, who (subject, client, organisation, roles), what (operation, organisation concerned, submission) and the outcome. Stewards only. Records reach the trail within seconds of the request. " +
			"Read a page at a time, newest first: `limit=` records a page (200 by default, at most 5,000); `next_cursor` (and the `Link` header, rel=\"next\") gives the next page, with the same filters.",
		Tags:     []string{"Access"},
		Security: secured,
	}, func(ctx context.Context, in *trailInput) (*trailOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		if err := authz.MayReadTrail(p); err != nil {
			return nil, refusal(err)
		}
		to := in.To
		if to.IsZero() {
			to = d.Now().Add(time.Second)
		}
		from := in.From
		if from.IsZero() {
			from = to.Add(-24 * time.Hour)
		}
		f := trail.Filter{Org: in.Org, Outcome: in.Outcome, From: from, To: to, Limit: in.Limit + 1}
		if in.Cursor != "" {
			f.After = &trail.Position{}
			if err := decodeCursor(in.Cursor, f.After); err != nil {
				return nil, err
			}
		}
		entries, err := trail.Query(ctx, d.CH, f)
		if err != nil {
			return nil, errInternal(d.Log, "could not read the access trail", err)
		}
		out := &trailOutput{}
		if len(entries) > in.Limit {
			entries = entries[:in.Limit]
			last := entries[len(entries)-1]
			out.Body.NextCursor = encodeCursor(trail.Position{At: last.At, RequestID: last.RequestID})
			out.Link = nextLink("/v1/access-trail", url.Values{"org": {in.Org}, "outcome": {in.Outcome},
				"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}, "limit": {fmt.Sprint(in.Limit)}}, out.Body.NextCursor)
		}
		out.Body.Entries = entries
		return out, nil
	})
}

// forbid refuses a request; its reason reaches the access trail with the answer.
func forbid(_ context.Context, msg string, errs ...error) error {
	return huma.Error403Forbidden(msg, errs...)
}
