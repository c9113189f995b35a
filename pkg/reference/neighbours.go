package reference

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// StatisticalNeighbours reads the DfE's statistical-neighbour groups (2021): for each local
// authority, by its 3-digit old LA code, the old codes of its ten closest neighbours, closest
// first. Organisations carry the old code (OldCode); a joint return joins its codes with "_".
func StatisticalNeighbours() (map[string][]string, error) {
	recs, err := readCSV("data/dfe-statistical-neighbours-2021.csv", 26)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(recs))
	for _, r := range recs {
		// Columns: LA num, LA name, LA number, GOInd, GOReg, then SN1, SNP, SN2, SNP, … SN10, SNP.
		var ns []string
		for i := 5; i+1 < len(r); i += 2 {
			if r[i] != "" {
				ns = append(ns, r[i])
			}
		}
		out[r[0]] = ns
	}
	return out, nil
}

const selectRegions = `SELECT code, name, toString(level), parent_code FROM regions FINAL`

// ReadRegions reads the geography from ClickHouse, by code.
func ReadRegions(ctx context.Context, conn driver.Conn) (map[string]Region, error) {
	rows, err := conn.Query(ctx, selectRegions)
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Region)
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent); err != nil {
			return nil, fmt.Errorf("load regions: %w", err)
		}
		out[r.Code] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	return out, nil
}
