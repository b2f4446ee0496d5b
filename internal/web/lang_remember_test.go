package web_test

import (
	"net/url"
	"strings"
	"testing"

	"portal/internal/wiring"
)

// A signed-in person's choice in the language switch is kept on their
// account, where their mails read it; an anonymous choice stays in the
// cookie alone; a later sign-in, whose locale claim is rewritten, keeps it.
func TestTheChosenLanguageIsRememberedOnTheAccount(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	b := p.browser()
	home := b.get("/")
	if res := b.post("/lang", url.Values{"_csrf": {home.csrf(t)}, "lang": {"ja"}, "return_to": {"/"}}); res.Status != 200 {
		t.Fatalf("anonymous switch: %d", res.Status)
	}
	b.signIn("student")
	id := p.userID("demo-student")
	if n := p.count("SELECT COUNT(*) FROM users WHERE id = ? AND chosen_lang = ''", id); n != 1 {
		t.Fatalf("an anonymous choice was written to an account")
	}
	page := b.get("/")
	if res := b.post("/lang", url.Values{"_csrf": {page.csrf(t)}, "lang": {"ja"}, "return_to": {"/"}}); res.Status != 200 {
		t.Fatalf("switch: %d", res.Status)
	}
	if n := p.count("SELECT COUNT(*) FROM users WHERE id = ? AND chosen_lang = 'ja'", id); n != 1 {
		t.Fatalf("the choice of Japanese is not on the account")
	}
	b.signIn("student")
	if n := p.count("SELECT COUNT(*) FROM users WHERE id = ? AND chosen_lang = 'ja'", id); n != 1 {
		t.Fatalf("signing in again forgot the choice")
	}

	// A new device asking for English, without the cookie: once signed in
	// the pages follow the account, and the device keeps it.
	nd := p.browser()
	nd.Language = "en-US,en"
	if pg := nd.get("/"); !strings.Contains(pg.Body, `<html lang="en"`) {
		t.Fatalf("before signing in, a new device is not in English")
	}
	pg := nd.signIn("student")
	if !strings.Contains(pg.Body, `<html lang="ja"`) || pg.Header.Get("Content-Language") != "ja" {
		t.Fatalf("signed in on a new device, the page is not in the account's Japanese (%s):\n%.400s", pg.Header.Get("Content-Language"), pg.Body)
	}
	if nd.cookie("portal_lang") != "ja" {
		t.Errorf("the new device does not keep the account's language")
	}
}
