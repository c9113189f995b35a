package chstore

import (
	"errors"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "one statement without a final semicolon",
			text: "CREATE TABLE a (x UInt8) ENGINE = Memory\n",
			want: []string{"CREATE TABLE a (x UInt8) ENGINE = Memory"},
		},
		{
			name: "two statements across lines",
			text: "CREATE TABLE a (\n    x UInt8\n) ENGINE = Memory;\n\nCREATE TABLE b (y String) ENGINE = Memory;\n",
			want: []string{
				"CREATE TABLE a (\n    x UInt8\n) ENGINE = Memory",
				"CREATE TABLE b (y String) ENGINE = Memory",
			},
		},
		{
			name: "comment-only and blank parts are dropped",
			text: "-- header;\n\n;\nSELECT 1;\n  -- trailing comment\n\n",
			want: []string{"SELECT 1"},
		},
		{
			name: "semicolon ending a comment line does not split",
			text: "CREATE TABLE a (\n    -- a note;\n    x UInt8\n) ENGINE = Memory;\n",
			want: []string{"CREATE TABLE a (\n    -- a note;\n    x UInt8\n) ENGINE = Memory"},
		},
		{
			name: "semicolon inside a line does not split",
			text: "SELECT ';' AS s;\nSELECT 2;",
			want: []string{"SELECT ';' AS s", "SELECT 2"},
		},
		{
			name: "comments before a statement stay with it",
			text: "-- why\nSELECT 1;  \r\nSELECT 2 ;\n",
			want: []string{"-- why\nSELECT 1", "SELECT 2"},
		},
		{name: "empty", text: "", want: nil},
		{name: "comments only", text: "-- nothing\n-- here;\n", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitStatements(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitStatements(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseMigrationName(t *testing.T) {
	good := []struct {
		file    string
		version uint32
		name    string
	}{
		{"0001_reference.sql", 1, "0001_reference"},
		{"0042_workforce_v2.sql", 42, "0042_workforce_v2"},
		{"12345_big.sql", 12345, "12345_big"},
	}
	for _, tt := range good {
		t.Run(tt.file, func(t *testing.T) {
			version, name, err := parseMigrationName(tt.file)
			if err != nil || version != tt.version || name != tt.name {
				t.Errorf("parseMigrationName(%q) = %d, %q, %v; want %d, %q, nil", tt.file, version, name, err, tt.version, tt.name)
			}
		})
	}
	for _, file := range []string{
		"reference.sql", "0001.sql", "0001_.sql", "_x.sql", "0000_zero.sql", "00a1_x.sql",
		"0001_Upper.sql", "0001-dash.sql", "0001_has space.sql", "99999999999_huge.sql",
	} {
		t.Run(file, func(t *testing.T) {
			if _, _, err := parseMigrationName(file); !errors.Is(err, errMigrationName) {
				t.Errorf("parseMigrationName(%q) error = %v, want errMigrationName", file, err)
			}
		})
	}
}

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"0010_later.sql":   {Data: []byte("SELECT 10;\n")},
		"0002_second.sql":  {Data: []byte("SELECT 2;\nSELECT 22;\n")},
		"0001_first.sql":   {Data: []byte("-- first\nSELECT 1\n")},
		"README.md":        {Data: []byte("not a migration")},
		"sub/0003_sub.sql": {Data: []byte("SELECT 3")},
	}
	got, err := loadMigrations(fsys)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	var names []string
	for _, m := range got {
		names = append(names, m.name)
	}
	if want := []string{"0001_first", "0002_second", "0010_later"}; !slices.Equal(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if got[1].version != 2 || len(got[1].statements) != 2 {
		t.Errorf("0002_second = version %d with %d statements, want 2 and 2", got[1].version, len(got[1].statements))
	}

	bad := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"duplicate version", fstest.MapFS{
			"0001_a.sql": {Data: []byte("SELECT 1")},
			"0001_b.sql": {Data: []byte("SELECT 1")},
		}, "same version"},
		{"misnamed file", fstest.MapFS{"1-a.sql": {Data: []byte("SELECT 1")}}, "must look like"},
		{"no statements", fstest.MapFS{"0001_a.sql": {Data: []byte("-- todo\n")}}, "no statements"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMigrations(tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadMigrations error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

var (
	missingIn1816 = regexp.MustCompile(`(?i)\b(LowCardinality|DateTime64|Map\s*\(|JSON(Extract\w*|Has|Length|Type)?\b|TTL\b|COLUMN\s+IF\s+NOT\s+EXISTS)`)
	insertValues  = regexp.MustCompile(`(?is)\bINSERT\b.*\bVALUES\b`)
)

func TestEmbeddedMigrations(t *testing.T) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := loadMigrations(dir)
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	if len(migrations) == 0 || migrations[0].name != "0001_reference" {
		t.Fatalf("embedded migrations start with %v, want 0001_reference", migrations)
	}
	for _, m := range migrations {
		for _, stmt := range m.statements {
			// These fail or hang only on 18.16, so catch them before they reach the old server.
			if found := missingIn1816.FindString(stmt); found != "" {
				t.Errorf("migration %s uses %q, which ClickHouse 18.16 lacks:\n%s", m.name, found, stmt)
			}
			if insertValues.MatchString(stmt) {
				t.Errorf("migration %s has INSERT ... VALUES, which hangs on ClickHouse 18.16:\n%s", m.name, stmt)
			}
		}
	}
}

func TestValidateDatabaseName(t *testing.T) {
	for _, name := range []string{"hub", "_x", "test_0123abcd", "A1_b2"} {
		if err := ValidateDatabaseName(name); err != nil {
			t.Errorf("ValidateDatabaseName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "1hub", "hub-dev", "hub;DROP DATABASE default", "hub db", "`hub`", "hüb", "hub.x"} {
		if err := ValidateDatabaseName(name); !errors.Is(err, ErrInvalidDatabaseName) {
			t.Errorf("ValidateDatabaseName(%q) = %v, want ErrInvalidDatabaseName", name, err)
		}
	}
}

func TestMissingIn1816(t *testing.T) {
	for stmt, want := range map[string]bool{
		"CREATE TABLE t (a LowCardinality(String)) ENGINE = Memory":                    true,
		"CREATE TABLE t (a DateTime64(3)) ENGINE = Memory":                             true,
		"CREATE TABLE t (a Map(String, String)) ENGINE = Memory":                       true,
		"SELECT JSONExtractString(p, 'x') FROM t":                                      true,
		"ALTER TABLE t ADD COLUMN  IF NOT EXISTS x String":                             true,
		"CREATE TABLE t (d Date) ENGINE = MergeTree ORDER BY d TTL d + INTERVAL 1 DAY": true,
		"CREATE TABLE t (json_payload String, mapped UInt8) ENGINE = Memory":           false,
		"SELECT visitParamExtractString(p, 'x') FROM t":                                false,
	} {
		if got := missingIn1816.MatchString(stmt); got != want {
			t.Errorf("missingIn1816 matches %q = %v, want %v", stmt, got, want)
		}
	}
	if !insertValues.MatchString("INSERT INTO t (a)\nVALUES (1)") || insertValues.MatchString("INSERT INTO t (a) SELECT 1") {
		t.Error("insertValues must match INSERT ... VALUES and only that")
	}
}
