// Package alliance holds alliances, the named sets of organisations that share their figures
// with each other, and the rule for who may see an organisation's figures by name.
package alliance

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/chstore"
)

// Errors of the alliance store.
var (
	ErrNotFound      = errors.New("alliance not found")
	ErrInvalidID     = errors.New("an alliance id is 2 to 40 lower-case letters, digits and dashes")
	ErrUnknownMember = errors.New("unknown organisation")
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

// Put creates or replaces an alliance; every member must be a known organisation.
func (s *Store) Put(ctx context.Context, a Alliance) error {
	if err := ValidID(a.ID); err != nil {
		return err
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

// Visible tells whether p may see a alliance: stewards see all, analysts the alliances in their
// token, everyone else the alliances their organisation belongs to.
func Visible(p auth.Principal, a Alliance) bool {
	return p.HasRole(auth.RoleSteward) || (p.HasRole(auth.RoleAnalyst) && slices.Contains(p.Alliances, a.ID)) ||
		(p.Org != "" && slices.Contains(a.Members, p.Org))
}

// Scope says which organisations a caller may see by name. Anonymous aggregates (a region,
// England) are for everyone; named figures are for stewards (all), analysts (the members of the
// alliances in their token) and an organisation itself.
type Scope struct {
	all   bool
	named map[string]bool
}

// ScopeOf works out p's scope from the current alliances.
func ScopeOf(p auth.Principal, alliances []Alliance) Scope {
	s := Scope{all: p.HasRole(auth.RoleSteward), named: map[string]bool{}}
	if p.Org != "" {
		s.named[p.Org] = true
	}
	if p.HasRole(auth.RoleAnalyst) {
		for _, a := range alliances {
			if slices.Contains(p.Alliances, a.ID) {
				for _, m := range a.Members {
					s.named[m] = true
				}
			}
		}
	}
	return s
}

// Everyone is the scope that names every organisation: for figures computed before they are
// scoped to a reader.
func Everyone() Scope { return Scope{all: true} }

// Named tells whether the organisation may be shown by name.
func (s Scope) Named(org string) bool { return s.all || s.named[org] }

// Key identifies the scope: two scopes with the same key name the same organisations.
func (s Scope) Key() string {
	if s.all {
		return "*"
	}
	return strings.Join(slices.Sorted(maps.Keys(s.named)), ",")
}
