package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/db"
)

// healthz answers as long as the process serves HTTP.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 only when the database answers within
// Ops.ReadyTimeout and its schema is what this binary expects, so that a
// load balancer sends no traffic before; and 503 at once while the process
// drains. Its detail tells an operator which it is: a database that does
// not answer is not a schema to migrate.
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		return c.String(http.StatusServiceUnavailable, "shutting down\n")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.readyTimeout())
	defer cancel()
	err := s.DB.CheckSchema(ctx)
	switch {
	case err == nil:
		return c.String(http.StatusOK, "ready\n"+s.providerDetail())
	case errors.Is(err, db.ErrSchemaBehind):
		return c.String(http.StatusServiceUnavailable, "schema not current: run portal migrate\n")
	}
	slog.Warn("readyz: database unreachable", "err", err)
	return c.String(http.StatusServiceUnavailable, "database unreachable\n")
}

func (s *Server) readyTimeout() time.Duration {
	if t := s.Config.Ops.ReadyTimeout; t > 0 {
		return t
	}
	return 2 * time.Second
}

// metrics serves counters in the Prometheus text format; the benchmark
// reads queries per request from it.
func (s *Server) metrics(c echo.Context) error {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	var b strings.Builder
	line := func(name, kind, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, kind, name, v)
	}
	line("portal_http_requests_total", "counter", "HTTP requests served.", s.requests.Load())
	line("portal_db_queries_total", "counter", "SQL statements run.", s.DB.Queries())
	line("go_goroutines", "gauge", "Goroutines.", runtime.NumGoroutine())
	line("go_memstats_heap_inuse_bytes", "gauge", "Heap in use.", m.HeapInuse)
	sqlDB, err := s.DB.DB.DB()
	if err == nil {
		st := sqlDB.Stats()
		line("portal_db_open_connections", "gauge", "Open database connections.", st.OpenConnections)
		line("portal_db_wait_count", "counter", "Waits for a free connection.", st.WaitCount)
	}
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}

// Drain makes /readyz answer 503 from now on, while every other route is
// still served: the process is shutting down, and load balancers must stop
// sending before it stops accepting (wiring's Serve).
func (s *Server) Drain() { s.draining.Store(true) }
