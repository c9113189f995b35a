package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/partnership-hub/hub/pkg/chstore"
)

// A layer wraps a handler in what every consumer needs.
type layer[T any] func(next Handler[T]) Handler[T]

// compose wraps h in layers, the first innermost.
func compose[T any](h Handler[T], layers ...layer[T]) Handler[T] {
	for _, l := range layers {
		h = l(h)
	}
	return h
}

// guard recovers a panicking handler: the batch is handled again in halves, and halves of
// halves, until the message that panics is alone, and only it is dead-lettered, so that one bad
// message can neither crash the service in a loop nor take the others with it. It also gives
// every message an outcome: one the handler left out fails with ErrNoOutcome.
func guard[T any](log *slog.Logger) layer[T] {
	return func(next Handler[T]) Handler[T] {
		var run Handler[T]
		run = func(ctx context.Context, batch []Delivery[T]) []Outcome {
			out, panicked := try(ctx, next, batch, log)
			if panicked == "" {
				return out
			}
			if len(batch) == 1 {
				return []Outcome{DeadLetter(panicked)}
			}
			log.Warn("handler panicked on a batch; handling it again in halves", "messages", len(batch))
			mid := len(batch) / 2
			return append(run(ctx, batch[:mid]), run(ctx, batch[mid:])...)
		}
		return run
	}
}

// try runs h on batch and returns its outcomes, one per message, or the reason it panicked.
func try[T any](ctx context.Context, h Handler[T], batch []Delivery[T], log *slog.Logger) (out []Outcome, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked", "messages", len(batch), "panic", p, "stack", string(debug.Stack()))
			out, panicked = nil, fmt.Sprintf("the handler panicked: %v", p)
		}
	}()
	got := h(ctx, batch)
	if len(got) != len(batch) {
		log.Error("handler gave the wrong number of outcomes", "messages", len(batch), "outcomes", len(got))
	}
	out = make([]Outcome, len(batch))
	for i := range out {
		if i < len(got) && got[i].verdict != none {
			out[i] = got[i]
		} else {
			out[i] = Retry(ErrNoOutcome)
		}
	}
	return out, ""
}

// hold tries the failing messages of a batch again, for as long as ClickHouse cannot be reached,
// telling JetStream they are in progress meanwhile, so that an outage neither spends their
// attempts nor sends them to the dead-letter stream. When stop ends first they are handed back
// to JetStream at once.
func hold[T any](stop context.Context, store chstore.Pinger, maxPause time.Duration, log *slog.Logger) layer[T] {
	return func(next Handler[T]) Handler[T] {
		if store == nil {
			return next
		}
		return func(ctx context.Context, batch []Delivery[T]) []Outcome {
			out := make([]Outcome, len(batch))
			pending := batch
			index := make([]int, len(batch)) // index[j]: where pending[j] is in batch
			for i := range index {
				index[i] = i
			}
			err := chstore.WhenAvailable(stop, store, maxPause, func(err error, pause time.Duration) {
				log.Warn("ClickHouse unreachable; holding messages", "messages", len(pending), "retry_in", pause, "err", err)
				for _, d := range pending {
					_ = d.msg.InProgress()
				}
			}, func() error {
				var failed error
				again, at := pending[:0:0], index[:0:0]
				for j, o := range next(ctx, pending) {
					out[index[j]] = o
					if o.verdict == retry {
						again, at = append(again, pending[j]), append(at, index[j])
						failed = o.err
					}
				}
				pending, index = again, at
				return failed
			})
			if err != nil && stop.Err() != nil && errors.Is(err, stop.Err()) {
				for _, i := range index {
					out[i] = Outcome{verdict: redeliver}
				}
			}
			return out
		}
	}
}

// isolate tries the failing messages of a batch again in halves, and halves of halves, when two
// or more failed together, so that the messages a batch failed for are told from those it
// failed with (ClickHouse refusing one chunk of an insert of twenty) in a few tries, without an
// insert per message.
func isolate[T any](log *slog.Logger) layer[T] {
	return func(next Handler[T]) Handler[T] {
		var run Handler[T]
		run = func(ctx context.Context, batch []Delivery[T]) []Outcome {
			out := next(ctx, batch)
			var failed []int
			for i, o := range out {
				if o.verdict == retry {
					failed = append(failed, i)
				}
			}
			if len(failed) < 2 {
				return out
			}
			log.Warn("batch failed; trying its failed messages again in halves", "messages", len(failed), "err", out[failed[0]].err)
			again := make([]Delivery[T], len(failed))
			for j, i := range failed {
				again[j] = batch[i]
			}
			mid := len(again) / 2
			for j, o := range append(run(ctx, again[:mid]), run(ctx, again[mid:])...) {
				out[failed[j]] = o
			}
			return out
		}
		return run
	}
}

// limit dead-letters a failing message once it has been delivered maxAttempts times, with its
// error as the reason.
func limit[T any](maxAttempts uint64) layer[T] {
	return func(next Handler[T]) Handler[T] {
		return func(ctx context.Context, batch []Delivery[T]) []Outcome {
			out := next(ctx, batch)
			for i, o := range out {
				if n := batch[i].Attempt(); o.verdict == retry && n >= maxAttempts {
					out[i] = DeadLetter(fmt.Sprintf("failed %d times: %v", n, o.err))
				}
			}
			return out
		}
	}
}
