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

// PutChunk records the result of storing one chunk. Writing it again (after a redelivery) is
// harmless.
func (s *Store) PutChunk(ctx context.Context, id string, chunk int, r ChunkResult) error {
	b, err := json.Marshal(r)
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
	chunks := make([]*ChunkResult, m.Chunks)
	for i := range chunks {
		e, err := s.status.Get(ctx, chunkKey(id, i))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return m, Status{}, fmt.Errorf("get result of %s chunk %d: %w", id, i, err)
		}
		var r ChunkResult
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return m, Status{}, fmt.Errorf("decode result of %s chunk %d: %w", id, i, err)
		}
		chunks[i] = &r
	}
	return m, Summarise(m, chunks), nil
}

func chunkKey(id string, chunk int) string { return id + "." + strconv.Itoa(chunk) }
