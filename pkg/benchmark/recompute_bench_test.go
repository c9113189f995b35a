package benchmark_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/chstore"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// BenchmarkRecomputePeriod recomputes one period of n organisations' workforce returns after one
// organisation resubmits, in full (Store.Recompute) and incrementally (a Recomputer told of the
// change), reading from and writing to ClickHouse:
//
//	go test -run '^$' -bench RecomputePeriod -benchmem ./benchmark/
func BenchmarkRecomputePeriod(b *testing.B) {
	for _, n := range []int{165, 1650} {
		conn, _ := chtest.New(b)
		ctx := context.Background()
		if err := reference.Seed(ctx, conn); err != nil {
			b.Fatal(err)
		}
		batch, err := conn.PrepareBatch(chstore.BatchContext(ctx), "INSERT INTO organisations (code, old_code, name, type, region_code, updated_at, version)")
		if err != nil {
			b.Fatal(err)
		}
		var rows []workforce.Stored
		now := time.Now()
		for i := range n {
			code := fmt.Sprintf("X%06d", i)
			if err := batch.Append(code, "", code, reference.TypeTrust, "E12000001", now, uint64(1)); err != nil {
				b.Fatal(err)
			}
			r := workforce.Return{Org: code, Period: "2024"}
			for k, f := range workforce.Fields {
				*f.Of(&r) = measure.Of(float64(10 + (i*7+k*3)%90))
			}
			rows = append(rows, workforce.Stored{Row: workforce.Row{Row: i + 2, Return: r}, SubmissionID: "s", SubmittedBy: "bench", ReceivedAt: now})
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
		returns := workforce.NewStore(conn)
		if err := returns.Insert(ctx, rows); err != nil {
			b.Fatal(err)
		}
		store := must(benchmark.NewStore(conn))
		rc := store.NewRecomputer(4)
		resubmit := func(i int) {
			r := rows[i%n]
			*workforce.Fields[0].Of(&r.Return) = measure.Of(float64(100 + i%50))
			r.ReceivedAt = time.Now()
			if err := returns.Insert(ctx, []workforce.Stored{r}); err != nil {
				b.Fatal(err)
			}
		}
		timed := func(b *testing.B, recompute func() error) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				resubmit(i)
				i++
				rc.Changed(submission.KindWorkforce, []string{rows[(i-1)%n].Org}, "2024")
				b.StartTimer()
				if err := recompute(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("full/orgs=%d", n), func(b *testing.B) {
			timed(b, func() error { _, err := store.Recompute(ctx, "2024"); return err })
		})
		b.Run(fmt.Sprintf("incremental/orgs=%d", n), func(b *testing.B) {
			timed(b, func() error { _, err := rc.Recompute(ctx, "2024"); return err })
		})
	}
}
