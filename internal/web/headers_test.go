package web_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	portalfs "portal"
	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/web"
	"portal/internal/wiring"
)

var stylesheet = regexp.MustCompile(`<link rel="stylesheet" href="(/static/[^"]+)">`)

// wantSecurityHeaders checks the headers every response must carry.
func wantSecurityHeaders(t *testing.T, what string, h http.Header, https bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, want)
		}
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("%s: CSP %q allows %s", what, csp, bad)
		}
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	if got := h.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" && got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy %q", what, got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options %q, want DENY", what, got)
	}
	hsts := h.Get("Strict-Transport-Security")
	if https && !strings.Contains(hsts, "max-age=") {
		t.Errorf("%s: Strict-Transport-Security %q over https", what, hsts)
	}
	if !https && hsts != "" {
		t.Errorf("%s: Strict-Transport-Security %q over plain http", what, hsts)
	}
}

// TestSecurityHeaders checks every kind of response of a real portal over
// http: pages, probes, static files, errors and redirects.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		home := b.get("/")
		m := stylesheet.FindStringSubmatch(home.Body)
		if m == nil {
			t.Fatalf("no stylesheet link on the home page:\n%s", home.Body)
		}
		for _, target := range []string{"/", "/healthz", "/readyz", m[1], "/static/css/app.000000000000.css", "/no/such/page", "/login", "/admin/users", "/admin/users/", "/dev/oidc/.well-known/openid-configuration"} {
			pg := b.step(http.MethodGet, target, nil, nil)
			if pg.Status == 0 || pg.Status >= 500 {
				t.Errorf("GET %s: %d", target, pg.Status)
			}
			wantSecurityHeaders(t, "GET "+target, pg.Header, false)
		}
		pg := b.step(http.MethodPost, "/lang", nil, nil) // refused: no CSRF token
		wantSecurityHeaders(t, "POST /lang", pg.Header, false)
		b.signIn("admin")
		for _, target := range []string{"/", "/admin/users", "/admin/audit"} {
			wantSecurityHeaders(t, "GET "+target+" signed in", b.step(http.MethodGet, target, nil, nil).Header, false)
		}
	})
}

// newHTTPSServer is the web layer of a portal configured for https, served
// through httptest without a listener or a provider.
func newHTTPSServer(t *testing.T) *web.Server {
	t.Helper()
	d := testutil.OpenDB(t, testutil.SQLite)
	cfg := config.Defaults(config.ModeServe)
	cfg.BaseURL = "https://exchange.example.edu"
	cfg.OIDCIssuer = "https://sso.example.edu/realms/uni"
	cfg.DatabaseURL = "unused"
	users := user.NewStore(d)
	log := audit.NewLog(d)
	a := auth.New(d, users, log, auth.Options{
		Issuer: cfg.OIDCIssuer, ClientID: "portal", ClientSecret: "secret",
		RedirectURL: cfg.BaseURL + "/auth/callback", PostLogoutURL: cfg.BaseURL + "/",
		Scopes: cfg.OIDCScopes, RolesClaim: cfg.OIDCRolesClaim, RoleMap: cfg.OIDCRoleMap,
		Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute,
	})
	s, err := web.New(web.Deps{Config: cfg, DB: d, Auth: a, Users: users, Audit: log, I18n: bundle,
		Templates: portalfs.Templates, Static: portalfs.Static})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSecurityHeadersHTTPS checks HSTS and __Host- cookies when the portal
// is served over https.
func TestSecurityHeadersHTTPS(t *testing.T) {
	t.Parallel()
	s := newHTTPSServer(t)
	for _, target := range []string{"/", "/healthz", "/no/such/page", "/admin/users"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://exchange.example.edu"+target, nil))
		wantSecurityHeaders(t, "GET "+target, rec.Header(), true)
		csp := rec.Header().Get("Content-Security-Policy")
		// Sign-out leaves for the provider by a Refresh, not a redirect of
		// the form's post: forms need go nowhere but here.
		if !strings.HasSuffix(csp, "form-action 'self'") {
			t.Errorf("GET %s: CSP %q lets forms post elsewhere than the portal", target, csp)
		}
		if target == "/" {
			var csrf *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if strings.HasSuffix(c.Name, "portal_csrf") {
					csrf = c
				}
			}
			if csrf == nil || csrf.Name != "__Host-portal_csrf" || !csrf.Secure || !csrf.HttpOnly || csrf.Path != "/" || csrf.Domain != "" {
				t.Errorf("CSRF cookie over https: %+v, want __Host-portal_csrf, Secure, HttpOnly, Path=/", csrf)
			}
		}
	}
}

// TestErrorPages checks the translated 404 page, and the probes.
func TestErrorPages(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		for _, target := range []string{"/no/such/page", "/no/such/page/42", "/static/../../etc/passwd", "/%2e%2e/go.mod"} {
			pg := b.get(target)
			wantStatus(t, pg, http.StatusNotFound)
			if ct := pg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("404 page is %q", ct)
			}
			wantText(t, pg, i18n.English, "error.heading.not_found")
			wantText(t, pg, i18n.English, "error.not_found")
			for _, leak := range []string{"goroutine", ".go:", "panic", "module portal", "echo"} {
				if strings.Contains(pg.Body, leak) {
					t.Errorf("the 404 page shows %q:\n%s", leak, pg.Body)
				}
			}
		}
		b.Language = "zh-TW"
		pg := b.get("/no/such/page")
		wantStatus(t, pg, http.StatusNotFound)
		wantText(t, pg, i18n.TraditionalChinese, "error.not_found")

		// Signed in, the 404 page still knows who is asking.
		b.Language = ""
		b.signIn("student")
		pg = b.get("/no/such/page")
		wantStatus(t, pg, http.StatusNotFound)
		if !pg.signedInAs("Lin Mei-Hua") {
			t.Error("the 404 page forgot the signed-in person")
		}

		pg = b.get("/healthz")
		wantStatus(t, pg, http.StatusOK)
		if strings.TrimSpace(pg.Body) != "ok" {
			t.Errorf("/healthz says %q", pg.Body)
		}
		pg = b.get("/readyz")
		wantStatus(t, pg, http.StatusOK)
		if strings.TrimSpace(pg.Body) != "ready" {
			t.Errorf("/readyz says %q", pg.Body)
		}
	})
}

// TestReadyzSchemaBehind checks that a replica on an unmigrated database
// is not ready, so that the load balancer sends it nothing.
func TestReadyzSchemaBehind(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		var d *db.DB
		if dialect == "postgres" {
			d = testutil.OpenEmptyDB(t, testutil.Postgres)
		} else {
			var err error
			d, err = db.Open(context.Background(), filepath.Join(t.TempDir(), "portal.db"), db.Pool{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
		}
		users := user.NewStore(d)
		log := audit.NewLog(d)
		s, err := web.New(web.Deps{Config: config.Defaults(config.ModeServe), DB: d, Auth: auth.New(d, users, log, auth.Options{}),
			Users: users, Audit: log, I18n: bundle, Templates: portalfs.Templates, Static: portalfs.Static})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("/readyz on an unmigrated database: %d, want 503", rec.Code)
		}
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("/healthz on an unmigrated database: %d, want 200", rec.Code)
		}
	})
}

// TestStatic checks that the hashed URLs the pages use serve the files
// with a year's immutable caching, and that nothing else does.
func TestStatic(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		home := b.get("/")
		m := stylesheet.FindStringSubmatch(home.Body)
		if m == nil {
			t.Fatalf("no stylesheet link on the home page:\n%s", home.Body)
		}
		if !regexp.MustCompile(`^/static/css/app\.[0-9a-f]{12}\.css$`).MatchString(m[1]) {
			t.Errorf("stylesheet URL %q carries no content hash", m[1])
		}
		pg := b.get(m[1])
		wantStatus(t, pg, http.StatusOK)
		cc := pg.Header.Get("Cache-Control")
		if !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control %q, want immutable and max-age=31536000", cc)
		}
		if ct := pg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("stylesheet served as %q", ct)
		}
		want, err := fs.ReadFile(portalfs.Static, "static/css/app.css")
		if err != nil {
			t.Fatal(err)
		}
		if pg.Body != string(want) {
			t.Error("the stylesheet served is not static/css/app.css")
		}

		for _, target := range []string{
			"/static/css/app.000000000000.css", "/static/css/app.css", "/static/VENDORED.md",
			strings.Replace(m[1], "/css/", "/js/", 1), "/static/", "/static",
		} {
			pg := b.get(target)
			wantStatus(t, pg, http.StatusNotFound)
			if cc := pg.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") || strings.Contains(cc, "max-age=31536000") {
				t.Errorf("GET %s: a 404 is cached for long: %q", target, cc)
			}
		}
	})
}

// TestHeadAnswersLikeGet: uptime monitors and link checkers use HEAD; it
// answers with GET's status and headers and no body, on pages, the probes
// and static files (it was 404 on every route and 405 on static files).
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		m := stylesheet.FindStringSubmatch(b.get("/").Body)
		if m == nil {
			t.Fatal("no stylesheet link on the home page")
		}
		check := func(target string, want int) {
			t.Helper()
			get := b.step(http.MethodGet, target, nil, nil)
			head := b.step(http.MethodHead, target, nil, nil)
			if get.Status != want || head.Status != want {
				t.Errorf("%s: GET %d, HEAD %d, want %d", target, get.Status, head.Status, want)
			}
			if head.Body != "" {
				t.Errorf("HEAD %s has a body of %d bytes", target, len(head.Body))
			}
			for _, h := range []string{"Content-Type", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options"} {
				if head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("HEAD %s: %s %q, GET has %q", target, h, head.Header.Get(h), get.Header.Get(h))
				}
			}
		}
		for _, target := range []string{"/", "/healthz", "/readyz", m[1], "/electives", "/login?as=student"} {
			want := http.StatusOK
			if strings.HasPrefix(target, "/login") {
				want = http.StatusSeeOther
			}
			check(target, want)
		}
		check("/no/such/page", http.StatusNotFound)
		check("/static/css/app.000000000000.css", http.StatusNotFound)
		if got := b.step(http.MethodHead, m[1], nil, nil).Header.Get("Content-Length"); got == "" || got == "0" {
			t.Errorf("HEAD of the stylesheet: Content-Length %q", got)
		}
		b.signIn("student")
		check("/wallet", http.StatusOK)
		head := b.step(http.MethodHead, "/wallet", nil, nil)
		if head.Header.Get("Content-Language") == "" {
			t.Error("HEAD of a signed-in page lacks the page's headers")
		}
	})
}
