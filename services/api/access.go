package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/trail"
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

// refuseTooMany answers 429 with the seconds to wait in Retry-After.
func refuseTooMany(api huma.API, ctx huma.Context, wait time.Duration) {
	ctx.SetHeader("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
	_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests, "too many requests: slow down and try again after Retry-After seconds")
}

// principalSlot carries the verified caller from authenticate back up to recordAccess.
type principalSlot struct{ p *auth.Principal }

type principalSlotKey struct{}

// recordAccess records every /v1 request on the access trail once it is answered: who (from the
// verified token, if any), what, the organisation and submission concerned, and the outcome.
func recordAccess(d *Deps) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		start := d.Now()
		c, note := trail.WithNote(ctx.Context())
		slot := &principalSlot{}
		c = context.WithValue(c, principalSlotKey{}, slot)
		next(huma.WithContext(ctx, c))

		e := trail.Entry{
			At: start, RequestID: uuid.NewString(), Method: ctx.Method(), Operation: ctx.Operation().OperationID,
			Path: ctx.URL().Path, Status: ctx.Status(), Outcome: trail.OutcomeOf(ctx.Status()), RemoteAddr: host(ctx.RemoteAddr()),
		}
		if slot.p != nil {
			e.Subject, e.ClientID, e.Org, e.Roles = slot.p.Subject, slot.p.ClientID, slot.p.Org, slot.p.Roles
		}
		note.Fill(&e)
		if d.JS == nil {
			return
		}
		if err := trail.Publish(d.JS, e); err != nil {
			d.Log.Error("access trail", "err", err, "operation", e.Operation, "status", e.Status, "subject", e.Subject)
		}
	}
}

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

type trailInput struct {
	Org     string    `query:"org" maxLength:"40" doc:"The caller's or the concerned organisation"`
	Outcome string    `query:"outcome" enum:"allowed,refused,failed" doc:"Only this outcome"`
	From    time.Time `query:"from" doc:"From this time (RFC 3339); default 24 hours ago"`
	To      time.Time `query:"to" doc:"Before this time (RFC 3339); default now"`
	Limit   int       `query:"limit" minimum:"1" maximum:"5000" default:"200" doc:"At most this many records, newest first"`
}

type trailOutput struct {
	Body struct {
		Entries []trail.Entry `json:"entries"`
	}
}

func registerTrail(api huma.API, d *Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "get-access-trail",
		Method:      http.MethodGet,
		Path:        "/v1/access-trail",
		Summary:     "Read the access trail",
		Description: "Every request to the API: when, who (subject, client, organisation, roles), what (operation, organisation concerned, submission) and the outcome. Stewards only. Records reach the trail within seconds of the request.",
		Tags:        []string{"Access"},
		Security:    secured,
	}, func(ctx context.Context, in *trailInput) (*trailOutput, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		if !p.HasRole(auth.RoleSteward) {
			return nil, forbid(ctx, "the access trail is for stewards")
		}
		to := in.To
		if to.IsZero() {
			to = d.Now().Add(time.Second)
		}
		from := in.From
		if from.IsZero() {
			from = to.Add(-24 * time.Hour)
		}
		entries, err := trail.Query(ctx, d.CH, trail.Filter{Org: in.Org, Outcome: in.Outcome, From: from, To: to, Limit: in.Limit})
		if err != nil {
			return nil, errInternal(d.Log, "could not read the access trail", err)
		}
		out := &trailOutput{}
		out.Body.Entries = entries
		return out, nil
	})
}

// forbid refuses a request and says why on the access trail.
func forbid(ctx context.Context, msg string, errs ...error) error {
	trail.Explain(ctx, msg)
	return huma.Error403Forbidden(msg, errs...)
}
