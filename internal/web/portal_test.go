package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"portal/internal/clock"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/wiring"
	"portal/internal/wiring/wiringtest"
)

// The portal logs a line per request; tests read pages, not logs.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	// A test here spends most of its time waiting on HTTP and a database,
	// so as many tests as cores leave the cores half idle: run twice as
	// many, unless -parallel was given.
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", strconv.Itoa(2*runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	testutil.RemoveSeeded()
	os.Exit(code)
}

// dialects are the databases every test that touches one runs on.
var dialects = []string{"sqlite", "postgres"}

// eachDialect runs fn as parallel subtests "sqlite" and "postgres".
func eachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// portal is a whole portal in dev mode, served over real HTTP on a free
// port, with its development OpenID provider at URL+"/dev/oidc".
type portal struct {
	t         *testing.T
	URL       string
	App       *wiring.App
	transport *http.Transport
}

// startPortal opens and serves a portal on a fresh database of dialect; it
// stops when the test ends.
func startPortal(t *testing.T, dialect string, o wiring.Options) *portal {
	t.Helper()
	return startPortalWith(t, dialect, o, nil)
}

// startPortalWith is startPortal with the configuration changed by
// configure first (nil changes nothing). The data directory is the test's
// own temporary directory.
func startPortalWith(t *testing.T, dialect string, o wiring.Options, configure func(*config.Config)) *portal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(config.ModeDev)
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	testutil.LongDatabaseTimeouts(&cfg.Ops)
	switch dialect {
	case "sqlite", "postgres":
		// The catalog, and the demo when asked, seeded once and copied.
		if o.DevUsers == nil || !o.DemoApplications {
			wiringtest.Seed(t, dialect, &cfg, o)
		} else {
			cfg.DatabaseURL = testutil.MigratedDatabaseURL(t, dialect)
		}
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	if configure != nil {
		configure(&cfg)
	}
	a, err := wiring.Open(context.Background(), cfg, o)
	if err != nil {
		ln.Close()
		t.Fatalf("open portal: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	p := &portal{t: t, URL: cfg.BaseURL, App: a, transport: &http.Transport{}}
	t.Cleanup(func() {
		p.transport.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return p
}

// count runs a SELECT COUNT(*) ... and returns the number.
func (p *portal) count(query string, args ...any) int64 {
	p.t.Helper()
	var n int64
	if err := p.App.DB.Raw(query, args...).Scan(&n).Error; err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// exec runs a statement on the portal's database.
func (p *portal) exec(query string, args ...any) int64 {
	p.t.Helper()
	res := p.App.DB.Exec(query, args...)
	if res.Error != nil {
		p.t.Fatalf("%s: %v", query, res.Error)
	}
	return res.RowsAffected
}

func (p *portal) signedInSessions() int64 {
	return p.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
}

func (p *portal) audits(action string) int64 {
	return p.count("SELECT COUNT(*) FROM audit_events WHERE action = ?", action)
}

// userID returns the id of the dev provider's user with subject.
func (p *portal) userID(subject string) int64 {
	p.t.Helper()
	var ids []int64
	if err := p.App.DB.Raw("SELECT id FROM users WHERE issuer = ? AND subject = ?", p.URL+"/dev/oidc", subject).Scan(&ids).Error; err != nil {
		p.t.Fatal(err)
	}
	if len(ids) != 1 {
		p.t.Fatalf("users with subject %q: %d, want 1", subject, len(ids))
	}
	return ids[0]
}

// lastAudit returns the detail of the newest event of action.
func (p *portal) lastAudit(action string) (detail string, actor *int64) {
	p.t.Helper()
	var rows []struct {
		Detail  string
		ActorID *int64
	}
	if err := p.App.DB.Raw("SELECT detail, actor_id FROM audit_events WHERE action = ? ORDER BY id DESC LIMIT 1", action).Scan(&rows).Error; err != nil {
		p.t.Fatal(err)
	}
	if len(rows) == 0 {
		p.t.Fatalf("no audit event %s", action)
	}
	return rows[0].Detail, rows[0].ActorID
}

// hop is one response a browser received, redirects included.
type hop struct {
	Method string
	URL    *url.URL
	Status int
	Header http.Header
}

// page is what a browser ends on.
type page struct {
	Status int
	URL    *url.URL
	Header http.Header
	Body   string
	Trail  []hop // every response of the request, redirects first
}

// browser is a cookie-keeping HTTP client that follows redirects only
// within the portal, as far as a test asks it to.
type browser struct {
	t        *testing.T
	p        *portal
	jar      *cookiejar.Jar
	follow   *http.Client
	stop     *http.Client
	Language string // Accept-Language, when set
	trail    []hop
}

type recorder struct{ b *browser }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.b.p.transport.RoundTrip(req)
	if err == nil {
		r.b.trail = append(r.b.trail, hop{Method: req.Method, URL: req.URL, Status: res.StatusCode, Header: res.Header.Clone()})
	}
	return res, err
}

func (p *portal) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		p.t.Fatal(err)
	}
	b := &browser{t: p.t, p: p, jar: jar}
	host := strings.TrimPrefix(p.URL, "http://")
	b.follow = &http.Client{Jar: jar, Transport: recorder{b}, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host {
			return fmt.Errorf("redirected off the portal to %s", req.URL)
		}
		if len(via) > 10 {
			return fmt.Errorf("more than 10 redirects")
		}
		return nil
	}}
	b.stop = &http.Client{Jar: jar, Transport: recorder{b}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return b
}

func (b *browser) abs(target string) string {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return target
	}
	return b.p.URL + target
}

func (b *browser) do(c *http.Client, method, target string, form url.Values, header http.Header) *page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.abs(target), body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.Language != "" {
		req.Header.Set("Accept-Language", b.Language)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	b.trail = nil
	res, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(raw), Trail: b.trail}
}

// get follows redirects to the end.
func (b *browser) get(target string) *page {
	b.t.Helper()
	return b.do(b.follow, http.MethodGet, target, nil, nil)
}

// post submits a form and follows redirects to the end.
func (b *browser) post(target string, form url.Values) *page {
	b.t.Helper()
	return b.do(b.follow, http.MethodPost, target, form, nil)
}

// step makes one request and does not follow its redirect.
func (b *browser) step(method, target string, form url.Values, header http.Header) *page {
	b.t.Helper()
	return b.do(b.stop, method, target, form, header)
}

// cookie returns the value of the portal cookie name, "" when absent.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.p.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie of the portal in the jar, as a stolen or kept one.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.p.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// signIn goes through the whole OpenID Connect flow as the dev user and
// expects to land on the home page signed in.
func (b *browser) signIn(username string) *page {
	b.t.Helper()
	pg := b.get("/login?as=" + url.QueryEscape(username))
	if pg.Status != http.StatusOK || pg.URL.Path != "/" {
		b.t.Fatalf("sign in as %s: ended on %s with %d:\n%s", username, pg.URL, pg.Status, pg.Body)
	}
	if !pg.signedIn() {
		b.t.Fatalf("sign in as %s: the home page shows nobody signed in:\n%s", username, pg.Body)
	}
	return pg
}

// startLogin goes to the provider by hand and returns the callback URL it
// sends the browser back to, not yet visited.
func (b *browser) startLogin(username string) *url.URL {
	b.t.Helper()
	pg := b.step(http.MethodGet, "/login?as="+url.QueryEscape(username), nil, nil)
	if pg.Status != http.StatusSeeOther {
		b.t.Fatalf("GET /login: %d, want 303", pg.Status)
	}
	authorize := pg.Header.Get("Location")
	if !strings.HasPrefix(authorize, b.p.URL+"/dev/oidc/authorize?") {
		b.t.Fatalf("GET /login redirects to %q, not the provider", authorize)
	}
	pg = b.step(http.MethodGet, authorize, nil, nil)
	if pg.Status != http.StatusFound {
		b.t.Fatalf("GET authorize: %d, want 302:\n%s", pg.Status, pg.Body)
	}
	cb, err := url.Parse(pg.Header.Get("Location"))
	if err != nil || cb.Path != "/auth/callback" || cb.Query().Get("code") == "" || cb.Query().Get("state") == "" {
		b.t.Fatalf("provider redirects to %q, want the callback with code and state", pg.Header.Get("Location"))
	}
	return cb
}

// signedInAs reports whether the page's header shows name signed in.
func (pg *page) signedInAs(name string) bool {
	return strings.Contains(pg.Body, `<span class="who-name">`+html.EscapeString(name))
}

// signedIn reports whether the page's header shows anyone signed in.
func (pg *page) signedIn() bool {
	return strings.Contains(pg.Body, `<span class="who-name">`) || strings.Contains(pg.Body, `action="/logout"`)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf is the token of the page's forms.
func (pg *page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(pg.Body)
	if m == nil {
		t.Fatalf("no _csrf input on %s:\n%s", pg.URL, pg.Body)
	}
	return html.UnescapeString(m[1])
}

// setCookies returns the cookies a response of the trail set, by name, in
// order.
func (pg *page) setCookies(name string) []*http.Cookie {
	var out []*http.Cookie
	for _, h := range pg.Trail {
		for _, c := range (&http.Response{Header: h.Header}).Cookies() {
			if c.Name == name {
				out = append(out, c)
			}
		}
	}
	return out
}

var bundle = func() *i18n.Bundle {
	b, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return b
}()

// trIn is the bundle's T in lang, as the clock's functions take it.
func trIn(lang i18n.Lang) clock.Translate {
	return func(k string, a ...any) string { return bundle.T(lang, k, a...) }
}

// wantText fails unless the page shows the message key in lang.
func wantText(t *testing.T, pg *page, lang i18n.Lang, key string, args ...any) {
	t.Helper()
	if !bundle.Has(key) {
		t.Fatalf("no message %q in en.json", key)
	}
	// A page writes the ISO dates among a message's arguments as it
	// writes dates (Page.T, clock.Readable): so does the expectation.
	msg := html.EscapeString(bundle.T(lang, key, clock.Readable(trIn(lang), args)...))
	// html/template also escapes "+" (a time's "UTC+8"); html does not.
	if !strings.Contains(strings.ReplaceAll(pg.Body, "&#43;", "+"), msg) {
		t.Errorf("%s (%d) does not show %q:\n%s", pg.URL, pg.Status, msg, pg.Body)
	}
}

// wantStatus fails the test unless the page has status.
func wantStatus(t *testing.T, pg *page, status int) {
	t.Helper()
	if pg.Status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", pg.URL, pg.Status, status, pg.Body)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
