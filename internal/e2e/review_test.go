package e2e

import (
	"strconv"
	"testing"

	"portal/internal/wiring"
)

// rowsJS counts the rows of the review queue's table.
const rowsJS = `document.querySelectorAll(".review-table tbody tr").length`

// The office meets the living queue of `portal dev` in a browser: rows,
// the stale highlight, select-all, a stage filter swapped in by htmx, a
// phone; a department reviewer sees a queue without the office's bulk
// actions. Every state passes axe.
func TestReviewQueueInBrowser(t *testing.T) {
	t.Parallel()
	_, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	tb := newTab(t, base)
	tb.signIn("office")
	wantEqual(t, "GET /review", tb.open("/review"), int64(200))
	rows := eval[int](tb, rowsJS)
	if rows == 0 {
		t.Fatal("the office's queue is empty in a demo portal")
	}
	if eval[int](tb, `document.querySelectorAll(".review-table tbody tr.stale .stale-tag").length`) == 0 {
		t.Error("no application is highlighted as waiting too long, though the demo has some")
	}
	tb.checkA11y("review queue (office)")

	// Select-all is a script's: shown, it ticks every row.
	wantEqual(t, "select-all shown", eval[bool](tb, `!document.getElementById("review-select-all").hidden`), true)
	eval[bool](tb, `(document.getElementById("review-select-all").click(), true)`)
	wantEqual(t, "rows selected", eval[int](tb, `document.querySelectorAll('input[name=sel]:checked').length`), rows)

	// Choosing a stage swaps the table in place: only that stage remains.
	eval[bool](tb, `(s => (s.value = "submitted", s.dispatchEvent(new Event("change", {bubbles: true})), true))(document.getElementById("review-stage"))`)
	tb.waitFor(`document.querySelector(".htmx-request") === null && ` + rowsJS + ` > 0 && [...document.querySelectorAll(".review-table tbody .stage")].every(e => e.classList.contains("stage-submitted"))`)
	wantEqual(t, "select-all shown after the swap", eval[bool](tb, `!document.getElementById("review-select-all").hidden`), true)
	tb.checkA11y("review queue filtered by stage")

	tb.emulatePhone()
	tb.open("/review")
	tb.checkNoHorizontalScroll("review queue on a phone")
	tb.checkA11y("review queue on a phone")

	rv := newTab(t, base) // a browser of its own: the office stays signed in there
	rv.signIn("reviewer")
	wantEqual(t, "GET /review as reviewer", rv.open("/review"), int64(200))
	if eval[int](rv, rowsJS) == 0 {
		t.Error("the demo reviewer's queue is empty")
	}
	wantEqual(t, "bulk actions for a reviewer", eval[bool](rv, `document.getElementById("review-bulk") !== null`), false)
	rv.checkA11y("review queue (reviewer)")
}

// A bulk host rejection in a browser: ticking rows says how many are
// selected; the button asks first, naming each application, and nothing
// changes until the office confirms; confirmed, they are rejected.
func TestBulkRejectionAsksFirstInBrowser(t *testing.T) {
	t.Parallel()
	app, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	rejected := func() (n int64) {
		if err := app.DB.Raw("SELECT COUNT(*) FROM applications WHERE status = 'host_rejected'").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	tb := newTab(t, base)
	tb.signIn("office")
	wantEqual(t, "GET /review?stage=nominated", tb.open("/review?stage=nominated"), int64(200))
	n := min(eval[int](tb, rowsJS), 2)
	if n == 0 {
		t.Fatal("no nominated application in the demo")
	}
	eval[bool](tb, `([...document.querySelectorAll('input[name=sel]')].slice(0, `+itoa(n)+`).forEach(b => b.click()), true)`)
	wantContains(t, "selected count", eval[string](tb, `document.getElementById("review-selected-count").textContent`), itoa(n))
	before := rejected()

	wantEqual(t, "ask", tb.click(`button[name=action][value=rejected]`), int64(200))
	wantContains(t, "question", eval[string](tb, `document.querySelector(".review-question").textContent`), itoa(n))
	wantEqual(t, "names listed", eval[int](tb, `document.querySelectorAll(".review-selected li").length`), n)
	if got := rejected(); got != before {
		t.Fatalf("asking rejected %d applications", got-before)
	}
	tb.checkA11y("bulk confirmation")

	wantEqual(t, "confirm", tb.click(`#review-confirm`), int64(200))
	wantContains(t, "outcome", eval[string](tb, `document.querySelector("main").textContent`), itoa(n))
	if got := rejected(); got != before+int64(n) {
		t.Errorf("%d rejected after confirming, want %d", got-before, n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
