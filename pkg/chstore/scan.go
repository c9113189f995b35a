package chstore

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Scan runs query with args and hands each row to fn, which scans it; errors say what was read.
func Scan(ctx context.Context, conn driver.Conn, what, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// Strings runs a query of one text column and returns its values.
func Strings(ctx context.Context, conn driver.Conn, what, query string, args ...any) ([]string, error) {
	var out []string
	err := Scan(ctx, conn, what, query, args, func(scan func(...any) error) error {
		var s string
		if err := scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}
