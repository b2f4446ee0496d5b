package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/auth/devoidc"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestSignIn follows a student through the real code flow: the portal's
// go-oidc relying party against the development provider, over HTTP.
func TestSignIn(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()

		pg := b.get("/login?as=student")
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/" {
			t.Fatalf("sign-in ended on %s, want /", pg.URL)
		}
		if !pg.signedInAs("Lin Mei-Hua 林美華") {
			t.Errorf("the page after sign-in does not show the student signed in:\n%s", pg.Body)
		}
		for _, want := range []string{"Welcome, Lin Mei-Hua", "<li>Student</li>", "student@demo.portal.test"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("home page after sign-in lacks %q:\n%s", want, pg.Body)
			}
		}
		wantText(t, pg, i18n.English, "flash.signed_in")

		// The way there: /login, the provider, the callback, home.
		var paths []string
		for _, h := range pg.Trail {
			paths = append(paths, h.URL.Path)
		}
		if got, want := strings.Join(paths, " "), "/login /dev/oidc/authorize /auth/callback /"; got != want {
			t.Errorf("redirects %q, want %q", got, want)
		}

		uid := p.userID("demo-student")
		if n := p.count("SELECT COUNT(*) FROM users"); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
		if n := p.count("SELECT COUNT(*) FROM sessions"); n != 1 {
			t.Errorf("%d sessions, want exactly the signed-in one", n)
		}
		if n := p.count("SELECT COUNT(*) FROM sessions WHERE user_id = ?", uid); n != 1 {
			t.Errorf("%d sessions of the student, want 1", n)
		}
		if n := p.audits("auth.sign_in"); n != 1 {
			t.Errorf("%d auth.sign_in events, want 1", n)
		}
		if _, actor := p.lastAudit("auth.sign_in"); actor == nil || *actor != uid {
			t.Errorf("auth.sign_in actor %v, want user %d", actor, uid)
		}

		// Cookies: the one set at /login and the one set at the callback.
		set := pg.setCookies("portal_session")
		var values []string
		for _, c := range set {
			if c.Value != "" {
				values = append(values, c.Value)
			}
		}
		if len(values) != 2 {
			t.Fatalf("session cookies set %d times with a value, want 2 (/login and callback): %v", len(values), set)
		}
		pre, signed := values[0], values[1]
		if pre == signed {
			t.Error("the session id was not rotated at sign-in")
		}
		if got := b.cookie("portal_session"); got != signed {
			t.Errorf("browser holds session %q, want the one set at the callback %q", got, signed)
		}
		for _, c := range set {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", signed); n != 0 {
			t.Error("the raw session id is stored in sessions.id_hash")
		}
		if n := p.count("SELECT COUNT(*) FROM sessions WHERE id_hash = ? AND user_id = ?", sha256Hex(signed), uid); n != 1 {
			t.Error("no session row under the SHA-256 of the cookie value")
		}
		if n := p.count("SELECT COUNT(*) FROM sessions WHERE id_hash IN (?, ?)", pre, sha256Hex(pre)); n != 0 {
			t.Error("the pre-login session survived the sign-in")
		}

		// The old, pre-login id does not authenticate.
		other := p.browser()
		other.setCookie("portal_session", pre)
		if pg := other.get("/"); pg.signedIn() {
			t.Error("the pre-login session id signs the browser in")
		}
		// The new one does, on every page.
		if pg := b.get("/"); !pg.signedInAs("Lin Mei-Hua") {
			t.Errorf("second page is not signed in:\n%s", pg.Body)
		}

		// Signing in again updates the same user, with a new session.
		b2 := p.browser()
		b2.signIn("student")
		if n := p.count("SELECT COUNT(*) FROM users"); n != 1 {
			t.Errorf("second sign-in: %d users, want 1", n)
		}
		if n := p.signedInSessions(); n != 2 {
			t.Errorf("two browsers: %d signed-in sessions, want 2", n)
		}
	})
}

// TestAnonymousSignInStartsStoreNothing: a sign-in under way lives sealed
// in the browser's cookie, so a stranger asking for sign-in pages again
// and again grows no table; the sign-in still completes.
func TestAnonymousSignInStartsStoreNothing(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		for range 50 {
			b := p.browser()
			pg := b.step(http.MethodGet, "/login", nil, nil)
			if pg.Status != http.StatusSeeOther || b.cookie("portal_session") == "" {
				t.Fatalf("GET /login: %d, cookie %q", pg.Status, b.cookie("portal_session"))
			}
		}
		if n := p.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("50 anonymous GET /login left %d session rows, want 0", n)
		}
		b := p.browser()
		if pg := b.get("/login?as=student"); !pg.signedInAs("Lin Mei-Hua") {
			t.Fatalf("sign-in after the strangers failed: %d", pg.Status)
		}
		if n := p.count("SELECT COUNT(*) FROM sessions"); n != 1 {
			t.Errorf("%d session rows, want the one signed-in session", n)
		}
	})
}

// refusal is one sign-in the relying party must refuse.
type refusal struct {
	name   string
	key    string // message shown
	reason string // reason in the audit event
	tamper devoidc.Tamper
	// arrange runs the flow and returns where it ended and in which
	// browser; nil is a plain flow with tamper.
	arrange func(t *testing.T, p *portal, b *browser, user string) (*page, *browser)
	// tokens is how many tokens the provider issues before the refusal:
	// one when the refusal is of the token, none when the portal refuses
	// before it exchanges the code.
	tokens int
}

// TestSignInRefused runs the negative tests of the OpenID Foundation's
// basic relying party plan, and a few of the portal's own: each must end on
// a 401 page that says why, with no signed-in session and no user created,
// and with an auth.sign_in_refused event.
func TestSignInRefused(t *testing.T) {
	t.Parallel()
	cases := []refusal{
		{name: "wrong issuer", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperWrongIssuer, tokens: 1},
		{name: "wrong audience", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperWrongAudience, tokens: 1},
		{name: "expired token", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperExpired, tokens: 1},
		{name: "bad signature", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperBadSignature, tokens: 1},
		{name: "alg none", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperAlgNone, tokens: 1},
		{name: "unknown key id", key: "auth.refused.token", reason: "id_token_invalid", tamper: devoidc.TamperUnknownKey, tokens: 1},
		{name: "nonce mismatch", key: "auth.refused.token", reason: "nonce_mismatch", tamper: devoidc.TamperWrongNonce, tokens: 1},
		{name: "userinfo sub mismatch", key: "auth.refused.token", reason: "userinfo_subject", tamper: devoidc.TamperUserinfoSubject, tokens: 1},
		{name: "PKCE verifier mismatch", key: "auth.refused.token", reason: "code_exchange", tamper: devoidc.TamperPKCE},
		{name: "state mismatch", key: "auth.refused.state", reason: "state_mismatch",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				q := cb.Query()
				q.Set("state", "x"+q.Get("state"))
				cb.RawQuery = q.Encode()
				return b.get(cb.String()), b
			}},
		{name: "state missing", key: "auth.refused.state", reason: "state_mismatch",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				q := cb.Query()
				q.Del("state")
				cb.RawQuery = q.Encode()
				return b.get(cb.String()), b
			}},
		{name: "callback in another browser", key: "auth.refused.state", reason: "no_pending_login",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				other := p.browser()
				return other.get(cb.String()), other
			}},
		// Deny or Cancel at the provider: the person is told they
		// cancelled, not that something refused them, and may start again.
		{name: "cancelled at the provider", key: "auth.cancelled", reason: "cancelled",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				q := url.Values{"error": {"access_denied"}, "error_description": {"the user said no"}, "state": {cb.Query().Get("state")}}
				return b.get("/auth/callback?" + q.Encode()), b
			}},
		{name: "provider error", key: "auth.refused.provider", reason: "provider_error",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				q := url.Values{"error": {"server_error"}, "state": {cb.Query().Get("state")}}
				return b.get("/auth/callback?" + q.Encode()), b
			}},
		{name: "pending sign-in tampered with", key: "auth.refused.state", reason: "no_pending_login",
			arrange: func(t *testing.T, p *portal, b *browser, user string) (*page, *browser) {
				cb := b.startLogin(user)
				raw := []byte(b.cookie("portal_session"))
				raw[len(raw)/2] ^= 1
				b.setCookie("portal_session", string(raw))
				return b.get(cb.String()), b
			}},
	}
	eachDialect(t, func(t *testing.T, dialect string) {
		users := devoidc.DemoUsers()
		for i := range len(cases) + 2 {
			users = append(users, devoidc.User{Username: fmt.Sprintf("new%02d", i), Subject: fmt.Sprintf("new-%02d", i),
				Name: fmt.Sprintf("Newcomer %02d", i), Email: fmt.Sprintf("new%02d@demo.portal.test", i), Groups: []string{"student"}})
		}
		p := startPortal(t, dialect, wiring.Options{DevUsers: users})
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				user, subject := fmt.Sprintf("new%02d", i), fmt.Sprintf("new-%02d", i)
				b := p.browser()
				signedIn, sessions, refused := p.signedInSessions(), p.count("SELECT COUNT(*) FROM sessions"), p.audits("auth.sign_in_refused")
				tokens := p.App.Dev.TokensIssued()
				var pg *page
				if c.arrange != nil {
					pg, b = c.arrange(t, p, b, user)
				} else {
					p.App.Dev.TamperNext(c.tamper)
					pg = b.get("/login?as=" + user)
				}
				wantRefused(t, p, b, pg, c.key, c.reason, subject)
				if n := p.count("SELECT COUNT(*) FROM sessions"); n != sessions {
					t.Errorf("%d sessions after the refusal, %d before", n, sessions)
				}
				if n := p.signedInSessions(); n != signedIn {
					t.Errorf("%d signed-in sessions after the refusal, %d before", n, signedIn)
				}
				if n := p.audits("auth.sign_in_refused"); n != refused+1 {
					t.Errorf("%d auth.sign_in_refused events, want %d", n, refused+1)
				}
				if n := p.App.Dev.TokensIssued() - tokens; n != c.tokens {
					t.Errorf("the provider issued %d tokens, want %d", n, c.tokens)
				}
			})
		}

		// Replaying the callback URL after a successful sign-in is refused,
		// in the same browser and in another one.
		t.Run("state replay", func(t *testing.T) {
			b := p.browser()
			cb := b.startLogin("office")
			if pg := b.get(cb.String()); pg.Status != http.StatusOK || !pg.signedInAs("Emily Huang") {
				t.Fatalf("first use of the callback: %d, not signed in:\n%s", pg.Status, pg.Body)
			}
			signedIn, signIns, refused := p.signedInSessions(), p.audits("auth.sign_in"), p.audits("auth.sign_in_refused")
			other := p.browser()
			wantRefused(t, p, other, other.get(cb.String()), "auth.refused.state", "no_pending_login", "")

			// In the browser that signed in (the Back button): sent home,
			// still signed in, not shown a 401; a mere GET ends nothing.
			session := b.cookie("portal_session")
			pg := b.get(cb.String())
			wantStatus(t, pg, http.StatusOK)
			if pg.URL.Path != "/" || !pg.signedInAs("Emily Huang") {
				t.Errorf("the callback again while signed in ended on %s, signed in %v; want home, signed in", pg.URL, pg.signedIn())
			}
			if b.cookie("portal_session") != session {
				t.Error("replaying the callback changed the session")
			}
			if n := p.audits("auth.sign_in_refused"); n != refused+1 {
				t.Errorf("%d refusals audited, want 1", n-refused)
			}
			if n := p.signedInSessions(); n != signedIn {
				t.Errorf("signed-in sessions: %d after the replays, %d before", n, signedIn)
			}
			if n := p.audits("auth.sign_in"); n != signIns {
				t.Errorf("replays signed in %d more times", n-signIns)
			}
		})

		// A code is good for one exchange: delivered again with another
		// browser's own state it is refused by the provider.
		t.Run("code used twice", func(t *testing.T) {
			a := p.browser()
			cbA := a.startLogin("coordinator")
			if pg := a.get(cbA.String()); pg.Status != http.StatusOK || !pg.signedInAs("Wang Shu-Fen") {
				t.Fatalf("flow A: %d, not signed in:\n%s", pg.Status, pg.Body)
			}
			user, subject := fmt.Sprintf("new%02d", len(cases)), fmt.Sprintf("new-%02d", len(cases))
			b := p.browser()
			cbB := b.startLogin(user)
			signedIn, tokens := p.signedInSessions(), p.App.Dev.TokensIssued()
			q := url.Values{"code": {cbA.Query().Get("code")}, "state": {cbB.Query().Get("state")}, "iss": {cbB.Query().Get("iss")}}
			wantRefused(t, p, b, b.get("/auth/callback?"+q.Encode()), "auth.refused.token", "code_exchange", subject)
			if n := p.signedInSessions(); n != signedIn {
				t.Errorf("%d signed-in sessions, want %d", n, signedIn)
			}
			if n := p.App.Dev.TokensIssued(); n != tokens {
				t.Errorf("the provider issued %d tokens for a used code", n-tokens)
			}
			// B's own code is no use either now: its pending login is gone.
			wantRefused(t, p, b, b.get(cbB.String()), "auth.refused.state", "no_pending_login", subject)
		})
	})
}

// wantRefused checks a refused sign-in as the user sees it and as the
// database records it. subject, when set, is a first-time user's, who must
// not have been created.
func wantRefused(t *testing.T, p *portal, b *browser, pg *page, key, reason, subject string) {
	t.Helper()
	if pg.Status != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401:\n%s", pg.URL, pg.Status, pg.Body)
	}
	if pg.URL.Path != "/auth/callback" {
		t.Errorf("refused on %s, want /auth/callback", pg.URL)
	}
	wantText(t, pg, i18n.English, key)
	wantText(t, pg, i18n.English, "error.heading.unauthorized")
	if key == "auth.refused.token" && !strings.Contains(pg.Body, "could not be verified") {
		t.Errorf("the page does not say the answer could not be verified:\n%s", pg.Body)
	}
	if !strings.Contains(pg.Body, `href="/login"`) {
		t.Error("the refusal page offers no way to sign in again")
	}
	if pg.signedIn() {
		t.Error("the refusal page shows a signed-in person")
	}
	if got := b.cookie("portal_session"); got != "" {
		t.Errorf("the browser still holds a session cookie after the refusal")
	}
	if subject != "" {
		if n := p.count("SELECT COUNT(*) FROM users WHERE subject = ?", subject); n != 0 {
			t.Errorf("a refused sign-in created the user %s", subject)
		}
	}
	detail, actor := p.lastAudit("auth.sign_in_refused")
	if !strings.Contains(detail, `"reason":"`+reason+`"`) {
		t.Errorf("auth.sign_in_refused detail %s, want reason %q", detail, reason)
	}
	if actor != nil {
		t.Errorf("auth.sign_in_refused has actor %d, want none", *actor)
	}
}

// TestReturnTo checks that sign-in brings the user back to the page they
// asked for on this site, and never to another site.
func TestReturnTo(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		for _, target := range []string{
			"//evil.example", "https://evil.example", "//evil.example/admin/users", `/\evil.example`,
			"http:evil.example", "javascript:alert(1)", "evil.example", "/\t/evil.example", "/\r\n/evil.example",
		} {
			t.Run(target, func(t *testing.T) {
				// The browser refuses to leave the portal, so an open
				// redirect fails the request.
				pg := p.browser().get("/login?as=student&return_to=" + url.QueryEscape(target))
				wantStatus(t, pg, http.StatusOK)
				if pg.URL.Path != "/" || pg.URL.Host != strings.TrimPrefix(p.URL, "http://") {
					t.Errorf("ended on %s, want the portal's /", pg.URL)
				}
				if !pg.signedInAs("Lin Mei-Hua") {
					t.Error("not signed in")
				}
			})
		}
		t.Run("own page", func(t *testing.T) {
			b := p.browser()
			// Anonymous: the protected page sends the browser to sign in,
			// which without ?as= stops at the provider's picker.
			pg := b.get("/admin/users")
			wantStatus(t, pg, http.StatusOK)
			if pg.URL.Path != "/dev/oidc/authorize" {
				t.Fatalf("anonymous /admin/users ended on %s, want the provider", pg.URL)
			}
			pg = b.get("/login?as=admin&return_to=" + url.QueryEscape("/admin/users?q=lin"))
			wantStatus(t, pg, http.StatusOK)
			if pg.URL.RequestURI() != "/admin/users?q=lin" {
				t.Errorf("ended on %s, want /admin/users?q=lin", pg.URL.RequestURI())
			}
			// Signed in already: /login goes straight back, and still only
			// to this site.
			if pg := b.get("/login?return_to=" + url.QueryEscape("//evil.example")); pg.URL.Path != "/" {
				t.Errorf("signed in, /login with a foreign return_to ended on %s", pg.URL)
			}
		})
	})
}
