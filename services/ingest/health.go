package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/metrics"
)

// healthServer answers /healthz (alive), /readyz (NATS and ClickHouse reachable) and /metrics,
// for the orchestrator's probes and Prometheus: ingest has no other HTTP port.
type healthServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// serveHealth listens on addr and serves until stop is called.
func serveHealth(addr string, ready func(context.Context) error, reg prometheus.Gatherer, log *slog.Logger) (*healthServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("health listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.Warn("not ready", "err", err)
			writeStatus(w, http.StatusServiceUnavailable, "unavailable")
			return
		}
		writeStatus(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", metrics.Handler(reg))
	h := &healthServer{
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { h.done <- h.srv.Serve(ln) }()
	log.Info("health listening", "addr", ln.Addr().String())
	return h, nil
}

// Addr is where the listener listens.
func (h *healthServer) Addr() string { return h.ln.Addr().String() }

// stop closes the listener once the requests in flight are answered.
func (h *healthServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("health listener: %w", err)
	}
	if err := <-h.done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("health listener: %w", err)
	}
	return nil
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// runObserved runs svc with its metrics, traces and health listener, which stops only once the
// open batches are finished, so probes and scrapes see the shutdown through.
func runObserved(ctx context.Context, cfg RunConfig, log *slog.Logger, conns *config.Conns, svc *Service) (err error) {
	tel, err := cfg.Telemetry(ctx, "hub-ingest")
	if err != nil {
		return err
	}
	defer func() {
		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, tel.Close(fctx))
	}()
	m, err := metrics.NewIngest(tel.Registry)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := tel.Registry.Register(metrics.NewConsumers(conns.JS, bus.StreamDeadLetter, bus.StreamSubmissions, bus.StreamAudit)); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	svc.Observe(m, tel.Tracing)
	if cfg.Ingest.HealthAddr != "" {
		h, err := serveHealth(cfg.Ingest.HealthAddr, conns.Ready, tel.Registry, log)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, h.stop()) }()
	}
	return svc.Run(ctx)
}
