// Package alliance holds alliances, the named sets of organisations that share their figures
// with each other and are benchmark areas of their own. Who may see an alliance and its
// members' figures is package authz's rule.
package alliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/singleflight"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/rows"
	"github.com/partnership-hub/hub/pkg/submission"
)

// Errors of the alliance store.
var (
	ErrNotFound      = errors.New("alliance not found")
	ErrInvalidID     = errors.New("an alliance id is 2 to 40 lower-case letters, digits and dashes")
	ErrUnknownMember = errors.New("unknown organisation")
	ErrInvalidName   = errors.New("invalid alliance name")
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// Alliance is a named set of organisations.
type Alliance struct {
	ID        string    `json:"id" doc:"Stable id, as carried in analysts' tokens" example:"north-east"`
	Name      string    `json:"name" doc:"Name" example:"North East Social Work Alliance"`
	Members   []string  `json:"members" doc:"Organisation codes"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by" doc:"The steward who last changed it"`
}

// ValidID checks an alliance id.
func ValidID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%q: %w", id, ErrInvalidID)
	}
	return nil
}

// Store keeps alliances in ClickHouse.
type Store struct{ conn driver.Conn }

// NewStore returns a store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

const (
	insertAlliance  = `INSERT INTO alliances (id, name, members, updated_at, updated_by, deleted, version)`
	selectAlliances = `SELECT id, name, members, updated_at, updated_by FROM alliances FINAL WHERE deleted = 0 ORDER BY id`
	// CAST: an empty list binds as [], of type Array(Nothing), which has() refuses on ClickHouse
	// 18.16 (current ClickHouse takes it); cast, it is an empty Array(String) on both.
	selectKnown = `SELECT code FROM organisations FINAL WHERE has(CAST(? AS Array(String)), code)`
)

// MaxName is the longest alliance name, in characters.
const MaxName = 200

// Put creates or replaces an alliance; every member must be a known organisation. The name is
// free text shown in pages and CSV files, so it follows the hub's text rule (rows.CheckText):
// refused, never altered.
func (s *Store) Put(ctx context.Context, a Alliance) error {
	if err := ValidID(a.ID); err != nil {
		return err
	}
	if err := rows.CheckText(a.Name, MaxName); err != nil {
		return fmt.Errorf("%w: the name %s", ErrInvalidName, err)
	}
	known, err := s.known(ctx, a.Members)
	if err != nil {
		return err
	}
	for _, m := range a.Members {
		if !known[m] {
			return fmt.Errorf("%q: %w", m, ErrUnknownMember)
		}
	}
	return s.write(ctx, a, 0)
}

// Delete removes an alliance.
func (s *Store) Delete(ctx context.Context, id, by string) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return s.write(ctx, Alliance{ID: id, Members: []string{}, UpdatedBy: by, UpdatedAt: time.Now()}, 1)
}

func (s *Store) write(ctx context.Context, a Alliance, deleted uint8) error {
	b, err := s.conn.PrepareBatch(chstore.BatchContext(ctx), insertAlliance)
	if err != nil {
		return fmt.Errorf("write alliance: %w", err)
	}
	members := a.Members
	if members == nil {
		members = []string{}
	}
	if err := b.Append(a.ID, a.Name, members, a.UpdatedAt.UTC().Truncate(time.Second), a.UpdatedBy, deleted, uint64(time.Now().UnixNano())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("write alliance: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("write alliance: %w", err)
	}
	return nil
}

func (s *Store) known(ctx context.Context, codes []string) (map[string]bool, error) {
	rows, err := s.conn.Query(ctx, selectKnown, codes)
	if err != nil {
		return nil, fmt.Errorf("check members: %w", err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("check members: %w", err)
		}
		known[c] = true
	}
	return known, rows.Err()
}

// List reads every alliance.
func (s *Store) List(ctx context.Context) ([]Alliance, error) {
	rows, err := s.conn.Query(ctx, selectAlliances)
	if err != nil {
		return nil, fmt.Errorf("list alliances: %w", err)
	}
	defer rows.Close()
	out := []Alliance{}
	for rows.Next() {
		var a Alliance
		if err := rows.Scan(&a.ID, &a.Name, &a.Members, &a.UpdatedAt, &a.UpdatedBy); err != nil {
			return nil, fmt.Errorf("list alliances: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Get reads one alliance.
func (s *Store) Get(ctx context.Context, id string) (Alliance, error) {
	all, err := s.List(ctx)
	if err != nil {
		return Alliance{}, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return Alliance{}, fmt.Errorf("%q: %w", id, ErrNotFound)
}

// Kind names alliance changes on the EVENTS stream (bus.StoredSubject(Kind, id)): an alliance
// is a benchmark area, so the benchmark service recomputes when one changes.
const Kind = "alliance"

// Announce tells the benchmark service and every API's cache that alliance id was created,
// changed or deleted. The event goes through JetStream, so that the benchmark service sees it
// even if it is not running at the time.
func Announce(ctx context.Context, js jetstream.JetStream, id string) error {
	b, err := json.Marshal(submission.Event{Kind: Kind, Org: id})
	if err != nil {
		return err
	}
	if _, err := js.Publish(ctx, bus.StoredSubject(Kind, id), b); err != nil {
		return fmt.Errorf("announce alliance %s: %w", id, err)
	}
	return nil
}

// Cache keeps the list of alliances in memory for at most ttl, so that the readers whose view
// depends on the alliances (every reader of figures) do not read ClickHouse on each request. It
// forgets the list when an alliance is changed through it, and when any API announces a change
// (Follow). Concurrent misses share one read.
type Cache struct {
	*Store
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group

	mu   sync.Mutex
	list []Alliance
	at   time.Time
	gen  uint64 // counts drops, so that a read begun before a drop is not kept
}

// NewCache caches store's list for at most ttl (0 turns the cache off).
func NewCache(store *Store, ttl time.Duration) *Cache {
	return &Cache{Store: store, ttl: ttl, now: time.Now}
}

// WithClock makes the cache tell time with now (for tests).
func (c *Cache) WithClock(now func() time.Time) *Cache {
	c.now = now
	return c
}

// List reads every alliance, from memory when it can. The slice is shared: do not modify it.
func (c *Cache) List(ctx context.Context) ([]Alliance, error) {
	if c.ttl <= 0 {
		return c.Store.List(ctx)
	}
	c.mu.Lock()
	if c.list != nil && c.now().Sub(c.at) < c.ttl {
		defer c.mu.Unlock()
		return c.list, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err, _ := c.group.Do("list", func() (any, error) {
		list, err := c.Store.List(ctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.gen == gen {
			c.list, c.at = list, c.now()
		}
		c.mu.Unlock()
		return list, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]Alliance), nil
}

// Get reads one alliance, from memory when it can.
func (c *Cache) Get(ctx context.Context, id string) (Alliance, error) {
	all, err := c.List(ctx)
	if err != nil {
		return Alliance{}, err
	}
	if i := slices.IndexFunc(all, func(a Alliance) bool { return a.ID == id }); i >= 0 {
		return all[i], nil
	}
	return Alliance{}, fmt.Errorf("%q: %w", id, ErrNotFound)
}

// Put creates or replaces an alliance and forgets the cached list.
func (c *Cache) Put(ctx context.Context, a Alliance) error {
	defer c.Drop()
	return c.Store.Put(ctx, a)
}

// Delete removes an alliance and forgets the cached list.
func (c *Cache) Delete(ctx context.Context, id, by string) error {
	defer c.Drop()
	return c.Store.Delete(ctx, id, by)
}

// Drop forgets the cached list.
func (c *Cache) Drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list, c.gen = nil, c.gen+1
}

// Follow forgets the cached list whenever an alliance change is announced, until ctx ends.
func (c *Cache) Follow(ctx context.Context, nc *nats.Conn) error {
	return bus.Follow(ctx, nc, bus.StoredFilter(Kind), func(*nats.Msg) { c.Drop() })
}
