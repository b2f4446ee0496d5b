package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A newcomer signs in as the student by clicking through the development
// provider, switches the language, and signs out.
func TestStudentSignsInSwitchesLanguageAndSignsOut(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))

	// The anonymous home page, in English.
	tb.open("/")
	s := tb.state()
	wantEqual(t, "lang of the anonymous home", s.Lang, "en")
	wantEqual(t, "heading of the anonymous home", s.H1, "Clinical electives and exchanges")
	wantContains(t, "anonymous home", s.Body, "Sign in as Lin Mei-Hua")
	tb.checkA11y("anonymous home (en)")

	// "Sign in" leads to the provider's picker.
	wantEqual(t, "sign-in link", eval[string](tb, `document.querySelector("header a[href='/login']").innerText.trim()`), "Sign in")
	if status := tb.click("header a[href='/login']"); status != 200 {
		t.Fatalf("the picker answered %d", status)
	}
	s = tb.state()
	if !strings.HasPrefix(s.URL, tb.base+"/dev/oidc/authorize?") {
		t.Fatalf("after Sign in: at %s, want the development provider's /dev/oidc/authorize", s.URL)
	}
	wantEqual(t, "picker heading", s.H1, "Development sign-in")
	wantContains(t, "picker", s.Body, "Choose a demo user")
	tb.checkA11y("provider picker")

	// Choosing the student leads back home, signed in.
	if status := tb.click("button[name='username'][value='student']"); status != 200 {
		t.Fatalf("the page after choosing the student answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "URL after sign-in", s.URL, tb.base+"/")
	wantContains(t, "name in the header", s.Who, "Lin Mei-Hua")
	wantContains(t, "welcome heading", s.H1, "Welcome, Lin Mei-Hua")
	if len(s.Roles) != 1 || s.Roles[0] != "Student" {
		t.Errorf("roles on the home page: %q, want [Student]", s.Roles)
	}
	wantEqual(t, "flash after sign-in", s.Flash, "You are signed in.")
	wantEqual(t, "sign-out button", s.Signout, "Sign out")
	tb.checkA11y("signed-in home (en)")

	// The language switch in the header.
	wantEqual(t, "language button", eval[string](tb, `document.querySelector("form.lang button[value='zh-Hant']").innerText.trim()`), "繁體中文")
	tb.click("form.lang button[value='zh-Hant']")
	s = tb.state()
	wantEqual(t, "URL after the language switch", s.URL, tb.base+"/")
	wantEqual(t, "html lang", s.Lang, "zh-Hant")
	wantContains(t, "heading in Chinese", s.H1, "歡迎")
	wantContains(t, "heading in Chinese", s.H1, "Lin Mei-Hua")
	wantEqual(t, "sign-out button in Chinese", s.Signout, "登出")
	if len(s.Roles) != 1 || s.Roles[0] != "學生" {
		t.Errorf("roles in Chinese: %q, want [學生]", s.Roles)
	}
	wantEqual(t, "pressed language button", eval[string](tb, `document.querySelector("form.lang button[aria-pressed='true']").value`), "zh-Hant")
	tb.checkA11y("signed-in home (zh-Hant)")

	// Sign out: back home, anonymous, still in Chinese.
	// The post is answered by a page that leaves for the provider by a
	// Refresh (so that CSP form-action never stands in the way), and the
	// provider sends the browser home.
	tb.click(".who form button[type='submit']")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		at, _ := chromedp.Run(tb.ctx, chromedp.Location())
		ready, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string]("document.readyState"))
		if at == tb.base+"/" && ready == "complete" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sign-out did not come home: at %s", at)
		}
	}
	s = tb.state()
	wantEqual(t, "URL after sign-out", s.URL, tb.base+"/")
	wantEqual(t, "name after sign-out", s.Who, "")
	wantEqual(t, "flash after sign-out", s.Flash, "您已登出。")
	wantEqual(t, "html lang after sign-out", s.Lang, "zh-Hant")
	wantContains(t, "anonymous home in Chinese", s.Body, "以學校帳號登入")
	tb.checkA11y("signed-out home (zh-Hant)")

	// A new visit: no name, and the flash message is gone.
	tb.open("/")
	s = tb.state()
	wantEqual(t, "name on a new visit", s.Who, "")
	wantEqual(t, "flash on a new visit", s.Flash, "")
	if strings.Contains(s.Body, "歡迎") || strings.Contains(s.Body, "登出") {
		t.Errorf("a new visit after sign-out still looks signed in:\n%s", s.Body)
	}
}

// The administrator signs in by redirects only and sees people and the
// audit log, which lists the sign-ins.
func TestAdminSeesPeopleAndAuditLog(t *testing.T) {
	t.Parallel()
	base := startPortal(t)

	// A student signs in first, so that the lists hold more than the admin.
	student := newTab(t, base)
	student.signIn("student")

	tb := newTab(t, base)
	tb.signIn("admin")
	s := tb.state()
	wantContains(t, "admin's name", s.Who, "David Wu")
	wantEqual(t, "admin's roles", strings.Join(s.Roles, ","), "Administrator")

	if status := tb.open("/admin/users"); status != 200 {
		t.Fatalf("/admin/users answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "people heading", s.H1, "People and roles")
	people := eval[[]string](tb, `Array.from(document.querySelectorAll("tbody th[scope=row]"), e => e.innerText)`)
	if got := strings.Join(people, "\n"); !strings.Contains(got, "David Wu") || !strings.Contains(got, "Lin Mei-Hua") {
		t.Errorf("people listed: %q, want David Wu and Lin Mei-Hua", people)
	}
	wantEqual(t, "current nav item", eval[string](tb, `document.querySelector("nav a[aria-current=page]").getAttribute("href")`), "/admin/users")
	tb.checkA11y("admin users")

	if status := tb.open("/admin/audit"); status != 200 {
		t.Fatalf("/admin/audit answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "audit heading", s.H1, "Audit log")
	rows := eval[[][]string](tb, `Array.from(document.querySelectorAll("tbody tr"), tr => Array.from(tr.cells, c => c.innerText.trim()))`)
	signIns := map[string]bool{}
	for _, r := range rows {
		if len(r) >= 3 && r[2] == "Signed in" {
			name, _, _ := strings.Cut(r[1], "\n") // the name, then the e-mail
			signIns[name] = true
		}
	}
	if !signIns["David Wu 吳大衛"] || !signIns["Lin Mei-Hua 林美華"] {
		t.Errorf("sign-in events by %v in the audit log, want David Wu 吳大衛 and Lin Mei-Hua 林美華; rows: %q", signIns, rows)
	}
	tb.checkA11y("admin audit")

	// The same pages on a phone: wide tables scroll inside their box, never
	// the page.
	tb.emulatePhone()
	for _, path := range []string{"/admin/users", "/admin/audit"} {
		tb.open(path)
		tb.checkNoHorizontalScroll(path + " on a phone")
	}
}

// An unknown address shows the portal's own 404 page, which passes axe too.
func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	if status := tb.open("/no/such/page"); status != 404 {
		t.Errorf("/no/such/page answered %d, want 404", status)
	}
	s := tb.state()
	wantEqual(t, "404 heading", s.H1, "Page not found")
	wantContains(t, "404 page", s.Body, "Go to the home page")
	tb.checkA11y("404 page")
}

// The signed-in home fits a phone's width, in both languages.
func TestSignedInHomeOnAPhone(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	tb.emulatePhone()
	tb.signIn("student")
	tb.checkNoHorizontalScroll("signed-in home (en) on a phone")
	tb.checkA11y("signed-in home (en) on a phone")

	tb.click("form.lang button[value='zh-Hant']")
	wantEqual(t, "html lang", tb.state().Lang, "zh-Hant")
	tb.checkNoHorizontalScroll("signed-in home (zh-Hant) on a phone")
	tb.checkA11y("signed-in home (zh-Hant) on a phone")
}

// The skip link is the first thing the Tab key reaches, it shows itself
// when focused, and Enter moves the focus to the main content.
func TestSkipLinkIsFirstFocusable(t *testing.T) {
	t.Parallel()
	base := startPortal(t)
	for _, c := range []struct {
		name string
		user string // "" for anonymous
	}{{"anonymous", ""}, {"signed in", "admin"}} {
		t.Run(c.name, func(t *testing.T) {
			tb := newTab(t, base)
			tb.focusEmulation()
			if c.user != "" {
				tb.signIn(c.user)
			}
			tb.open("/")
			if got := eval[string](tb, `document.activeElement.tagName`); got != "BODY" {
				t.Fatalf("before any key, the focus is on %s, want BODY", got)
			}
			tb.do("press Tab", chromedp.KeyEvent(kb.Tab))
			focused := eval[struct {
				Tag, Class, Text, Href string
				Left, Width            float64
			}](tb, `(() => {
				const e = document.activeElement, r = e.getBoundingClientRect();
				return {tag: e.tagName, class: e.className, text: e.innerText.trim(), href: e.getAttribute("href") || "", left: r.left, width: r.width};
			})()`)
			if focused.Tag != "A" || focused.Text != "Skip to main content" || focused.Href != "#main" {
				t.Fatalf("after one Tab the focus is on <%s class=%q href=%q> %q, want the skip link to #main",
					strings.ToLower(focused.Tag), focused.Class, focused.Href, focused.Text)
			}
			if focused.Left < 0 || focused.Width == 0 {
				t.Errorf("the focused skip link is off screen (left %.0f, width %.0f)", focused.Left, focused.Width)
			}
			tb.checkA11y("home with the skip link focused")

			tb.do("press Enter", chromedp.KeyEvent(kb.Enter))
			_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.activeElement.id === "main"`,
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(3*time.Second)))
			if err != nil {
				t.Errorf("after Enter on the skip link the focus is on %s, want main#main (%v)",
					eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`), err)
			}
		})
	}
}
