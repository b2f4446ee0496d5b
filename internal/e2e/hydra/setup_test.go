package hydra

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/config"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// hydraVersion is the provider under test; the binary is cached under it.
const hydraVersion = "v2.3.0"

// unavailable fails the test under CI=true and skips it elsewhere: a
// developer without PostgreSQL or the module proxy can still run the rest.
func unavailable(t *testing.T, format string, a ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("the Hydra interoperability test cannot run (CI=true, so it fails instead of skipping): "+format, a...)
	}
	t.Skipf(format, a...)
}

// hydraBinary builds Hydra from the module proxy once per version and
// tool module (go.sum), into the user's cache, and returns its path.
func hydraBinary(t *testing.T) string {
	t.Helper()
	sum, err := os.ReadFile(filepath.Join("tool", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(sum)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "portal-test-tools", "hydra-"+hydraVersion+"-"+hex.EncodeToString(h[:6]))
	bin := filepath.Join(dir, "hydra")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = "tool"
	// -mod=mod: the tool module's go.sum pins everything, and Hydra's
	// dependencies are too many to vendor into the repository.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		unavailable(t, "build Hydra %s from the module proxy: %v\n%s", hydraVersion, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built Hydra %s in %s", hydraVersion, time.Since(start).Round(time.Second))
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// provider is a running Hydra: its issuer (with Hydra's trailing slash)
// and admin API.
type provider struct {
	t      *testing.T
	issuer string
	admin  string
}

// startHydra migrates a fresh PostgreSQL database and serves Hydra on it,
// with its login, consent and logout pages at ui.
func startHydra(t *testing.T, bin, ui string) *provider {
	t.Helper()
	dsn := testutil.DatabaseURL(t, testutil.Postgres) // dropped when the test ends
	public, admin := freeAddr(t), freeAddr(t)
	p := &provider{t: t, issuer: "http://" + public + "/", admin: "http://" + admin}
	_, pubPort, _ := net.SplitHostPort(public)
	_, admPort, _ := net.SplitHostPort(admin)
	env := append(os.Environ(),
		"DSN="+dsn,
		"URLS_SELF_ISSUER="+p.issuer,
		"URLS_LOGIN="+ui+"/login", "URLS_CONSENT="+ui+"/consent", "URLS_LOGOUT="+ui+"/logout",
		"URLS_POST_LOGOUT_REDIRECT="+ui+"/signed-out",
		"SECRETS_SYSTEM=portal-interop-test-system-secret",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+pubPort,
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+admPort,
		"LOG_LEVEL=warn",
	)
	migrate := exec.Command(bin, "migrate", "sql", "up", "-e", "--yes")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("hydra migrate sql up: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	serve := exec.CommandContext(ctx, bin, "serve", "all", "--dev", "--sqa-opt-out")
	serve.Env = env
	var logs syncBuffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("hydra's log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.admin + "/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-exited:
			t.Fatalf("hydra exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hydra not ready in 60 s:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// call sends a JSON request to Hydra's admin API and decodes the answer
// into out (when not nil).
func (p *provider) call(method, path string, body, out any) {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.admin+path, r)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		p.t.Fatalf("hydra admin %s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("hydra admin %s %s: %v in %s", method, path, err, b)
		}
	}
}

// person is who the login app signs in next, and what their home
// directory says about them (the groups claim).
type person struct {
	Subject, Name, Email string
	Groups               []string
	Deny                 bool // press Deny on the consent page
}

// loginApp is the login, consent and logout app a university runs beside
// Hydra, reduced to what the test needs: it signs in whoever the test
// says, puts their groups in the ID token, and remembers whether Hydra
// still had a session for the browser (skip).
type loginApp struct {
	p        *provider
	mu       sync.Mutex
	next     person
	skipped  []bool // the skip flag of every login request
	loggedIn int
}

func (a *loginApp) set(p person) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next = p
}

func (a *loginApp) current() person {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.next
}

// lastSkip reports whether Hydra's last login request found a session.
func (a *loginApp) lastSkip() (skip, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.skipped) == 0 {
		return false, false
	}
	return a.skipped[len(a.skipped)-1], true
}

func (a *loginApp) handler() http.Handler {
	mux := http.NewServeMux()
	redirect := func(w http.ResponseWriter, r *http.Request, res map[string]any) {
		http.Redirect(w, r, fmt.Sprint(res["redirect_to"]), http.StatusFound)
	}
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("login_challenge")
		var req struct {
			Skip    bool   `json:"skip"`
			Subject string `json:"subject"`
		}
		a.p.call(http.MethodGet, "/admin/oauth2/auth/requests/login?login_challenge="+ch, nil, &req)
		a.mu.Lock()
		a.skipped = append(a.skipped, req.Skip)
		a.mu.Unlock()
		subject := req.Subject
		if !req.Skip {
			subject = a.current().Subject
		}
		var res map[string]any
		a.p.call(http.MethodPut, "/admin/oauth2/auth/requests/login/accept?login_challenge="+ch,
			map[string]any{"subject": subject, "remember": true, "remember_for": 3600}, &res)
		redirect(w, r, res)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("consent_challenge")
		var req struct {
			Subject   string   `json:"subject"`
			Scope     []string `json:"requested_scope"`
			Audiences []string `json:"requested_access_token_audience"`
		}
		a.p.call(http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+ch, nil, &req)
		who := a.current()
		var res map[string]any
		if who.Deny {
			a.p.call(http.MethodPut, "/admin/oauth2/auth/requests/consent/reject?consent_challenge="+ch,
				map[string]any{"error": "access_denied", "error_description": "The resource owner denied the request"}, &res)
			redirect(w, r, res)
			return
		}
		a.p.call(http.MethodPut, "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+ch, map[string]any{
			"grant_scope": req.Scope, "grant_access_token_audience": req.Audiences,
			"session": map[string]any{"id_token": map[string]any{
				"name": who.Name, "email": who.Email, "email_verified": true, "groups": who.Groups,
			}},
		}, &res)
		redirect(w, r, res)
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		var res map[string]any
		a.p.call(http.MethodPut, "/admin/oauth2/auth/requests/logout/accept?logout_challenge="+r.URL.Query().Get("logout_challenge"), nil, &res)
		redirect(w, r, res)
	})
	mux.HandleFunc("GET /signed-out", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "signed out at the provider")
	})
	return mux
}

// startPortal serves the portal in serve mode on a fresh, migrated
// PostgreSQL database, signing in at issuer as client; configure, when
// not nil, changes the configuration first.
func startPortal(t *testing.T, issuer, clientID, secret string, configure func(*config.Config)) (*wiring.App, string) {
	t.Helper()
	url := testutil.MigratedDatabaseURL(t, testutil.Postgres)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(config.ModeServe)
	cfg.Addr, cfg.BaseURL = ln.Addr().String(), "http://"+ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = url
	cfg.Workers = 0
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCClientSecret = issuer, clientID, secret
	cfg.OIDCTokenAuth = "client_secret_basic"
	cfg.OIDCRolesClaim = "groups"
	cfg.OIDCRoleMap = map[string]string{"med-students": "student", "intl-office": "office"}
	if configure != nil {
		configure(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := wiring.Open(ctx, cfg, wiring.Options{Version: "hydra-interop"})
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("open the portal: %v", err)
	}
	a.Auth.WatchProviders(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("portal stopped with: %v", err)
		}
		a.Close()
	})
	return a, cfg.BaseURL
}

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

// quiet keeps the portal's request log out of the test output.
func quiet() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// signedIn reports whether a portal page shows someone signed in.
func signedIn(body string) bool { return strings.Contains(body, `action="/logout"`) }
