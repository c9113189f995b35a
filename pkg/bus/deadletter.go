package bus

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter parks a message that cannot be processed in the dead-letter stream, with the reason,
// its original subject and how often it was delivered in headers, then terminates it so that
// JetStream stops redelivering it. Nothing is dropped: the body is kept as it came.
func DeadLetter(ctx context.Context, js jetstream.JetStream, msg jetstream.Msg, kind, reason string) error {
	out := nats.NewMsg(DeadLetterSubject(kind))
	out.Data = msg.Data()
	for k, v := range msg.Headers() {
		out.Header[k] = v
	}
	out.Header.Del(nats.MsgIdHdr)
	out.Header.Set(HeaderReason, reason)
	out.Header.Set(HeaderOriginalSubject, msg.Subject())
	if md, err := msg.Metadata(); err == nil {
		out.Header.Set(HeaderDeliveries, strconv.FormatUint(md.NumDelivered, 10))
	}
	if _, err := js.PublishMsg(ctx, out); err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.Subject(), err)
	}
	if err := msg.Term(); err != nil {
		return fmt.Errorf("terminate %s: %w", msg.Subject(), err)
	}
	return nil
}

// Backoff is the delay before redelivery attempt n (1-based): 1s, 2s, 4s … up to a minute.
func Backoff(n uint64) time.Duration {
	if n < 1 {
		n = 1
	}
	d := time.Second << min(n-1, 6)
	return min(d, time.Minute)
}

// Deliveries tells how often JetStream has delivered msg, 1 on the first delivery.
func Deliveries(msg jetstream.Msg) uint64 {
	md, err := msg.Metadata()
	if err != nil {
		return 1
	}
	return md.NumDelivered
}
