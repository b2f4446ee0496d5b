package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/application"
	"portal/internal/auth/devoidc"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// dossierLink finds the dossier's address in a host's mail.
var dossierLink = regexp.MustCompile(`https?://\S+(/dossier/[A-Za-z0-9_-]+)`)

// The partner's loop in a browser (issue 15): the office nominates, the
// host contact's mail arrives over SMTP, the host opens the dossier with
// no account, downloads its PDF and accepts with a condition, and the
// student finds the offer. The same link used again, a link the office
// revoked and a link that expired each show their page and change nothing.
func TestTheHostAnswersFromTheMailedDossierInBrowser(t *testing.T) {
	t.Parallel()
	sink := startSMTPSink(t)
	a, base := startPortalOptions(t, sink.configure, wiring.Options{Version: "e2e", DemoApplications: true})

	// Three demo applications the office may nominate, to hosts with a contact.
	type waiting struct {
		ID      int64
		Subject string
		Email   string
	}
	var apps []waiting
	err := a.DB.Raw(`SELECT a.id, u.subject, h.email FROM applications a
		JOIN users u ON u.id = a.applicant_id
		JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice
		JOIN electives e ON e.id = c.elective_id
		JOIN host_contacts h ON h.institution_id = e.institution_id AND h.elective_id IS NULL
		WHERE a.status = 'office_review' ORDER BY a.id LIMIT 3`).Scan(&apps).Error
	if err != nil || len(apps) < 3 {
		t.Fatalf("demo applications the office may nominate to a host with a contact: %d, %v", len(apps), err)
	}
	status := func(id int64) (s string) {
		t.Helper()
		if err := a.DB.Raw("SELECT status FROM applications WHERE id = ?", id).Scan(&s).Error; err != nil {
			t.Fatal(err)
		}
		return s
	}
	events := func(id int64) (n int64) {
		a.DB.Raw("SELECT COUNT(*) FROM review_events WHERE application_id = ?", id).Scan(&n)
		return n
	}

	office := newTab(t, base)
	office.signIn("office")
	nominate := func(w waiting) string {
		t.Helper()
		before := sink.count(w.Email)
		path := "/applications/" + strconv.FormatInt(w.ID, 10)
		wantEqual(t, "GET "+path, office.open(path), int64(200))
		// The decision forms fold away one at a time: open the nomination's.
		eval[bool](office, `(d => (d && (d.open = true), true))(document.querySelector("form.app-form-nominate").closest("details"))`)
		wantEqual(t, "nominate", office.click(`form.app-form-nominate button[type=submit]`), int64(200))
		wantEqual(t, "stage after nominating", status(w.ID), "nominated")
		m := dossierLink.FindStringSubmatch(sink.next(t, w.Email, before))
		if m == nil {
			t.Fatalf("no dossier link in the mail to %s", w.Email)
		}
		return m[1]
	}

	// The host, with a browser of their own and no account.
	link := nominate(apps[0])
	host := newTab(t, base)
	wantEqual(t, "GET the dossier", host.open(link), int64(200))
	code, kind, pdf := host.download(link + "/dossier.pdf")
	if code != 200 || kind != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF-") || len(pdf) < 1000 {
		t.Fatalf("the dossier's PDF: %d %s, %d bytes", code, kind, len(pdf))
	}
	host.checkA11y("dossier")
	host.do("accept with a condition",
		chromedp.Click(chromedp.CSS(`input[name=decision][value=`+application.HostDecisionAccepted+`]`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#answer-comment`), "Please bring your own white coat.", chromedp.NodeVisible))
	wantEqual(t, "send the answer", host.click(`form[action="`+link+`"] button[type=submit]`), int64(200))
	wantContains(t, "after answering", host.state().H1, "Thank you")
	wantEqual(t, "stage after the host's answer", status(apps[0].ID), "host_accepted")

	// The same link again: its page, and nothing changes.
	n := events(apps[0].ID)
	host.open(link)
	wantContains(t, "the link used again", host.state().Body, "An answer was already given through this link")
	wantEqual(t, "events after reusing the link", events(apps[0].ID), n)

	// The student reads the host's answer and may accept the offer.
	student := newTab(t, base)
	student.signIn(usernameOf(t, apps[0].Subject))
	wantEqual(t, "the student's application", student.open("/applications/"+strconv.FormatInt(apps[0].ID, 10)), int64(200))
	body := student.state().Body
	wantContains(t, "the host's condition on the student's page", body, "Please bring your own white coat.")
	wantEqual(t, "the student may accept the offer", eval[bool](student, `document.querySelector("form.app-form-accept_offer") !== null`), true)

	// A link the office revoked.
	revoked := nominate(apps[1])
	office.open("/applications/" + strconv.FormatInt(apps[1].ID, 10))
	wantEqual(t, "revoke", office.click(`form[action$="/host/revoke"] button[type=submit]`), int64(200))
	host.open(revoked)
	wantContains(t, "a revoked link", host.state().Body, "The international office withdrew this dossier link")
	wantEqual(t, "a revoked link offers no answer", eval[bool](host, `document.querySelector("input[name=decision]") === null`), true)
	wantEqual(t, "stage after a revoked link", status(apps[1].ID), "nominated")

	// A link whose time ran out (its thirty days, passed here by the clock
	// of the row: the portal's own clock is the machine's).
	expired := nominate(apps[2])
	if err := a.DB.Exec("UPDATE host_links SET expires_at = ? WHERE application_id = ?", time.Now().Add(-time.Hour), apps[2].ID).Error; err != nil {
		t.Fatal(err)
	}
	host.open(expired)
	wantContains(t, "an expired link", host.state().Body, "This dossier link has expired")
	wantEqual(t, "stage after an expired link", status(apps[2].ID), "nominated")
}

// usernameOf is the demo user's username for the subject the portal keeps.
func usernameOf(t *testing.T, subject string) string {
	t.Helper()
	for _, u := range devoidc.DemoUsers() {
		if u.Subject == subject {
			return u.Username
		}
	}
	t.Fatalf("no demo user has subject %q", subject)
	return ""
}

// count is how many mails address has received so far.
func (k *smtpSink) count(address string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.text[address])
}

// next waits for a mail to address after the first `after` and returns it.
func (k *smtpSink) next(t *testing.T, address string, after int) string {
	t.Helper()
	var got string
	testutil.Eventually(t, 20*time.Second, "a new mail to "+address, func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		if list := k.text[address]; len(list) > after {
			got = list[after]
		}
		return got != ""
	})
	return got
}
