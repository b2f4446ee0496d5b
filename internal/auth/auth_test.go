package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/auth/devoidc"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// harness is a Service whose clock the test moves, signing in against a
// development provider served by httptest, on a real database.
type harness struct {
	t       *testing.T
	d       *db.DB
	s       *Service
	dev     *devoidc.Provider
	issuer  string
	skew    atomic.Int64 // added to the service's clock
	browser *http.Client // does not follow redirects
	// tokenAuth lists how each token request authenticated the client:
	// "basic" or "post".
	tokenMu   sync.Mutex
	tokenAuth []string
}

func (h *harness) tokenRequests() []string {
	h.tokenMu.Lock()
	defer h.tokenMu.Unlock()
	return append([]string(nil), h.tokenAuth...)
}

// newHarness builds the harness; opts change the service's options.
func newHarness(t *testing.T, d *db.DB, users []devoidc.User, roleMap map[string]string, opts ...func(*Options)) *harness {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h := &harness{t: t, d: d, issuer: srv.URL + "/dev/oidc"}
	if users == nil {
		users = devoidc.DemoUsers()
	}
	var err error
	h.dev, err = devoidc.New(h.issuer, users, devoidc.Client{
		ID: "portal", Secret: "secret",
		RedirectURIs:           []string{srv.URL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{srv.URL + "/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	provider := http.StripPrefix("/dev/oidc", h.dev)
	mux.Handle("/dev/oidc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			how := "post"
			if _, _, basic := r.BasicAuth(); basic {
				how = "basic"
			}
			h.tokenMu.Lock()
			h.tokenAuth = append(h.tokenAuth, how)
			h.tokenMu.Unlock()
		}
		provider.ServeHTTP(w, r)
	}))
	o := Options{
		Issuer: h.issuer, ClientID: "portal", ClientSecret: "secret",
		RedirectURL: srv.URL + "/auth/callback", PostLogoutURL: srv.URL + "/",
		Scopes: []string{"openid", "profile", "email"}, RolesClaim: "groups", RoleMap: roleMap,
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour,
		Now: func() time.Time { return time.Now().Add(time.Duration(h.skew.Load())) },
	}
	for _, f := range opts {
		f(&o)
	}
	h.s = New(d, user.NewStore(d), audit.NewLog(d), o)
	h.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

// at sets the service's clock to d from now.
func (h *harness) at(d time.Duration) { h.skew.Store(int64(d)) }

// begin starts a sign-in as username and returns the pending session and
// the callback the provider answers with.
func (h *harness) begin(username string) (string, Callback) {
	h.t.Helper()
	raw, authURL, err := h.s.BeginLogin(context.Background(), "/after", username)
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := h.browser.Get(authURL)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		h.t.Fatalf("authorize: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return raw, Callback{Code: loc.Query().Get("code"), State: loc.Query().Get("state")}
}

// signIn signs username in and returns the session id for the cookie.
func (h *harness) signIn(username string) string {
	h.t.Helper()
	raw, cb := h.begin(username)
	session, returnTo, err := h.s.CompleteLogin(context.Background(), raw, cb, audit.Meta{IP: "192.0.2.1"})
	if err != nil {
		h.t.Fatalf("sign in as %s: %v", username, err)
	}
	if returnTo != "/after" {
		h.t.Errorf("return to %q, want /after", returnTo)
	}
	return session
}

func (h *harness) count(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.d.Raw(query, args...).Scan(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}

// authenticate asks who the session is, at the current clock.
func (h *harness) authenticate(raw string) (Visitor, bool) {
	h.t.Helper()
	v, expired, err := h.s.Authenticate(context.Background(), raw)
	if err != nil {
		h.t.Fatal(err)
	}
	return v, expired
}

func (h *harness) lastSeen(raw string) time.Time {
	h.t.Helper()
	var row Session
	if err := h.d.Where("id_hash = ?", hashID(raw)).Take(&row).Error; err != nil {
		h.t.Fatal(err)
	}
	return row.LastSeenAt
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw := h.signIn("student")

		// Activity keeps the session alive past the idle timeout in total.
		for _, at := range []time.Duration{29 * time.Minute, 58 * time.Minute, 87 * time.Minute} {
			h.at(at)
			if v, expired := h.authenticate(raw); v.User == nil || expired {
				t.Fatalf("after %s with activity every 29 minutes: signed out (expired %v)", at, expired)
			}
		}
		// Then 31 minutes of nothing.
		h.at(87*time.Minute + 31*time.Minute)
		v, expired := h.authenticate(raw)
		if v.User != nil || !expired {
			t.Fatalf("idle for 31 minutes: user %v, expired %v; want anonymous and expired", v.User, expired)
		}
		if n := h.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("%d sessions left after the idle timeout", n)
		}
		// Asked again, the session is simply unknown.
		if v, expired := h.authenticate(raw); v.User != nil || expired {
			t.Errorf("second look at an expired session: user %v, expired %v", v.User, expired)
		}
	})
}

func TestAbsoluteTimeout(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw := h.signIn("student")
		step := 20 * time.Minute
		at := time.Duration(0)
		for at+step <= 12*time.Hour-time.Minute {
			at += step
			h.at(at)
			if v, expired := h.authenticate(raw); v.User == nil || expired {
				t.Fatalf("active session ended after %s, before the absolute timeout", at)
			}
		}
		h.at(12*time.Hour + time.Minute)
		if v, expired := h.authenticate(raw); v.User != nil || !expired {
			t.Fatalf("after 12h01m of activity: user %v, expired %v; want anonymous and expired", v.User, expired)
		}
	})
}

func TestTouchAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw := h.signIn("student")
		first := h.lastSeen(raw)
		h.at(30 * time.Second)
		h.authenticate(raw)
		if got := h.lastSeen(raw); !got.Equal(first) {
			t.Errorf("last_seen_at moved from %s to %s after 30 seconds", first, got)
		}
		h.at(2 * time.Minute)
		h.authenticate(raw)
		if got := h.lastSeen(raw); got.Sub(first) < 119*time.Second {
			t.Errorf("last_seen_at %s after 2 minutes, was %s", got, first)
		}
	})
}

func TestPendingLogin(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw, cb := h.begin("student")

		// Under way, the session is nobody, not an expired session.
		if v, expired := h.authenticate(raw); v.User != nil || expired {
			t.Errorf("pending login: user %v, expired %v", v.User, expired)
		}
		// Too late, it is still no expired session to the pages, and the
		// callback says that the sign-in took too long.
		h.at(loginLifetime + time.Minute)
		if v, expired := h.authenticate(raw); v.User != nil || expired {
			t.Errorf("stale pending login: user %v, expired %v; want anonymous, not expired", v.User, expired)
		}
		_, _, err := h.s.CompleteLogin(context.Background(), raw, cb, audit.Meta{})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Unauthorized || ae.Key != "auth.refused.expired" {
			t.Fatalf("late callback: %v, want unauthorized auth.refused.expired", err)
		}
		if n := h.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("%d sessions after the late callback", n)
		}
		if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = ? AND detail LIKE ?", audit.SignInRefused, `%"login_expired"%`); n != 1 {
			t.Errorf("%d login_expired refusals audited, want 1", n)
		}
		if n := h.count("SELECT COUNT(*) FROM users"); n != 0 {
			t.Errorf("a refused sign-in created %d users", n)
		}
		if h.dev.TokensIssued() != 0 {
			t.Error("a late callback still exchanged the code")
		}
	})
}

// A pending sign-in lives sealed in the browser: starting one writes
// nothing; a tampered one, or one sealed under another secret, is no
// pending sign-in; a wrong state exchanges no code; and a replayed
// callback fails at the provider, which redeems a code once.
func TestCompleteLoginConsumesOnce(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw, cb := h.begin("student")
		if n := h.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("starting a sign-in wrote %d session rows", n)
		}
		bad := cb
		bad.State = "other"
		if _, _, err := h.s.CompleteLogin(context.Background(), raw, bad, audit.Meta{}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("wrong state: %v", err)
		}
		tampered := []byte(raw)
		tampered[len(tampered)-3] ^= 1
		foreign, _ := newSealer("another secret").seal(&PendingLogin{State: cb.State, StartedAt: time.Now()})
		for name, v := range map[string]string{"tampered": string(tampered), "sealed elsewhere": foreign} {
			_, _, err := h.s.CompleteLogin(context.Background(), v, cb, audit.Meta{})
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Key != "auth.refused.state" {
				t.Errorf("%s pending sign-in: %v, want auth.refused.state", name, err)
			}
		}
		if h.dev.TokensIssued() != 0 || h.count("SELECT COUNT(*) FROM sessions") != 0 {
			t.Error("refused callbacks exchanged a code or left sessions")
		}
		if _, _, err := h.s.CompleteLogin(context.Background(), raw, cb, audit.Meta{}); err != nil {
			t.Fatalf("the right callback: %v", err)
		}
		if _, _, err := h.s.CompleteLogin(context.Background(), raw, cb, audit.Meta{}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("replayed callback: %v, want refused", err)
		}
		if n := h.count("SELECT COUNT(*) FROM sessions"); n != 1 {
			t.Errorf("%d sessions, want the one sign-in", n)
		}
	})
}

func TestSignInKeepsOneUser(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		users := []devoidc.User{{
			Username: "lin", Subject: "s-1", Email: "lin@example.edu", Name: "Lin", Locale: "zh-Hant",
			Groups: []string{"/office", "med-students", "alumni"},
		}}
		h := newHarness(t, d, users, map[string]string{"med-students": "student"})
		first := h.signIn("lin")
		second := h.signIn("lin")
		if first == second {
			t.Error("two sign-ins got the same session id")
		}
		if n := h.count("SELECT COUNT(*) FROM users WHERE issuer = ? AND subject = ?", h.issuer, "s-1"); n != 1 {
			t.Fatalf("%d users after two sign-ins, want 1", n)
		}
		v, _ := h.authenticate(second)
		if v.User == nil {
			t.Fatal("not signed in")
		}
		if want := []user.Role{user.Student, user.Office}; !reflect.DeepEqual(v.User.Roles, want) {
			t.Errorf("roles %v, want %v", v.User.Roles, want)
		}
		if v.User.Name != "Lin" || v.User.Email != "lin@example.edu" || v.User.Locale != "zh-Hant" {
			t.Errorf("user %+v", v.User)
		}
		if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor_id = ? AND ip = ?", audit.SignIn, v.User.ID, "192.0.2.1"); n != 2 {
			t.Errorf("%d sign-ins audited with actor and IP, want 2", n)
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw := h.signIn("student")
		next, err := h.s.Logout(context.Background(), raw, audit.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(next)
		if err != nil || !strings.HasPrefix(next, h.issuer+"/end-session?") {
			t.Fatalf("logout goes to %q, want the end-session endpoint", next)
		}
		if u.Query().Get("id_token_hint") == "" || u.Query().Get("client_id") != "portal" || !strings.HasSuffix(u.Query().Get("post_logout_redirect_uri"), "/") {
			t.Errorf("end-session query %v", u.Query())
		}
		// The provider accepts it and sends the browser back.
		res, err := h.browser.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != u.Query().Get("post_logout_redirect_uri") {
			t.Errorf("end-session: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if v, _ := h.authenticate(raw); v.User != nil {
			t.Error("the session survived logout")
		}
		// Twice is harmless and audits once.
		if next, err := h.s.Logout(context.Background(), raw, audit.Meta{}); err != nil || next != "/" {
			t.Errorf("second logout: %q, %v", next, err)
		}
		if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = ?", audit.SignOut); n != 1 {
			t.Errorf("%d sign-outs audited, want 1", n)
		}
	})
}

func TestPurge(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		live := h.signIn("student")
		idle := h.signIn("reviewer")
		old := h.signIn("office")
		now := time.Now()
		age := func(raw, column string, at time.Time) {
			if err := d.Model(&Session{}).Where("id_hash = ?", hashID(raw)).Update(column, at).Error; err != nil {
				t.Fatal(err)
			}
		}
		age(idle, "last_seen_at", now.Add(-31*time.Minute))
		age(old, "expires_at", now.Add(-time.Minute))

		n, err := h.s.Purge(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("purged %d sessions, want 2", n)
		}
		for raw, want := range map[string]int64{live: 1, idle: 0, old: 0} {
			if got := h.count("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", hashID(raw)); got != want {
				t.Errorf("session %s: %d rows, want %d", raw[:6], got, want)
			}
		}
	})
}

func TestSessionIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		raw, hash := newID()
		if len(raw) != 43 || seen[raw] {
			t.Fatalf("session id %q: not 256 fresh bits", raw)
		}
		seen[raw] = true
		if hash == raw || len(hash) != 64 || hash != hashID(raw) {
			t.Fatalf("hash %q of %q", hash, raw)
		}
	}
}

func TestSafeReturn(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                          "/",
		"/":                         "/",
		"/admin/users":              "/admin/users",
		"/admin/users?q=lin#top":    "/admin/users?q=lin#top",
		"/%2F%2Fevil.example":       "/%2F%2Fevil.example", // a path, not a host
		"//evil.example":            "/",
		"///evil.example":           "/",
		"https://evil.example":      "/",
		"http:evil.example":         "/",
		"javascript:alert(1)":       "/",
		"evil.example":              "/",
		`/\evil.example`:            "/",
		`\/evil.example`:            "/",
		"/\r\nSet-Cookie: x=1":      "/",
		"/\t/evil.example":          "/", // browsers drop tabs and newlines: //evil.example
		"/\n/evil.example":          "/",
		"/\x00/evil.example":        "/",
		"/ok\x7f":                   "/",
		"/électives?lang=zh-Hant":   "/électives?lang=zh-Hant",
		"/applications/42/document": "/applications/42/document",
	} {
		if got := SafeReturn(in); got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapRoles(t *testing.T) {
	t.Parallel()
	m := map[string]string{"med-students": "student", "intl-office": "office", "student": "incoming"}
	for _, c := range []struct {
		in   []string
		want []user.Role
	}{
		{nil, nil},
		{[]string{"admin"}, []user.Role{user.Admin}},
		{[]string{"med-students", "intl-office", "alumni"}, []user.Role{user.Student, user.Office}},
		{[]string{"student"}, []user.Role{user.Incoming}}, // the map wins over the name
		{[]string{"Admin", "root", ""}, nil},
	} {
		if got := MapRoles(c.in, m); !reflect.DeepEqual(got, c.want) {
			t.Errorf("MapRoles(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestClaimValues(t *testing.T) {
	t.Parallel()
	claims := map[string]any{
		"groups":       []any{"/admin", "reviewer", 7},
		"roles":        "student, office",
		"realm_access": map[string]any{"roles": []any{"coordinator"}},
		"number":       42,
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{"groups", []string{"admin", "reviewer"}},
		{"roles", []string{"student", "office"}},
		{"realm_access.roles", []string{"coordinator"}},
		{"realm_access.missing", nil},
		{"groups.deeper", nil},
		{"number", nil},
		{"absent", nil},
	} {
		if got := claimValues(claims, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("claimValues(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}
