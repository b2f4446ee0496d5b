package web_test

import (
	"net/url"
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
}
