package benchmark_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/workforce"
)

// storeVacancies stores Hartlepool's 2024 return with 90 in-post FTE and recomputes 2024.
func storeVacancies(t *testing.T, returns *workforce.Store, store *benchmark.Store, vacancies float64, at time.Time) {
	t.Helper()
	r := stored(figures("E06000001", "inpost_fte", 90, "vacancy_fte", vacancies), at)
	r.Period = "2024"
	if err := returns.Insert(context.Background(), []workforce.Stored{r}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Recompute(context.Background(), "2024"); err != nil {
		t.Fatal(err)
	}
}

// followed is a cache of benchmark tables on ClickHouse (the reference data seeded) that follows
// the announcements of an embedded NATS server, with the stores that write the tables.
func followed(t *testing.T) (*bustest.Server, *workforce.Store, *benchmark.Store, *benchmark.Cache) {
	t.Helper()
	conn, _ := chtest.New(t)
	if err := reference.Seed(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	ns := bustest.New(t)
	returns, store := workforce.NewStore(conn), must(benchmark.NewStore(conn))
	cache := benchmark.NewCache(store, time.Hour)
	if err := cache.Follow(t.Context(), ns.NC); err != nil {
		t.Fatal(err)
	}
	return ns, returns, store, cache
}

// The cache answers from memory until the benchmark service announces the period's
// recomputation on NATS, and then reads the new figures.
func TestCacheServesUntilRecomputeIsAnnounced(t *testing.T) {
	ctx := context.Background()
	ns, returns, store, cache := followed(t)
	t0 := time.Now().Add(-time.Hour)
	put := func(vacancies float64, at time.Time) { storeVacancies(t, returns, store, vacancies, at) }
	vacancyRate := func() *float64 {
		t.Helper()
		areas, err := cache.Areas(ctx, "2024", []string{"E12000001", reference.England})
		if err != nil {
			t.Fatal(err)
		}
		members, err := cache.Members(ctx, "2024", "E12000001")
		if err != nil || len(members) == 0 {
			t.Fatalf("members %v, %v", members, err)
		}
		for _, a := range areas {
			if a.Metric == "vacancy_rate" && a.Region == "E12000001" {
				return a.Value
			}
		}
		return nil
	}

	put(10, t0)
	if v := vacancyRate(); !near(v, 10) {
		t.Fatalf("vacancy rate %v, want 10", fmtPtr(v))
	}
	put(30, t0.Add(time.Minute)) // 30 ÷ 120, but not announced yet
	if v := vacancyRate(); !near(v, 10) {
		t.Fatalf("vacancy rate %v before the announcement, want the cached 10", fmtPtr(v))
	}
	if err := benchmark.Announce(ns.NC, []string{"2023"}); err != nil { // another period: no effect
		t.Fatal(err)
	}
	if err := benchmark.Announce(ns.NC, []string{"2024"}); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 10*time.Second, func() error {
		if v := vacancyRate(); !near(v, 25) {
			return fmt.Errorf("vacancy rate %v after the announcement, want 25", fmtPtr(v))
		}
		return nil
	})
}

// Without an announcement an entry lives for the time to live at most; a zero time to live
// turns the cache off.
func TestCacheExpires(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	returns, store := workforce.NewStore(conn), must(benchmark.NewStore(conn))
	t0 := time.Now().Add(-time.Hour)
	put := func(vacancies float64, at time.Time) { storeVacancies(t, returns, store, vacancies, at) }
	rate := func(c *benchmark.Cache) *float64 {
		t.Helper()
		areas, err := c.Areas(ctx, "2024", []string{"E12000001"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range areas {
			if a.Metric == "vacancy_rate" {
				return a.Value
			}
		}
		return nil
	}
	now := time.Now()
	cache := benchmark.NewCache(store, time.Minute).WithClock(func() time.Time { return now })
	off := benchmark.NewCache(store, 0)
	put(10, t0)
	if v := rate(cache); !near(v, 10) {
		t.Fatalf("vacancy rate %v, want 10", fmtPtr(v))
	}
	put(30, t0.Add(time.Minute))
	if v := rate(off); !near(v, 25) {
		t.Fatalf("uncached vacancy rate %v, want 25", fmtPtr(v))
	}
	now = now.Add(time.Minute - time.Nanosecond)
	if v := rate(cache); !near(v, 10) {
		t.Fatalf("vacancy rate %v within the time to live, want the cached 10", fmtPtr(v))
	}
	now = now.Add(time.Nanosecond) // the time to live has passed
	if v := rate(cache); !near(v, 25) {
		t.Fatalf("vacancy rate %v after the time to live, want 25", fmtPtr(v))
	}
}
