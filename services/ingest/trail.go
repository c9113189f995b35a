package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/trail"
)

// trailBatch is how many access-trail records are stored together.
const trailBatch = 1000

// consumeTrail stores the API's access-trail records in ClickHouse, in batches, acknowledging
// them only once stored. A record that cannot be read goes to the dead-letter stream.
func (s *Service) consumeTrail(ctx context.Context) error {
	cons, err := s.js.CreateOrUpdateConsumer(ctx, bus.StreamAudit, jetstream.ConsumerConfig{
		Durable:       "ingest-trail",
		Description:   "Stores the access trail in ClickHouse",
		FilterSubject: bus.AuditFilter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: 10 * trailBatch,
	})
	if err != nil {
		return fmt.Errorf("consumer for the access trail: %w", err)
	}
	log := s.log.With("kind", "trail")
	work := context.WithoutCancel(ctx) // see consume
	for ctx.Err() == nil {
		batch, err := cons.Fetch(trailBatch, jetstream.FetchMaxWait(s.cfg.FlushInterval))
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("fetch", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		var (
			msgs    []jetstream.Msg
			entries []trail.Entry
		)
		for m := range batch.Messages() {
			e, err := trail.Decode(m.Data())
			if err != nil {
				log.Error("dead-lettering access-trail record", "reason", err)
				if err := bus.DeadLetter(work, s.js, m, "trail", "undecodable access-trail record: "+err.Error()); err != nil {
					_ = m.NakWithDelay(time.Second)
				}
				continue
			}
			msgs, entries = append(msgs, m), append(entries, e)
		}
		if len(msgs) == 0 {
			continue
		}
		err = s.whenAvailable(ctx, log, msgs, func() error { return trail.Insert(work, s.ch, entries) })
		switch {
		case errors.Is(err, ErrStopped):
			nakAll(msgs)
		case err != nil:
			log.Warn("store access trail; will retry", "records", len(msgs), "err", err)
			for _, m := range msgs {
				_ = m.NakWithDelay(bus.Backoff(bus.Deliveries(m)))
			}
		default:
			for _, m := range msgs {
				_ = m.Ack()
			}
		}
	}
	return nil
}
