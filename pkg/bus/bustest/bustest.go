// Package bustest starts a real embedded NATS JetStream server for tests, with the hub's
// streams and buckets in place.
package bustest

import (
	"context"
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
}

// New starts a server on a free port with its store in a temporary directory; it is shut down
// when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ns, err := bus.StartEmbedded(bus.EmbeddedConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Setup(context.Background(), js, 1); err != nil {
		t.Fatal(err)
	}
	return &Server{NS: ns, NC: nc, JS: js, URL: ns.ClientURL()}
}
