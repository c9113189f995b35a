// Package chstore connects to ClickHouse and keeps its schema: numbered migrations embedded in the binary.
//
// Everything here must run on Debian's ClickHouse 18.16 as well as on current releases, so the
// connection always uses the native protocol (18.16 does not answer clickhouse-go over HTTP).
//
// # One server or a cluster
//
// The same migrations build the schema on one server and on a replicated cluster
// (HUB_CLICKHOUSE_CLUSTER names it; Schema.Render is the one place that tells them apart). Each
// migration writes two placeholders, and loading the migrations fails when one is missing:
//
//   - ${ON_CLUSTER} right after the name in every CREATE, DROP, ALTER, RENAME or TRUNCATE of a
//     table or view. Nothing on one server; ON CLUSTER 'name' on a cluster, so that the statement
//     runs on every node (through Keeper's distributed DDL queue).
//   - ${REPLICATED} right before every MergeTree-family engine, with the engine's own arguments
//     only: ENGINE = ${REPLICATED}ReplacingMergeTree(version). Nothing on one server;
//     ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}', version) on a
//     cluster (ReplicaPath, ReplicaName).
//
// What a cluster is for the hub, decided once for every table:
//
//   - Every table exists on every node, with every row: one shard, as many replicas as nodes. The
//     hub's data is small (thousands of organisations × periods, at most millions of rows), so
//     nothing is sharded, there are no Distributed tables, and any node answers any query from its
//     own replica. Sharding would need Distributed tables over local ones and FINAL per shard; it
//     is not needed and not built. Engines outside the MergeTree family (Memory, Log, …) are
//     refused in migrations: they would not be replicated.
//   - Idempotency stays the hub's own, as on one server: deterministic keys and
//     ReplacingMergeTree versions, read with FINAL or argMax. Replicated tables also drop an insert
//     block identical to a recent one (replicated_deduplication_window), so an identical retried
//     batch is stored once; the hub never relies on it (a batch retried with other chunks is not
//     identical), and a dropped identical block loses nothing, since its rows, versions included,
//     are already there.
//   - Runtime SQL needs no placeholder: inserts and mutations (ALTER TABLE … DELETE) of a
//     replicated table reach every replica through Keeper. Only migrations (DDL) carry them.
//   - Replication is asynchronous: an insert returns once one replica has the rows, and another
//     replica has them a moment later. A reader on another replica (the benchmark service after a
//     stored event) may miss them for that moment; the next recomputation of the period includes
//     them.
//   - {uuid} makes each CREATE its own Keeper path, so a migration that drops and creates a table
//     again (0008) never meets the old table's replicas; it needs Atomic databases (the default
//     since ClickHouse 20.10). The cluster must be defined in every server's <remote_servers>, and
//     {shard} and {replica} in its <macros> (the ClickHouse operators do both).
//
// Cluster mode is for current ClickHouse: it is rendered and parsed on 18.16 and 26.x in tests,
// and never run on a real cluster there.
package chstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Defaults used for the empty fields of a Config.
const (
	DefaultAddr     = "127.0.0.1:19000"
	DefaultDatabase = "hub"
	DefaultUsername = "default"
)

const (
	dialTimeout     = 5 * time.Second
	readTimeout     = 2 * time.Minute // bounds a batch insert, which runs detached from its caller's context
	maxOpenConns    = 10
	maxIdleConns    = 5
	connMaxLifetime = time.Hour
)

// ErrInvalidDatabaseName is returned for a database name that is not a plain identifier.
var ErrInvalidDatabaseName = errors.New("invalid database name")

// Config says where ClickHouse is and which database the hub uses.
type Config struct {
	Addr     string // host:port of the native protocol, default "127.0.0.1:19000"
	Database string // default "hub"
	Username string // default "default"
	Password string
	Cluster  string // HUB_CLICKHOUSE_CLUSTER: the cluster to lay the schema out on; "" for one server
}

// Schema returns how the schema is laid out for c.
func (c Config) Schema() Schema { return Schema{Cluster: c.Cluster} }

// withDefaults returns c with its empty fields filled in.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Username == "" {
		c.Username = DefaultUsername
	}
	return c
}

// LogValue lets a Config be logged without its password.
func (c Config) LogValue() slog.Value {
	password := ""
	if c.Password != "" {
		password = "******"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database", c.Database),
		slog.String("username", c.Username),
		slog.String("password", password),
		slog.String("cluster", c.Cluster),
	)
}

// ValidateDatabaseName reports whether name is a plain identifier, [A-Za-z_][A-Za-z0-9_]*: the
// name goes into DDL unquoted, so nothing else is let through.
func ValidateDatabaseName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidDatabaseName)
	}
	for i, r := range name {
		letter := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		digit := '0' <= r && r <= '9'
		if !letter && (i == 0 || !digit) {
			return fmt.Errorf("%w: %q (want [A-Za-z_][A-Za-z0-9_]*)", ErrInvalidDatabaseName, name)
		}
	}
	return nil
}

// Open connects to cfg.Database over the native protocol and pings it. It creates nothing: see
// EnsureDatabase and Migrate.
func Open(ctx context.Context, cfg Config) (driver.Conn, error) {
	cfg = cfg.withDefaults()
	if err := ValidateDatabaseName(cfg.Database); err != nil {
		return nil, err
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     []string{cfg.Addr},
		Auth: clickhouse.Auth{
			Database: cfg.Database,
			Username: cfg.Username,
			Password: cfg.Password,
		},
		DialTimeout:     dialTimeout,
		ReadTimeout:     readTimeout,
		MaxOpenConns:    maxOpenConns,
		MaxIdleConns:    maxIdleConns,
		ConnMaxLifetime: connMaxLifetime,
	})
	if err != nil {
		return nil, fmt.Errorf("open clickhouse %s: %w", cfg.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ping clickhouse %s database %s: %w", cfg.Addr, cfg.Database, err)
	}
	return conn, nil
}

// createDatabaseSQL is followed by the database name, which cannot be bound as a parameter:
// ValidateDatabaseName makes it safe to splice.
const createDatabaseSQL = "CREATE DATABASE IF NOT EXISTS "

// EnsureDatabase creates cfg.Database if it does not exist (on every node of cfg.Cluster),
// connecting through database "default".
func EnsureDatabase(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := ValidateDatabaseName(cfg.Database); err != nil {
		return err
	}
	stmt, err := cfg.Schema().Render(createDatabaseSQL + cfg.Database + " " + OnCluster)
	if err != nil {
		return err
	}
	admin := cfg
	admin.Database = "default"
	conn, err := Open(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("create database %s: %w", cfg.Database, err)
	}
	return nil
}

// BatchContext returns the context to prepare and send a batch insert with: ctx's values
// without its cancellation. clickhouse-go (2.50) watches the context while a batch is sent and
// closes the TCP connection when it ends; if the caller cancels right after Send returns, that
// watcher can still fire and close a connection already back in the pool, so that the next query
// on it fails with "use of closed network connection". A batch is bounded by the connection's
// read timeout instead.
func BatchContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
