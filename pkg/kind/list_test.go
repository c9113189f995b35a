package kind_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/partnership-hub/hub/pkg/kind"
)

type stored struct {
	Key   string `json:"key"`
	Value int    `json:"value"`
}

// readAll follows a list from its first page to its last, changing the stored rows with change
// after the first page; it returns the keys read, page by page.
func readAll(t *testing.T, rows *[]stored, limit int, change func()) [][]string {
	t.Helper()
	l := kind.ListOf("list-test", "Tests", "", "", "rows", nil, func(context.Context, driver.Conn, string, kind.Query) ([]stored, error) {
		return slices.Clone(*rows), nil
	})
	var (
		pages [][]string
		after *kind.Position
	)
	for {
		body, next, err := l.Read(context.Background(), nil, "E06000001", nil, kind.Page{Limit: limit, After: after})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range reflect.ValueOf(body).Field(1).Interface().([]stored) {
			keys = append(keys, r.Key)
		}
		pages = append(pages, keys)
		if next == nil {
			return pages
		}
		if len(pages) == 1 && change != nil {
			change()
		}
		if len(pages) > 10 {
			t.Fatal("more pages than rows")
		}
		after = next
	}
}

func TestListPages(t *testing.T) {
	base := []stored{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}}
	for _, tt := range []struct {
		name   string
		limit  int
		change func(rows *[]stored)
		want   [][]string
	}{
		{"pages of two", 2, nil, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"one page holds all", 0, nil, [][]string{{"a", "b", "c", "d", "e"}}},
		{"a row stored before the cursor is not read, nor is a row read twice", 2,
			func(rows *[]stored) { *rows = slices.Insert(*rows, 0, stored{"0", 1}) }, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"a row stored after the cursor is read", 2,
			func(rows *[]stored) { *rows = slices.Insert(*rows, 3, stored{"c2", 1}) }, [][]string{{"a", "b"}, {"c", "c2"}, {"d", "e"}}},
		{"the last row read, replaced since, at the same place", 2,
			func(rows *[]stored) { (*rows)[1].Value = 2 }, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"a row read removed since", 2,
			func(rows *[]stored) { *rows = slices.Delete(*rows, 0, 1) }, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows := slices.Clone(base)
			var change func()
			if tt.change != nil {
				change = func() { tt.change(&rows) }
			}
			if got := readAll(t, &rows, tt.limit, change); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("pages %v, want %v", got, tt.want)
			}
		})
	}
}
