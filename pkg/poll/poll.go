// Package poll is the hub's one way for a test to wait for something another goroutine or
// process does (a message stored, a status changed, a server up): it asks again and again until
// the answer is right or a time limit passes, instead of sleeping for a guessed time.
package poll

import (
	"testing"
	"time"
)

// Interval is how often Until asks.
const Interval = 20 * time.Millisecond

// Until asks check every Interval until it returns nil, and fails tb with check's last error
// once within has passed. check runs on the caller's goroutine, so it may itself fail tb (for
// an error that waiting will not mend) or set variables the test reads afterwards.
func Until(tb testing.TB, within time.Duration, check func() error) {
	tb.Helper()
	UntilEvery(tb, within, Interval, check)
}

// UntilEvery is Until asking every interval: a test that measures how soon something happens
// asks more often.
func UntilEvery(tb testing.TB, within, interval time.Duration, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("still waiting after %s: %v", within, err)
			return
		}
		time.Sleep(interval)
	}
}
