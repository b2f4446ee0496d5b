package wiring

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/testutil"
)

// served is a portal serving on 127.0.0.1 as `portal dev` does; stop is
// what SIGTERM does to `portal serve` (main cancels Serve's context).
type served struct {
	*App
	base string
	stop context.CancelFunc
	done chan error // Serve's result
}

// serve opens a dev portal on dbURL ("" for a SQLite file) with cfg
// changed by configure, and serves it until the test ends or stop.
func serve(t *testing.T, dbURL string, configure func(*config.Config)) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(config.ModeDev)
	cfg.Addr, cfg.BaseURL, cfg.DataDir = ln.Addr().String(), "http://"+ln.Addr().String(), t.TempDir()
	cfg.DatabaseURL = dbURL
	if dbURL == "" {
		cfg.DatabaseURL = filepath.Join(cfg.DataDir, "portal.db")
	}
	if configure != nil {
		configure(&cfg)
	}
	if errs := cfg.Validate(nil); len(errs) > 0 {
		t.Fatalf("configuration: %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, cfg, Options{Version: "test"})
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("open: %v", err)
	}
	s := &served{App: a, base: cfg.BaseURL, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Errorf("the portal did not stop within 30 s")
		}
		a.Close()
	})
	return s
}

// answer is what a client got: status, Retry-After, body and time taken.
type answer struct {
	status int
	retry  string
	body   string
	took   time.Duration
}

func get(t *testing.T, c *http.Client, u string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v after %v", u, err, time.Since(start).Round(time.Millisecond))
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header.Get("Retry-After"), string(b), time.Since(start)}
}

// adminOf opens a connection of its own to the database at dbURL, as an
// operator's psql would.
func adminOf(t *testing.T, dbURL string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dbURL, db.Pool{MaxOpen: 2, MaxIdle: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestAPageBehindALockedTableAnswers503WithRetryAfterWithinTheLockTimeout(t *testing.T) {
	dbURL := testutil.DatabaseURL(t, testutil.Postgres)
	const lockTimeout = time.Second
	p := serve(t, dbURL, func(c *config.Config) {
		c.Ops.DBLockTimeout, c.Ops.DBStatementTimeout, c.Ops.DBWaitTimeout = lockTimeout, 2*time.Second, 3*time.Second
	})
	client := &http.Client{Timeout: 20 * time.Second}
	if a := get(t, client, p.base+"/electives"); a.status != http.StatusOK {
		t.Fatalf("GET /electives before the lock: %d", a.status)
	}

	// An operator's migration, or a stuck job, holds the catalog's tables.
	// The catalog answers from memory, but each search first reads the
	// catalog's version, so that a change on another replica is seen: the
	// version's table is the one a migration of electives holds too.
	tx := adminOf(t, dbURL).Begin()
	if err := tx.Exec("LOCK TABLE periods, catalog_search_version IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatal(err)
	}
	released := time.AfterFunc(8*time.Second, func() { tx.Rollback() }) // today's main waits this long
	defer released.Stop()

	for _, lang := range []struct{ accept, want string }{
		{"en", "try again in a moment"},
		{"zh-TW,zh;q=0.9", "請稍後再試"},
	} {
		a := get(t, client, p.base+"/electives", "Accept-Language", lang.accept)
		t.Logf("%s: %d after %v, Retry-After %q", lang.accept, a.status, a.took.Round(time.Millisecond), a.retry)
		if a.status != http.StatusServiceUnavailable || a.retry == "" {
			t.Errorf("%s: %d with Retry-After %q, want 503 with Retry-After", lang.accept, a.status, a.retry)
		}
		if a.took < lockTimeout || a.took > lockTimeout+3*time.Second {
			t.Errorf("%s: answered after %v, want about the lock timeout (%v)", lang.accept, a.took, lockTimeout)
		}
		if !strings.Contains(a.body, lang.want) {
			t.Errorf("%s: the page does not say %q:\n%s", lang.accept, lang.want, a.body)
		}
	}
	if err := tx.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	if a := get(t, client, p.base+"/electives"); a.status != http.StatusOK {
		t.Errorf("GET /electives once the lock is gone: %d, want 200", a.status)
	}
}

func TestReadyzTellsAnUnreachableDatabaseFromAnOldSchema(t *testing.T) {
	direct := testutil.DatabaseURL(t, testutil.Postgres)
	hole := startBlackHole(t, direct)
	p := serve(t, hole.url, func(c *config.Config) {
		c.Ops.ReadyTimeout = 300 * time.Millisecond
		c.Ops.DBLockTimeout, c.Ops.DBStatementTimeout, c.Ops.DBWaitTimeout = time.Second, time.Second, 2*time.Second
	})
	client := &http.Client{Timeout: 20 * time.Second}
	admin := adminOf(t, direct)
	ready := func(what, want string, status int) {
		t.Helper()
		a := get(t, client, p.base+"/readyz")
		if a.status != status || strings.TrimSpace(a.body) != want {
			t.Errorf("%s: /readyz %d %q, want %d %q", what, a.status, strings.TrimSpace(a.body), status, want)
		}
	}
	ready("fresh", "ready", http.StatusOK)

	// Connections killed under the portal (a failover, an operator's
	// pg_terminate_backend) are not a schema to migrate. Concurrent
	// requests first leave several idle connections in the pool to kill.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { get(t, client, p.base+"/electives") })
	}
	wg.Wait()
	if err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Error; err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		a := get(t, client, p.base+"/readyz")
		if strings.Contains(a.body, "schema") {
			t.Errorf("after killed connections, /readyz %d (try %d) says %q", a.status, i, strings.TrimSpace(a.body))
		}
	}
	ready("after killed connections", "ready", http.StatusOK)

	// A database that answers too slowly (here: goose's table locked by a
	// stuck session) is not a schema to migrate either.
	tx := admin.Begin()
	if err := tx.Exec("LOCK TABLE goose_db_version IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatal(err)
	}
	ready("goose's table locked", "database unreachable", http.StatusServiceUnavailable)
	if err := tx.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	ready("lock released", "ready", http.StatusOK)

	// A network black hole: nothing answers, nothing is refused.
	hole.swallow(true)
	a := get(t, client, p.base+"/readyz")
	if a.status != http.StatusServiceUnavailable || strings.TrimSpace(a.body) != "database unreachable" || a.took > 1500*time.Millisecond {
		t.Errorf("black hole: /readyz %d %q after %v, want 503 database unreachable within about its 0.3 s", a.status, strings.TrimSpace(a.body), a.took)
	}
	a = get(t, client, p.base+"/electives")
	t.Logf("black hole: GET /electives %d after %v", a.status, a.took.Round(time.Millisecond))
	if a.status != http.StatusServiceUnavailable || a.retry == "" || a.took > 5*time.Second {
		t.Errorf("black hole: GET /electives %d (Retry-After %q) after %v, want 503 with Retry-After within the wait timeout (2 s)", a.status, a.retry, a.took)
	}
	hole.swallow(false)
	hole.cut() // the stuck connections are gone for good; new ones work
	deadline := time.Now().Add(10 * time.Second)
	for get(t, client, p.base+"/readyz").status != http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	ready("network back", "ready", http.StatusOK)

	// A schema behind the binary: the one case where migrating helps.
	if err := admin.Exec("DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)").Error; err != nil {
		t.Fatal(err)
	}
	ready("schema behind", "schema not current: run portal migrate", http.StatusServiceUnavailable)
}

func TestASignedInClientLosesNoRequestAcrossADrainedShutdown(t *testing.T) {
	const grace = 1500 * time.Millisecond
	p := serve(t, "", func(c *config.Config) {
		c.Ops.ShutdownGrace, c.Ops.ShutdownTimeout = grace, 5*time.Second
		c.Workers = 1 // the outbox workers stop with the rest
	})
	jar, _ := cookiejar.New(nil)
	// One transport, as a load balancer keeps its connections alive.
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if a := get(t, client, p.base+"/login?as=student"); a.status != http.StatusOK || !strings.Contains(a.body, "who-name") {
		t.Fatalf("sign in: %d", a.status)
	}

	// The load balancer polls /readyz and stops sending at its first 503.
	var out atomic.Bool
	var sawDraining atomic.Bool
	go func() {
		for !out.Load() {
			res, err := client.Get(p.base + "/readyz")
			if err == nil {
				res.Body.Close()
			}
			if err != nil || res.StatusCode != http.StatusOK {
				sawDraining.Store(err == nil && res.StatusCode == http.StatusServiceUnavailable)
				out.Store(true)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var stopped atomic.Bool
	var ok, failed, afterStop atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !out.Load() {
				res, err := client.Get(p.base + "/applications")
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				switch {
				case err != nil || res.StatusCode != http.StatusOK || res.Request.URL.Path != "/applications":
					failed.Add(1)
					if err == nil {
						err = errors.New(res.Status + " at " + res.Request.URL.Path)
					}
					firstFailure.CompareAndSwap(nil, err.Error())
				default:
					ok.Add(1)
					if stopped.Load() {
						afterStop.Add(1)
					}
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	stopped.Store(true)
	p.stop() // what SIGTERM does in main
	wg.Wait()
	var serveErr error
	select {
	case serveErr = <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return within 15 s of the shutdown")
	}
	took := time.Since(start)
	p.done <- serveErr // for the cleanup
	t.Logf("%d requests served (%d after the shutdown began), %d failed; Serve returned after %v",
		ok.Load(), afterStop.Load(), failed.Load(), took.Round(time.Millisecond))
	if failed.Load() != 0 {
		t.Errorf("%d requests failed across the shutdown, the first: %v", failed.Load(), firstFailure.Load())
	}
	if !sawDraining.Load() {
		t.Error("/readyz never answered 503 before the portal stopped accepting")
	}
	if afterStop.Load() == 0 || ok.Load() < 10 {
		t.Errorf("%d requests served, %d after the shutdown began: no load to speak of", ok.Load(), afterStop.Load())
	}
	if took < grace {
		t.Errorf("Serve returned %v after the shutdown began, before the grace period (%v)", took, grace)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		t.Errorf("Serve: %v", serveErr)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(p.base, "http://"), time.Second); err == nil {
		t.Error("the portal still accepts connections after Serve returned")
	}
}

// blackHole forwards TCP connections to a database until told to swallow:
// then it reads everything and answers nothing, as a network partition does.
type blackHole struct {
	url     string
	ln      net.Listener
	holding atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func startBlackHole(t *testing.T, target string) *blackHole {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackHole{ln: ln}
	to := u.Host
	u.Host = ln.Addr().String()
	h.url = u.String()
	t.Cleanup(func() { ln.Close(); h.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.track(c)
			go func() {
				for h.holding.Load() { // a new connection hangs too
					time.Sleep(50 * time.Millisecond)
				}
				s, err := net.Dial("tcp", to)
				if err != nil {
					c.Close()
					return
				}
				h.track(s)
				go h.pipe(s, c)
				h.pipe(c, s)
			}()
		}
	}()
	return h
}

func (h *blackHole) track(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns = append(h.conns, c)
}

// pipe copies from src to dst, dropping what it reads while swallowing.
func (h *blackHole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			dst.Close()
			return
		}
		if h.holding.Load() {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			src.Close()
			return
		}
	}
}

func (h *blackHole) swallow(on bool) { h.holding.Store(on) }

// cut closes every connection, as a network does once the partition is
// long enough for TCP to give up.
func (h *blackHole) cut() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}
