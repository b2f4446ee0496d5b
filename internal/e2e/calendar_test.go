package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/clock"
	"portal/internal/rotation"
	"portal/internal/wiring"
)

// shot saves a screenshot of the whole page as $E2E_SHOTS/name.png when
// that variable is set, so that a person can look at what the tests saw.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	dir := os.Getenv("E2E_SHOTS")
	if dir == "" {
		return
	}
	// A phone's whole page is too tall to look at: its first screen then.
	shot := chromedp.FullScreenshot(100)
	if eval[int](tb, `window.innerWidth`) < 500 {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(tb.ctx, shot)
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// departmentID is the id of the demo department with code.
func departmentID(t *testing.T, a *wiring.App, code string) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Raw("SELECT id FROM departments WHERE code = ?", code).Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("no department %s: %v", code, err)
	}
	return id
}

// The demo applicant asks for four weeks of internal medicine, whose
// tenth week from now is closed. Before saving anything, the calendar
// says that four weeks from the seventh week cannot start there because
// the tenth is closed, and the closed week says so; picking a week that
// works marks the four weeks on the calendar, and the request is saved
// with them. The page passes axe, and fits a phone.
func TestCalendarSpanPicker(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	seedRotations(t, a)
	im := departmentID(t, a, "IM")
	week := func(n int) string { return thisMonday().AddDate(0, 0, 7*n).Format(time.DateOnly) }

	ap := newTab(t, base)
	ap.signIn("incoming")
	if status := ap.open("/rotations/new"); status != 200 {
		t.Fatalf("the request form answered %d", status)
	}
	ap.do("choose internal medicine", chromedp.SetValue(chromedp.CSS("#choice-1-department"), fmt.Sprint(im)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#choice-1-department").dispatchEvent(new Event("change", {bubbles: true}))`))
	ap.htmxSettled(`#weeks-1 tbody tr`)
	ap.do("ask for four weeks", chromedp.SetValue(chromedp.CSS("#choice-1-weeks"), "4"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#choice-1-weeks").dispatchEvent(new Event("change", {bubbles: true}))`))
	ap.htmxSettled(`#weeks-1 .rot-span-table`)
	type row struct {
		Class, Status string
		Disabled      bool
	}
	rowOf := func(w string) row {
		return eval[row](ap, fmt.Sprintf(`(() => {
			const r = document.querySelector('#weeks-1 input[value="%s"]');
			if (!r) return {Class: "missing", Status: "", Disabled: false};
			const tr = r.closest("tr");
			return {Class: tr.className, Status: tr.lastElementChild.innerText.trim(), Disabled: r.disabled};
		})()`, w))
	}
	if r := rowOf(week(7)); !r.Disabled || r.Status != "Cannot start here: the week of "+dayText(week(10))+" is closed" {
		t.Errorf("four weeks from %s, across the closed week %s: %+v", week(7), week(10), r)
	}
	if r := rowOf(week(10)); !r.Disabled || r.Status != "Closed" {
		t.Errorf("the closed week %s: %+v", week(10), r)
	}
	if r := rowOf(week(1)); !r.Disabled || !strings.HasPrefix(r.Status, "Too soon") {
		t.Errorf("next week, inside the 30 days' notice: %+v", r)
	}
	ap.checkA11y("span picker")

	start := eval[string](ap, `(() => { const r = document.querySelector("#weeks-1 tr.span-ok input"); return r ? r.value : ""; })()`)
	if start == "" {
		t.Fatal("no week can start four weeks of internal medicine")
	}
	ap.do("pick the first week", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#weeks-1 input[value="%s"]`, start)), chromedp.NodeVisible))
	ap.htmxSettled(`#weeks-1 tr.in-span`)
	marked := eval[[]string](ap, `Array.from(document.querySelectorAll("#weeks-1 tr.in-span input"), r => r.value)`)
	first := rotationDay(t, start)
	var want []string
	for i := range 4 {
		want = append(want, first.AddDate(0, 0, 7*i).Format(time.DateOnly))
	}
	wantEqual(t, "the weeks marked", strings.Join(marked, " "), strings.Join(want, " "))
	wantEqual(t, "the chosen week stays chosen", eval[bool](ap, fmt.Sprintf(`document.querySelector('#weeks-1 input[value="%s"]').checked`, start)), true)
	ap.shot("span-picker-1280")

	ap.emulatePhone()
	ap.checkNoHorizontalScroll("request form with the span picker")
	ap.do("show the picker", chromedp.Evaluate[chromedp.Void](`document.querySelector("#weeks-1").scrollIntoView()`))
	ap.shot("span-picker-390")
	ap.do("back to the desktop", chromedp.EmulateViewport(1280, 900))

	if status := ap.click(`form.rot-form button.primary`); status != 200 {
		t.Fatalf("saving the request answered %d", status)
	}
	wantEqual(t, "flash after saving", ap.state().Flash, "Your request is saved.")
	wantContains(t, "the request's dates", ap.state().Body, dayText(start))
}

// The coordinator publishes one seat a week over two weeks that have
// three: the page asks first, saying two weeks are lowered, and the
// calendar is unchanged; confirmed, both weeks have one seat. The
// publish form starts empty.
func TestCalendarLowerSeatsAsks(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	seedRotations(t, a)
	im := departmentID(t, a, "IM")
	week := func(n int) string { return thisMonday().AddDate(0, 0, 7*n).Format(time.DateOnly) }

	co := newTab(t, base)
	co.signIn("coordinator")
	before := co.calendarWeeks(im, week(0), week(13), week(14))
	for _, w := range before {
		if w.Seats != 3 {
			t.Fatalf("the demo's weeks 13 and 14 of internal medicine: %+v, want 3 seats", before)
		}
	}
	wantEqual(t, "seats pre-filled", eval[string](co, `document.querySelector("#publish-seats").value`), "")
	co.do("publish one seat a week", chromedp.SetValue(chromedp.CSS("#publish-from"), week(13)),
		chromedp.SetValue(chromedp.CSS("#publish-to"), week(14)),
		chromedp.SendKeys(chromedp.CSS("#publish-seats"), "1", chromedp.NodeVisible))
	if status := co.click(`form[action$="/publish"] button[type=submit]`); status != 200 {
		t.Fatalf("publishing answered %d", status)
	}
	question := eval[string](co, `(() => { const e = document.querySelector(".rot-confirm"); return e ? e.innerText : ""; })()`)
	wantContains(t, "the question", question, "Weeks lowered: 2.")
	co.checkA11y("the question before lowering seats")
	co.shot("lower-seats-question")
	after := co.calendarWeeks(im, week(0), week(13), week(14))
	wantEqual(t, "the calendar while asking", fmt.Sprint(after), fmt.Sprint(before))

	co.open(fmt.Sprintf("/calendar?department=%d&from=%s", im, week(0)))
	co.do("publish again", chromedp.SetValue(chromedp.CSS("#publish-from"), week(13)),
		chromedp.SetValue(chromedp.CSS("#publish-to"), week(14)),
		chromedp.SendKeys(chromedp.CSS("#publish-seats"), "1", chromedp.NodeVisible))
	co.click(`form[action$="/publish"] button[type=submit]`)
	if status := co.click(`.rot-confirm button.danger`); status != 200 {
		t.Fatalf("confirming answered %d", status)
	}
	wantEqual(t, "flash after confirming", co.state().Flash, "The weeks are published.")
	for i, w := range co.calendarWeeks(im, week(0), week(13), week(14)) {
		if w.Seats != 1 {
			t.Errorf("week %d after the confirmation: %+v, want 1 seat", 13+i, w)
		}
	}
}

// The coordinator's calendar fits a 390 px phone: nothing, not even the
// department picker, makes the page scroll sideways.
func TestCalendarOnPhone(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	seedRotations(t, a)
	for _, who := range []string{"coordinator", "office"} {
		tb := newTab(t, base)
		tb.signIn(who)
		tb.emulatePhone()
		if status := tb.open("/calendar"); status != 200 {
			t.Fatalf("the calendar answered %d to %s", status, who)
		}
		if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the calendar of the %s is %d px wide on a 390 px phone", who, w)
		}
		tb.checkNoHorizontalScroll("calendar of the " + who)
		tb.shot("calendar-390-" + who)
	}
}

// thisMonday is the Monday of today's week in the portal's default zone
// (Asia/Taipei), as the calendar counts it: late on a Sunday UTC it is
// already the next Monday there.
func thisMonday() time.Time {
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		panic(err)
	}
	return rotation.Monday(z.Day(time.Now()))
}
