package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/ewp"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/user"
)

var shareBox = regexp.MustCompile(`<input type="checkbox" name="share" value="(\d+:\d+)"( checked)?>`)

// The application page reaches the host loop: the student chooses what the
// host may see before nomination, the office records the home school's
// verification, sees the dossier link sent and revokes it, all over HTTP
// with CSRF; the office's navigation leads to the pages merged beside it.
func TestTheApplicationPageReachesTheHostLoop(t *testing.T) {
	t.Parallel()
	p := startAppPortal(t, "sqlite")
	ctx, a := context.Background(), p.App
	st, of := p.browser(), p.browser()
	st.signIn("student")
	home := of.signIn("office")
	for _, path := range []string{"/evaluations", "/manage/hosts", "/api/tokens"} {
		if !strings.Contains(home.Body, `href="`+path+`"`) {
			t.Errorf("the office's navigation has no link to %s", path)
		}
	}
	var c choice
	for _, ch := range p.openChoices() {
		if len(ch.Required) > 0 {
			c = ch
			break
		}
	}
	if c.Elective == 0 {
		t.Fatal("no open choice requires a document")
	}
	p.grantScope("reviewer", c.Specialty)
	id := p.submitted(t, st, c)

	// The student: what the host may see, refused without a name and
	// shown again as ticked, then saved.
	pg := st.get(link(id))
	if strings.Contains(pg.Body, `href="/manage/hosts"`) || strings.Contains(pg.Body, link(id, "host", "verify")) {
		t.Error("the student is offered the office's links")
	}
	m := shareBox.FindStringSubmatch(pg.Body)
	if m == nil || !strings.Contains(pg.Body, `action="`+link(id, "host", "share")+`"`) {
		t.Fatalf("the student's page has no sharing form:\n%s", pg.Body)
	}
	share := url.Values{"_csrf": {pg.csrf(t)}, "name_latin": {""}, "name_native": {"陳怡君"}, "share": {m[1]}}
	refused := st.post(link(id, "host", "share"), share)
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.Body, `value="`+m[1]+`" checked`) || !strings.Contains(refused.Body, `value="陳怡君"`) {
		t.Error("a refused sharing choice does not come back as typed")
	}
	if n := p.count("SELECT COUNT(*) FROM host_consents WHERE application_id = ?", id); n != 0 {
		t.Fatalf("a refused sharing choice recorded %d consents", n)
	}
	share.Set("name_latin", "Chen Yi-chun")
	pg = st.post(link(id, "host", "share"), share)
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "flash.ui_links_shared")
	if !strings.Contains(pg.Body, `value="`+m[1]+`" checked`) {
		t.Error("the saved choice is not shown ticked")
	}
	if n := p.count("SELECT COUNT(*) FROM host_consents WHERE application_id = ?", id); n != 1 {
		t.Fatalf("the sharing choice recorded %d consents, want 1", n)
	}
	if n := p.audits("host.share"); n != 1 {
		t.Errorf("%d host.share audit entries, want 1", n)
	}

	// The office: the home school's verification.
	pg = of.get(link(id))
	if !strings.Contains(pg.Body, `action="`+link(id, "host", "verify")+`"`) {
		t.Fatalf("the office's page has no verification form:\n%s", pg.Body)
	}
	pg = of.post(link(id, "host", "verify"), url.Values{"_csrf": {pg.csrf(t)}, "good_standing": {"on"}})
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "flash.host_verified")
	if !strings.Contains(pg.Body, `name="good_standing" checked`) || strings.Contains(pg.Body, `name="immunization" checked`) {
		t.Error("the office's page does not show the verification recorded")
	}
	if n := p.count("SELECT COUNT(*) FROM host_verifications WHERE application_id = ? AND good_standing AND NOT immunization", id); n != 1 {
		t.Fatal("the verification was not recorded as ticked")
	}

	// Nominated to a host with a contact: the link is listed, then revoked.
	office := &user.User{ID: p.userID("demo-office"), Roles: []user.Role{user.Office}}
	reviewer := &user.User{ID: p.userID("demo-reviewer"), Roles: []user.Role{user.Reviewer}}
	var inst int64
	if err := a.DB.Raw("SELECT institution_id FROM electives WHERE id = ?", c.Elective).Scan(&inst).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := a.Host.AddContact(ctx, office, host.ContactInput{InstitutionID: inst, Name: "Dr. Sato", Email: "sato@host.example", Lang: "en"}, audit.Meta{}); err != nil {
		t.Fatal(err)
	}
	version := func() int {
		var v int
		a.DB.Raw("SELECT version FROM applications WHERE id = ?", id).Scan(&v)
		return v
	}
	for _, step := range []func(context.Context, *user.User, int64, application.ReviewInput) (*application.Application, error){
		a.Applications.StartReview, a.Applications.Approve} {
		if _, err := step(ctx, reviewer, id, application.ReviewInput{Version: version()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Applications.Nominate(ctx, office, id, application.ReviewInput{Version: version()}); err != nil {
		t.Fatal(err)
	}
	pg = of.get(link(id))
	if !strings.Contains(pg.Body, "sato@host.example") || !strings.Contains(pg.Body, `action="`+link(id, "host", "revoke")+`"`) {
		t.Fatalf("the office's page does not list the link sent with a revoke button:\n%s", pg.Body)
	}
	// No EWP document before the office records the student's facts: the
	// page says why; afterwards it offers the download that answers.
	if !strings.Contains(pg.Body, `id="ewp-note"`) {
		t.Error("the office's page does not say why there is no EWP download")
	}
	if err := ewp.NewService(a.DB, ewp.Options{}).SetStudent(ctx, office, ewp.StudentFacts{UserID: p.userID("demo-student"), GivenNames: "Yi-chun", FamilyName: "Chen",
		BirthDate: time.Date(2002, 5, 1, 0, 0, 0, 0, time.UTC), Nationality: "TW"}); err != nil {
		t.Fatal(err)
	}
	p.exec("UPDATE institutions SET identifier = 'host.example' WHERE id = ? AND (identifier IS NULL OR identifier = '')", inst)
	pg = of.get(link(id))
	dl := regexp.MustCompile(`href="(` + link(id) + `/ewp\.(xml|json))"`).FindStringSubmatch(pg.Body)
	if dl == nil {
		t.Fatalf("the office's page has no EWP download:\n%s", pg.Body)
	}
	wantStatus(t, of.get(dl[1]), http.StatusOK)
	pg = of.post(link(id, "host", "revoke"), url.Values{"_csrf": {pg.csrf(t)}})
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "flash.host_links_revoked")
	if strings.Contains(pg.Body, `action="`+link(id, "host", "revoke")+`"`) || !strings.Contains(pg.Body, "Revoked ") {
		t.Error("the revoked link is not shown revoked")
	}
	if n := p.count("SELECT COUNT(*) FROM host_links WHERE application_id = ? AND revoked_at IS NULL", id); n != 0 {
		t.Fatalf("%d links still open after revoking", n)
	}

	// Nominated, the student sees what the host sees and can no longer change it.
	pg = st.get(link(id))
	if strings.Contains(pg.Body, `action="`+link(id, "host", "share")+`"`) {
		t.Error("the sharing form is still offered after nomination")
	}
	wantText(t, pg, i18n.English, "ui_links.share.closed")

	if strings.Contains(pg.Body, `href="`+link(id, "report")+`"`) {
		t.Error("the report form is offered before the placement")
	}

	// The placement is over: the page leads to the report form.
	p.exec("UPDATE applications SET status = ?, placed_from = ?, placed_until = ? WHERE id = ?",
		application.Confirmed, walletDay(-30), walletDay(-1), id)
	pg = st.get(link(id))
	if !strings.Contains(pg.Body, `href="`+link(id, "report")+`"`) {
		t.Fatalf("no link to the report once the placement is over:\n%s", pg.Body)
	}
	wantText(t, pg, i18n.English, "ui_links.report.draft")
	wantStatus(t, st.get(link(id, "report")), http.StatusOK)

	checkDepartureChecklist(t, p, st, of, id) // before a placement (departure_test.go)
}
