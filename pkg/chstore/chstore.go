// Package chstore connects to ClickHouse and keeps its schema: numbered migrations embedded in the binary.
//
// Everything here must run on Debian's ClickHouse 18.16 as well as on current releases, so the
// connection always uses the native protocol (18.16 does not answer clickhouse-go over HTTP).
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
}

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

// EnsureDatabase creates cfg.Database if it does not exist, connecting through database "default".
func EnsureDatabase(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := ValidateDatabaseName(cfg.Database); err != nil {
		return err
	}
	admin := cfg
	admin.Database = "default"
	conn, err := Open(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The name cannot be bound as a parameter; ValidateDatabaseName made it safe to splice.
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+cfg.Database); err != nil {
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
