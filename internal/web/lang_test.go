package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestLanguage checks that pages follow Accept-Language until the visitor
// chooses a language, and then follow the choice.
func TestLanguage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})

		for _, al := range []string{"zh-TW", "zh-TW,zh;q=0.9,en;q=0.8", "zh-HK"} {
			b := p.browser()
			b.Language = al
			pg := b.get("/")
			if !strings.Contains(pg.Body, "以學校帳號登入") || !strings.Contains(pg.Body, `<html lang="zh-Hant">`) {
				t.Errorf("Accept-Language %s: the home page is not in Traditional Chinese:\n%s", al, pg.Body)
			}
			if got := pg.Header.Get("Content-Language"); got != "zh-Hant" {
				t.Errorf("Accept-Language %s: Content-Language %q", al, got)
			}
		}
		for _, al := range []string{"", "en-GB", "fr", "x;;;"} {
			b := p.browser()
			b.Language = al
			if pg := b.get("/"); !strings.Contains(pg.Body, "Sign in with your university account") {
				t.Errorf("Accept-Language %q: the home page is not in English", al)
			}
		}

		// The switch: a POST with the form's token, back to the page.
		b := p.browser()
		b.Language = "en"
		home := b.get("/")
		pg := b.post("/lang", url.Values{"_csrf": {home.csrf(t)}, "lang": {"zh-Hant"}, "return_to": {"/no/such/page"}})
		if pg.URL.Path != "/no/such/page" {
			t.Errorf("the switch went to %s, want back to /no/such/page", pg.URL)
		}
		wantText(t, pg, i18n.TraditionalChinese, "error.not_found")
		set := pg.setCookies("portal_lang")
		if len(set) != 1 || set[0].Value != "zh-Hant" || set[0].MaxAge < 30*24*3600 || !set[0].HttpOnly || set[0].SameSite != http.SameSiteLaxMode {
			t.Errorf("language cookie %v, want zh-Hant kept long, HttpOnly, SameSite=Lax", set)
		}
		for _, al := range []string{"en", "en-US,en;q=0.9", ""} {
			b.Language = al
			if pg := b.get("/"); !strings.Contains(pg.Body, "以學校帳號登入") {
				t.Errorf("after choosing zh-Hant, Accept-Language %q gives a page not in Chinese", al)
			}
		}
		// Signed in too, with the roles translated.
		b.signIn("student")
		pg = b.get("/")
		if !strings.Contains(pg.Body, "<li>"+bundle.T(i18n.TraditionalChinese, "role.student")+"</li>") {
			t.Errorf("the signed-in home page does not name the role in Chinese:\n%s", pg.Body)
		}
		// And back to English.
		pg = b.post("/lang", url.Values{"_csrf": {pg.csrf(t)}, "lang": {"en"}, "return_to": {"/"}})
		if !strings.Contains(pg.Body, "<li>Student</li>") {
			t.Errorf("after switching back, the page is not in English:\n%s", pg.Body)
		}

		// Unknown languages and missing tokens are refused.
		e := p.browser()
		token := e.get("/").csrf(t)
		for _, lang := range []string{"xx", "", "zh-TW", "en;"} {
			pg := e.post("/lang", url.Values{"_csrf": {token}, "lang": {lang}})
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "error.bad_lang")
			if e.cookie("portal_lang") != "" {
				t.Errorf("lang=%q set a language cookie", lang)
			}
		}
		pg = e.post("/lang", url.Values{"lang": {"zh-Hant"}})
		wantStatus(t, pg, http.StatusForbidden)
		wantText(t, pg, i18n.English, "error.csrf")
		if e.cookie("portal_lang") != "" {
			t.Error("a POST /lang without a token set the language")
		}

		// The switch never sends the browser to another site.
		for _, target := range []string{"//evil.example", "https://evil.example", `/\evil.example`} {
			pg := e.step(http.MethodPost, "/lang", url.Values{"_csrf": {token}, "lang": {"en"}, "return_to": {target}}, nil)
			if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/" {
				t.Errorf("POST /lang return_to=%s: %d to %q, want 303 to /", target, pg.Status, pg.Header.Get("Location"))
			}
		}
	})
}
