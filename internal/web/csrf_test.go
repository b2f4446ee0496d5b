package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestCSRFTokenBelongsToOneSession: a token (and its cookie) taken from
// another account, or kept from before sign-in, is refused on a POST and
// changes nothing; the visitor's own token works in the form and in the
// X-CSRF-Token header; anonymous forms keep working.
func TestCSRFTokenBelongsToOneSession(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})

		// Account A's token, with whatever CSRF cookie A holds.
		a := p.browser()
		a.signIn("student")
		tokenA := a.get("/").csrf(t)
		cookieA := a.cookie("portal_csrf")

		// Account B, holding A's pair, cannot sign out (or do anything) with it.
		b := p.browser()
		b.signIn("reviewer")
		if cookieA != "" {
			b.setCookie("portal_csrf", cookieA)
		}
		pg := b.step(http.MethodPost, "/logout", url.Values{"_csrf": {tokenA}}, nil)
		if pg.Status != http.StatusForbidden {
			t.Errorf("B posting A's token: %d, want 403", pg.Status)
		}
		wantText(t, pg, i18n.English, "error.csrf")
		pg = b.step(http.MethodPost, "/logout", url.Values{}, http.Header{"X-Csrf-Token": {tokenA}})
		if pg.Status != http.StatusForbidden {
			t.Errorf("B sending A's token in the header: %d, want 403", pg.Status)
		}
		if n := p.signedInSessions(); n != 2 {
			t.Fatalf("%d signed-in sessions after refused sign-outs, want 2", n)
		}
		tokenB := b.get("/").csrf(t)
		if tokenB == tokenA {
			t.Fatal("two accounts' pages carry the same token")
		}

		// The same person in a second browser has a token of their own.
		a2 := p.browser()
		a2.signIn("student")
		if a2.get("/").csrf(t) == tokenA {
			t.Error("two sessions of one account share a token")
		}

		// A token from before sign-in is refused after it; the new one works.
		c := p.browser()
		before := c.get("/").csrf(t)
		beforeCookie := c.cookie("portal_csrf")
		c.signIn("office")
		if beforeCookie != "" {
			c.setCookie("portal_csrf", beforeCookie)
		}
		after := c.get("/").csrf(t)
		if after == before {
			t.Error("signing in did not change the token")
		}
		if pg := c.step(http.MethodPost, "/logout", url.Values{"_csrf": {before}}, nil); pg.Status != http.StatusForbidden {
			t.Errorf("a token from before sign-in: %d, want 403", pg.Status)
		}
		if n := p.signedInSessions(); n != 4 {
			t.Fatalf("%d signed-in sessions, want 4", n)
		}
		if pg := c.step(http.MethodPost, "/logout", url.Values{}, http.Header{"X-Csrf-Token": {after}}); pg.Status != http.StatusOK {
			t.Errorf("own token in the header: %d, want 200, the signing-out page", pg.Status)
		}
		if pg := b.step(http.MethodPost, "/logout", url.Values{"_csrf": {tokenB}}, nil); pg.Status != http.StatusOK {
			t.Errorf("own token in the form: %d, want 200, the signing-out page", pg.Status)
		}
		if n := p.signedInSessions(); n != 2 {
			t.Errorf("%d signed-in sessions after two sign-outs, want 2", n)
		}

		// Anonymous forms: the language switch, a sign-in link request.
		anon := p.browser()
		pg = anon.post("/lang", url.Values{"_csrf": {anon.get("/").csrf(t)}, "lang": {"zh-Hant"}, "return_to": {"/"}})
		wantStatus(t, pg, http.StatusOK)
		if anon.cookie("portal_lang") == "" {
			t.Error("the anonymous language switch did not stick")
		}
		pg = anon.askLink("haruka@kumamoto-u.test")
		wantStatus(t, pg, http.StatusOK)
		// An anonymous token is no good to another anonymous browser.
		other := p.browser()
		other.get("/")
		if pg := other.step(http.MethodPost, "/lang", url.Values{"_csrf": {anon.get("/").csrf(t)}, "lang": {"en"}}, nil); pg.Status != http.StatusForbidden {
			t.Errorf("another browser's anonymous token: %d, want 403", pg.Status)
		}
	})
}

var walletActions = regexp.MustCompile(`<form method="post" action="([^"]*)" enctype="multipart/form-data"`)

// TestWalletFormKeepsTheTokenOutOfTheURL: the upload and replace forms
// post to addresses without _csrf (URLs end up in logs, history and
// Referer), and the upload still works as a browser sends it: the token in
// the first part of the body.
func TestWalletFormKeepsTheTokenOutOfTheURL(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		pg := b.get("/wallet")
		token := pg.csrf(t)
		actions := walletActions.FindAllStringSubmatch(pg.Body, -1)
		if len(actions) == 0 {
			t.Fatalf("no upload form on the wallet:\n%s", pg.Body)
		}
		for _, m := range actions {
			if strings.Contains(m[1], "_csrf") || strings.Contains(m[1], "?") {
				t.Errorf("an upload form posts to %q", m[1])
			}
		}
		if strings.Contains(pg.Body, "_csrf=") {
			t.Error("the wallet page puts _csrf in a URL")
		}

		upload := func(token string, h http.Header) *page {
			body, ctype := walletMultipart(t, walletText("_csrf", token), walletText("type", "cv"), walletFile("cv.pdf", "application/pdf", walletPDF(5000, "cv")))
			return b.doBody(http.MethodPost, actions[0][1], ctype, body, h)
		}
		// Another account's token in the body: refused, nothing stored.
		other := w.browser()
		other.signIn("reviewer")
		if pg := upload(other.get("/").csrf(t), nil); pg.Status != http.StatusForbidden {
			t.Errorf("upload with another account's token: %d, want 403", pg.Status)
		}
		// The token in the URL is no token.
		body, ctype := walletMultipart(t, walletText("type", "cv"), walletFile("cv.pdf", "application/pdf", walletPDF(5000, "cv")))
		if pg := b.doBody(http.MethodPost, "/wallet/upload?_csrf="+url.QueryEscape(token), ctype, body, nil); pg.Status != http.StatusForbidden {
			t.Errorf("upload with the token in the URL: %d, want 403", pg.Status)
		}
		w.wantNothingStored(t, "refused uploads", 0, 0)

		pg = upload(token, nil)
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/wallet" {
			t.Errorf("upload ended on %s, want the wallet", pg.URL)
		}
		w.wantNothingStored(t, "one upload", 1, 1)
	})
}
