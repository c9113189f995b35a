package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/sync/singleflight"

	"github.com/partnership-hub/hub/pkg/bus"
)

// RecomputedSubject is where the benchmark service announces the periods it has just written;
// readers that cache benchmarks drop those periods (Cache.Follow).
const RecomputedSubject = "hub.benchmarks.recomputed"

// Recomputed is the announcement's body.
type Recomputed struct {
	Periods []string `json:"periods"`
}

// Announce tells the readers that periods were recomputed. It is best effort: a reader that
// misses it serves what it has for at most its cache's time to live.
func Announce(nc *nats.Conn, periods []string) error {
	b, err := json.Marshal(Recomputed{Periods: periods})
	if err != nil {
		return err
	}
	return nc.Publish(RecomputedSubject, b)
}

// Cache keeps each period's benchmarks as one Snapshot (read whole, from one recomputation:
// snapshot.go), and what the API renders of it, so that repeated requests do not query
// ClickHouse and every answer is made of figures that belong together. A period is dropped when
// the benchmark service announces its recomputation, and after ttl whatever happens, which
// bounds staleness if an announcement is lost; the next read takes the period's new snapshot
// whole, in place of the old one. Concurrent misses for the same read share one query. The
// slices returned are shared: callers must not modify them.
type Cache struct {
	*Store
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	gen     uint64 // counts the drops: a read begun before one is not kept
	periods map[string]*cachedPeriod
	list    []string // the periods with benchmarks
	listAt  time.Time
}

type cachedPeriod struct {
	at       time.Time
	snap     *Snapshot
	rendered map[string][]byte
}

// NewCache caches store's reads for at most ttl (0 turns the cache off).
func NewCache(store *Store, ttl time.Duration) *Cache {
	return &Cache{Store: store, ttl: ttl, now: time.Now, periods: map[string]*cachedPeriod{}}
}

// WithClock makes the cache tell time with now (tests move it past the time to live).
func (c *Cache) WithClock(now func() time.Time) *Cache {
	c.now = now
	return c
}

// Follow drops the periods the benchmark service announces until ctx ends.
func (c *Cache) Follow(ctx context.Context, nc *nats.Conn) error {
	return bus.Follow(ctx, nc, RecomputedSubject, func(m *nats.Msg) {
		var r Recomputed
		if json.Unmarshal(m.Data, &r) == nil {
			c.Drop(r.Periods...)
		}
	})
}

// Drop forgets what is cached for periods, and the list of periods.
func (c *Cache) Drop(periods ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.list = nil
	for _, p := range periods {
		delete(c.periods, p)
	}
}

// Period is the period's benchmarks as one recomputation left them.
func (c *Cache) Period(ctx context.Context, period string) (*Snapshot, error) {
	if c.ttl <= 0 {
		return c.Store.Period(ctx, period)
	}
	c.mu.Lock()
	if e, ok := c.periods[period]; ok && c.now().Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.snap, nil
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do("period\x00"+period, func() (any, error) {
		c.mu.Lock()
		gen := c.gen
		c.mu.Unlock()
		snap, err := c.Store.Period(ctx, period)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.periods[period] = &cachedPeriod{at: c.now(), snap: snap, rendered: map[string][]byte{}}
		}
		c.mu.Unlock()
		return snap, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Snapshot), nil
}

// AreaPeriods lists the periods with computed benchmarks.
func (c *Cache) AreaPeriods(ctx context.Context) ([]string, error) {
	if c.ttl <= 0 {
		return c.Store.AreaPeriods(ctx)
	}
	c.mu.Lock()
	if c.list != nil && c.now().Sub(c.listAt) < c.ttl {
		defer c.mu.Unlock()
		return c.list, nil
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do("periods", func() (any, error) {
		c.mu.Lock()
		gen := c.gen
		c.mu.Unlock()
		ps, err := c.Store.AreaPeriods(ctx)
		if err != nil {
			return nil, err
		}
		ps = append([]string{}, ps...) // not nil: cached
		c.mu.Lock()
		if c.gen == gen {
			c.list, c.listAt = ps, c.now()
		}
		c.mu.Unlock()
		return ps, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// Areas reads the figures of the given areas for one period, every metric.
func (c *Cache) Areas(ctx context.Context, period string, codes []string) ([]Area, error) {
	snap, err := c.Period(ctx, period)
	if err != nil {
		return nil, err
	}
	return snap.Areas(codes), nil
}

// Members reads the values of every organisation counting towards region in period.
func (c *Cache) Members(ctx context.Context, period, region string) ([]Value, error) {
	snap, err := c.Period(ctx, period)
	if err != nil {
		return nil, err
	}
	return snap.Members(region), nil
}

// OrgValues reads the values of the given organisations in period.
func (c *Cache) OrgValues(ctx context.Context, period string, orgs []string) ([]Value, error) {
	snap, err := c.Period(ctx, period)
	if err != nil {
		return nil, err
	}
	return snap.OrgValues(orgs), nil
}

// Rendered returns what render makes of period's benchmarks (the snapshot it is given), made
// once for key until the period is dropped or the time to live passes. The key must name
// everything besides the period that the rendering depends on (the area, the format, what the
// reader may see).
func (c *Cache) Rendered(ctx context.Context, period, key string, render func(*Snapshot) ([]byte, error)) ([]byte, error) {
	snap, err := c.Period(ctx, period)
	if err != nil {
		return nil, err
	}
	if c.ttl <= 0 {
		return render(snap)
	}
	c.mu.Lock()
	if e, ok := c.periods[period]; ok && e.snap == snap {
		if body, ok := e.rendered[key]; ok {
			c.mu.Unlock()
			return body, nil
		}
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do(fmt.Sprint("rendered\x00", period, "\x00", snap.Mark, "\x00", key), func() (any, error) {
		body, err := render(snap)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if e, ok := c.periods[period]; ok && e.snap == snap {
			e.rendered[key] = body
		}
		c.mu.Unlock()
		return body, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}
