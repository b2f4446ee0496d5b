package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// The close over HTTP on the demo: the coordinator is refused the
// certificate of a rotation that is over, with what is missing; a bad
// attendance is refused and kept in the form; with attendance and the
// evaluation recorded the certificate is issued and the evaluation
// downloads as a PDF. A coordinator of another department finds nothing,
// and the outstanding list shows what is left.
func TestRotationCloseOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		users := append(devoidc.DemoUsers(),
			devoidc.User{Username: "coordinator2", Subject: "demo-coordinator2", Email: "c2@demo.portal.test", Name: "Lee Coordinator", Locale: "en", Groups: []string{"coordinator"}})
		p := &rotPortal{portal: startPortal(t, dialect, wiring.Options{DemoApplications: true, DevUsers: users})}
		coord, other := p.browser(), p.browser()
		coord.signIn("coordinator")
		other.signIn("coordinator2")
		surg := p.count("SELECT id FROM departments WHERE code = 'SURG'")
		if err := p.App.Rotations.GrantCoordinator(context.Background(), p.userID("demo-coordinator2"), surg); err != nil {
			t.Fatal(err)
		}
		over := p.count("SELECT r.id FROM rotation_requests r JOIN users u ON u.id = r.applicant_id WHERE u.subject = 'demo-incoming-3' AND r.status = 'confirmed'")
		long := p.count("SELECT r.id FROM rotation_requests r JOIN users u ON u.id = r.applicant_id WHERE u.subject = 'demo-incoming-4' AND r.status = 'confirmed'")
		if over == 0 || long == 0 {
			t.Fatal("the demo has no rotation waiting for its close")
		}
		closePath := rotation.CloseLink(over)

		pg := coord.get("/rotations/outstanding")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, closePath) || !strings.Contains(pg.Body, rotation.CloseLink(long)) {
			t.Errorf("the outstanding list lacks the demo's rotations:\n%s", pg.Body)
		}
		if pg := other.get("/rotations/outstanding"); strings.Contains(pg.Body, closePath) {
			t.Errorf("surgery's coordinator sees internal medicine's rotation")
		}
		// The list as a file: the same rotations, none of another department's.
		csv := coord.get("/rotations/outstanding.csv")
		wantStatus(t, csv, http.StatusOK)
		if !strings.Contains(csv.Body, "Days since the last day") || !strings.Contains(csv.Body, rotation.Ref(over)) || !strings.Contains(csv.Body, rotation.Ref(long)) {
			t.Errorf("the outstanding closes' CSV:\n%s", csv.Body)
		}
		if csv := other.get("/rotations/outstanding.csv"); strings.Contains(csv.Body, rotation.Ref(over)) {
			t.Errorf("surgery's coordinator's file holds internal medicine's rotation")
		}
		if x := coord.get("/rotations/outstanding.xlsx"); x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
			t.Errorf("the outstanding closes' XLSX: %d", x.Status)
		}
		wantStatus(t, other.get(closePath), http.StatusNotFound)

		pg = rotAct(t, coord, over, "/complete", nil)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.assess.err.certificate_both")
		if p.status(over) != "confirmed" {
			t.Fatalf("a refused certificate left the rotation %s", p.status(over))
		}

		pg = coord.get(closePath)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "rotation.close.missing")
		pg = coord.post(closePath+"/attendance", url.Values{"_csrf": {pg.csrf(t)}, "days_present": {"12"}, "days_expected": {"10"}, "confirm": {"1"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.assess.err.more_than_expected", 10)
		if !strings.Contains(pg.Body, `name="days_present" value="12"`) {
			t.Errorf("the refused form lost the days typed")
		}
		pg = coord.post(closePath+"/attendance", url.Values{"_csrf": {pg.csrf(t)}, "days_present": {"9"}, "days_expected": {"10"}, "confirm": {"1"}})
		wantText(t, pg, i18n.English, "flash.rotation_attendance")
		pg = rotAct(t, coord, over, "/complete", nil)
		wantText(t, pg, i18n.English, "rotation.assess.err.certificate_evaluation")

		pg = coord.get(closePath)
		form := url.Values{"_csrf": {pg.csrf(t)}, "grade": {"pass"}, "comments": {"Punctual and kind to patients."}}
		for _, r := range rotation.Ratings {
			form.Set(r, "4")
		}
		pg = coord.post(closePath+"/evaluation", form)
		wantText(t, pg, i18n.English, "flash.rotation_evaluation")
		pg = rotAct(t, coord, over, "/complete", nil)
		wantText(t, pg, i18n.English, "flash.rotation_complete")
		if p.status(over) != "completed" {
			t.Fatalf("status %s after the certificate", p.status(over))
		}
		if pdf := coord.get(closePath + "/evaluation.pdf"); pdf.Status != http.StatusOK || !strings.HasPrefix(pdf.Body, "%PDF-") {
			t.Errorf("the evaluation's PDF answered %d", pdf.Status)
		}
		// The evaluation's code, printed on its PDF, checks at /verify.
		var code string
		if err := p.App.DB.Raw("SELECT home_code FROM rotation_assessments WHERE request_id = ?", over).Scan(&code).Error; err != nil || code == "" {
			t.Fatalf("the evaluation has no code (%v)", err)
		}
		verify := p.browser().get("/verify?code=" + code)
		wantStatus(t, verify, http.StatusOK)
		if !strings.Contains(verify.Body, "an evaluation of a visiting student") || !strings.Contains(verify.Body, "Internal Medicine") {
			t.Errorf("/verify does not know the evaluation's code:\n%s", verify.Body)
		}
		// The certificate says the department and the weeks.
		cert := coord.get(rotation.Link(over) + "/letters/completion")
		wantStatus(t, cert, http.StatusOK)
		if text := webPDFText(t, cert.Body); !strings.Contains(text, "Internal Medicine") || !strings.Contains(text, "2 weeks") {
			t.Errorf("the certificate does not say the department and the weeks:\n%s", text)
		}
		if pg := coord.get("/rotations/outstanding"); strings.Contains(pg.Body, closePath) {
			t.Errorf("the completed rotation is still outstanding")
		}
		pg = coord.get(rotation.CloseLink(long))
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `id="close-midterm"`) || !strings.Contains(pg.Body, "morning handover") {
			t.Errorf("the four-week rotation offers no mid-rotation feedback, or lost the demo's:\n%s", pg.Body)
		}
		if n := p.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_completed' AND recipient_user_id = ?", p.userID("demo-incoming-3")); n != 1 {
			t.Errorf("%d certificate mails to the student, want 1", n)
		}

		// The long rotation's supervisor evaluates through a link, without
		// an account.
		pg = coord.get(rotation.CloseLink(long))
		pg = coord.post(rotation.CloseLink(long)+"/supervisor", url.Values{"_csrf": {pg.csrf(t)}, "supervisor_email": {"dr.lin@hospital.example"}, "supervisor_lang": {"ja"}})
		wantText(t, pg, i18n.English, "flash.rotation_supervisor_invited")
		link := mailedSecret(t, p.App, "dr.lin@hospital.example", "/rotation-supervisor/")
		sup := p.browser()
		pg = sup.get(link)
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `id="close-supervisor"`) || strings.Contains(pg.Body, "/close/attendance") {
			t.Fatalf("the supervisor's link shows no form of its own:\n%s", pg.Body)
		}
		form = url.Values{"_csrf": {pg.csrf(t)}, "days_present": {"5"}, "days_expected": {"20"}, "grade": {"honours"}}
		for _, r := range rotation.Ratings {
			form.Set(r, "5")
		}
		pg = sup.post(link, form)
		wantText(t, pg, i18n.English, "flash.rotation_supervisor_recorded")
		if n := p.count("SELECT COUNT(*) FROM rotation_assessments WHERE request_id = ? AND evaluated_via = 'supervisor'", long); n != 1 {
			t.Errorf("the supervisor's evaluation is not recorded")
		}
	})
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
