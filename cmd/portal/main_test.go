package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/db"
	"portal/internal/testutil"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestServeNamesEveryMissingSetting(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(nil), &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errb.String())
	}
	for _, v := range []string{"PORTAL_DATABASE_URL", "PORTAL_BASE_URL", "PORTAL_OIDC_ISSUER", "PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_SECRET"} {
		if n := countLines(errb.String(), v); n != 1 {
			t.Errorf("%s named on %d lines, want 1:\n%s", v, n, errb.String())
		}
	}
}

func TestServeRefusesInconsistentSettings(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{
		"PORTAL_DATABASE_URL":       "mysql://db/portal",
		"PORTAL_BASE_URL":           "exchange.example.edu",
		"PORTAL_OIDC_ISSUER":        "https://sso.example.edu",
		"PORTAL_OIDC_CLIENT_ID":     "portal",
		"PORTAL_OIDC_CLIENT_SECRET": "s",
		"PORTAL_OIDC_ROLE_MAP":      "staff-intl=office,deans=dean",
		"PORTAL_SESSION_IDLE":       "24h",
		"PORTAL_DB_MAX_OPEN":        "many",
		"PORTAL_DEV_PROVIDER":       "1",
		"PORTAL_SMTP_HOST":          "smtp.example.edu",
		"PORTAL_SMTP_FROM":          "electives@example.edu",
	}), &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{
		`PORTAL_DATABASE_URL must be a postgres:// URL or a SQLite file path, got scheme "mysql"`,
		`PORTAL_BASE_URL must be an absolute http(s) URL`,
		`maps "deans" to unknown role "dean"`,
		`PORTAL_SESSION_IDLE (24h0m0s) is longer than PORTAL_SESSION_ABSOLUTE (12h0m0s)`,
		`PORTAL_DB_MAX_OPEN must be a positive whole number, got "many"`,
		`development provider exists only in ` + "`portal dev`",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if !strings.Contains(errb.String(), "6 problem(s)") {
		t.Errorf("want 6 problems counted:\n%s", errb.String())
	}
}

// dialects runs fn with a fresh, unmigrated database URL of each dialect.
func dialects(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "portal.db")) })
	t.Run("postgres", func(t *testing.T) {
		url := testutil.DatabaseURL(t, testutil.Postgres)
		fn(t, url)
	})
}

func TestServeRefusesABehindSchemaUntilMigrated(t *testing.T) {
	dialects(t, func(t *testing.T, url string) {
		idp := httptest.NewServer(http.NotFoundHandler())
		defer idp.Close()
		e := map[string]string{
			"PORTAL_DATABASE_URL": url, "PORTAL_BASE_URL": "https://exchange.example.edu",
			"PORTAL_OIDC_ISSUER": idp.URL, "PORTAL_OIDC_CLIENT_ID": "portal", "PORTAL_OIDC_CLIENT_SECRET": "s",
			"PORTAL_ADDR": "127.0.0.1:0", "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_FROM": "electives@example.edu",
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"serve"}, env(e), &out, &errb); code != 3 {
			t.Fatalf("serve on an empty database: exit %d, want 3; stderr:\n%s", code, errb.String())
		}
		if !strings.Contains(errb.String(), "schema is behind") || !strings.Contains(errb.String(), "portal migrate up") {
			t.Errorf("message should say the schema is behind and how to fix it:\n%s", errb.String())
		}

		out.Reset()
		if code := run(context.Background(), []string{"migrate", "status"}, env(e), &out, &errb); code != 0 || !strings.Contains(out.String(), "pending") || strings.Contains(out.String(), "applied ") {
			t.Fatalf("status before: exit %d\n%s", code, out.String())
		}
		out.Reset()
		if code := run(context.Background(), []string{"migrate", "up"}, env(e), &out, &errb); code != 0 || !strings.Contains(out.String(), "applied migration 1") {
			t.Fatalf("migrate up: exit %d\n%s%s", code, out.String(), errb.String())
		}
		out.Reset()
		if code := run(context.Background(), []string{"migrate", "status"}, env(e), &out, &errb); code != 0 || !strings.Contains(out.String(), "0 pending") {
			t.Fatalf("status after: exit %d\n%s", code, out.String())
		}
	})
}

// An identity provider's outage must not keep the portal from starting
// (nor pods from restarting): serve starts, keeps trying discovery, logs
// it as an error and shows it in /readyz; sign-in meanwhile answers a
// translated 503.
func TestServeStartsWhileTheIdentityProviderIsDown(t *testing.T) {
	url := testutil.DatabaseURL(t, testutil.Postgres)
	idp := httptest.NewServer(http.NotFoundHandler())
	defer idp.Close()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := map[string]string{
		"PORTAL_DATABASE_URL": url, "PORTAL_BASE_URL": "http://" + addr, "PORTAL_ADDR": addr,
		"PORTAL_OIDC_ISSUER": idp.URL, "PORTAL_OIDC_CLIENT_ID": "portal", "PORTAL_OIDC_CLIENT_SECRET": "s",
		"PORTAL_LOG_LEVEL": "warn", "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_FROM": "electives@example.edu",
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "up"}, env(e), &out, &errb); code != 0 {
		t.Fatalf("migrate: %s", errb.String())
	}
	base, _, stop := start(t, []string{"serve"}, e)
	code, body := get(t, base+"/readyz")
	if code != 200 || !strings.Contains(body, "identity provider") || !strings.Contains(body, idp.URL) {
		t.Errorf("/readyz = %d %q; want 200 naming the unreachable provider", code, body)
	}
	code, body = get(t, base+"/login")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached right now") {
		t.Errorf("/login during the outage = %d; want the translated 503 page", code)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// syncBuffer lets the test read what a running command has printed so far.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var readyURL = regexp.MustCompile(`ready at (http://\S+),`)

// start runs the command in the background and returns its URL once it
// says it is ready, and a function that stops it and returns its exit code.
func start(t *testing.T, args []string, e map[string]string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, env(e), out, errb) }()
	// Dev mode loads its demo data through the real services first; on a
	// loaded CI machine under -race that takes a while.
	deadline := time.Now().Add(90 * time.Second)
	for {
		if m := readyURL.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, func() int { cancel(); return <-done }
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("%v exited %d before ready:\n%s%s", args, code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("%v not ready in time:\n%s%s", args, out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestDevStartsWithDemoUsersAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := start(t, []string{"dev"}, map[string]string{"PORTAL_ADDR": "127.0.0.1:0", "PORTAL_DATA_DIR": dir})
	for _, u := range []string{"student", "incoming", "reviewer", "office", "coordinator", "admin"} {
		if !strings.Contains(out.String(), base+"/login?as="+u) {
			t.Errorf("dev output does not offer %s:\n%s", u, out.String())
		}
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	if code, body := get(t, base+"/dev/oidc/.well-known/openid-configuration"); code != 200 || !strings.Contains(body, base+"/dev/oidc") {
		t.Errorf("dev provider discovery = %d %s", code, body)
	}
	if code := stop(); code != 0 {
		t.Fatalf("dev exited %d after SIGTERM-like cancel", code)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "portal.db")); len(matches) != 1 {
		t.Error("dev mode kept no SQLite file under PORTAL_DATA_DIR")
	}
}

func TestServeRunsAgainstARealIssuerWithoutTheDevProvider(t *testing.T) {
	dialects(t, func(t *testing.T, url string) {
		mux := http.NewServeMux()
		idp := httptest.NewServer(mux)
		defer idp.Close()
		p, err := devoidc.New(idp.URL, devoidc.DemoUsers(), devoidc.Client{ID: "portal", Secret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/", p)
		e := map[string]string{
			"PORTAL_DATABASE_URL": url, "PORTAL_BASE_URL": "http://127.0.0.1",
			"PORTAL_OIDC_ISSUER": idp.URL, "PORTAL_OIDC_CLIENT_ID": "portal", "PORTAL_OIDC_CLIENT_SECRET": "s",
			"PORTAL_ADDR": "127.0.0.1:0", "PORTAL_LOG_LEVEL": "warn",
			"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": "2525", "PORTAL_SMTP_FROM": "electives@example.edu",
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"migrate", "up"}, env(e), &out, &errb); code != 0 {
			t.Fatalf("migrate: %s", errb.String())
		}
		// serve prints its base URL, not the listener; find the port by
		// asking the OS for a free one first.
		ln, err := netListen()
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		e["PORTAL_ADDR"], e["PORTAL_BASE_URL"] = addr, "http://"+addr
		base, _, stop := start(t, []string{"serve"}, e)
		if code, _ := get(t, base+"/readyz"); code != 200 {
			t.Errorf("/readyz = %d", code)
		}
		if code, _ := get(t, base+"/dev/oidc/.well-known/openid-configuration"); code != 404 {
			t.Errorf("serve mode exposes the development provider: %d", code)
		}
		if code, _ := get(t, base+"/metrics"); code != 404 {
			t.Errorf("serve mode exposes /metrics by default: %d", code)
		}
		if code := stop(); code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	})
}

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	latest, _ := db.LatestVersion()
	if code := run(context.Background(), []string{"version"}, env(nil), &out, &errb); code != 0 || !strings.Contains(out.String(), fmt.Sprintf("schema version %d", latest)) || latest < 1 {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"migrate", "up"}, env(nil), &out, &errb); code != 2 || !strings.Contains(errb.String(), "PORTAL_DATABASE_URL is missing") {
		t.Errorf("migrate without database: %d %q", code, errb.String())
	}
}

func countLines(s, sub string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

func netListen() (interface {
	Addr() net.Addr
	Close() error
}, error) {
	return net.Listen("tcp", "127.0.0.1:0")
}
