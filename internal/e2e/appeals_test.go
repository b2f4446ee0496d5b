package e2e

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"portal/internal/wiring"
)

// The demo round shows its applicants their scores: the demo student
// appeals theirs from their application's page (an empty reason is
// refused, then a reason is sent), and the office answers the cohort's
// open appeal from the round's page. Every page passes axe.
func TestAStudentAppealsAScoreAndTheOfficeAnswersInBrowser(t *testing.T) {
	t.Parallel()
	app, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DemoApplications: true})
	var id, round int64
	if err := app.DB.Raw(`SELECT a.id, r.id FROM applications AS a JOIN users AS u ON u.id = a.applicant_id
		JOIN application_choices AS c ON c.application_id = a.id
		JOIN selection_round_periods AS rp ON rp.period_id = c.period_id JOIN selection_rounds AS r ON r.id = rp.round_id
		WHERE u.subject = 'demo-student' AND r.scores_shown_at IS NOT NULL AND r.state = 'dry_run'
		AND a.status IN ('submitted', 'department_review', 'office_review') ORDER BY a.id LIMIT 1`).Row().Scan(&id, &round); err != nil {
		t.Fatalf("the demo student has no score to appeal: %v", err)
	}
	st := newTab(t, base)
	st.signIn("student")
	st.open("/applications/" + strconv.FormatInt(id, 10))
	wantContains(t, "score shown", st.state().Body, "Your score in 2027 spring exchange")
	st.checkA11y("student score and appeal form")
	st.click(`form.round-appeal-form button[type=submit]`)
	wantContains(t, "refused appeal", st.state().H1, "Appeal your score")
	st.checkA11y("refused appeal")
	st.fill("#appeal-reason", "My oral exam sheet says 9, not 6.")
	st.click(`form.round-appeal-form button[type=submit]`)
	wantContains(t, "appeal sent", st.state().Flash, "Your appeal is sent")

	of := newTab(t, base)
	of.signIn("office")
	of.open("/rounds/" + strconv.FormatInt(round, 10))
	wantContains(t, "open appeals", of.state().Body, "Appeals waiting for an answer")
	of.checkA11y("round with appeals")
	of.click(`a[href*="/appeals/"]`)
	of.checkA11y("appeal answer form")
	of.do("dismiss", chromedp.Click(chromedp.CSS(`#decision-dismissed`))) // a radio: no page follows
	of.fill("#appeal-reply", "The sheet was checked: the mark stands.")
	of.click(`form[action*="/appeals/"] button[type=submit]`)
	wantContains(t, "answered", of.state().Flash, "The answer is sent to the student.")
}
