package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// A student switches to Chinese, searches the catalog for 熊本 (the
// results change in place, by htmx), opens a Kumamoto elective and its
// institution; every page passes axe and fits a phone.
func TestStudentSearchesTheCatalogInChinese(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	tb.focusEmulation()
	tb.signIn("student")

	if status := tb.open("/electives"); status != 200 {
		t.Fatalf("/electives answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "catalog heading", s.H1, "Electives abroad")
	wantEqual(t, "current nav item", eval[string](tb, `document.querySelector("nav a[aria-current=page]").getAttribute("href")`), "/electives")
	all := eval[int](tb, `document.querySelectorAll("#results .elective-card").length`)
	if all < 10 {
		t.Fatalf("the catalog shows %d electives, want the demo catalog's", all)
	}
	tb.checkA11y("catalog (en)")

	// The language switch in the header comes back to the catalog.
	tb.click("form.lang button[value='zh-Hant']")
	s = tb.state()
	wantEqual(t, "URL after the language switch", s.URL, tb.base+"/electives")
	wantEqual(t, "html lang", s.Lang, "zh-Hant")
	wantEqual(t, "catalog heading in Chinese", s.H1, "海外選修課程")
	tb.checkA11y("catalog (zh-Hant)")

	// Typing in the search box updates the results without a reload: a mark
	// left on the window survives, and the address follows the search.
	tb.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.portalNoReload = true`))
	tb.do("focus the search box", chromedp.Focus(chromedp.CSS("#browse-q"), chromedp.NodeVisible))
	if _, err := chromedp.Call(tb.ctx, input.InsertText, input.InsertTextParams{Text: "熊本"}); err != nil {
		t.Fatalf("type 熊本: %v", err)
	}
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](
		`document.querySelectorAll("#results .elective-card").length === 2 && document.querySelector("#result-count").innerText.trim() === "找到 2 個選修課程"`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Fatalf("after typing 熊本 the results are %q (%s), want Kumamoto's two: %v",
			eval[[]string](tb, `Array.from(document.querySelectorAll("#results h3"), e => e.innerText)`),
			eval[string](tb, `document.querySelector("#result-count").innerText`), err)
	}
	if !eval[bool](tb, `window.portalNoReload === true`) {
		t.Errorf("the page was reloaded: the search did not go through htmx")
	}
	wantContains(t, "address after the search", eval[string](tb, `location.search`), "q="+url.QueryEscape("熊本"))
	titles := eval[[]string](tb, `Array.from(document.querySelectorAll("#results h3 a"), e => e.innerText.trim())`)
	wantContains(t, "titles in Chinese", strings.Join(titles, "|"), "肝臟科與代謝相關脂肪肝病臨床選修")
	wantContains(t, "titles in Chinese", strings.Join(titles, "|"), "感染症與病毒學研究交換")
	wantContains(t, "institution in its own script", eval[string](tb, `document.querySelector("#results .card-inst span[lang=ja]").innerText`), "熊本大学")
	tb.checkA11y("catalog after the search (zh-Hant)")

	// The elective: its Chinese title and its periods.
	href := eval[string](tb, `Array.from(document.querySelectorAll("#results h3 a")).find(a => a.innerText.includes("肝臟科")).getAttribute("href")`)
	// Followed by its address: a click on a card just swapped in by htmx
	// sometimes loads no page in a loaded full run (the race is the
	// test's, between the swap and chromedp's click, not the reader's).
	if status := tb.open(href); status != 200 {
		t.Fatalf("%s answered %d", href, status)
	}
	s = tb.state()
	wantEqual(t, "elective URL", s.URL, tb.base+href)
	wantEqual(t, "elective heading", s.H1, "肝臟科與代謝相關脂肪肝病臨床選修")
	wantContains(t, "elective page", s.Body, "Hepatology and MAFLD Clinical Elective")
	wantContains(t, "elective page", s.Body, "梯次與名額")
	if n := eval[int](tb, `document.querySelectorAll("table.periods tbody tr").length`); n < 2 {
		t.Errorf("the elective lists %d periods, want the demo's three", n)
	}
	wantContains(t, "seats of the periods", eval[string](tb, `document.querySelector("table.periods tbody").innerText`), "名額")
	tb.checkA11y("elective (zh-Hant)")

	// Its institution.
	inst := eval[string](tb, `document.querySelector("main .lede a").getAttribute("href")`)
	if status := tb.click(`main .lede a`); status != 200 {
		t.Fatalf("%s answered %d", inst, status)
	}
	s = tb.state()
	wantContains(t, "institution heading", s.H1, "熊本大学")
	// The demo agreement's title in Chinese (its translation, polish.json).
	wantContains(t, "institution page", s.Body, "醫學院學生交換協議")
	tb.checkA11y("institution (zh-Hant)")

	// On a phone, nothing scrolls sideways, in either language.
	tb.emulatePhone()
	for _, path := range []string{"/electives", "/electives?q=" + url.QueryEscape("熊本") + "&country=JP&seats=1", href, inst} {
		tb.open(path)
		tb.checkNoHorizontalScroll(path + " on a phone (zh-Hant)")
	}
	tb.checkA11y("institution on a phone (zh-Hant)")
	tb.click("form.lang button[value='en']")
	wantEqual(t, "html lang", tb.state().Lang, "en")
	for _, path := range []string{"/electives", href, inst} {
		tb.open(path)
		tb.checkNoHorizontalScroll(path + " on a phone (en)")
	}
	tb.open("/electives")
	tb.checkA11y("catalog on a phone (en)")
}

// Without signing in, the catalog and an elective are open to anyone and
// pass axe; the search form works as a plain form too.
func TestAnonymousBrowsesTheCatalog(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	if status := tb.open("/electives?q=liver"); status != 200 {
		t.Fatalf("/electives answered %d", status)
	}
	wantEqual(t, "results for liver", eval[int](tb, `document.querySelectorAll("#results .elective-card").length`), 1)
	tb.checkA11y("catalog, anonymous (en)")

	// Choosing a country and submitting gives the same page as a link would.
	tb.do("choose Japan", chromedp.Evaluate[chromedp.Void](`document.querySelector("#browse-q").value = ""; document.querySelector("#browse-country").value = "JP"`))
	tb.do("submit", chromedp.Click(chromedp.CSS(".browse-form button[type=submit]"), chromedp.NodeVisible))
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](
		`location.search.includes("country=JP") && document.querySelectorAll("#results .elective-card").length === 4`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Fatalf("after choosing Japan: at %s with %d results: %v", eval[string](tb, `location.href`),
			eval[int](tb, `document.querySelectorAll("#results .elective-card").length`), err)
	}

	href := eval[string](tb, `document.querySelector("#results h3 a").getAttribute("href")`)
	// Followed by its address: a click on a card just swapped in by htmx
	// sometimes loads no page in a loaded full run (the race is the
	// test's, between the swap and chromedp's click, not the reader's).
	if status := tb.open(href); status != 200 {
		t.Fatalf("%s answered %d", href, status)
	}
	tb.checkA11y("elective, anonymous (en)")
	if status := tb.open("/electives/999999"); status != 404 {
		t.Errorf("/electives/999999 answered %d, want 404", status)
	}
}
