package chstore

import (
	"context"
	"time"
)

// Pinger answers whether ClickHouse can be reached; a driver.Conn is one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WhenAvailable runs fn, and while it fails because ClickHouse cannot be reached (a ping of conn
// fails too), calls hold with the error and the coming pause, waits, and tries again, pausing
// from 250 ms up to maxPause, until fn succeeds, fails with ClickHouse up (that error is
// returned), or stop ends (stop's error is returned). A consumer's hold tells JetStream its
// messages are in progress, so that an outage never sends them to the dead-letter stream.
func WhenAvailable(stop context.Context, conn Pinger, maxPause time.Duration, hold func(err error, pause time.Duration), fn func() error) error {
	pause := 250 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		pctx, cancel := context.WithTimeout(stop, 5*time.Second)
		down := conn.Ping(pctx) != nil
		cancel()
		if !down {
			return err
		}
		hold(err, pause)
		t := time.NewTimer(pause)
		select {
		case <-stop.Done():
			t.Stop()
			return stop.Err()
		case <-t.C:
		}
		pause = min(2*pause, maxPause)
	}
}
