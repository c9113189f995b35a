package benchmark

import (
	"context"
	"encoding/json"
	"strings"
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

// Cache keeps the reads behind a standard's benchmarks for an area and period (the area and
// England rows, the area's members) so that repeated requests do not query ClickHouse. A period
// is dropped when the benchmark service announces its recomputation, and every entry after ttl
// whatever happens, which bounds staleness if an announcement is lost. Concurrent misses for the
// same read share one query. The slices returned are shared: callers must not modify them.
type Cache struct {
	*Store
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	periods map[string]*cachedPeriod
}

type cachedPeriod struct {
	reads map[string]cachedRead
}

type cachedRead struct {
	at     time.Time
	areas  []Area
	values []Value
	body   []byte
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

// Drop forgets what is cached for periods.
func (c *Cache) Drop(periods ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range periods {
		delete(c.periods, p)
	}
}

// Areas reads the figures of the given areas for one period, every metric.
func (c *Cache) Areas(ctx context.Context, period string, codes []string) ([]Area, error) {
	r, err := c.read(ctx, period, "areas\x00"+strings.Join(codes, ","), func() (cachedRead, error) {
		areas, err := c.Store.Areas(ctx, period, codes)
		return cachedRead{areas: areas}, err
	})
	return r.areas, err
}

// Members reads the values of every organisation counting towards region in period.
func (c *Cache) Members(ctx context.Context, period, region string) ([]Value, error) {
	r, err := c.read(ctx, period, "members\x00"+region, func() (cachedRead, error) {
		values, err := c.Store.Members(ctx, period, region)
		return cachedRead{values: values}, err
	})
	return r.values, err
}

// Rendered returns what render makes of period's benchmarks, made once for key until the
// period is dropped or the time to live passes. The key must name everything besides the period
// that the rendering depends on (the area, the format, what the reader may see).
func (c *Cache) Rendered(ctx context.Context, period, key string, render func() ([]byte, error)) ([]byte, error) {
	r, err := c.read(ctx, period, "rendered\x00"+key, func() (cachedRead, error) {
		body, err := render()
		return cachedRead{body: body}, err
	})
	return r.body, err
}

func (c *Cache) read(ctx context.Context, period, key string, load func() (cachedRead, error)) (cachedRead, error) {
	if c.ttl <= 0 {
		return load()
	}
	c.mu.Lock()
	if p, ok := c.periods[period]; ok {
		if r, ok := p.reads[key]; ok && c.now().Sub(r.at) < c.ttl {
			c.mu.Unlock()
			return r, nil
		}
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do(period+"\x00"+key, func() (any, error) {
		// Taken before the read, so that a drop announced while it runs wins.
		c.mu.Lock()
		p, ok := c.periods[period]
		if !ok {
			p = &cachedPeriod{reads: map[string]cachedRead{}}
			c.periods[period] = p
		}
		c.mu.Unlock()
		r, err := load()
		if err != nil {
			return r, err
		}
		r.at = c.now()
		c.mu.Lock()
		if c.periods[period] == p {
			p.reads[key] = r
		}
		c.mu.Unlock()
		return r, nil
	})
	if err != nil {
		return cachedRead{}, err
	}
	return v.(cachedRead), nil
}
