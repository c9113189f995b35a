package chstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// migrationFiles holds the schema, one NNNN_name.sql file per step, applied in version order.
//
// A file may hold several statements, each ending with ";" at the end of a line; parts that are
// blank or only "--" comments are skipped. Every statement must be safe to run twice (CREATE TABLE
// IF NOT EXISTS, ...): two processes may start at once, and a step that failed half-way is run
// again from its first statement.
//
// ClickHouse 18.16 limits what a statement may be: no INSERT ... VALUES (over clickhouse-go's Exec
// the server waits for data that never comes, and the call hangs; INSERT ... SELECT works), and
// no ALTER TABLE ... ADD COLUMN IF NOT EXISTS (a syntax error), so prefer new tables to ALTERs.
//
// Every statement carries the placeholders of layout.go (OnCluster, Replicated), filled by
// Schema.Render when it is applied; a statement missing one is an error (see the package comment).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Statements of the bootstrap table that records which migrations ran. ClickHouse has no
// transactions or locks, so two processes starting together may both record a version:
// ReplacingMergeTree folds the duplicates and appliedVersionsSQL reads them with DISTINCT.
const (
	createSchemaMigrationsSQL = `CREATE TABLE IF NOT EXISTS schema_migrations ${ON_CLUSTER} (
    version UInt32,
    name String,
    applied_at DateTime
) ENGINE = ${REPLICATED}ReplacingMergeTree ORDER BY version`
	appliedVersionsSQL       = `SELECT DISTINCT version FROM schema_migrations`
	insertSchemaMigrationSQL = `INSERT INTO schema_migrations (version, name, applied_at)`
)

// migration is one NNNN_name.sql file.
type migration struct {
	version    uint32
	name       string // file name without ".sql", e.g. "0001_reference"
	statements []string
}

// Migrate applies the migrations on one server: Schema{}.Migrate.
func Migrate(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]string, error) {
	return Schema{}.Migrate(ctx, conn, log)
}

// Migrate applies, in version order, the embedded migrations that conn's database has not
// recorded yet, rendered for s, and returns the names of those it applied (e.g.
// "0001_reference"). On error it returns the names applied before the failing one.
func (s Schema) Migrate(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]string, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	migrations, err := s.migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, conn, log, migrations)
}

// Statement is one statement of a migration, as Schema.Statements renders it.
type Statement struct {
	Migration string // e.g. "0001_reference"
	SQL       string
}

// Statements returns every statement Migrate would run on an empty database, in order, rendered
// for s: the schema_migrations table first, then each migration's.
func (s Schema) Statements() ([]Statement, error) {
	migrations, err := s.migrations()
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, m := range migrations {
		for _, stmt := range m.statements {
			out = append(out, Statement{Migration: m.name, SQL: stmt})
		}
	}
	return out, nil
}

// migrations returns the embedded migrations rendered for s, led by version 0: the statement
// that creates schema_migrations (never recorded in it).
func (s Schema) migrations() ([]migration, error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	migrations, err := loadMigrations(dir)
	if err != nil {
		return nil, err
	}
	migrations = append([]migration{{name: "schema_migrations", statements: []string{createSchemaMigrationsSQL}}}, migrations...)
	for i, m := range migrations {
		for j, stmt := range m.statements {
			if migrations[i].statements[j], err = s.Render(stmt); err != nil {
				return nil, fmt.Errorf("migration %s, statement %d: %w", m.name, j+1, err)
			}
		}
	}
	return migrations, nil
}

// migrate runs migrations[0] (the bootstrap table, version 0) and then every later migration
// that schema_migrations has not recorded.
func migrate(ctx context.Context, conn driver.Conn, log *slog.Logger, migrations []migration) ([]string, error) {
	if err := conn.Exec(ctx, migrations[0].statements[0]); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	migrations = migrations[1:]
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}

	known := make(map[uint32]bool, len(migrations))
	var applied []string
	for _, m := range migrations {
		known[m.version] = true
		if done[m.version] {
			continue
		}
		start := time.Now()
		for i, stmt := range m.statements {
			if err := conn.Exec(ctx, stmt); err != nil {
				return applied, fmt.Errorf("migration %s, statement %d: %w", m.name, i+1, err)
			}
		}
		if err := recordMigration(ctx, conn, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.name)
		log.InfoContext(ctx, "clickhouse migration applied",
			"migration", m.name, "statements", len(m.statements), "took", time.Since(start))
	}
	for v := range done {
		if !known[v] {
			// A newer binary migrated this database; carry on, its schema is a superset of ours.
			log.WarnContext(ctx, "clickhouse database has a migration this binary does not know", "version", v)
		}
	}
	return applied, nil
}

func appliedVersions(ctx context.Context, conn driver.Conn) (map[uint32]bool, error) {
	rows, err := conn.Query(ctx, appliedVersionsSQL)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := make(map[uint32]bool)
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

func recordMigration(ctx context.Context, conn driver.Conn, m migration) error {
	batch, err := conn.PrepareBatch(BatchContext(ctx), insertSchemaMigrationSQL)
	if err != nil {
		return fmt.Errorf("record migration %s: %w", m.name, err)
	}
	if err := batch.Append(m.version, m.name, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("record migration %s: %w", m.name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("record migration %s: %w", m.name, err)
	}
	return nil
}

// loadMigrations reads every .sql file at the top of fsys, sorted by version. A .sql file whose
// name is not NNNN_name.sql, a repeated version or a file without statements is an error, so
// that a misnamed file cannot be skipped silently.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var migrations []migration
	byVersion := make(map[uint32]string)
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		version, name, err := parseMigrationName(e.Name())
		if err != nil {
			return nil, err
		}
		if other, ok := byVersion[version]; ok {
			return nil, fmt.Errorf("migrations %s and %s have the same version %d", other, name, version)
		}
		byVersion[version] = name
		text, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		statements := splitStatements(string(text))
		if len(statements) == 0 {
			return nil, fmt.Errorf("migration %s has no statements", e.Name())
		}
		for i, stmt := range statements {
			statements[i] = stripComments(stmt)
			if err := Check(statements[i]); err != nil {
				return nil, fmt.Errorf("migration %s, statement %d: %w", name, i+1, err)
			}
		}
		migrations = append(migrations, migration{version: version, name: name, statements: statements})
	}
	sort.Slice(migrations, func(i, j int) bool { return migrations[i].version < migrations[j].version })
	return migrations, nil
}

var errMigrationName = errors.New("migration file name must look like 0001_name.sql (name of a-z, 0-9, _)")

// parseMigrationName splits "0001_reference.sql" into version 1 and name "0001_reference".
func parseMigrationName(file string) (uint32, string, error) {
	name := strings.TrimSuffix(file, ".sql")
	digits, label, ok := strings.Cut(name, "_")
	if !ok || digits == "" || label == "" {
		return 0, "", fmt.Errorf("%s: %w", file, errMigrationName)
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, "", fmt.Errorf("%s: %w", file, errMigrationName)
		}
	}
	for _, r := range label {
		if r != '_' && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return 0, "", fmt.Errorf("%s: %w", file, errMigrationName)
		}
	}
	version, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || version == 0 {
		return 0, "", fmt.Errorf("%s: version must be from 1 to %d: %w", file, uint32(1<<32-1), errMigrationName)
	}
	return uint32(version), name, nil
}

// splitStatements cuts a migration file into statements at lines ending with ";" (a ";" at the
// end of a "--" comment line does not count). The ";" is dropped: the native protocol takes one
// statement per query. Parts holding only blanks and comments are left out.
func splitStatements(text string) []string {
	var (
		statements []string
		current    strings.Builder
	)
	flush := func() {
		stmt := strings.TrimSpace(current.String())
		current.Reset()
		stmt = strings.TrimSpace(strings.TrimSuffix(stmt, ";"))
		if !commentOnly(stmt) {
			statements = append(statements, stmt)
		}
	}
	for line := range strings.Lines(text) {
		current.WriteString(line)
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "--") && strings.HasSuffix(trimmed, ";") {
			flush()
		}
	}
	flush()
	return statements
}

// commentOnly reports whether stmt holds nothing but blank lines and "--" comments.
func commentOnly(stmt string) bool {
	for line := range strings.Lines(stmt) {
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "--") {
			return false
		}
	}
	return true
}

// stripComments drops the "--" comments of a statement (outside quoted strings and names), and
// the lines they leave blank: the server does not need them, and a comment naming an engine must
// not be taken for one.
func stripComments(stmt string) string {
	var out []string
	for line := range strings.Lines(stmt) {
		line = strings.TrimRight(line, "\r\n")
		line = line[:commentStart(line)]
		if strings.TrimSpace(line) != "" {
			out = append(out, strings.TrimRight(line, " \t"))
		}
	}
	return strings.Join(out, "\n")
}

// commentStart returns where a "--" comment starts in line, outside quotes; len(line) if none.
func commentStart(line string) int {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote && !isEscaped(line, i) {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case strings.HasPrefix(line[i:], "--"):
			return i
		}
	}
	return len(line)
}

// isEscaped reports whether the byte at i follows an odd number of backslashes.
func isEscaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
