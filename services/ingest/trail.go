package ingest

import (
	"context"
	"fmt"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/consumer"
	"github.com/partnership-hub/hub/pkg/trail"
)

// trailBatch is how many access-trail records are stored together.
const trailBatch = 1000

// trailConsumer is the durable consumer of the access trail.
const trailConsumer = "ingest-trail"

// consumeTrail stores the API's access-trail records in ClickHouse, in batches, acknowledging
// them only once stored. It first moves the records the former AUDIT stream still holds.
func (s *Service) consumeTrail(ctx context.Context) error {
	moved, err := bus.MoveFormerTrail(ctx, s.js, trailConsumer)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return err
	}
	if moved > 0 {
		s.log.Info("moved the access trail's records from the former AUDIT stream", "records", moved)
	}
	return consumer.Run(ctx, s.runner(), consumer.Spec[trail.Entry]{
		Name:        "trail",
		Stream:      bus.StreamTrail,
		Durable:     trailConsumer,
		Description: "Stores the access trail in ClickHouse",
		Filters:     []string{bus.TrailFilter},
		Decode:      decodeTrail,
		Handle:      s.storeTrail,
		Count:       s.metrics.Messages(trailConsumer),
		Settings:    s.settings(trailBatch, 1),
	})
}

func decodeTrail(b []byte) (trail.Entry, error) {
	e, err := trail.Decode(b)
	if err != nil {
		return e, fmt.Errorf("undecodable access-trail record: %w", err)
	}
	return e, nil
}

// storeTrail inserts a batch of access-trail records in one insert.
func (s *Service) storeTrail(ctx context.Context, batch []consumer.Delivery[trail.Entry]) []consumer.Outcome {
	entries := make([]trail.Entry, len(batch))
	for i, d := range batch {
		entries[i] = d.Value
	}
	if err := s.insertTrail(ctx, entries); err != nil {
		return consumer.All(len(batch), consumer.Retry(err))
	}
	return consumer.All(len(batch), consumer.Ack())
}
