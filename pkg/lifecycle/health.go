package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/metrics"
)

// HealthServer answers /healthz (alive), /readyz (ready says so) and /metrics, for the
// orchestrator's probes and Prometheus: the consumers (ingest, benchmark) have no other HTTP port.
type HealthServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// ServeHealth listens on addr and serves until Stop is called.
func ServeHealth(addr string, ready func(context.Context) error, reg prometheus.Gatherer, log *slog.Logger) (*HealthServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("health listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	HandleHealth(mux, ready, log)
	mux.Handle("GET /metrics", metrics.Handler(reg))
	h := &HealthServer{
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
func (h *HealthServer) Addr() string { return h.ln.Addr().String() }

// Stop closes the listener once the requests in flight are answered.
func (h *HealthServer) Stop() error {
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

// HandleHealth serves GET /healthz (the process is alive: always 200) and GET /readyz (200 when
// ready, within 2 s, says so; else 503) on mux: the consumers' health listener and the API.
func HandleHealth(mux *http.ServeMux, ready func(context.Context) error, log *slog.Logger) {
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
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// RunObserved runs a consumer service with its telemetry (named name) and, unless healthAddr is
// empty, its health listener, which stops only once run has returned, so probes and scrapes see
// the shutdown through. observe registers the service's metrics with the registry and hands them
// and the tracer provider to the service before run starts.
func RunObserved(ctx context.Context, c config.Common, name, healthAddr string, log *slog.Logger, conns *Conns,
	observe func(*Telemetry) error, run func(context.Context) error) (err error) {
	tel, err := NewTelemetry(ctx, c, name)
	if err != nil {
		return err
	}
	defer func() {
		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, tel.Close(fctx))
	}()
	if err := observe(tel); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if healthAddr != "" {
		h, err := ServeHealth(healthAddr, conns.Ready, tel.Registry, log)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, h.Stop()) }()
	}
	return run(ctx)
}
