package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The stream and subjects of the access trail before it had a name of its own: "audit" now
// means only the employer audit.
const (
	formerTrailStream = "AUDIT"
	formerTrailPrefix = "hub.audit."
	trailPrefix       = "hub.trail."
)

// MoveFormerTrail moves the access-trail records that the former AUDIT stream still holds and
// its consumer durable has not acknowledged (every record, without that consumer) to the TRAIL
// stream, under the same message ids, then deletes AUDIT; it returns how many it moved. With no
// AUDIT stream it does nothing. A record moved twice (two services starting together, a stop
// before the stream is deleted) is dropped by TRAIL's duplicate window, or else stored again
// under the same request id, which the access_trail table keeps once.
func MoveFormerTrail(ctx context.Context, js jetstream.JetStream, durable string) (int, error) {
	s, err := js.Stream(ctx, formerTrailStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("former trail stream %s: %w", formerTrailStream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("former trail stream %s: %w", formerTrailStream, err)
	}
	from := info.State.FirstSeq
	if c, err := s.Consumer(ctx, durable); err == nil {
		ci, err := c.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("former trail consumer %s: %w", durable, err)
		}
		from = max(from, ci.AckFloor.Stream+1) // below the ack floor, every record is stored
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, fmt.Errorf("former trail consumer %s: %w", durable, err)
	}
	moved := 0
	for seq := from; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // removed (by age) or never kept
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return moved, nil // another service moved the records and deleted the stream
		}
		if err != nil {
			return moved, fmt.Errorf("read former trail record %d: %w", seq, err)
		}
		out := nats.NewMsg(trailPrefix + strings.TrimPrefix(m.Subject, formerTrailPrefix))
		out.Data = m.Data
		id := m.Header.Get(nats.MsgIdHdr)
		if id == "" {
			id = formerTrailStream + ":" + strconv.FormatUint(seq, 10)
		}
		if _, err := js.PublishMsg(ctx, out, jetstream.WithMsgID(id)); err != nil {
			return moved, fmt.Errorf("move former trail record %d: %w", seq, err)
		}
		moved++
	}
	if err := js.DeleteStream(ctx, formerTrailStream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return moved, fmt.Errorf("delete former trail stream %s: %w", formerTrailStream, err)
	}
	return moved, nil
}
