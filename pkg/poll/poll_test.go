package poll_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/poll"
)

// recorder is a testing.TB that records a failure instead of ending the test.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failure = fmt.Sprintf(format, args...) }

func TestUntil(t *testing.T) {
	t.Run("returns once the check passes", func(t *testing.T) {
		r := &recorder{TB: t}
		calls := 0
		poll.Until(r, time.Minute, func() error {
			calls++
			if calls < 3 {
				return errors.New("not yet")
			}
			return nil
		})
		if r.failure != "" || calls != 3 {
			t.Errorf("failure %q after %d calls, want none after 3", r.failure, calls)
		}
	})
	t.Run("fails with the last error once the time is up", func(t *testing.T) {
		r := &recorder{TB: t}
		calls := 0
		poll.UntilEvery(r, 30*time.Millisecond, time.Millisecond, func() error {
			calls++
			return fmt.Errorf("value %d, want 0", calls)
		})
		if calls < 2 || !strings.Contains(r.failure, fmt.Sprintf("value %d, want 0", calls)) || !strings.Contains(r.failure, "30ms") {
			t.Errorf("failure %q after %d calls, want the last call's error and the limit", r.failure, calls)
		}
	})
}
