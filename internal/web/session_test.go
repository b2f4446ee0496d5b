package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestSignOut checks that sign-out needs the form's CSRF token, ends the
// session here and at the provider, and brings the browser home.
func TestSignOut(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		home := b.signIn("student")
		uid := p.userID("demo-student")
		session := b.cookie("portal_session")

		// Without a token, or with a wrong one: refused, still signed in.
		for name, form := range map[string]url.Values{
			"no token":    {},
			"wrong token": {"_csrf": {"x" + home.csrf(t)}},
		} {
			pg := b.step(http.MethodPost, "/logout", form, nil)
			if pg.Status != http.StatusForbidden {
				t.Fatalf("%s: POST /logout: %d, want 403", name, pg.Status)
			}
			wantText(t, pg, i18n.English, "error.csrf")
		}
		// A cross-site form post, as a browser labels it.
		pg := b.step(http.MethodPost, "/logout", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
		if pg.Status != http.StatusForbidden {
			t.Fatalf("cross-site POST /logout: %d, want 403", pg.Status)
		}
		wantText(t, pg, i18n.English, "error.csrf")
		if p.signedInSessions() != 1 || !b.get("/").signedInAs("Lin Mei-Hua") {
			t.Fatal("a refused sign-out ended the session")
		}

		// With the token: the session ends here, then at the provider.
		token := b.get("/").csrf(t)
		if token == b.cookie("portal_csrf") {
			t.Errorf("the signed-in form's token is the portal_csrf cookie's: it must be bound to the session")
		}
		// It is answered by a page of the portal that leaves for the
		// provider by a Refresh (and a link): CSP form-action, which
		// governs a form post's redirects, then does not stand between the
		// browser and a provider's logout pages on any origin.
		pg = b.step(http.MethodPost, "/logout", url.Values{"_csrf": {token}}, nil)
		if pg.Status != http.StatusOK || pg.Header.Get("Location") != "" {
			t.Fatalf("POST /logout: %d to %q, want 200, a page of ours:\n%s", pg.Status, pg.Header.Get("Location"), pg.Body)
		}
		wantText(t, pg, i18n.English, "signin.signing_out.heading")
		next, ok := strings.CutPrefix(pg.Header.Get("Refresh"), "0; url=")
		end, err := url.Parse(next)
		if !ok || err != nil || !strings.HasPrefix(end.String(), p.URL+"/dev/oidc/end-session?") {
			t.Fatalf("sign-out page refreshes to %q, want the provider's end-session endpoint", pg.Header.Get("Refresh"))
		}
		if !strings.Contains(pg.Body, `href="`+strings.ReplaceAll(next, "&", "&amp;")+`"`) {
			t.Error("the sign-out page has no link to the provider for browsers that ignore Refresh")
		}
		if pg.signedIn() {
			t.Error("the sign-out page shows the person signed in")
		}
		if got := end.Query().Get("post_logout_redirect_uri"); got != p.URL+"/" {
			t.Errorf("post_logout_redirect_uri %q, want %q", got, p.URL+"/")
		}
		if end.Query().Get("id_token_hint") == "" {
			t.Error("no id_token_hint for the provider")
		}
		if n := p.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("%d sessions after sign-out, want 0", n)
		}
		if b.cookie("portal_session") != "" {
			t.Error("the session cookie survived sign-out")
		}
		pg = b.get(end.String())
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.String() != p.URL+"/" {
			t.Errorf("the provider sent the browser to %s, want %s/", pg.URL, p.URL)
		}
		wantText(t, pg, i18n.English, "flash.signed_out")
		if pg.signedIn() {
			t.Error("still signed in after sign-out")
		}

		// The old cookie, kept or stolen, no longer authenticates.
		thief := p.browser()
		thief.setCookie("portal_session", session)
		if pg := thief.get("/"); pg.signedIn() {
			t.Error("the old session cookie still signs in")
		}
		if pg := thief.step(http.MethodGet, "/admin/audit", nil, nil); pg.Status != http.StatusSeeOther {
			t.Errorf("old cookie on a protected page: %d, want 303 to sign in", pg.Status)
		}

		if n := p.audits("auth.sign_out"); n != 1 {
			t.Errorf("%d auth.sign_out events, want 1", n)
		}
		if _, actor := p.lastAudit("auth.sign_out"); actor == nil || *actor != uid {
			t.Errorf("auth.sign_out actor %v, want %d", actor, uid)
		}

		// The token also works as the X-CSRF-Token header (htmx).
		h := p.browser()
		h.signIn("reviewer")
		pg = h.step(http.MethodPost, "/logout", url.Values{}, http.Header{"X-Csrf-Token": {h.get("/").csrf(t)}})
		if pg.Status != http.StatusOK || p.signedInSessions() != 0 {
			t.Errorf("POST /logout with X-CSRF-Token: %d, %d sessions left", pg.Status, p.signedInSessions())
		}

		// Anonymous sign-out is refused as not signed in.
		anon := p.browser()
		token = anon.get("/").csrf(t)
		if pg := anon.step(http.MethodPost, "/logout", url.Values{"_csrf": {token}}, nil); pg.Status != http.StatusUnauthorized {
			t.Errorf("anonymous POST /logout: %d, want 401", pg.Status)
		}
	})
}

// TestSessionTimeouts checks the idle (30 minutes) and absolute timeouts:
// the session ends, the browser is anonymous, and the next page says why.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		for _, c := range []struct {
			name, column string
			age          time.Duration
		}{
			{"idle", "last_seen_at", -31 * time.Minute},
			{"absolute", "expires_at", -time.Second},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := p.browser()
				b.signIn("student")
				raw := b.cookie("portal_session")
				expired := p.audits("auth.session_expired")
				if p.exec("UPDATE sessions SET "+c.column+" = ? WHERE id_hash = ?", time.Now().Add(c.age), sha256Hex(raw)) != 1 {
					t.Fatal("no session to age")
				}

				pg := b.get("/")
				wantStatus(t, pg, http.StatusOK)
				if pg.signedIn() {
					t.Fatal("an expired session still signs in")
				}
				if n := p.count("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", sha256Hex(raw)); n != 0 {
					t.Error("the expired session row was not deleted")
				}
				if b.cookie("portal_session") != "" {
					t.Error("the expired session's cookie was not cleared")
				}
				if n := p.audits("auth.session_expired"); n != expired+1 {
					t.Errorf("%d auth.session_expired events, want 1", n-expired)
				}
				// The very page that found the session expired says so, once.
				wantText(t, pg, i18n.English, "flash.session_expired")
				if pg = b.get("/"); strings.Contains(pg.Body, bundle.T(i18n.English, "flash.session_expired")) {
					t.Error("the flash shows on every page, not once")
				}

				// A protected page sends the browser to sign in again, and
				// the next page of the portal says why.
				b.signIn("student")
				raw = b.cookie("portal_session")
				p.exec("UPDATE sessions SET "+c.column+" = ? WHERE id_hash = ?", time.Now().Add(c.age), sha256Hex(raw))
				pg = b.step(http.MethodGet, "/admin/users", nil, nil)
				if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/login?return_to=%2Fadmin%2Fusers" {
					t.Errorf("expired session on /admin/users: %d to %q, want 303 to sign in", pg.Status, pg.Header.Get("Location"))
				}
				wantText(t, b.get("/"), i18n.English, "flash.session_expired")
			})
		}

		// A session idle for less than the timeout lives on, and its
		// activity is recorded so that it keeps living.
		t.Run("active", func(t *testing.T) {
			b := p.browser()
			b.signIn("student")
			hash := sha256Hex(b.cookie("portal_session"))
			p.exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", time.Now().Add(-29*time.Minute), hash)
			if pg := b.get("/"); !pg.signedInAs("Lin Mei-Hua") {
				t.Fatal("a session idle for 29 minutes was ended")
			}
			if n := p.count("SELECT COUNT(*) FROM sessions WHERE id_hash = ? AND last_seen_at > ?", hash, time.Now().Add(-time.Minute)); n != 1 {
				t.Error("activity did not move last_seen_at")
			}
		})
	})
}

// TestBackchannelLogout: the provider posts a logout token, server to
// server, with no session cookie and no CSRF token; the person's portal
// session ends at once, and their next page is signed out. An invalid
// token is answered 400 and ends nothing.
func TestBackchannelLogout(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("student")
		other := p.browser()
		other.signIn("office")
		idp := p.browser() // the provider: no cookies, no CSRF token

		bad, err := p.App.Dev.LogoutToken("portal-dev", "demo-student", "", map[string]any{"aud": "another-client"})
		if err != nil {
			t.Fatal(err)
		}
		if pg := idp.step(http.MethodPost, "/auth/backchannel-logout", url.Values{"logout_token": {bad}}, nil); pg.Status != http.StatusBadRequest || !strings.Contains(pg.Body, "invalid_request") {
			t.Errorf("invalid logout token: %d %s, want 400 invalid_request", pg.Status, pg.Body)
		}
		if !b.get("/").signedInAs("Lin Mei-Hua") {
			t.Fatal("an invalid logout token ended the session")
		}

		tok, err := p.App.Dev.LogoutToken("portal-dev", "demo-student", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		pg := idp.step(http.MethodPost, "/auth/backchannel-logout", url.Values{"logout_token": {tok}}, nil)
		if pg.Status != http.StatusOK || pg.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("back-channel logout: %d (Cache-Control %q), want 200 no-store:\n%s", pg.Status, pg.Header.Get("Cache-Control"), pg.Body)
		}
		if b.get("/").signedIn() {
			t.Error("the student is still signed in after the provider's back-channel logout")
		}
		if !other.get("/").signedInAs("Emily Huang") {
			t.Error("someone else's session ended too")
		}
	})
}
