package reference

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// London's boroughs sit in sub-regions, so a region's organisations are those of the region and
// of its sub-regions.
const selectInRegion = `SELECT code, old_code, name, toString(type), region_code FROM organisations FINAL
	WHERE region_code = ? OR region_code IN (SELECT code FROM regions FINAL WHERE parent_code = ?)
	ORDER BY code`

// Members reads which organisations belong to a region, from the reference tables.
type Members struct {
	conn driver.Conn
}

// NewMembers returns a reader on conn.
func NewMembers(conn driver.Conn) *Members { return &Members{conn: conn} }

// InRegion returns the organisations of a region (or sub-region), by code.
func (m *Members) InRegion(ctx context.Context, region string) ([]Organisation, error) {
	rows, err := m.conn.Query(ctx, selectInRegion, region, region)
	if err != nil {
		return nil, fmt.Errorf("organisations of region %s: %w", region, err)
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		var o Organisation
		if err := rows.Scan(&o.Code, &o.OldCode, &o.Name, &o.Type, &o.Region); err != nil {
			return nil, fmt.Errorf("organisations of region %s: %w", region, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("organisations of region %s: %w", region, err)
	}
	return out, nil
}
