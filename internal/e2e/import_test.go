package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/catalog"
	"portal/internal/testutil"
)

func importFile(t *testing.T, name string, n int, broken bool) string {
	t.Helper()
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
	var rows []catalog.ImportRow
	for i := 0; i < n; i++ {
		r := catalog.ImportRow{ElectiveRef: fmt.Sprintf("R%d", i/2), Institution: "kumamoto-u.ac.jp", Kind: "clinical_elective",
			TitleEN: fmt.Sprintf("Browser elective %d", i/2), TitleZH: "瀏覽器選修", Specialty: "hepatology", Language: "ja", MinYear: "5", DurationWeeks: "4",
			OpensOn: day(-1), ClosesOn: day(30), PeriodStart: day(60), PeriodEnd: day(80), Capacity: "2"}
		if i%2 == 1 {
			r.PeriodStart, r.PeriodEnd = day(100), day(120)
		}
		rows = append(rows, r)
	}
	var b bytes.Buffer
	if err := catalog.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if broken {
		data = bytes.Replace(data, []byte("Browser elective 1"), []byte(`"Browser elective 1`), 1)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	testutil.Eventually(tb.t, 30*time.Second, expr, func() bool { return eval[bool](tb, expr) })
}

// The office uploads 10,000 rows in a real browser: the progress script
// shows the bar and its messages, the preview replaces the form at its own
// address, the commit lands on the electives; a broken file gets the form
// back with its message focused, enhanced again. Every page passes axe.
func TestOfficeImportsWithProgress(t *testing.T) {
	tb := newTab(t, startPortal(t))
	tb.signIn("office")
	if st := tb.open("/manage/import"); st != 200 {
		t.Fatalf("import page %d", st)
	}
	tb.checkA11y("import form")
	tb.do("watch", chromedp.Evaluate[chromedp.Void](`window.__says = []; new MutationObserver(() => window.__says.push(document.getElementById("upload-status").textContent)).observe(document.getElementById("upload-status"), {childList: true, characterData: true, subtree: true}); window.__shown = false; new MutationObserver(() => { if (!document.getElementById("upload-progress").hidden) window.__shown = true }).observe(document.getElementById("upload-progress"), {attributes: true});`))
	tb.do("choose", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{importFile(t, "big.csv", 10000, false)}))
	tb.do("submit", chromedp.Click(chromedp.CSS("form.upload button[type=submit]")))
	tb.waitFor(`location.pathname.startsWith("/manage/import/")`)
	t.Logf("says: %v shown %v", eval[[]string](tb, `window.__says || []`), eval[bool](tb, `window.__shown`))
	s := tb.state()
	t.Logf("url %s title %q h1 %q", s.URL, s.Title, s.H1)
	wantContains(t, "preview", s.Body, "Import 5000 electives with 10000 periods")
	t.Logf("focused: %s", eval[string](tb, `document.activeElement.id || document.activeElement.tagName`))
	tb.checkA11y("preview")
	tb.emulatePhone()
	tb.checkNoHorizontalScroll("preview on a phone")
	if st := tb.click("form[action$='/commit'] button"); st != 200 {
		t.Fatalf("commit %d", st)
	}
	s = tb.state()
	t.Logf("after commit %s flash %q", s.URL, s.Flash)

	// broken file
	tb.open("/manage/import")
	tb.checkNoHorizontalScroll("form on a phone")
	tb.do("choose", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{importFile(t, "broken.csv", 4, true)}))
	tb.do("submit", chromedp.Click(chromedp.CSS("form.upload button[type=submit]")))
	tb.waitFor(`!!document.querySelector(".error-summary")`)
	s = tb.state()
	t.Logf("broken: url %s title %q focused %s enhanced %q", s.URL, s.Title, eval[string](tb, `document.activeElement.className || document.activeElement.tagName`), eval[string](tb, `document.querySelector("form.upload").dataset.enhanced || ""`))
	wantContains(t, "broken", s.Body, "Line 4")
	tb.checkA11y("refused upload")
	// the enhanced form again after swap
	tb.do("choose", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{importFile(t, "ok.csv", 2, false)}))
	tb.do("submit", chromedp.Click(chromedp.CSS("form.upload button[type=submit]")))
	tb.waitFor(`location.pathname.startsWith("/manage/import/")`)
	t.Logf("second: %s", tb.state().H1)
	tb.open("/manage/export")
	tb.checkA11y("export page")
}
