package chstore

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// InsertRows inserts rows in one batch. query is an INSERT with an explicit column list and no
// VALUES (the only form ClickHouse 18.16 takes over the native protocol); each row holds one
// value per column. No rows, no insert.
func InsertRows(ctx context.Context, conn driver.Conn, query string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(BatchContext(ctx), query)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}
