package ingest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/partnership-hub/hub/pkg/auth"
	"github.com/partnership-hub/hub/pkg/kind"
	"github.com/partnership-hub/hub/pkg/kinds"
	"github.com/partnership-hub/hub/pkg/reference"
	"github.com/partnership-hub/hub/pkg/submission"
)

// countingDirectory knows every organisation and counts the lookups made through it.
type countingDirectory struct {
	mu      sync.Mutex
	lookups int
}

func (d *countingDirectory) Lookup(_ context.Context, code string) (reference.Organisation, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	return reference.Organisation{Code: code, Type: reference.TypeUniversity}, true, nil
}

func (d *countingDirectory) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lookups
}

// Ingest's handlers, one per registered kind, all look organisations up in the one directory they
// are given (Run gives them one reference.Directory, so one cache of the reference data serves
// every kind): checking a chunk of each kind's demo rows consults it.
func TestHandlersShareOneDirectory(t *testing.T) {
	dir := &countingDirectory{}
	handlers := Handlers(nil, dir, time.Now) // checking needs no ClickHouse: only storing does
	if len(handlers) != len(kinds.All) {
		t.Fatalf("%d handlers for %d kinds", len(handlers), len(kinds.All))
	}
	steward := kind.Caller{Roles: []string{auth.RoleSteward}}
	for i, k := range kinds.All {
		name := k.About().Name
		if handlers[i].Name() != name {
			t.Fatalf("handler %d is %s, want %s", i, handlers[i].Name(), name)
		}
		ups, err := k.Uploads()
		if err != nil || len(ups) == 0 {
			t.Fatalf("%s: %d demo uploads (%v)", name, len(ups), err)
		}
		var rows []byte
		if _, err := k.Read(kind.Body{R: bytes.NewReader(ups[0].Body), CSV: true}, steward, kind.Limits{MaxRows: 1 << 20, ChunkRows: 5},
			func(c kind.Chunk) error {
				if rows == nil {
					rows = c.Rows
				}
				return nil
			}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		before := dir.count()
		env := submission.Envelope{ID: "dir-" + name, Kind: name, Roles: steward.Roles, Steward: true, Submitter: "test",
			ReceivedAt: time.Now(), Rows: rows}
		if _, err := handlers[i].Check(context.Background(), []submission.Envelope{env}).Chunk(0); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dir.count() == before {
			t.Errorf("%s: checking its rows looked nothing up in the directory given to Handlers", name)
		}
	}
}
