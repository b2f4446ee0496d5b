package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/config"
)

// A student signs in for the first time and is shown the privacy notice
// before anything else, acknowledges it and lands where they were going;
// uploads an immunization record, which the wallet refuses until the
// health notice is ticked, keeping the type chosen; the reviewer in scope
// of the application it is attached to is refused it (no consent yet), then
// opens it once the student consents on /account, and is refused again
// after the student revokes. The student's disclosure log shows the
// opening and the refusals, naming the reviewer. Every new page passes axe.
func TestAStudentAcknowledgesTheNoticeThenGivesAndRevokesAConsent(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, func(c *config.Config) { c.NoticeAtSignIn = true })
	st, rv := newTab(t, base), newTab(t, base)

	// The first sign-in: the notice, then where the student was going.
	if status := st.open("/login?as=student&return_to=%2Fwallet"); status != 200 {
		t.Fatalf("sign-in answered %d", status)
	}
	s := st.state()
	wantContains(t, "page after the first sign-in", s.URL, "/account/notice?next=%2Fwallet")
	wantContains(t, "notice", s.Body, "You may review, copy, correct, stop and delete your data")
	st.checkA11y("the notice at first sign-in")
	if status := st.click("#notice-ack"); status != 200 {
		t.Fatalf("acknowledging answered %d", status)
	}
	s = st.state()
	wantEqual(t, "page after the notice", s.URL, base+"/wallet")
	wantEqual(t, "flash after the notice", s.Flash, "Your acknowledgement is recorded.")

	// The health notice on the upload form: refused unticked, type kept.
	st.do("fill the upload form without the health notice",
		chromedp.SetValue(chromedp.CSS("#wallet-type"), "immunization_record"),
		chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{walletPDF(t, "vaccines.pdf")}))
	if status := st.click("form.wallet-form button[type=submit]"); status != 422 {
		t.Fatalf("an unticked health upload answered %d, want 422", status)
	}
	wantContains(t, "refusal", eval[string](st, `document.querySelector("#wallet-type-error").innerText`), "Tick that you have read the notice on health documents")
	wantEqual(t, "type kept", eval[string](st, `document.querySelector("#wallet-type").value`), "immunization_record")
	st.checkA11y("wallet refusing a health document before its notice")
	st.do("tick the health notice and choose the file again",
		chromedp.Click(chromedp.CSS("#wallet-ack-health"), chromedp.NodeVisible),
		chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{walletPDF(t, "vaccines.pdf")}))
	if status := st.click("form.wallet-form button[type=submit]"); status != 200 {
		t.Fatalf("the ticked upload answered %d", status)
	}
	wantEqual(t, "flash after the upload", st.state().Flash, "The document was added to your wallet.")

	// The reviewer signs in (their own notice first) and gets the
	// application it is attached to in scope.
	rv.open("/login?as=reviewer")
	if status := rv.click("#notice-ack"); status != 200 {
		t.Fatalf("the reviewer's acknowledgement answered %d", status)
	}
	id := func(subject string) (n int64) {
		a.DB.Raw("SELECT id FROM users WHERE subject = ?", subject).Scan(&n)
		if n == 0 {
			t.Fatalf("no user %s", subject)
		}
		return n
	}
	var e struct {
		Elective, Period int64
		Specialty        string
	}
	if err := a.DB.Raw(`SELECT e.id AS elective, p.id AS period, e.specialty FROM electives AS e JOIN periods AS p ON p.elective_id = e.id
		WHERE e.direction = 'outgoing' AND e.retired_at IS NULL AND p.retired_at IS NULL ORDER BY e.id, p.id LIMIT 1`).Scan(&e).Error; err != nil || e.Elective == 0 {
		t.Fatalf("an outgoing elective: %v", err)
	}
	if err := a.Applications.GrantScope(context.Background(), id("demo-reviewer"), e.Specialty, id("demo-reviewer"), audit.Meta{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		if err := a.DB.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', ?, 1, ?, 1, ?, ?, ?)`, id("demo-student"), application.Submitted, e.Specialty, now, now, now)
	var appID, docID int64
	a.DB.Raw("SELECT id FROM applications WHERE applicant_id = ?", id("demo-student")).Scan(&appID)
	a.DB.Raw("SELECT id FROM documents WHERE owner_id = ? AND type = 'immunization_record'", id("demo-student")).Scan(&docID)
	exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)", appID, e.Elective, e.Period)
	exec("INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, ?, ?)", docID, appID, now)
	download := fmt.Sprintf("/documents/%d/download", docID)
	rv.open("/")
	if status, _, _ := rv.download(download); status != 403 {
		t.Fatalf("before any consent the reviewer's download answered %d, want 403", status)
	}

	// The student consents for reviewers on /account, the reviewer opens it.
	consent := `form[action="/account/consents/%d"]:has(input[name=recipient][value=reviewers]) button`
	st.open("/account")
	st.checkA11y("account with a health document")
	if status := st.click(fmt.Sprintf(consent, docID)); status != 200 {
		t.Fatalf("giving the consent answered %d", status)
	}
	wantEqual(t, "flash after the consent", st.state().Flash, "Your consent is recorded.")
	if status, typ, _ := rv.download(download); status != 200 || typ != "application/pdf" {
		t.Fatalf("with the consent the reviewer's download answered %d %s", status, typ)
	}

	// The student revokes: the reviewer is refused at once.
	if status := st.click(fmt.Sprintf(consent, docID)); status != 200 {
		t.Fatalf("revoking answered %d", status)
	}
	wantEqual(t, "flash after the revocation", st.state().Flash, "Your consent is revoked: new access stops now.")
	if status, _, _ := rv.download(download); status != 403 {
		t.Fatalf("after the revocation the reviewer's download answered %d, want 403", status)
	}

	// The disclosure log, newest first.
	st.open("/account?at=log") // a new load, not a jump within the page it shows
	rows := eval[[]string](st, `Array.from(document.querySelectorAll("#disclosures tbody tr"), r => r.innerText)`)
	if len(rows) != 3 {
		t.Fatalf("the disclosure log shows %d entries, want 3:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	for i, want := range []string{"was refused a document", "opened a document", "was refused a document"} {
		wantContains(t, fmt.Sprintf("log entry %d", i), rows[i], want)
		wantContains(t, fmt.Sprintf("log entry %d", i), rows[i], "(reviewer)")
	}
	wantContains(t, "newest entry", rows[0], "refused: consent revoked")
	wantContains(t, "opening", rows[1], "your consent")
	wantContains(t, "oldest entry", rows[2], "refused: no consent given")
	st.checkA11y("account with the disclosure log")

	// The student takes all their data with them: the page's link gives
	// one ZIP, data.json and the document as a file, and the export is
	// itself in the log.
	href := eval[string](st, `document.querySelector("#export-link").getAttribute("href")`)
	status, typ, body := st.download(href)
	if status != 200 || typ != "application/zip" {
		t.Fatalf("the export link %s answered %d %s", href, status, typ)
	}
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the export is not a ZIP: %v", err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	all := strings.Join(names, " ")
	wantContains(t, "the export's files", all, "data.json")
	wantContains(t, "the export's files", all, "vaccines.pdf")
	st.open("/account?at=log")
	rows = eval[[]string](st, `Array.from(document.querySelectorAll("#disclosures tbody tr"), r => r.innerText)`)
	if len(rows) != 4 {
		t.Fatalf("after the export the log shows %d entries, want 4:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	wantContains(t, "newest entry after the export", rows[0], "exported your data")
}
