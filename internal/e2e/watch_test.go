package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In Chromium: a student stars an elective from the catalog's cards (the
// button turns in place, by htmx), finds it under Starred and counted on
// the home page, saves a search of Japan's electives under a name, and
// reruns it from the saved searches. Every new page passes axe.
func TestStudentStarsAnElectiveAndRerunsASavedSearch(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	tb.signIn("student")

	if status := tb.open("/electives?country=JP"); status != 200 {
		t.Fatalf("/electives?country=JP answered %d", status)
	}
	japan := eval[[]string](tb, `Array.from(document.querySelectorAll("#results .elective-card h3"), e => e.innerText.trim())`)
	if len(japan) == 0 {
		t.Fatal("the demo catalog has no elective in Japan")
	}
	first := japan[0]
	tb.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.portalNoReload = true`))
	tb.do("star the first card", chromedp.Click(chromedp.CSS("#results .elective-card .watch-star button"), chromedp.NodeVisible))
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](
		`(b => b && b.classList.contains("watch-starred") && b.innerText.includes("remove the star"))(document.querySelector("#results .elective-card .watch-star button"))`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Fatalf("the star button did not turn: %q: %v", eval[string](tb, `document.querySelector("#results .elective-card .watch-star").outerHTML`), err)
	}
	if !eval[bool](tb, `window.portalNoReload === true`) {
		t.Errorf("starring reloaded the page: it did not go through htmx")
	}
	tb.checkA11y("catalog with a starred card")

	if status := tb.open("/starred"); status != 200 {
		t.Fatalf("/starred answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "starred heading", s.H1, "Starred electives")
	if got := eval[[]string](tb, `Array.from(document.querySelectorAll("#starred .elective-card h3"), e => e.innerText.trim())`); len(got) != 1 || got[0] != first {
		t.Errorf("starred cards %v, want only %q", got, first)
	}
	tb.checkA11y("starred electives")

	tb.open("/")
	wantContains(t, "home page", tb.state().Body, "1 starred elective")

	// Save the Japan search under a name, then rerun it.
	tb.open("/electives?country=JP")
	tb.fill("#watch-save-name", "Japan, any specialty")
	if status := tb.click(".watch-save button[type=submit]"); status != 200 {
		t.Fatalf("saving the search answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "after saving", s.URL, tb.base+"/searches")
	wantEqual(t, "flash after saving", s.Flash, "Your search is saved.")
	wantEqual(t, "saved searches", eval[string](tb, `document.querySelector("#saved-searches h2").innerText.trim()`), "Japan, any specialty")
	tb.checkA11y("saved searches")
	if status := tb.click("#saved-searches h2 a"); status != 200 {
		t.Fatalf("rerunning the search answered %d", status)
	}
	wantContains(t, "address of the rerun search", eval[string](tb, `location.search`), "country=JP")
	again := eval[[]string](tb, `Array.from(document.querySelectorAll("#results .elective-card h3"), e => e.innerText.trim())`)
	if strings.Join(again, "|") != strings.Join(japan, "|") {
		t.Errorf("the rerun search shows %v, want %v", again, japan)
	}
	wantEqual(t, "country kept in the form", eval[string](tb, `document.querySelector("#browse-country").value`), "JP")
}
