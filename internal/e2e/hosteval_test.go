package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/evaluation"
	"portal/internal/testutil"
)

// The outgoing loop after the placement, in Chromium (issue 16): the
// student uploads the host's certificate and submits the report with it;
// the office asks the host supervisor, who evaluates through the link of
// the mail without an account (a refused answer keeps what was typed, the
// spent link then says so); the office sees the evaluation and recognises
// the credits, which completes the application. The new pages pass axe.
func TestOutgoingLoopReportHostEvaluationRecognition(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	w := &appWorld{t: t, a: a, base: base, have: map[string]bool{}}
	st, of, sup := newTab(t, base), newTab(t, base), newTab(t, base)
	st.signIn("student")
	of.signIn("office")

	// A placement that ended yesterday (the workflow up to it has its own tests).
	first, _, _ := w.choices()
	ended := time.Now().UTC().AddDate(0, 0, -2)
	now := time.Now().UTC()
	db := a.DB
	if err := db.Exec(`INSERT INTO applications (applicant_id, direction, status, stage_since, created_at, updated_at, placed_from, placed_until)
		VALUES (?, 'outgoing', 'confirmed', ?, ?, ?, ?, ?)`, w.userID("student"), now, now, now,
		ended.AddDate(0, 0, -27).Format(time.DateOnly), ended.Format(time.DateOnly)).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	db.Raw("SELECT MAX(id) FROM applications").Scan(&id)
	if err := db.Exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id, seat_reserved) VALUES (?, 1, ?, ?, TRUE)",
		id, first.ElectiveID, first.PeriodID).Error; err != nil {
		t.Fatal(err)
	}
	// The recognition reads the period's last day: move it back too.
	if err := db.Exec("UPDATE periods SET starts_on = ?, ends_on = ? WHERE id = ?", ended.AddDate(0, 0, -27).Format(time.DateOnly),
		ended.Format(time.DateOnly), first.PeriodID).Error; err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/applications/%d", id)

	// The student uploads the host's certificate, then reports with it.
	st.open("/wallet")
	st.do("upload the certificate",
		chromedp.SetValue(chromedp.CSS("#wallet-type"), "transcript"),
		chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{walletPDF(t, "host-certificate.pdf")}))
	if status := st.click("form.wallet-form button[type=submit]"); status != 200 {
		t.Fatalf("the certificate's upload answered %d", status)
	}
	st.open(page + "/report")
	st.checkA11y("the student's report form")
	for _, r := range evaluation.Ratings {
		st.do("rate "+r, chromedp.Click(chromedp.CSS(`input[name="`+r+`"][value="4"]`), chromedp.NodeVisible))
	}
	st.do("recommend", chromedp.Click(chromedp.CSS(`input[name="recommend"][value="yes"]`), chromedp.NodeVisible))
	st.fill("#report-body", "Four weeks in the liver clinic; the residents took me on every round.")
	cert := eval[string](st, `document.querySelector("#report-certificate option:last-child").value`)
	st.do("choose the certificate", chromedp.SetValue(chromedp.CSS("#report-certificate"), cert))
	if status := st.click(`button[name="submit"][value="1"]`); status != 200 {
		t.Fatalf("submitting the report answered %d", status)
	}
	wantEqual(t, "flash after the report", st.state().Flash, "Your report is submitted. Thank you.")

	// The office asks the supervisor it names.
	host := evaluation.HostPath(id)
	of.open(host)
	of.checkA11y("the office's host evaluation page, outstanding")
	of.fill("#hev-req-supervisor_name", "Dr Tanaka Hiroshi")
	of.fill("#hev-req-supervisor_email", "tanaka@host.test")
	if status := of.click(`form[action$="/request"] button[type=submit]`); status != 200 {
		t.Fatalf("asking the supervisor answered %d", status)
	}
	wantEqual(t, "flash after asking", of.state().Flash, "The supervisor is asked by mail.")
	// The mail's link: in the outbox until a worker sends it, then in the
	// captured mail (the outbox forgets a secret link once it is sent).
	var link string
	testutil.EventuallyNil(t, 20*time.Second, func() error {
		db.Raw("SELECT link FROM outbox WHERE recipient_email = ? ORDER BY id DESC LIMIT 1", "tanaka@host.test").Scan(&link)
		for _, m := range a.Mail.List() {
			if l := supervisorLinkIn.FindString(m.Text); m.To.Address == "tanaka@host.test" && l != "" {
				link = l
			}
		}
		if !strings.Contains(link, "/evaluate/") {
			return fmt.Errorf("no link in the supervisor's mail (%q)", link)
		}
		return nil
	})
	link = strings.TrimPrefix(link, base)

	// The supervisor, without an account: a refused answer, then the evaluation.
	sup.open(link)
	sup.checkA11y("the supervisor's evaluation form")
	wantContains(t, "the form names the student", sup.state().Body, "Lin Mei-Hua")
	sup.fill("#hev-days_present", "22")
	sup.fill("#hev-days_expected", "20")
	for _, r := range evaluation.SupervisorRatings {
		sup.do("rate "+r, chromedp.Click(chromedp.CSS(`input[name="`+r+`"][value="4"]`), chromedp.NodeVisible))
	}
	sup.do("grade", chromedp.Click(chromedp.CSS(`input[name="grade"][value="high_pass"]`), chromedp.NodeVisible))
	sup.fill("#hev-comments", "Thorough histories; presented well on rounds.")
	if status := sup.click("form.form button[type=submit]"); status != 422 {
		t.Fatalf("more days present than expected answered %d, want 422", status)
	}
	wantContains(t, "refusal", sup.state().Body, "Days present cannot be more than the days expected.")
	wantEqual(t, "comments kept", eval[string](sup, `document.querySelector("#hev-comments").value`), "Thorough histories; presented well on rounds.")
	sup.checkA11y("the refused evaluation")
	sup.fill("#hev-days_present", "19")
	if status := sup.click("form.form button[type=submit]"); status != 200 {
		t.Fatalf("the evaluation answered %d", status)
	}
	wantContains(t, "thanks", sup.state().Body, "Your evaluation is recorded.")
	if status := sup.open(link); status != 409 {
		t.Errorf("the spent link answered %d, want 409", status)
	}
	wantContains(t, "spent link", sup.state().Body, "An evaluation of this student was already given.")

	// The office sees it, and recognises the credits: completed.
	of.open(page)
	wantContains(t, "the application page", of.state().Body, "19 of 20 days present")
	of.open("/evaluations")
	of.checkA11y("the office's lists after placements")
	of.open(fmt.Sprintf("/evaluations/recognise/%d", id))
	of.fill("#rec-home_course", "Clinical elective in internal medicine")
	of.fill("#rec-credits", "4")
	of.fill("#rec-grade", "Pass")
	if status := of.click("form.form button[type=submit]"); status != 200 {
		t.Fatalf("the recognition answered %d: %s", status, of.state().Body)
	}
	wantEqual(t, "flash after the recognition", of.state().Flash, "The recognition is recorded and the application is completed.")
	var status string
	db.Raw("SELECT status FROM applications WHERE id = ?", id).Scan(&status)
	wantEqual(t, "stage after the recognition", status, "completed")
}

var supervisorLinkIn = regexp.MustCompile(`https?://[^\s/]+/evaluate/[A-Za-z0-9_-]{43}`)
