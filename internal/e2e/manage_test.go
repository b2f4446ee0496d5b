package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An admin creates an elective at Kumamoto University with two periods
// through the management forms, then tries an overlapping third and sees
// why it is refused next to its start date. The overview, the list and the
// form, empty and with errors, pass axe and fit a phone.
func TestAdminCreatesElectiveWithPeriods(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	tb.signIn("admin")
	day := func(months, days int) string { return time.Now().UTC().AddDate(0, months, days).Format(time.DateOnly) }

	if status := tb.open("/manage"); status != 200 {
		t.Fatalf("/manage answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "overview heading", s.H1, "Manage catalog")
	// The demo's University of Washington agreement ended a month ago.
	wantContains(t, "expired agreements", eval[string](tb, `document.querySelector("#expired-h").parentElement.innerText`), "University of Washington")
	tb.checkA11y("manage overview")

	tb.open("/manage/electives")
	wantEqual(t, "list heading", tb.state().H1, "Electives")
	wantContains(t, "list", tb.state().Body, "Hepatology and MAFLD Clinical Elective")
	tb.checkA11y("elective list")

	tb.click(`a[href="/manage/electives/new"]`)
	wantEqual(t, "form heading", tb.state().H1, "New elective")
	tb.checkA11y("new elective form (empty)")

	// Sent empty: every required field says so, the summary links to them.
	if status := tb.click(`form.manage button[type=submit]`); status != 422 {
		t.Fatalf("the empty form answered %d, want 422", status)
	}
	wantContains(t, "summary", eval[string](tb, `document.querySelector(".error-summary[role=alert]").innerText`), "Title in English: Please fill this in.")
	wantEqual(t, "title_en aria-invalid", eval[string](tb, `document.querySelector("#f-title_en").getAttribute("aria-invalid")`), "true")
	tb.checkA11y("new elective form with errors")

	// Filled in as an admin would: the partner and its agreement chosen by
	// their names.
	pick := func(selector, startsWith string) {
		t.Helper()
		v := eval[string](tb, fmt.Sprintf(`(() => {
			const s = document.querySelector(%q);
			const o = Array.from(s.options).find(o => o.text.startsWith(%q));
			if (!o) return "";
			s.value = o.value;
			return o.value;
		})()`, selector, startsWith))
		if v == "" {
			t.Fatalf("no option starting with %q in %s", startsWith, selector)
		}
	}
	tb.do("fill in the elective",
		chromedp.Click(chromedp.CSS(`#f-direction-0`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#f-title_en`), "Tropical Medicine Elective", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#f-title_zh`), "熱帶醫學選修", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#f-min_year`), "5", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#f-duration_weeks`), "4", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS(`#f-opens_on`), day(0, -1), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS(`#f-closes_on`), day(1, 0), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=required_docs][value=transcript]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=required_docs][value=insurance]`), chromedp.NodeVisible),
	)
	pick("#f-institution_id", "Kumamoto University")
	pick("#f-agreement_id", "Kumamoto University — Student Exchange")
	pick("#f-kind", "Clinical elective")
	pick("#f-specialty", "Infectious disease")
	pick("#f-language", "Japanese")
	if status := tb.click(`form.manage button[type=submit]`); status != 200 {
		t.Fatalf("creating the elective answered %d:\n%s", status, tb.state().Body)
	}
	s = tb.state()
	if !strings.HasPrefix(s.URL, tb.base+"/manage/electives/") {
		t.Fatalf("after creating the elective: at %s, want its page", s.URL)
	}
	wantEqual(t, "flash after creating", s.Flash, "Created.")
	wantEqual(t, "elective heading", s.H1, "Edit elective: Tropical Medicine Elective")

	addPeriod := func(start, end, capacity string) int64 {
		t.Helper()
		tb.do("fill in a period",
			chromedp.SetValue(chromedp.CSS(`#period-new-starts_on`), start, chromedp.NodeVisible),
			chromedp.SetValue(chromedp.CSS(`#period-new-ends_on`), end, chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.CSS(`#period-new-capacity`), capacity, chromedp.NodeVisible),
		)
		return tb.click(`form[action$="/periods"] button[type=submit]`)
	}
	first, second := [2]string{day(2, 0), day(2, 27)}, [2]string{day(4, 0), day(4, 27)}
	for _, p := range [][2]string{first, second} {
		if status := addPeriod(p[0], p[1], "3"); status != 200 {
			t.Fatalf("adding the period %v answered %d", p, status)
		}
		wantEqual(t, "flash after adding a period", tb.state().Flash, "Created.")
	}
	rows := eval[[]string](tb, `Array.from(document.querySelectorAll(".manage-periods tbody th[scope=row]"), e => e.innerText.trim())`)
	if len(rows) != 2 || rows[0] != dayText(first[0])+" – "+dayText(first[1]) || rows[1] != dayText(second[0])+" – "+dayText(second[1]) {
		t.Fatalf("periods listed: %q, want the two added", rows)
	}
	tb.checkA11y("elective page with two periods")

	// The overlapping third.
	if status := addPeriod(day(2, 14), day(3, 10), "2"); status != 422 {
		t.Fatalf("the overlapping period answered %d, want 422", status)
	}
	next := eval[struct {
		Invalid, DescribedBy, Message, Value string
		Capacity                             string
	}](tb, `(() => {
		const i = document.querySelector("#period-new-starts_on");
		const msg = i.closest(".field").querySelector(".field-error");
		return {invalid: i.getAttribute("aria-invalid") || "", describedBy: i.getAttribute("aria-describedby") || "",
			message: msg ? msg.id + ": " + msg.innerText.trim() : "", value: i.value,
			capacity: document.querySelector("#period-new-capacity").value};
	})()`)
	wantEqual(t, "start date aria-invalid", next.Invalid, "true")
	wantEqual(t, "start date aria-describedby", next.DescribedBy, "period-new-starts_on-error")
	wantEqual(t, "message next to the start date", next.Message,
		fmt.Sprintf("period-new-starts_on-error: This period overlaps the period from %s to %s.", dayText(first[0]), dayText(first[1])))
	wantEqual(t, "start date kept", next.Value, day(2, 14))
	wantEqual(t, "capacity kept", next.Capacity, "2")
	wantContains(t, "summary", eval[string](tb, `document.querySelector(".error-summary a[href='#period-new-starts_on']").innerText`), "overlaps")
	if n := eval[int](tb, `document.querySelectorAll(".manage-periods tbody tr").length`); n != 2 {
		t.Errorf("%d periods listed after the refused one, want 2", n)
	}
	tb.checkA11y("elective form with a refused period")

	// On a phone: nothing scrolls sideways but the tables inside their box.
	tb.emulatePhone()
	tb.checkNoHorizontalScroll("elective form with errors on a phone")
	for _, path := range []string{"/manage", "/manage/electives", "/manage/electives/new"} {
		tb.open(path)
		tb.checkNoHorizontalScroll(path + " on a phone")
	}
}
