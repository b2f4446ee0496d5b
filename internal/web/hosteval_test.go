package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/internal/evaluation"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

var supervisorLink = regexp.MustCompile(`/evaluate/[A-Za-z0-9_-]{43}`)

// supervisorLinkTo is the link of the newest mail to address.
func (p *appPortal) supervisorLinkTo(t *testing.T, address string) string {
	t.Helper()
	var link string
	if err := p.App.DB.Raw("SELECT link FROM outbox WHERE recipient_email = ? ORDER BY id DESC LIMIT 1", address).Scan(&link).Error; err != nil || !supervisorLink.MatchString(link) {
		t.Fatalf("no supervisor link to %s: %q %v", address, link, err)
	}
	return link
}

// The host supervisor's evaluation through the pages: the office asks a
// supervisor it names; the supervisor's page, without an account, keeps a
// refused answer as typed and records a good one once, after which the
// link says so; the office's page, the application page and /evaluations
// show it, and the lists download as CSV and XLSX. On a second placement
// the office records a paper form, refused without its file; only the
// office reads it.
func TestTheHostSupervisorEvaluatesThroughThePagesAndTheOfficeRecordsPaper(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st, rv, of := p.browser(), p.browser(), p.browser()
		st.signIn("student2")
		rv.signIn("reviewer")
		of.signIn("office")
		cs := p.openChoices()
		var ids []int64
		for i, c := range cs[:2] {
			p.grantScope("reviewer", c.Specialty)
			id := p.submitted(t, st, c)
			p.toOffer(t, id, rv, of)
			st.act(id, "accept_offer")
			p.exec("UPDATE applications SET placed_from = ?, placed_until = ? WHERE id = ?", walletDay(-30-40*i), walletDay(-2-40*i), id)
			ids = append(ids, id)
		}
		page := evaluation.HostPath(ids[0])
		if pg := st.get(page); pg.Status != http.StatusForbidden {
			t.Errorf("a student opens the office's host evaluation page: %d", pg.Status)
		}

		pg := of.post(page+"/request", with(formOf(t, of.get(page)), "supervisor_name", "Dr Mori", "supervisor_email", "not-an-address", "supervisor_lang", "ja"))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "form.email")
		if !strings.Contains(pg.Body, `value="Dr Mori"`) {
			t.Error("a refused request loses the name typed")
		}
		pg = of.post(page+"/request", with(formOf(t, of.get(page)), "supervisor_name", "Dr Mori", "supervisor_email", "mori@host.test", "supervisor_lang", "ja"))
		wantText(t, pg, i18n.English, "flash.hosteval_requested")
		sl := p.supervisorLinkTo(t, "mori@host.test")

		sup := p.browser() // no account
		form := sup.get(sl)
		wantStatus(t, form, http.StatusOK)
		if !strings.Contains(form.Body, "Chang Wei") {
			t.Errorf("the supervisor's page does not name the student:\n%s", form.Body)
		}
		answers := with(formOf(t, form), "supervisor_name", "Dr Mori", "days_present", "25", "days_expected", "20", "grade", "pass",
			"comments", "Kept as typed.")
		for _, r := range evaluation.SupervisorRatings {
			answers.Set(r, "4")
		}
		pg = sup.post(sl, answers)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "hosteval.err.more_than_expected")
		if !strings.Contains(pg.Body, "Kept as typed.") {
			t.Error("a refused evaluation loses what was typed")
		}
		if p.count("SELECT COUNT(*) FROM host_evaluations") != 0 {
			t.Fatal("a refused evaluation was stored")
		}
		answers.Set("days_present", "19")
		answers.Set("_csrf", form.csrf(t))
		pg = sup.post(sl, answers)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "hosteval.done.lede")
		pg = sup.get(sl)
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "hosteval.link.used")
		pg = sup.post(sl, answers)
		wantStatus(t, pg, http.StatusConflict)
		if p.count("SELECT COUNT(*) FROM host_evaluations") != 1 {
			t.Fatal("a second answer through the spent link was stored")
		}

		wantText(t, of.get(page), i18n.English, "hosteval.office.attendance", 19, 20)
		wantText(t, of.get(link(ids[0])), i18n.English, "hosteval.office.open")
		list := of.get("/evaluations")
		if !strings.Contains(list.Body, `href="`+evaluation.HostPath(ids[1])+`"`) {
			t.Errorf("the outstanding host evaluation is not listed:\n%s", list.Body)
		}
		csv := of.get("/evaluations/export/hosts.csv")
		wantStatus(t, csv, http.StatusOK)
		if !strings.Contains(csv.Body, "Dr Mori") || !strings.Contains(csv.Body, "Outstanding") {
			t.Errorf("the CSV export:\n%s", csv.Body)
		}
		xlsx := of.get("/evaluations/export/recognitions.xlsx")
		if xlsx.Status != http.StatusOK || !strings.HasPrefix(xlsx.Body, "PK") {
			t.Errorf("the XLSX export: %d", xlsx.Status)
		}
		if pg := st.get("/evaluations/export/hosts.csv"); pg.Status != http.StatusForbidden {
			t.Errorf("a student downloads the host evaluations: %d", pg.Status)
		}

		// A paper form for the second placement.
		paper := evaluation.HostPath(ids[1]) + "/paper"
		tok := of.get(evaluation.HostPath(ids[1])).csrf(t)
		fields := []walletPart{walletText("_csrf", tok), walletText("supervisor_name", "Prof. Dupont"), walletText("days_present", "20"),
			walletText("days_expected", "20"), walletText("grade", "honours"), walletText("comments", "Excellent.")}
		for _, r := range evaluation.SupervisorRatings {
			fields = append(fields, walletText(r, "5"))
		}
		body, ctype := walletMultipart(t, append(fields, walletPart{name: "paper", filename: ""})...)
		pg = of.walletSend(paper, tok, body, ctype, int64(body.Len()))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "hosteval.err.paper")
		if !strings.Contains(pg.Body, "Prof. Dupont") {
			t.Error("a refused paper form loses what was typed")
		}
		body, ctype = walletMultipart(t, append(fields, walletPart{name: "paper", filename: "form.pdf", ctype: "application/pdf", body: walletPDF(2000, "paper")})...)
		pg = of.walletSend(paper, tok, body, ctype, int64(body.Len()))
		wantText(t, pg, i18n.English, "flash.hosteval_paper")
		file := of.get(evaluation.HostPath(ids[1]) + "/paper")
		if file.Status != http.StatusOK || !strings.HasPrefix(file.Body, "%PDF-") {
			t.Errorf("the office reads the paper form back: %d", file.Status)
		}
		if pg := st.get(evaluation.HostPath(ids[1]) + "/paper"); pg.Status != http.StatusForbidden {
			t.Errorf("a student reads the paper form: %d", pg.Status)
		}
	})
}

// hostEvaluation walks the host supervisor's pages as the office: it asks
// a supervisor about a demo placement not yet evaluated, then opens the
// link and sends a refused answer, as the supervisor would.
func (c *crawler) hostEvaluation() {
	var id int64
	err := c.p.App.DB.Raw(`SELECT a.id FROM applications a WHERE a.direction = 'outgoing' AND a.status IN ('confirmed', 'completed')
		AND NOT EXISTS (SELECT 1 FROM host_evaluations h WHERE h.application_id = a.id) ORDER BY a.id LIMIT 1`).Scan(&id).Error
	if err != nil || id == 0 {
		c.t.Fatalf("a demo placement without a host evaluation: %v", err)
	}
	page := evaluation.HostPath(id)
	c.visit(page)
	tok := c.b.get(page).csrf(c.t)
	c.b.post(page+"/request", url.Values{"_csrf": {tok}, "supervisor_name": {"Walk Supervisor"}, "supervisor_email": {"walk@supervisor.example"}, "supervisor_lang": {string(c.lang)}})
	var link string
	if err := c.p.App.DB.Raw("SELECT link FROM outbox WHERE recipient_email = 'walk@supervisor.example' ORDER BY id DESC LIMIT 1").Scan(&link).Error; err != nil || link == "" {
		c.t.Fatalf("no supervisor link in the outbox after asking: %v", err)
	}
	c.visit(link)
	c.b.post(link, url.Values{"_csrf": {c.b.get("/").csrf(c.t)}, "days_present": {"30"}, "days_expected": {"20"}})
}

// The demo has placements at each step after the last day: a report in
// draft, reports submitted, the host's evaluation outstanding (asked and
// not asked) and in, and placements completed; the office's list shows
// them.
func TestTheDemoHasPlacementsAtEachStepAfterTheLastDay(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	for q, want := range map[string]int64{
		"SELECT COUNT(*) FROM student_reports WHERE submitted_at IS NULL":     1,
		"SELECT COUNT(*) FROM student_reports WHERE submitted_at IS NOT NULL": 4,
		"SELECT COUNT(*) FROM host_evaluations":                               3,
		"SELECT COUNT(*) FROM applications a WHERE a.status = 'confirmed' AND a.placed_until < CURRENT_DATE AND NOT EXISTS (SELECT 1 FROM host_evaluations h WHERE h.application_id = a.id)": 2,
		"SELECT COUNT(*) FROM applications WHERE status = 'completed'": 2,
	} {
		if n := p.count(q); n < want {
			t.Errorf("%s: %d, want at least %d", q, n, want)
		}
	}
	of := p.browser()
	of.signIn("office")
	pg := of.get("/evaluations")
	if !strings.Contains(pg.Body, `id="host-evaluations"`) || !strings.Contains(pg.Body, "/evaluations/host/") {
		t.Errorf("the office's list shows no host evaluations:\n%s", pg.Body)
	}
}
