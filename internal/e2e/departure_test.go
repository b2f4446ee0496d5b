package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/i18n"
)

// checklist completes the pre-departure checklist of the confirmed
// application id in the browser, as its student (st, handed over to a
// fresh tab): one item refused and shown again with what was typed, then
// every item saved, the page passing axe; the office (of) then finds the
// student among those ready to leave. It is one step of
// TestApplicationWholePath.
func (w *appWorld) checklist(st, of *tab, id int64) {
	t := w.t
	t.Helper()
	var placed struct{ PlacedFrom, PlacedUntil time.Time }
	if err := w.a.DB.Raw("SELECT placed_from, placed_until FROM applications WHERE id = ?", id).Scan(&placed).Error; err != nil || placed.PlacedFrom.IsZero() {
		t.Fatalf("the confirmed application has no placement dates (%v)", err)
	}
	day := func(d time.Time, n int) string { return d.AddDate(0, 0, n).Format(time.DateOnly) }
	page := fmt.Sprintf("/applications/%d", id)
	st = st.handOver()
	st.open(page)
	if status := st.click(`#departure a[href="` + page + `/departure"]`); status != 200 {
		t.Fatalf("the checklist answered %d", status)
	}
	st.checkA11y("pre-departure checklist")

	save := func(item string) {
		t.Helper()
		if status := st.click("#" + item + " button[type=submit]"); status != 200 {
			t.Fatalf("saving %s answered %d: %s", item, status, st.state().Body)
		}
	}

	// Insurance ending a day early is refused, and what was typed stays.
	st.fill("#departure-insurance_provider", "Cathay Life")
	st.fill("#departure-insurance_policy", "CL-2026-889")
	st.fill("#departure-insurance_until", day(placed.PlacedUntil, -1))
	if status := st.click("#insurance button[type=submit]"); status != 422 {
		t.Fatalf("insurance ending early answered %d, want 422", status)
	}
	wantContains(t, "refused insurance", st.state().Body, "The insurance must be valid until at least the last day of the placement")
	wantEqual(t, "policy kept", eval[string](st, `document.querySelector("#departure-insurance_policy").value`), "CL-2026-889")
	st.checkA11y("refused insurance")
	st.fill("#departure-insurance_until", day(placed.PlacedUntil, 0))
	if status := st.click("#insurance button[type=submit]"); status != 200 {
		t.Fatalf("saving the insurance answered %d", status)
	}
	wantEqual(t, "flash after the insurance", st.state().Flash, "Saved.")

	st.do("no visa needed", chromedp.Click(chromedp.CSS("#departure-visa-not_needed"), chromedp.NodeVisible))
	save("visa")
	st.fill("#departure-arrive_on", day(placed.PlacedFrom, -2))
	st.fill("#departure-leave_on", day(placed.PlacedUntil, 1))
	save("travel")
	st.fill("#departure-housing", "Kumamoto University International House, room 204")
	save("housing")
	st.fill("#departure-emergency_name", "Chen Mei")
	st.fill("#departure-emergency_relation", "mother")
	st.fill("#departure-emergency_phone", "+886 912 345 678")
	save("emergency")
	st.do("read the host's documents", chromedp.Click(chromedp.CSS("#departure-onboarding_read"), chromedp.NodeVisible))
	if status := st.click("#onboarding button[type=submit]"); status != 200 {
		t.Fatalf("saving the last item answered %d", status)
	}
	if n := eval[int](st, `document.querySelectorAll(".departure-item.departure-todo").length`); n != 0 {
		t.Errorf("%d items still to do: %s", n, eval[string](st, `document.querySelector("main").innerText`))
	}
	wantContains(t, "progress", st.state().Body, "Everything is done: you are ready to leave.")
	st.checkA11y("checklist complete")

	if status := of.open("/departures"); status != 200 {
		t.Fatalf("the office's departures answered %d", status)
	}
	ready := eval[string](of, `(() => { const t = document.querySelector("#departures-ready"); return t ? t.innerText : ""; })()`)
	if !strings.Contains(ready, "Kumamoto") {
		t.Errorf("the student is not among those ready to leave: %q", ready)
	}
	of.checkA11y("office's departures")
}

// e2eBundle is the portal's messages, for a story that checks a page in a
// language other than English against the same words the page uses.
func e2eBundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := loadBundle()
	if err != nil {
		t.Fatalf("load the messages: %v", err)
	}
	return b
}

var loadBundle = sync.OnceValues(i18n.Load)
