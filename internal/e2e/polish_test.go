package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"portal/internal/wiring"
)

// shoot saves a screenshot of what the tab shows into $E2E_ARTIFACTS (or
// the temporary directory), for a person to look at.
func (tb *tab) shoot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	file := filepath.Join(dir, "portal-e2e-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", file)
}

// firstApplication opens the first application of the signed-in student
// that is still under way (one with a progress bar).
func (tb *tab) firstApplication() string {
	tb.t.Helper()
	tb.open("/applications")
	links := eval[[]string](tb, `Array.from(document.querySelectorAll(".app-card a[href^='/applications/']"), a => a.getAttribute("href"))`)
	for _, l := range links {
		tb.open(l)
		if eval[int](tb, `document.querySelectorAll(".app-step").length`) == 8 {
			return l
		}
	}
	tb.t.Fatalf("none of the student's %d applications shows the 8 steps", len(links))
	return ""
}

// stepRowsJS is how many rows the progress bar's steps take, the most
// lines a step's label takes, and how many labels overflow their step (one
// more when the row itself must scroll).
const stepRowsJS = `(() => {
	const steps = [...document.querySelectorAll(".app-step")];
	const tops = new Set(steps.map(s => Math.round(s.getBoundingClientRect().top)));
	const labels = steps.map(s => s.querySelector(".app-step-label"));
	const lh = parseFloat(getComputedStyle(labels[0]).lineHeight);
	const lines = Math.max(...labels.map(l => Math.round(l.getBoundingClientRect().height / lh)));
	const bar = document.querySelector(".app-steps");
	const overflow = labels.filter(l => l.scrollWidth > l.clientWidth + 1).length + (bar.scrollWidth > bar.clientWidth + 1 ? 1 : 0);
	return {rows: tops.size, lines, overflow};
})()`

// The application page's progress bar shows its eight steps in one row at
// 1280 px, no label longer than two lines nor wider than its step; on a
// 390 px phone it is one row too and the page does not scroll sideways.
func TestProgressBarFitsAt1280AndOnAPhone(t *testing.T) {
	t.Parallel()
	_, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	tb := newTab(t, base)
	tb.do("a 1280 px window", chromedp.EmulateViewport(1280, 900))
	tb.signIn("student")
	page := tb.firstApplication()
	got := eval[struct{ Rows, Lines, Overflow int }](tb, stepRowsJS)
	tb.shoot("progress-1280")
	if got.Rows != 1 || got.Lines > 2 || got.Overflow > 0 {
		t.Errorf("at 1280 px the steps take %d rows, a label up to %d lines, %d labels overflow; want 1 row, 2 lines, none", got.Rows, got.Lines, got.Overflow)
	}
	tb.emulatePhone()
	tb.open(page)
	tb.shoot("progress-390")
	tb.checkNoHorizontalScroll("the application page on a phone")
	if got := eval[struct{ Rows, Lines, Overflow int }](tb, stepRowsJS); got.Rows != 1 {
		t.Errorf("on a phone the steps take %d rows, want 1", got.Rows)
	}
}

// visible reports whether the element selector finds has a box on screen.
const visibleJS = `(s => { const e = document.querySelector(s); return !!e && e.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}); })`

// On a 390x844 phone the catalog's and the review queue's filters wait
// behind a "Filters" disclosure, so the first result shows on the first
// screen; opened, the filters are there. On a wide screen they are shown
// without it.
func TestFiltersCollapseOnAPhone(t *testing.T) {
	t.Parallel()
	_, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	for _, c := range []struct{ who, path, first, filter string }{
		{"student", "/electives?country=JP", "#results .elective-card", "#browse-month"},
		{"reviewer", "/review", "#queue tbody tr", "#review-partner"},
	} {
		tb := newTab(t, base)
		tb.signIn(c.who)
		tb.emulatePhone()
		tb.open(c.path)
		tb.shoot("filters-390-" + c.who)
		top := eval[float64](tb, `(() => { const e = document.querySelector("`+c.first+`"); return e ? e.getBoundingClientRect().top : 1e9; })()`)
		if top >= 844 {
			t.Errorf("%s on a phone: the first result starts at %.0f px, below the first screen (844)", c.path, top)
		}
		if eval[bool](tb, visibleJS+`("`+c.filter+`")`) {
			t.Errorf("%s on a phone: the filters are open before the results", c.path)
		}
		summary := eval[string](tb, `document.querySelector(".filters > summary").innerText`)
		if c.who == "student" && summary != "Filters (1 active)" {
			t.Errorf("%s: the disclosure says %q, want Filters (1 active)", c.path, summary)
		}
		eval[bool](tb, `(document.querySelector(".filters > summary").click(), true)`)
		tb.waitFor(visibleJS + `("` + c.filter + `")`) // opened, the filters show
		tb.checkNoHorizontalScroll(c.path + " on a phone")

		tb.do("a 1280 px window", chromedp.EmulateViewport(1280, 900))
		tb.open(c.path)
		tb.shoot("filters-1280-" + c.who)
		if !eval[bool](tb, visibleJS+`("`+c.filter+`")`) {
			t.Errorf("%s at 1280 px: the filters are hidden", c.path)
		}
		if eval[bool](tb, visibleJS+`(".filters > summary")`) {
			t.Errorf("%s at 1280 px: the filters sit behind a disclosure", c.path)
		}
	}
}
