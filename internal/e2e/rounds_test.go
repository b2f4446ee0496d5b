package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"portal/internal/wiring"
)

// The office opens dev mode's round in dry run, runs another dry run,
// gives the oral exam more weight, runs a third, compares the two and
// publishes; the demo student then reads their outcome and why on their
// application's page, in English and in Chinese. Every page passes axe.
func TestTheOfficePublishesARoundAndAStudentReadsWhy(t *testing.T) {
	t.Parallel()
	app, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	tb := newTab(t, base)
	tb.signIn("office")

	tb.open("/rounds")
	wantEqual(t, "rounds heading", tb.state().H1, "Selection rounds")
	tb.checkA11y("rounds")
	tb.click(`a[href^="/rounds/"]:not([href="/rounds/new"])`)
	round := strings.TrimPrefix(tb.state().URL, base)
	tb.checkA11y("round")

	tb.click(`form[action$="/dry_run"] button`)
	wantContains(t, "dry run page", tb.state().H1, "Dry run")
	wantContains(t, "dry run counts", tb.state().Body, "placed at choice 1")
	tb.checkA11y("dry run")

	// More weight on the oral exam, and a dry run with it.
	tb.open(round + "/edit")
	tb.do("weigh the oral exam more", chromedp.SetValue(chromedp.CSS(`input[name="c2_weight"]`), "70"))
	tb.checkA11y("round form")
	tb.click(`form.round-form button[type="submit"]`)
	wantEqual(t, "saved", tb.state().Flash, "The round is saved.")
	tb.click(`form[action$="/dry_run"] button`)
	after := tb.state().H1

	tb.open(round)
	tb.click(`a[href*="/compare?"]`)
	s := tb.state()
	wantEqual(t, "compare heading", s.H1, "Compare dry runs")
	wantContains(t, "compare shows the later run", s.Body, after)
	tb.checkA11y("compare")

	tb.open(round)
	tb.click(`form[action$="/publish"] button`)
	wantContains(t, "published round", tb.state().H1, "Published")

	// The demo student's application that took part.
	var id int64
	if err := app.DB.Raw(`SELECT o.application_id FROM selection_outcomes AS o
		JOIN applications AS a ON a.id = o.application_id JOIN users AS u ON u.id = a.applicant_id
		WHERE u.subject = 'demo-student' ORDER BY o.application_id LIMIT 1`).Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("the demo student has no outcome in the published round (%v)", err)
	}
	st := newTab(t, base)
	st.signIn("student")
	st.open("/applications/" + strconv.FormatInt(id, 10))
	body := st.state().Body
	if !strings.Contains(body, "Selection round: ") && !strings.Contains(body, "甄選梯次：") {
		t.Fatalf("the student's application shows no outcome:\n%s", body)
	}
	st.checkA11y("student outcome")
	st.click("form.lang button[value='en']")
	wantContains(t, "outcome in English", st.state().Body, "Your score:")
	st.click("form.lang button[value='zh-Hant']")
	wantContains(t, "outcome in Chinese", st.state().Body, "您的分數")
}
