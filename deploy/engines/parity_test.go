//go:build chdb

package engines

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/poll"
)

// byID returns the hub's statements by id.
func byID(t *testing.T) map[string]hubSQL {
	t.Helper()
	m := map[string]hubSQL{}
	for _, h := range findHubSQL(t) {
		m[h.ID] = h
	}
	return m
}

// statement returns the text of one of the hub's statements, failing the test if it is gone.
func statement(t *testing.T, id string) string {
	t.Helper()
	h, ok := byID(t)[id]
	if !ok {
		t.Fatalf("the hub has no statement %s any more", id)
	}
	return sqlText(h)
}

// migrateCurrent applies every migration on chDB as chstore.Migrate does on a server: the
// statements in order (the bootstrap of schema_migrations first), each migration then recorded
// with the hub's own insert.
func migrateCurrent(t *testing.T, c *current) {
	t.Helper()
	stmts, err := chstore.Schema{}.Statements()
	if err != nil {
		t.Fatal(err)
	}
	bootstrap, err := chstore.Schema{}.Render(statement(t, "pkg/chstore.createSchemaMigrationsSQL"))
	if err != nil || stmts[0].SQL != bootstrap {
		t.Fatalf("the first statement of the migrations is not schema_migrations' (%v):\n%s", err, stmts[0].SQL)
	}
	record := statement(t, "pkg/chstore.insertSchemaMigrationSQL")
	for i, s := range stmts {
		if err := c.Exec(s.SQL); err != nil {
			t.Fatalf("%s: migration %s fails:\n%s\n%v", c.Name(), s.Migration, s.SQL, err)
		}
		last := i == len(stmts)-1 || stmts[i+1].Migration != s.Migration
		if last && s.Migration != "schema_migrations" {
			version, _, _ := strings.Cut(s.Migration, "_")
			v, _ := strconv.Atoi(version)
			values := fmt.Sprintf(" VALUES (%d, %s, %d)", v, quote(s.Migration), time.Now().Unix())
			if err := c.Exec(record + values); err != nil {
				t.Fatalf("%s: record migration %s: %v", c.Name(), s.Migration, err)
			}
		}
	}
}

// setUp returns both engines with every migration applied, each on a fresh database.
func setUp(t *testing.T) (*server, *current) {
	t.Helper()
	s, _ := newServer(t)
	if _, err := chstore.Migrate(context.Background(), s.conn, nil); err != nil {
		t.Fatalf("%s: migrate: %v", s.Name(), err)
	}
	c := newCurrent(t)
	migrateCurrent(t, c)
	return s, c
}

// TestMigrations applies every migration in order on a fresh database of each engine, twice,
// and checks that both end with the same tables, engines and columns.
func TestMigrations(t *testing.T) {
	s, c := setUp(t)
	t.Logf("engines: %s and %s", s.Name(), c.Name())
	create := statement(t, "pkg/chstore.createDatabaseSQL")
	if err := c.Exec(create + c.db); err != nil {
		t.Errorf("%s: %s%s on an existing database: %v", c.Name(), create, c.db, err)
	}
	migrateCurrent(t, c) // every statement is safe to run twice

	for _, q := range []string{
		`SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name`,
		`SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, name`,
		`SELECT DISTINCT version, name FROM schema_migrations ORDER BY version`,
	} {
		same(t, q, s, c, true)
	}
}

// same runs one query on both engines and fails unless they answer the same.
func same(t *testing.T, q string, s *server, c *current, ordered bool) result {
	t.Helper()
	a, err := s.Query(q)
	if err != nil {
		t.Fatalf("%s: %s: %v", s.Name(), q, err)
	}
	b, err := c.Query(q)
	if err != nil {
		t.Fatalf("%s: %s: %v", c.Name(), q, err)
	}
	compare(t, q, s.Name(), a, c.Name(), b, ordered)
	return a
}

// compare fails unless two results have the same column types and rows (in order when ordered).
func compare(t *testing.T, what, nameA string, a result, nameB string, b result, ordered bool) {
	t.Helper()
	if !slices.Equal(a.Types, b.Types) {
		t.Errorf("%s\ncolumn types differ:\n%s: %v\n%s: %v", what, nameA, a.Types, nameB, b.Types)
	}
	ra, rb := rowsText(a.Rows), rowsText(b.Rows)
	if !ordered {
		sort.Strings(ra)
		sort.Strings(rb)
	}
	if !slices.Equal(ra, rb) {
		t.Errorf("%s\nrows differ:\n%s:\n  %s\n%s:\n  %s", what, nameA, strings.Join(ra, "\n  "), nameB, strings.Join(rb, "\n  "))
	}
}

func rowsText(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, " | ")
	}
	return out
}

var (
	insertShape = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*$`)
	alterTable  = regexp.MustCompile(`(?is)^\s*ALTER\s+TABLE\s+(\w+)\s`)
	// topOrder matches an ORDER BY of the outer query: after the last closing parenthesis.
	topOrder = regexp.MustCompile(`(?is)\bORDER\s+BY\b[^()]*$`)
)

// loadFixture writes the fixture into both engines with the hub's INSERT statements: through
// clickhouse-go batches on the server, as the hub does, and as VALUES on chDB. It returns the
// tables written.
func loadFixture(t *testing.T, s *server, c *current) []string {
	t.Helper()
	ids := make([]string, 0, len(inserts))
	for id := range inserts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var tables []string
	for _, id := range ids {
		sql := statement(t, id)
		m := insertShape.FindStringSubmatch(sql)
		if m == nil {
			t.Fatalf("%s is not INSERT INTO table (columns): %s", id, sql)
		}
		table, columns := m[1], strings.Split(m[2], ",")
		for i := range columns {
			columns[i] = strings.TrimSpace(columns[i])
		}
		types := columnTypes(t, s, table)
		tables = append(tables, table)
		for part, rows := range inserts[id] {
			batch, err := s.conn.PrepareBatch(context.Background(), sql)
			if err != nil {
				t.Fatalf("%s: %s: %v", s.Name(), id, err)
			}
			var literals []string
			for n, r := range rows {
				values := make([]any, len(columns))
				texts := make([]string, len(columns))
				for i, col := range columns {
					typ, ok := types[col]
					if !ok {
						t.Fatalf("%s: table %s has no column %s", id, table, col)
					}
					if values[i], err = toGo(typ, r[col]); err != nil {
						t.Fatalf("%s, insert %d, row %d, %s: %v", id, part+1, n+1, col, err)
					}
					texts[i] = literal(typ, values[i])
				}
				for col := range r {
					if !slices.Contains(columns, col) {
						t.Fatalf("%s, insert %d, row %d: %s does not insert column %s", id, part+1, n+1, id, col)
					}
				}
				if err := batch.Append(values...); err != nil {
					t.Fatalf("%s: %s, insert %d, row %d: %v", s.Name(), id, part+1, n+1, err)
				}
				literals = append(literals, "("+strings.Join(texts, ", ")+")")
			}
			if err := batch.Send(); err != nil {
				t.Fatalf("%s: %s, insert %d: %v", s.Name(), id, part+1, err)
			}
			if err := c.Exec(sql + " VALUES " + strings.Join(literals, ", ")); err != nil {
				t.Fatalf("%s: %s, insert %d: %v", c.Name(), id, part+1, err)
			}
		}
	}
	return tables
}

// columnTypes reads a table's column types from the server.
func columnTypes(t *testing.T, s *server, table string) map[string]string {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ?`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = typ
	}
	return types
}

// TestParity loads the fixture into both engines with the hub's inserts, runs every query of
// the hub with each case's binds (the very text clickhouse-go sends to the server, binds filled
// in, is what chDB runs), and checks that both answer the same column types and rows; then runs
// the mutations and checks the tables they change.
func TestParity(t *testing.T) {
	s, c := setUp(t)
	for _, table := range loadFixture(t, s, c) {
		same(t, "SELECT * FROM "+table+" FINAL", s, c, false)
	}

	ids := make([]string, 0, len(cases))
	for id := range cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var mutations []string
	for _, id := range ids {
		pc := cases[id]
		switch {
		case pc.Migration:
			continue // TestMigrations
		case pc.Mutation:
			mutations = append(mutations, id)
			continue
		}
		sql := statement(t, id)
		t.Run(id, func(t *testing.T) {
			for i, binds := range pc.Runs {
				a, sent, err := s.QueryBound(sql, binds...)
				if err != nil {
					t.Fatalf("run %d on %s: %v\n%s", i+1, s.Name(), err, sent)
				}
				b, err := c.Query(sent)
				if err != nil {
					t.Fatalf("run %d on %s: %v\n%s", i+1, c.Name(), err, sent)
				}
				compare(t, fmt.Sprintf("run %d: %s", i+1, sent), s.Name(), a, c.Name(), b, topOrder.MatchString(sql))
				if len(a.Rows) == 0 && !pc.Empty {
					t.Errorf("run %d answers no rows on the fixture: a case must show the query at work (or say Empty)\n%s", i+1, sent)
				}
			}
		})
	}

	for _, id := range mutations {
		sql := statement(t, id)
		m := alterTable.FindStringSubmatch(sql)
		if m == nil {
			t.Fatalf("%s is not an ALTER TABLE: %s", id, sql)
		}
		t.Run(id, func(t *testing.T) {
			before := same(t, "SELECT count() FROM "+m[1]+" FINAL", s, c, false)
			for i, binds := range cases[id].Runs {
				sent, err := s.ExecBound(sql, binds...)
				if err != nil {
					t.Fatalf("run %d on %s: %v\n%s", i+1, s.Name(), err, sent)
				}
				if err := c.Exec(sent); err != nil {
					t.Fatalf("run %d on %s: %v\n%s", i+1, c.Name(), err, sent)
				}
			}
			// Mutations are applied in the background on both engines: wait for them.
			for _, e := range []engine{s, c} {
				waitMutations(t, e)
			}
			after := same(t, "SELECT * FROM "+m[1]+" FINAL", s, c, false)
			if n, _ := strconv.Atoi(before.Rows[0][0]); len(after.Rows) >= n {
				t.Errorf("%s deleted nothing: %d rows before, %d after", id, n, len(after.Rows))
			}
		})
	}
}

// waitMutations polls until the engine has applied every mutation of the current database.
func waitMutations(t *testing.T, e engine) {
	t.Helper()
	poll.Until(t, 30*time.Second, func() error {
		r, err := e.Query(`SELECT count() FROM system.mutations WHERE database = currentDatabase() AND is_done = 0`)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if r.Rows[0][0] != "0" {
			return fmt.Errorf("%s: mutations still running", e.Name())
		}
		return nil
	})
}

// toGo converts a fixture value to the Go type clickhouse-go takes for a column of type t; nil
// is NULL for a Nullable column and the zero value otherwise.
func toGo(t string, v any) (any, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			v = nil
		} else {
			v = rv.Elem().Interface()
		}
	}
	base, nullable := baseType(t)
	if v == nil && nullable {
		return nil, nil
	}
	num := func() float64 {
		switch x := v.(type) {
		case nil:
			return 0
		case int:
			return float64(x)
		case float64:
			return x
		default:
			return reflect.ValueOf(x).Convert(reflect.TypeFor[float64]()).Float()
		}
	}
	str := func() string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	switch {
	case base == "String" || strings.HasPrefix(base, "Enum"):
		return str(), nil
	case base == "Array(String)":
		if v == nil {
			return []string{}, nil
		}
		return v.([]string), nil
	case base == "UInt8":
		return uint8(num()), nil
	case base == "UInt16":
		return uint16(num()), nil
	case base == "UInt32":
		return uint32(num()), nil
	case base == "UInt64":
		return uint64(num()), nil
	case base == "Float64":
		return num(), nil
	case base == "Date":
		if v == nil {
			return time.Unix(0, 0).UTC(), nil
		}
		return time.Parse(time.DateOnly, str())
	case strings.HasPrefix(base, "DateTime"):
		if v == nil {
			return time.Unix(0, 0).UTC(), nil
		}
		return time.Parse(time.DateTime, str())
	}
	return nil, fmt.Errorf("no fixture conversion for type %s", t)
}

// literal writes a converted fixture value as a ClickHouse literal for chDB (test data only:
// strings are quoted and escaped; DateTime is written as Unix seconds, whatever the time zone).
func literal(t string, v any) string {
	base, _ := baseType(t)
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return quote(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case time.Time:
		if base == "Date" {
			return quote(x.Format(time.DateOnly))
		}
		return strconv.FormatInt(x.Unix(), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

func quote(s string) string { return "'" + quoter.Replace(s) + "'" }
