package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// A student sees what the portal holds and its notices on /account,
// acknowledges the general notice, asks for a deletion (a refused form
// gives back what they typed), downloads their data as a ZIP, and the
// office finds the request in its queue with its deadline; a student
// cannot reach the office's queue.
func TestAStudentManagesTheirDataFromTheAccountPageAndTheOfficeSeesTheRequest(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("student")
		pg := b.get("/account")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "privacy.notice.general.rights")
		wantText(t, pg, i18n.English, "privacy.log.none")

		pg = b.post("/account/notices/general", url.Values{"_csrf": {pg.csrf(t)}})
		wantText(t, pg, i18n.English, "flash.privacy_acknowledged")
		if n := p.count("SELECT COUNT(*) FROM privacy_notice_acks WHERE notice = 'general'"); n != 1 {
			t.Errorf("%d acknowledgements, want 1", n)
		}

		pg = b.post("/account/requests", url.Values{"_csrf": {pg.csrf(t)}, "kind": {"other"}, "detail": {"please fix my year"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		if !strings.Contains(pg.Body, "please fix my year") {
			t.Error("the refused request does not give back what was typed")
		}
		pg = b.post("/account/requests", url.Values{"_csrf": {pg.csrf(t)}, "kind": {"deletion"}, "detail": {"delete my data"}})
		wantText(t, pg, i18n.English, "flash.privacy_requested")

		ex := b.get("/account/export")
		wantStatus(t, ex, http.StatusOK)
		if ct := ex.Header.Get("Content-Type"); ct != "application/zip" {
			t.Errorf("export Content-Type %q", ct)
		}
		z, err := zip.NewReader(bytes.NewReader([]byte(ex.Body)), int64(len(ex.Body)))
		if err != nil || len(z.File) == 0 || z.File[0].Name != "data.json" {
			t.Fatalf("the export is not a ZIP with data.json: %v", err)
		}
		if n := p.count("SELECT COUNT(*) FROM audit_events WHERE action = 'privacy.exported'"); n != 1 {
			t.Errorf("%d exports audited, want 1", n)
		}
		wantStatus(t, b.get("/privacy/requests"), http.StatusForbidden)

		o := p.browser()
		o.signIn("office")
		q := o.get("/privacy/requests")
		wantStatus(t, q, http.StatusOK)
		if !strings.Contains(q.Body, "delete my data") {
			t.Errorf("the office's queue lacks the request:\n%s", q.Body)
		}
		student := p.userID("demo-student")
		wantStatus(t, o.get(fmt.Sprintf("/privacy/people/%d", student)), http.StatusOK)

		// Retention: a refused rule changes nothing and shows what was typed;
		// a dry run answers with its report.
		rp := o.get("/privacy/retention")
		wantStatus(t, rp, http.StatusOK)
		form := url.Values{"_csrf": {rp.csrf(t)}, "days_documents": {"400"}, "days_closed_applications": {"0"},
			"days_notifications": {"365"}, "days_sessions": {"7"}, "days_signin_links": {"7"}}
		bad := o.post("/privacy/retention/rules", form)
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if !strings.Contains(bad.Body, `value="400"`) || p.count("SELECT COUNT(*) FROM retention_rules") != 0 {
			t.Error("a refused rule form saved something or lost what was typed")
		}
		form.Set("days_closed_applications", "730")
		wantText(t, o.post("/privacy/retention/rules", form), i18n.English, "flash.privacy_rules_saved")
		if n := p.count("SELECT days FROM retention_rules WHERE kind = 'documents'"); n != 400 {
			t.Errorf("documents kept %d days, want 400", n)
		}
		dry := o.post("/privacy/retention/run", url.Values{"_csrf": {rp.csrf(t)}, "dry": {"1"}})
		wantStatus(t, dry, http.StatusOK)
		wantText(t, dry, i18n.English, "privacy.retention.dry_report")
	})
}
