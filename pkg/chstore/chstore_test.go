package chstore_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
)

// migrationNames lists the files in migrations/ as Migrate names them.
func migrationNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func recorded(t *testing.T, conn driver.Conn) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT name FROM schema_migrations FINAL ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigrate(t *testing.T) {
	conn, cfg := chtest.New(t)
	want := migrationNames(t)

	if got := recorded(t, conn); !slices.Equal(got, want) {
		t.Errorf("schema_migrations = %q, want %q", got, want)
	}

	applied, err := chstore.Migrate(t.Context(), conn, nil)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %q, want nothing", applied)
	}
	if got := recorded(t, conn); !slices.Equal(got, want) {
		t.Errorf("after second run schema_migrations = %q, want %q", got, want)
	}

	var tables []string
	rows, err := conn.Query(t.Context(), `SELECT name FROM system.tables WHERE database = ? ORDER BY name`, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"organisations", "regions", "schema_migrations"} {
		if !slices.Contains(tables, table) {
			t.Errorf("table %s missing; database %s has %q", table, cfg.Database, tables)
		}
	}
}

// TestMigrateConcurrently starts several processes' worth of EnsureDatabase and Migrate on a new
// database at once, as replicas of a service do when they start together.
func TestMigrateConcurrently(t *testing.T) {
	_, base := chtest.New(t)
	cfg := base
	cfg.Database = base.Database + "_race"
	ctx := t.Context()
	t.Cleanup(func() { dropDatabase(t, cfg) })

	const workers = 4
	var (
		wg   sync.WaitGroup
		errs = make([]error, workers)
	)
	for i := range workers {
		wg.Go(func() {
			if errs[i] = chstore.EnsureDatabase(ctx, cfg); errs[i] != nil {
				return
			}
			conn, err := chstore.Open(ctx, cfg)
			if errs[i] = err; err != nil {
				return
			}
			defer conn.Close()
			_, errs[i] = chstore.Migrate(ctx, conn, nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}

	conn, err := chstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got, want := recorded(t, conn), migrationNames(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations FINAL = %q, want %q", got, want)
	}
	applied, err := chstore.Migrate(ctx, conn, nil)
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate after the race = %q, %v; want nothing applied", applied, err)
	}
}

func dropDatabase(t *testing.T, cfg chstore.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := cfg
	admin.Database = "default"
	conn, err := chstore.Open(ctx, admin)
	if err != nil {
		t.Errorf("drop %s: %v", cfg.Database, err)
		return
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+cfg.Database); err != nil {
		t.Errorf("drop %s: %v", cfg.Database, err)
	}
}

// TestReferenceTables writes and reads the reference tables the way the hub does on 18.16:
// explicit column lists, ? binds, newest row per key through FINAL.
func TestReferenceTables(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := t.Context()

	const insertRegion = `INSERT INTO regions (code, name, level, parent_code)`
	batch, err := conn.PrepareBatch(chstore.BatchContext(ctx), insertRegion)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][4]string{
		{"E92000001", "England", "england", ""},
		{"E12000007", "London", "region", "E92000001"},
		{"E13000001", "Inner London", "subregion", "E12000007"},
	} {
		if err := batch.Append(r[0], r[1], r[2], r[3]); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("insert regions: %v", err)
	}

	const insertOrganisation = `INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)`
	updated := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, o := range []struct {
		name    string
		version uint64
	}{
		{"Camden Council (new)", 2}, // the newest, written first: the version decides, not the order
		{"Camden Council", 1},
	} {
		batch, err := conn.PrepareBatch(chstore.BatchContext(ctx), insertOrganisation)
		if err != nil {
			t.Fatal(err)
		}
		if err := batch.Append("E09000007", "202", o.name, "local_authority", "E12000007", updated, o.version); err != nil {
			t.Fatal(err)
		}
		if err := batch.Send(); err != nil {
			t.Fatalf("insert organisation: %v", err)
		}
	}

	var (
		name, kind string
		at         time.Time
	)
	row := conn.QueryRow(ctx, `SELECT name, type, updated_at FROM organisations FINAL WHERE code = ?`, "E09000007")
	if err := row.Scan(&name, &kind, &at); err != nil {
		t.Fatalf("read organisation: %v", err)
	}
	if name != "Camden Council (new)" || kind != "local_authority" || !at.Equal(updated) {
		t.Errorf("organisation = %q, %q, %v; want the version 2 row", name, kind, at)
	}

	var parent, level string
	row = conn.QueryRow(ctx, `SELECT parent_code, level FROM regions FINAL WHERE code = ?`, "E13000001")
	if err := row.Scan(&parent, &level); err != nil {
		t.Fatalf("read region: %v", err)
	}
	if parent != "E12000007" || level != "subregion" {
		t.Errorf("region = %q, %q; want E12000007, subregion", parent, level)
	}

	batch, err = conn.PrepareBatch(chstore.BatchContext(ctx), insertOrganisation)
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append("X1", "", "Bad", "not_a_type", "", updated, uint64(1)); err == nil {
		_ = batch.Abort()
		t.Error("appending an unknown organisation type succeeded, want an error from the Enum8")
	}
}

func TestEnsureDatabase(t *testing.T) {
	_, cfg := chtest.New(t)
	// The database exists already: a second call is a no-op.
	if err := chstore.EnsureDatabase(t.Context(), cfg); err != nil {
		t.Errorf("EnsureDatabase on an existing database: %v", err)
	}
}

func TestEnsureDatabaseRejectsBadNames(t *testing.T) {
	for _, name := range []string{"1hub", "hub-dev", "hub; DROP DATABASE default", "hub db", "`hub`", "default.x"} {
		t.Run(name, func(t *testing.T) {
			// The address is never dialled: the name is checked first.
			cfg := chstore.Config{Addr: "127.0.0.1:1", Database: name}
			if err := chstore.EnsureDatabase(t.Context(), cfg); !errors.Is(err, chstore.ErrInvalidDatabaseName) {
				t.Errorf("EnsureDatabase(%q) = %v, want ErrInvalidDatabaseName", name, err)
			}
			if _, err := chstore.Open(t.Context(), cfg); !errors.Is(err, chstore.ErrInvalidDatabaseName) {
				t.Errorf("Open(%q) = %v, want ErrInvalidDatabaseName", name, err)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens there, so the dial is refused at once.
	_, err := chstore.Open(t.Context(), chstore.Config{Addr: "127.0.0.1:1"})
	if err == nil {
		t.Fatal("Open of 127.0.0.1:1 succeeded, want an error")
	}
}

func TestOpenUnknownDatabase(t *testing.T) {
	_, cfg := chtest.New(t)
	cfg.Database = cfg.Database + "_missing"
	conn, err := chstore.Open(t.Context(), cfg)
	if err == nil {
		conn.Close()
		t.Fatal("Open of a database that does not exist succeeded, want an error: Open creates nothing")
	}
}
