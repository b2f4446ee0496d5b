package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// tabs numbers the tabs, so that two tabs of one test keep their screenshots apart.
var tabs atomic.Int64

// tabTimeout bounds everything one test does in its tab. It is generous:
// on two cores shared with the rest of the suite under the race detector a
// whole story in one tab takes minutes, and the bound is only there so
// that a stuck page fails the test rather than the package's timeout.
const tabTimeout = 3 * time.Minute

// tab is one browser tab of a test, in a browser context of its own, so that
// tests running in parallel share no cookies.
type tab struct {
	t    *testing.T
	base string          // the portal's base URL
	ctx  context.Context // the tab, with the test's deadline
	raw  context.Context // the tab without the deadline, for failure reports
	n    int64
}

// newTab opens a tab for the portal at base. It skips the test when there is
// no browser (outside CI; TestMain fails under CI).
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	requireBrowser(t)
	raw, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(raw); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelDeadline := context.WithTimeout(raw, tabTimeout)
	t.Cleanup(cancelDeadline)
	tb := &tab{t: t, base: base, ctx: ctx, raw: raw, n: tabs.Add(1)}
	// Cleanups run last-in first-out: this one runs while the tab is open.
	t.Cleanup(func() {
		if t.Failed() {
			tb.report()
		}
	})
	return tb
}

// requireBrowser skips the test when TestMain found no browser (which it
// allows only outside CI).
func requireBrowser(t *testing.T) {
	t.Helper()
	if browserCtx == nil {
		t.Skip(skipReason)
	}
}

// report logs where the tab is and saves a screenshot of the whole page into
// $E2E_ARTIFACTS (or the system's temporary directory), so that a failure
// can be read without running the test again.
func (tb *tab) report() {
	ctx, cancel := context.WithTimeout(tb.raw, 10*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	title, _ := chromedp.Run(ctx, chromedp.Title())
	tb.t.Logf("tab %d was at %s (title %q)", tb.n, url, title)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(tb.t.Name(), "_")
	file := filepath.Join(dir, fmt.Sprintf("portal-e2e-%s-tab%d.png", name, tb.n))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	tb.t.Logf("screenshot of the page: %s", file)
}

// do runs steps in the tab and stops the test on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to path (relative to the portal) and returns the HTTP
// status of the document.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.base+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// click clicks the element that the CSS selector finds and waits until the
// page it leads to (after any redirects) has loaded; it returns the HTTP
// status of that page.
func (tb *tab) click(selector string) int64 {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("click %s: %v", selector, err)
	}
	if resp == nil { // no page load seen: fail this test, not panic the whole run
		tb.t.Fatalf("click %s: no page loaded", selector)
	}
	return resp.Status
}

// eval evaluates a JavaScript expression in the tab's page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// pageState is what the tests read from a portal page.
type pageState struct {
	URL     string   `json:"url"`
	Title   string   `json:"title"`
	Lang    string   `json:"lang"`
	H1      string   `json:"h1"`
	Who     string   `json:"who"`     // the signed-in person's name in the header
	Signout string   `json:"signout"` // the sign-out button's text
	Flash   string   `json:"flash"`
	Roles   []string `json:"roles"`
	Body    string   `json:"body"`
}

const pageStateJS = `(() => {
	const text = s => { const e = document.querySelector(s); return e ? e.innerText.trim() : ""; };
	return {
		url: location.href, title: document.title, lang: document.documentElement.lang,
		h1: text("h1"), who: text(".who-name"), signout: text(".who button"), flash: text(".flash"),
		roles: Array.from(document.querySelectorAll("#roles-h ~ .tags li"), e => e.innerText.trim()),
		body: document.body.innerText,
	};
})()`

// state reads the page the tab shows.
func (tb *tab) state() pageState {
	tb.t.Helper()
	return eval[pageState](tb, pageStateJS)
}

// signIn signs in as a demo user by redirects only, the way scripts do.
func (tb *tab) signIn(username string) {
	tb.t.Helper()
	if status := tb.open("/login?as=" + username); status != 200 {
		tb.t.Fatalf("sign in as %s: the page after the redirects answered %d", username, status)
	}
	if s := tb.state(); s.Who == "" {
		tb.t.Fatalf("sign in as %s: no name in the header of %s", username, s.URL)
	}
}

// emulatePhone makes the tab's viewport that of a phone held upright.
func (tb *tab) emulatePhone() {
	tb.t.Helper()
	tb.do("emulate a 390x844 phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
}

// checkNoHorizontalScroll fails the test when the page is wider than the
// viewport.
func (tb *tab) checkNoHorizontalScroll(label string) {
	tb.t.Helper()
	w := eval[struct {
		Scroll, Client, Inner int
		Wide                  []string
	}](tb, `(() => {
		const d = document.documentElement, vw = d.clientWidth;
		const wide = Array.from(document.querySelectorAll("body *"))
			.filter(e => e.getBoundingClientRect().right > vw + 0.5)
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
				(e.getAttribute("class") || "").split(/\s+/).filter(Boolean).map(c => "." + c).join(""));
		return {scroll: d.scrollWidth, client: vw, inner: window.innerWidth, wide};
	})()`)
	if w.Inner != 390 {
		tb.t.Errorf("%s: the viewport is %d px wide, want the emulated 390", label, w.Inner)
	}
	if w.Scroll > w.Client {
		tb.t.Errorf("%s: the page scrolls sideways: scrollWidth %d > clientWidth %d; elements past the right edge: %v",
			label, w.Scroll, w.Client, w.Wide)
	}
}

// focusEmulation makes the page behave as focused although other tests'
// windows may be in front, so that keyboard focus works in parallel tests.
func (tb *tab) focusEmulation() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		tb.t.Fatalf("focus emulation: %v", err)
	}
}

// wantContains fails the test when got does not contain want.
func wantContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: got %q, want it to contain %q", what, got, want)
	}
}

// wantEqual fails the test when got differs from want.
func wantEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}
