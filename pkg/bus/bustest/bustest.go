// Package bustest starts a real embedded NATS JetStream server for tests, with the hub's
// streams and buckets in place.
package bustest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/partnership-hub/hub/pkg/bus"
)

// Server is a running embedded server and a connection to it.
type Server struct {
	NS  *server.Server
	NC  *nats.Conn
	JS  jetstream.JetStream
	URL string

	stop sync.Once
}

// New starts a server on a free port with its store in a temporary directory and the hub's
// streams and buckets set up; it is shut down when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := Start(t, t.TempDir())
	if err := bus.Setup(context.Background(), s.JS, 1); err != nil {
		t.Fatal(err)
	}
	return s
}

// Start starts a server on a free port with its store in dir (one a test made before: a store
// from a former release, or a restart), as it is: nothing is set up. It is shut down by Stop or
// when the test ends.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	ns, err := bus.StartEmbedded(bus.EmbeddedConfig{Port: -1, StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{NS: ns, URL: ns.ClientURL()}
	t.Cleanup(s.Stop)
	if s.NC, err = nats.Connect(ns.ClientURL()); err != nil {
		t.Fatal(err)
	}
	if s.JS, err = jetstream.New(s.NC); err != nil {
		t.Fatal(err)
	}
	return s
}

// Stop closes the connection and shuts the server down, once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if s.NC != nil {
			s.NC.Close()
		}
		s.NS.Shutdown()
		s.NS.WaitForShutdown()
	})
}

// DeadLetters returns the messages parked in the dead-letter stream, oldest first.
func (s *Server) DeadLetters(tb testing.TB) []*jetstream.RawStreamMsg {
	tb.Helper()
	ctx := context.Background()
	st, err := s.JS.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}
