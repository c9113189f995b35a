package consumer

import "fmt"

// Outcome is what becomes of one message of a batch: a handler gives one for each.
type Outcome struct {
	verdict verdict
	err     error  // why a message is retried
	reason  string // why a message is dead-lettered
}

type verdict uint8

const (
	none       verdict = iota // the zero Outcome: the handler gave none, which counts as a failure
	ack                       // done: acknowledged
	retry                     // failed: redelivered after a backoff, dead-lettered once its attempts are spent
	deadLetter                // parked now in the dead-letter stream
	redeliver                 // not handled (the consumer is stopping): redelivered at once
)

// Ack says the message is done with: it is acknowledged.
func Ack() Outcome { return Outcome{verdict: ack} }

// Retry says the message failed with err and may succeed later: it is redelivered after a
// backoff (1 s, 2 s, 4 s …) and, once it has been delivered as often as the consumer's
// MaxAttempts, goes to the dead-letter stream with err as the reason. While ClickHouse cannot
// be reached it is held instead, without spending an attempt.
func Retry(err error) Outcome { return Outcome{verdict: retry, err: err} }

// DeadLetter says the message can never be handled: it goes to the dead-letter stream now,
// with reason in its headers.
func DeadLetter(reason string) Outcome { return Outcome{verdict: deadLetter, reason: reason} }

// All is n times the same outcome: a batch that succeeds or fails as one.
func All(n int, o Outcome) []Outcome {
	out := make([]Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

// String describes the outcome, as logs and test failures show it.
func (o Outcome) String() string {
	switch o.verdict {
	case ack:
		return "ack"
	case retry:
		return fmt.Sprintf("retry (%v)", o.err)
	case deadLetter:
		return fmt.Sprintf("dead letter (%s)", o.reason)
	case redeliver:
		return "redeliver"
	}
	return "no outcome"
}
