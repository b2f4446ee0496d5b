package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// The close of an incoming rotation in a browser (issue 16): on the demo,
// a visiting student's two weeks of internal medicine are over. Their
// coordinator finds the rotation in the outstanding list, asks for the
// certificate of completion and is refused with what is missing; records
// the attendance (a bad count is refused and kept) and the evaluation on
// the close page; then the certificate is issued and listed on the
// rotation's page. Every page on the way passes axe.
func TestCoordinatorRecordsAttendanceAndEvaluationThenIssuesTheCertificate(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	seedRotations(t, a)
	var id int64
	if err := a.DB.Raw("SELECT r.id FROM rotation_requests r JOIN users u ON u.id = r.applicant_id WHERE u.subject = 'demo-incoming-3' AND r.status = 'confirmed'").Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("the demo has no rotation waiting for its close (%v)", err)
	}
	tr := func(key string, args ...any) string { return e2eBundle(t).T(i18n.English, key, args...) }
	co := newTab(t, base)
	co.signIn("coordinator")

	co.open("/rotations/outstanding")
	co.checkA11y("outstanding list")
	if status := co.click(fmt.Sprintf(`#close-outstanding a[href="%s"]`, rotation.CloseLink(id))); status != 200 {
		t.Fatalf("the outstanding list's link answered %d", status)
	}
	wantContains(t, "close page", co.state().Body, tr("rotation.close.missing"))

	// Refused before: the certificate waits for attendance and evaluation.
	co.open(rotation.Link(id))
	if status := co.click(`button[value="complete"]`); status != 422 {
		t.Fatalf("completing without attendance and evaluation answered %d", status)
	}
	wantContains(t, "refusal", co.state().Body, tr("rotation.assess.err.certificate_both"))
	co.checkA11y("refused certificate")

	if status := co.click("#rot-close-link"); status != 200 {
		t.Fatalf("the close link answered %d", status)
	}
	co.checkA11y("close page")
	fill := func(present, expected string) {
		co.do("fill the attendance",
			chromedp.SetValue(chromedp.CSS("#close-days_present"), present),
			chromedp.SetValue(chromedp.CSS("#close-days_expected"), expected),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#close-confirm").checked = true`))
	}
	fill("12", "10")
	if status := co.click("#close-attendance button[type=submit]"); status != 422 {
		t.Fatalf("12 days of 10 answered %d", status)
	}
	wantContains(t, "bad attendance", co.state().Body, tr("rotation.assess.err.more_than_expected", 10))
	wantEqual(t, "days kept", eval[string](co, `document.querySelector("#close-days_present").value`), "12")
	co.checkA11y("refused attendance")
	fill("10", "10")
	if status := co.click("#close-attendance button[type=submit]"); status != 200 {
		t.Fatalf("saving the attendance answered %d", status)
	}
	wantEqual(t, "attendance flash", co.state().Flash, tr("flash.rotation_attendance"))

	var radios []string
	for _, r := range rotation.Ratings {
		radios = append(radios, fmt.Sprintf(`document.querySelector('#close-evaluation input[name=%q][value="4"]').checked = true;`, r))
	}
	co.do("fill the evaluation",
		chromedp.Evaluate[chromedp.Void](strings.Join(radios, "\n")),
		chromedp.SetValue(chromedp.CSS("#close-grade"), "high_pass"),
		chromedp.SendKeys(chromedp.CSS("#close-comments"), "Curious, careful and kind to patients.", chromedp.NodeVisible))
	if status := co.click("#close-evaluation button[type=submit]"); status != 200 {
		t.Fatalf("saving the evaluation answered %d", status)
	}
	wantEqual(t, "evaluation flash", co.state().Flash, tr("flash.rotation_evaluation"))

	// Now the certificate is issued, and the page offers it.
	co.open(rotation.Link(id))
	if status := co.click(`button[value="complete"]`); status != 200 {
		t.Fatalf("completing answered %d", status)
	}
	wantEqual(t, "completion flash", co.state().Flash, tr("flash.rotation_complete"))
	wantEqual(t, "stage", co.stage(), string(rotation.Completed))
	href := rotation.Link(id) + "/letters/completion"
	if n := eval[int](co, fmt.Sprintf(`document.querySelectorAll('a[href=%q]').length`, href)); n != 1 {
		t.Fatalf("the completed rotation's page offers no certificate")
	}
	status, typ, body := co.download(href)
	if status != 200 || !strings.HasPrefix(typ, "application/pdf") {
		t.Fatalf("the certificate answered %d %s", status, typ)
	}
	text := pdfText(t, body)
	for _, want := range []string{"Internal Medicine", "2 weeks"} {
		wantContains(t, "certificate", text, want)
	}

	// The four-week rotation's supervisor gets a link instead, and its
	// form passes axe too.
	var long int64
	if err := a.DB.Raw("SELECT r.id FROM rotation_requests r JOIN users u ON u.id = r.applicant_id WHERE u.subject = 'demo-incoming-4' AND r.status = 'confirmed'").Scan(&long).Error; err != nil || long == 0 {
		t.Fatalf("the demo has no four-week rotation under way (%v)", err)
	}
	co.open(rotation.CloseLink(long))
	co.do("ask the supervisor", chromedp.SendKeys(chromedp.CSS("#close-supervisor-email"), "dr.lin@hospital.example", chromedp.NodeVisible))
	if status := co.click("#close-invite button[type=submit]"); status != 200 {
		t.Fatalf("sending the supervisor's link answered %d", status)
	}
	wantEqual(t, "invitation flash", co.state().Flash, tr("flash.rotation_supervisor_invited"))
	link := mailedSecret(t, a, "dr.lin@hospital.example", "/rotation-supervisor/")
	sup := newTab(t, base)
	if status := sup.open(link); status != 200 {
		t.Fatalf("the supervisor's link answered %d", status)
	}
	sup.checkA11y("supervisor's form")
}

// mailedSecret is the path of a secret link mailed to address (path
// prefix): from the outbox while the mail waits, from the mail dev mode
// captured once it is sent (sending wipes a secret link from the outbox).
func mailedSecret(t *testing.T, a *wiring.App, address, prefix string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[A-Za-z0-9_-]+`)
	var link string
	testutil.EventuallyNil(t, 15*time.Second, func() error {
		var links []string
		if err := a.DB.Raw("SELECT link FROM outbox WHERE recipient_email = ? AND link <> '' ORDER BY id DESC", address).Scan(&links).Error; err != nil {
			return err
		}
		if len(links) > 0 {
			link = links[0]
			return nil
		}
		if a.Mail != nil {
			for _, m := range a.Mail.List() {
				if m.To.Address == address {
					if link = re.FindString(m.Text); link != "" {
						return nil
					}
				}
			}
		}
		return fmt.Errorf("no link mailed to %s yet", address)
	})
	return link
}
