// Package reference holds the hub's reference data: England's regions as a hierarchy, the
// organisations that report, and the official statistics used as the national baseline. The
// files are embedded in the binary (see data/README.md for their sources and licence).
package reference

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
)

//go:embed data/*.csv
var files embed.FS

// England is the ONS code for England.
const England = "E92000001"

// Region is a node of the geography: England, a region, or a London sub-region.
type Region struct {
	Code, Name, Level, Parent string
}

// Organisation is a body that reports to the hub.
type Organisation struct {
	Code, OldCode, Name, Type, Region string
}

// Organisation types.
const (
	TypeLocalAuthority = "local_authority"
	TypeJointReturn    = "joint_return"
	TypeUniversity     = "university"
	TypeTrust          = "trust"
	TypeVoluntary      = "voluntary"
)

// Regions reads the embedded regions.
func Regions() ([]Region, error) {
	recs, err := readCSV("data/regions.csv", 4)
	if err != nil {
		return nil, err
	}
	out := make([]Region, len(recs))
	for i, r := range recs {
		out[i] = Region{Code: r[0], Name: r[1], Level: r[2], Parent: r[3]}
	}
	return out, nil
}

// Organisations reads the embedded organisations.
func Organisations() ([]Organisation, error) {
	recs, err := readCSV("data/organisations.csv", 5)
	if err != nil {
		return nil, err
	}
	out := make([]Organisation, len(recs))
	for i, r := range recs {
		out[i] = Organisation{Code: r[0], OldCode: r[1], Name: r[2], Type: r[3], Region: r[4]}
	}
	return out, nil
}

// DfEWorkforce opens the DfE local-authority workforce file, 2017–2025, in its published layout.
func DfEWorkforce() (io.ReadCloser, error) { return files.Open("data/dfe-csww-la-2017-2025.csv") }

// DfEChildrenInNeed reads the DfE local-authority children in need file (table B1), reporting
// years 2013–2025 (the year to 31 March), in its published layout.
func DfEChildrenInNeed() ([]byte, error) {
	return files.ReadFile("data/dfe-children-in-need-la-2013-2025.csv")
}

// DfEChildrenLookedAfter reads the DfE local-authority children looked after file (on 31 March,
// starting, ceasing, with the child population 0–17), 2021–2025, in its published layout.
func DfEChildrenLookedAfter() ([]byte, error) {
	return files.ReadFile("data/dfe-children-looked-after-la-2021-2025.csv")
}

func readCSV(name string, cols int) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = cols
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return recs[1:], nil
}

const (
	insertRegions       = `INSERT INTO regions (code, name, level, parent_code)`
	insertOrganisations = `INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)`
)

// Seed loads the embedded regions and organisations into ClickHouse. Loading again replaces
// rather than adds (both tables are ReplacingMergeTree keyed by code); seeded rows carry
// version 0 so that an organisation a steward has since changed keeps the steward's version.
func Seed(ctx context.Context, conn driver.Conn) error {
	regions, err := Regions()
	if err != nil {
		return err
	}
	orgs, err := Organisations()
	if err != nil {
		return err
	}
	b, err := conn.PrepareBatch(chstore.BatchContext(ctx), insertRegions)
	if err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	for _, r := range regions {
		if err := b.Append(r.Code, r.Name, r.Level, r.Parent); err != nil {
			return fmt.Errorf("seed regions: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	b, err = conn.PrepareBatch(chstore.BatchContext(ctx), insertOrganisations)
	if err != nil {
		return fmt.Errorf("seed organisations: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, o := range orgs {
		if err := b.Append(o.Code, o.OldCode, o.Name, o.Type, o.Region, now, uint64(0)); err != nil {
			return fmt.Errorf("seed organisations: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("seed organisations: %w", err)
	}
	return nil
}

// Directory answers whether an organisation is known, from the organisations table, keeping
// the codes in memory and reading them again at most once per refresh interval when asked about
// a code it does not hold (an organisation a steward has just added).
type Directory struct {
	conn    driver.Conn
	refresh time.Duration

	mu      sync.Mutex
	known   map[string]Organisation
	regions map[string]Region
	loaded  time.Time
}

// NewDirectory returns a directory backed by conn.
func NewDirectory(conn driver.Conn, refresh time.Duration) *Directory {
	return &Directory{conn: conn, refresh: refresh}
}

const selectOrganisations = `SELECT code, old_code, name, toString(type), region_code FROM organisations FINAL`

// Lookup returns the organisation with code, and whether it is known.
func (d *Directory) Lookup(ctx context.Context, code string) (Organisation, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o, ok := d.known[code]; ok {
		return o, true, nil
	}
	if d.known != nil && time.Since(d.loaded) < d.refresh {
		return Organisation{}, false, nil
	}
	if err := d.load(ctx); err != nil {
		return Organisation{}, false, err
	}
	o, ok := d.known[code]
	return o, ok, nil
}

// Organisations returns every known organisation by code, from memory, read again once the
// refresh interval has passed. The map is shared: do not modify it.
func (d *Directory) Organisations(ctx context.Context) (map[string]Organisation, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.known == nil || time.Since(d.loaded) >= d.refresh {
		if err := d.load(ctx); err != nil {
			return nil, err
		}
	}
	return d.known, nil
}

// InRegion returns the organisations of a region, its sub-regions' included (London's
// boroughs sit in Inner and Outer London), by code, from memory as Organisations does.
func (d *Directory) InRegion(ctx context.Context, region string) ([]Organisation, error) {
	orgs, err := d.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	regions := d.regions
	d.mu.Unlock()
	var out []Organisation
	for _, o := range orgs {
		if o.Region == region || (o.Region != "" && regions[o.Region].Parent == region) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Organisation) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

func (d *Directory) load(ctx context.Context) error {
	known, err := ReadOrganisations(ctx, d.conn)
	if err != nil {
		return err
	}
	regions, err := ReadRegions(ctx, d.conn)
	if err != nil {
		return err
	}
	d.known, d.regions, d.loaded = known, regions, time.Now()
	return nil
}

// ReadOrganisations reads every organisation from ClickHouse (the newest version of each), by code.
func ReadOrganisations(ctx context.Context, conn driver.Conn) (map[string]Organisation, error) {
	rows, err := conn.Query(ctx, selectOrganisations)
	if err != nil {
		return nil, fmt.Errorf("load organisations: %w", err)
	}
	defer rows.Close()
	known := make(map[string]Organisation)
	for rows.Next() {
		var o Organisation
		if err := rows.Scan(&o.Code, &o.OldCode, &o.Name, &o.Type, &o.Region); err != nil {
			return nil, fmt.Errorf("load organisations: %w", err)
		}
		known[o.Code] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load organisations: %w", err)
	}
	return known, nil
}
