// Package chtest gives tests a fresh, migrated ClickHouse database of their own on a real server.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// AddrEnv names the variable holding the host:port (native protocol) of the ClickHouse that
// tests use.
const AddrEnv = "HUB_TEST_CLICKHOUSE_ADDR"

const (
	cleanupTimeout = 30 * time.Second
)

// New returns a connection to a fresh, migrated database that is dropped when the test ends.
// Address from HUB_TEST_CLICKHOUSE_ADDR; if unset, t.Skip with a message saying `make test` starts ClickHouse.
// If set but unreachable: t.Fatal (never a silent skip).
func New(t testing.TB) (driver.Conn, chstore.Config) {
	t.Helper()
	addr := os.Getenv(AddrEnv)
	if addr == "" {
		t.Skipf("%s is not set: `make test` starts ClickHouse (scripts/clickhouse.sh) and sets it", AddrEnv)
	}

	name := randomName()
	cfg := chstore.Config{Addr: addr, Database: name}

	// The setup context lives as long as the test: clickhouse-go closes a connection from a
	// goroutine when the context of its last query ends, and the connection is back in the pool
	// by then. The connection's read timeout bounds the setup instead.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := chstore.EnsureDatabase(ctx, cfg); err != nil {
		t.Fatalf("chtest: ClickHouse at %s (%s): %v", addr, AddrEnv, err)
	}
	// Registered before anything else can fail, so a half-made database is dropped too.
	t.Cleanup(func() { dropDatabase(t, cfg) })

	conn, err := chstore.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("chtest: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("chtest: close connection: %v", err)
		}
	})
	if _, err := chstore.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("chtest: migrate %s: %v", name, err)
	}
	return conn, cfg
}

// dropDatabase drops cfg.Database through a connection of its own, with a context of its own:
// the test's connection may be closed and its context cancelled by now.
func dropDatabase(t testing.TB, cfg chstore.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	admin := cfg
	admin.Database = "default"
	conn, err := chstore.Open(ctx, admin)
	if err != nil {
		t.Errorf("chtest: drop database %s: %v", cfg.Database, err)
		return
	}
	defer conn.Close()
	// cfg.Database was made by randomName, a valid identifier, so splicing it is safe.
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+cfg.Database); err != nil {
		t.Errorf("chtest: drop database %s: %v", cfg.Database, err)
	}
}

// randomName returns "test_" and 16 random hex digits.
func randomName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return "test_" + hex.EncodeToString(b)
}
