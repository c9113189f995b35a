//go:build chdb

package engines

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/chdb-io/chdb-go/chdb"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
)

// engine runs SQL text on one ClickHouse. Both engines answer a query with the same canonical
// result, so that their answers can be compared cell by cell.
type engine interface {
	Name() string
	Exec(sql string) error
	Query(sql string) (result, error)
}

// result is a query's answer: the column types and each row's cells, written out the same way
// whichever engine answered (floats to 12 significant digits, DateTime as Unix seconds, Date as
// YYYY-MM-DD, NULL, arrays in brackets).
type result struct {
	Types []string
	Rows  [][]string
}

// server is ClickHouse 18.16, the server `make test` runs, through clickhouse-go as the hub
// talks to it. Its log of queries gives the text clickhouse-go sent, binds filled in: the text
// the chDB side runs, so that both engines get the very same statement.
type server struct {
	conn driver.Conn
	mu   sync.Mutex
	sent string
}

// newServer makes a fresh database on the test server, dropped when the test ends, and
// connects to it. It applies nothing.
func newServer(t *testing.T) (*server, chstore.Config) {
	t.Helper()
	addr := os.Getenv(chtest.AddrEnv)
	if addr == "" {
		t.Fatalf("%s is not set: `make test` starts ClickHouse 18.16 and sets it", chtest.AddrEnv)
	}
	cfg := chstore.Config{Addr: addr, Database: "engines_" + randomHex()}
	ctx := context.Background()
	if err := chstore.EnsureDatabase(ctx, cfg); err != nil {
		t.Fatalf("ClickHouse 18.16 at %s: %v", addr, err)
	}
	s := &server{}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     []string{addr},
		Auth:     clickhouse.Auth{Database: cfg.Database, Username: chstore.DefaultUsername},
		Logger:   slog.New(sentQueries{s}),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.conn = conn
	t.Cleanup(func() {
		_ = s.conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.Database)
		_ = s.conn.Close()
	})
	return s, cfg
}

func (s *server) Name() string { return "ClickHouse 18.16" }

func (s *server) Exec(sql string) error { return s.conn.Exec(context.Background(), sql) }

func (s *server) Query(sql string) (result, error) {
	r, _, err := s.QueryBound(sql)
	return r, err
}

// QueryBound runs a query with binds, as the hub does, and returns its result and the text
// clickhouse-go sent.
func (s *server) QueryBound(sql string, binds ...any) (result, string, error) {
	rows, err := s.conn.Query(context.Background(), sql, binds...)
	if err != nil {
		return result{}, "", err
	}
	defer rows.Close()
	sent := s.lastSent()
	var res result
	cols := rows.ColumnTypes()
	for _, c := range cols {
		res.Types = append(res.Types, normaliseType(c.DatabaseTypeName()))
	}
	for rows.Next() {
		dest := make([]any, len(cols))
		for i, c := range cols {
			dest[i] = reflect.New(c.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return result{}, sent, err
		}
		cells := make([]string, len(cols))
		for i := range cols {
			cells[i] = canonGo(res.Types[i], reflect.ValueOf(dest[i]).Elem())
		}
		res.Rows = append(res.Rows, cells)
	}
	return res, sent, rows.Err()
}

// ExecBound runs a statement with binds and returns the text clickhouse-go sent.
func (s *server) ExecBound(sql string, binds ...any) (string, error) {
	err := s.conn.Exec(context.Background(), sql, binds...)
	return s.lastSent(), err
}

func (s *server) lastSent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// sentQueries keeps the text of the last query clickhouse-go logged as sent.
type sentQueries struct{ s *server }

func (h sentQueries) Enabled(context.Context, slog.Level) bool { return true }
func (h sentQueries) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h sentQueries) WithGroup(string) slog.Handler            { return h }
func (h sentQueries) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "sending query" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "query" {
			h.s.mu.Lock()
			h.s.sent = a.Value.String()
			h.s.mu.Unlock()
			return false
		}
		return true
	})
	return nil
}

// current is current ClickHouse: chDB, one session per test process (chDB allows one), a
// database per test.
type current struct {
	session *chdb.Session
	db      string
}

var (
	chdbOnce    sync.Once
	chdbSession *chdb.Session
	chdbErr     error
)

// newCurrent makes a fresh database in the process's chDB session and makes it the current one.
func newCurrent(t *testing.T) *current {
	t.Helper()
	chdbOnce.Do(func() {
		chdbSession, chdbErr = chdb.NewSession("")
	})
	if chdbErr != nil {
		t.Fatalf("chDB: %v", chdbErr)
	}
	c := &current{session: chdbSession, db: "engines_" + randomHex()}
	for _, q := range []string{
		"CREATE DATABASE " + c.db, "USE " + c.db,
		// DateTime as Unix seconds and 64-bit integers as strings, so that nothing is lost
		// between the engine's JSON and the comparison.
		"SET date_time_output_format = 'unix_timestamp'", "SET output_format_json_quote_64bit_integers = 1",
		"SET output_format_json_quote_denormals = 1",
	} {
		if err := c.Exec(q); err != nil {
			t.Fatalf("chDB: %s: %v", q, err)
		}
	}
	t.Cleanup(func() { _ = c.Exec("DROP DATABASE IF EXISTS " + c.db) })
	return c
}

func (c *current) Name() string { return "ClickHouse " + c.version() }

func (c *current) version() string {
	r, err := c.Query("SELECT version()")
	if err != nil || len(r.Rows) == 0 {
		return "26.x"
	}
	return r.Rows[0][0]
}

func (c *current) run(sql, format string) ([]byte, error) {
	r, err := c.session.Query(sql, format)
	if err != nil {
		return nil, err
	}
	defer r.Free()
	if err := r.Error(); err != nil {
		return nil, err
	}
	return bytes.Clone(r.Buf()), nil
}

func (c *current) Exec(sql string) error {
	_, err := c.run(sql, "TabSeparated")
	return err
}

func (c *current) Query(sql string) (result, error) {
	buf, err := c.run(sql, "JSONCompact")
	if err != nil {
		return result{}, err
	}
	if len(bytes.TrimSpace(buf)) == 0 {
		return result{}, nil // a statement that answers nothing
	}
	var out struct {
		Meta []struct{ Name, Type string }
		Data [][]any
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return result{}, fmt.Errorf("chDB answer %q: %w", buf, err)
	}
	var res result
	for _, m := range out.Meta {
		res.Types = append(res.Types, normaliseType(m.Type))
	}
	for _, d := range out.Data {
		cells := make([]string, len(d))
		for i, v := range d {
			cells[i] = canonJSON(res.Types[i], v)
		}
		res.Rows = append(res.Rows, cells)
	}
	return res, nil
}

var (
	spaces       = regexp.MustCompile(`\s+`)
	dateTimeZone = regexp.MustCompile(`DateTime\('[^']*'\)`)
)

// normaliseType writes a type name one way: without spaces, and without the time zone of a
// DateTime (both engines store Unix seconds; the hub writes and reads UTC).
func normaliseType(t string) string {
	t = spaces.ReplaceAllString(t, "")
	return dateTimeZone.ReplaceAllString(t, "DateTime")
}

// baseType strips Nullable( ) from a type.
func baseType(t string) (string, bool) {
	if inner, ok := strings.CutPrefix(t, "Nullable("); ok {
		return strings.TrimSuffix(inner, ")"), true
	}
	return t, false
}

// canonGo writes a value clickhouse-go scanned.
func canonGo(t string, v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "NULL"
		}
		v = v.Elem()
	}
	t, _ = baseType(t)
	switch {
	case strings.HasPrefix(t, "Array("):
		elem := strings.TrimSuffix(strings.TrimPrefix(t, "Array("), ")")
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = canonGo(elem, v.Index(i))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case t == "Date" || t == "Date32":
		return v.Interface().(time.Time).Format(time.DateOnly)
	case strings.HasPrefix(t, "DateTime"):
		return strconv.FormatInt(v.Interface().(time.Time).Unix(), 10)
	case strings.HasPrefix(t, "Float"):
		return canonFloat(v.Float())
	}
	return fmt.Sprint(v.Interface())
}

// canonJSON writes a value of chDB's JSONCompact answer.
func canonJSON(t string, v any) string {
	if v == nil {
		return "NULL"
	}
	t, _ = baseType(t)
	switch {
	case strings.HasPrefix(t, "Array("):
		elem := strings.TrimSuffix(strings.TrimPrefix(t, "Array("), ")")
		items, _ := v.([]any)
		parts := make([]string, len(items))
		for i, item := range items {
			parts[i] = canonJSON(elem, item)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case strings.HasPrefix(t, "Float"):
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return canonFloat(f)
			}
		}
	}
	return fmt.Sprint(v)
}

// canonFloat writes a float to 12 significant digits: the engines may add in another order, and
// the last bits of a sum differ.
func canonFloat(f float64) string { return strconv.FormatFloat(f, 'g', 12, 64) }

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
