package submission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
)

// ErrKeyReused is returned when an Idempotency-Key comes back with a different body.
var ErrKeyReused = errors.New("idempotency key already used for a different submission")

// Store keeps submission status in JetStream key-value buckets: the API writes the meta record
// under the submission id, ingest writes each chunk's result under id.n, so that no two writers
// ever touch the same key.
type Store struct {
	status jetstream.KeyValue
	keys   jetstream.KeyValue
}

// NewStore binds to the buckets made by bus.Setup.
func NewStore(ctx context.Context, js jetstream.JetStream) (*Store, error) {
	status, err := js.KeyValue(ctx, bus.BucketStatus)
	if err != nil {
		return nil, fmt.Errorf("status bucket: %w", err)
	}
	keys, err := js.KeyValue(ctx, bus.BucketIdempotency)
	if err != nil {
		return nil, fmt.Errorf("idempotency bucket: %w", err)
	}
	return &Store{status: status, keys: keys}, nil
}

type claim struct {
	ID       string `json:"id"`
	BodyHash string `json:"body_hash"`
}

// Claim records that key (already scoped to the submitter) now names submission id. When the key
// was claimed before with the same body, it returns the earlier id and fresh false; with another
// body, ErrKeyReused.
func (s *Store) Claim(ctx context.Context, key, id, bodyHash string) (string, bool, error) {
	b, _ := json.Marshal(claim{ID: id, BodyHash: bodyHash})
	if _, err := s.keys.Create(ctx, key, b); err == nil {
		return id, true, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return "", false, fmt.Errorf("claim idempotency key: %w", err)
	}
	e, err := s.keys.Get(ctx, key)
	if err != nil {
		return "", false, fmt.Errorf("read idempotency key: %w", err)
	}
	var c claim
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return "", false, fmt.Errorf("decode idempotency key: %w", err)
	}
	if c.BodyHash != bodyHash {
		return "", false, ErrKeyReused
	}
	return c.ID, false, nil
}

// PutMeta records or replaces a submission's meta record.
func (s *Store) PutMeta(ctx context.Context, m Meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := s.status.Put(ctx, m.ID, b); err != nil {
		return fmt.Errorf("put submission %s: %w", m.ID, err)
	}
	return nil
}

// Meta reads a submission's meta record.
func (s *Store) Meta(ctx context.Context, id string) (Meta, error) {
	var m Meta
	e, err := s.status.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("get submission %s: %w", id, err)
	}
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return m, fmt.Errorf("decode submission %s: %w", id, err)
	}
	return m, nil
}

// packResults is the size past which a chunk's result is kept compressed: one with many refused
// rows (a thousand "unknown organisation" errors is some 60 KB of JSON).
const packResults = 4 << 10

// PutChunk records the result of storing one chunk. Writing it again (after a redelivery) is
// harmless.
func (s *Store) PutChunk(ctx context.Context, id string, chunk int, r ChunkResult) error {
	b, err := json.Marshal(r)
	if err == nil && len(b) > packResults {
		b, err = new(Packer).Pack(b)
	}
	if err != nil {
		return err
	}
	if _, err := s.status.Put(ctx, chunkKey(id, chunk), b); err != nil {
		return fmt.Errorf("put result of %s chunk %d: %w", id, chunk, err)
	}
	return nil
}

// Status reads a submission and the results of its chunks so far.
func (s *Store) Status(ctx context.Context, id string) (Meta, Status, error) {
	m, err := s.Meta(ctx, id)
	if err != nil {
		return m, Status{}, err
	}
	st, err := s.StatusOf(ctx, m)
	return m, st, err
}

// StatusOf reads the results of a submission's chunks so far, one at a time. A status lists
// the first errors and warnings only: past those, each further one is read for its row alone,
// so that polling a submission with many refused rows stays cheap.
func (s *Store) StatusOf(ctx context.Context, m Meta) (Status, error) {
	var (
		st   = Summarise(m, nil)
		done = 0
	)
	for i := range m.Chunks {
		b, err := s.chunkResult(ctx, m.ID, i)
		if err != nil {
			return Status{}, err
		}
		if b == nil {
			continue
		}
		done++
		var raw struct {
			Accepted int             `json:"accepted"`
			Rejected json.RawMessage `json:"rejected"`
			Warnings json.RawMessage `json:"warnings"`
		}
		r := ChunkResult{}
		err = json.Unmarshal(b, &raw)
		if err == nil {
			r.Accepted = raw.Accepted
			r.Rejected, err = rowList(raw.Rejected, len(st.Errors) < StatusErrors)
		}
		if err == nil {
			r.Warnings, err = rowList(raw.Warnings, len(st.Warnings) < StatusErrors)
		}
		if err != nil {
			return Status{}, fmt.Errorf("decode result of %s chunk %d: %w", m.ID, i, err)
		}
		st.add(&r)
	}
	st.settle(m, done)
	return st, nil
}

// rowList reads a chunk result's list of errors or warnings: whole, or each one's row alone.
func rowList(raw json.RawMessage, whole bool) ([]RowError, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var l []RowError
	if whole {
		err := json.Unmarshal(raw, &l)
		return l, err
	}
	var rows []struct {
		Row int `json:"row"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, err
	}
	l = make([]RowError, len(rows))
	for i, e := range rows {
		l[i].Row = e.Row
	}
	return l, nil
}

// chunkResult reads the recorded result of one chunk as it is stored, nil when it is not yet.
func (s *Store) chunkResult(ctx context.Context, id string, i int) ([]byte, error) {
	e, err := s.status.Get(ctx, chunkKey(id, i))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get result of %s chunk %d: %w", id, i, err)
	}
	return Unpack(e.Value())
}

// chunk reads the result of one chunk, nil when it is not stored yet.
func (s *Store) chunk(ctx context.Context, id string, i int) (*ChunkResult, error) {
	b, err := s.chunkResult(ctx, id, i)
	if err != nil || b == nil {
		return nil, err
	}
	var r ChunkResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode result of %s chunk %d: %w", id, i, err)
	}
	return &r, nil
}

// Position is a place in a submission's errors list: a chunk, and how many of its problems
// come before.
type Position struct {
	Chunk  int `json:"c"`
	Offset int `json:"o"`
}

// Problems hands each of a submission's problems (errors and warnings) to each, in row order,
// from position at, with its own position, until each returns false or the list ends. It reads
// one chunk's results at a time, so that memory does not grow with the list; a chunk not yet
// stored has none to give (yet).
func (s *Store) Problems(ctx context.Context, m Meta, at Position, each func(Position, RowProblem) bool) error {
	for c := max(at.Chunk, 0); c < m.Chunks; c++ {
		r, err := s.chunk(ctx, m.ID, c)
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		ps := r.Problems()
		from := 0
		if c == at.Chunk {
			from = min(max(at.Offset, 0), len(ps))
		}
		for i := from; i < len(ps); i++ {
			if !each(Position{Chunk: c, Offset: i}, ps[i]) {
				return nil
			}
		}
	}
	return nil
}

func chunkKey(id string, chunk int) string { return id + "." + strconv.Itoa(chunk) }
