package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/benchmark"
)

// A read of benchmarks whose recomputation does not end within the time a read waits is
// answered 503 (try again), not 500: nothing is broken, the figures are not in one state yet.
func TestBenchmarksBeingWrittenIsUnavailable(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("period 2024: %w", benchmark.ErrBeingWritten), http.StatusServiceUnavailable},
		{errors.New("clickhouse: bad connection"), http.StatusInternalServerError},
	} {
		var se huma.StatusError
		if err := benchmarkError(&Deps{Log: log}, c.err); !errors.As(err, &se) || se.GetStatus() != c.want {
			t.Errorf("%v: %v, want status %d", c.err, err, c.want)
		}
	}
}
