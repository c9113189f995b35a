package alliance_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/alliance"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/bus/bustest"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/reference"
)

func TestStore(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	s := alliance.NewStore(conn)
	ne := alliance.Alliance{ID: "north-east", Name: "North East", Members: []string{"E06000001", "E06000047"}, UpdatedBy: "steward", UpdatedAt: time.Now()}
	if err := s.Put(ctx, ne); err != nil {
		t.Fatal(err)
	}
	ne.Members = append(ne.Members, "E08000021")
	if err := s.Put(ctx, ne); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "north-east")
	if err != nil || len(got.Members) != 3 || got.Name != "North East" {
		t.Fatalf("Get = %+v, %v; want the replaced alliance with 3 members", got, err)
	}
	for name, tt := range map[string]struct {
		a    alliance.Alliance
		want error
	}{
		"unknown member": {alliance.Alliance{ID: "x-1", Members: []string{"E06000001", "E99999999"}}, alliance.ErrUnknownMember},
		"bad id":         {alliance.Alliance{ID: "North East!", Members: []string{"E06000001"}}, alliance.ErrInvalidID},
	} {
		if err := s.Put(ctx, tt.a); !errors.Is(err, tt.want) {
			t.Errorf("%s: Put error = %v, want %v", name, err, tt.want)
		}
	}
	if err := s.Delete(ctx, "north-east", "steward"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "north-east"); !errors.Is(err, alliance.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "north-east", "steward"); !errors.Is(err, alliance.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
}

// The cache answers from memory until an alliance is changed through it, a change is announced
// by another API, or its time to live passes; the clock is the test's, so nothing sleeps.
func TestCache(t *testing.T) {
	conn, _ := chtest.New(t)
	ctx := context.Background()
	if err := reference.Seed(ctx, conn); err != nil {
		t.Fatal(err)
	}
	ns := bustest.New(t)
	store := alliance.NewStore(conn)
	now := time.Now()
	cache := alliance.NewCache(store, time.Minute).WithClock(func() time.Time { return now })
	if err := cache.Follow(t.Context(), ns.NC); err != nil {
		t.Fatal(err)
	}
	members := func() int {
		t.Helper()
		a, err := cache.Get(ctx, "north-east")
		if err != nil {
			t.Fatal(err)
		}
		return len(a.Members)
	}
	put := func(s interface {
		Put(context.Context, alliance.Alliance) error
	}, members ...string) {
		t.Helper()
		if err := s.Put(ctx, alliance.Alliance{ID: "north-east", Name: "North East", Members: members, UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	put(cache, "E06000001")
	if n := members(); n != 1 {
		t.Fatalf("%d members, want 1", n)
	}
	put(cache, "E06000001", "E06000047") // through the cache: seen at once
	if n := members(); n != 2 {
		t.Fatalf("%d members after a change through the cache, want 2", n)
	}
	put(store, "E06000001", "E06000047", "E08000021") // by another API, not announced yet
	if n := members(); n != 2 {
		t.Fatalf("%d members before the announcement, want the cached 2", n)
	}
	if err := alliance.Announce(ctx, ns.JS, "north-east"); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, func() error {
		if n := members(); n != 3 {
			return fmt.Errorf("the announced change was not seen: %d members", n)
		}
		return nil
	})
	put(store, "E06000001") // unannounced: seen once the time to live has passed
	if n := members(); n != 3 {
		t.Fatalf("%d members before the time to live passed, want the cached 3", n)
	}
	now = now.Add(time.Minute)
	if n := members(); n != 1 {
		t.Fatalf("%d members after the time to live, want 1", n)
	}
	// The announcement is on the EVENTS stream, where the benchmark service follows it.
	s, err := ns.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := s.GetLastMsgForSubject(ctx, bus.StoredSubject(alliance.Kind, "north-east")); err != nil || !strings.Contains(string(m.Data), `"kind":"alliance"`) {
		t.Errorf("announcement on EVENTS: %v %v", m, err)
	}
}
