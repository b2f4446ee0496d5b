package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/internal/audit"
	"portal/internal/auth/devoidc"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// appPortal is a portal with a second student and a second reviewer, for
// the tests of the application pages.
type appPortal struct {
	*portal
}

func startAppPortal(t *testing.T, dialect string) *appPortal {
	t.Helper()
	users := append(devoidc.DemoUsers(),
		devoidc.User{Username: "student2", Subject: "demo-student2", Email: "student2@demo.portal.test", Name: "Chang Wei 張偉", Locale: "en", Groups: []string{"student"}},
		devoidc.User{Username: "reviewer2", Subject: "demo-reviewer2", Email: "reviewer2@demo.portal.test", Name: "Lin Mei-Ling", Locale: "en", Groups: []string{"reviewer"}},
	)
	return &appPortal{portal: startPortal(t, dialect, wiring.Options{DevUsers: users})}
}

// choice is an open elective and period of the demo catalog, with the
// documents it requires.
type choice struct {
	Elective, Period int64
	Specialty        string
	Required         []string
}

// openChoices lists what a student may choose today, a period of each
// open elective, Kumamoto's first.
func (p *appPortal) openChoices() []choice {
	p.t.Helper()
	opts, err := p.App.Applications.Options(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	var first, rest []choice
	seen := map[int64]bool{}
	for _, o := range opts {
		if seen[o.ElectiveID] {
			continue // one period per elective: retiring one elective leaves the others
		}
		seen[o.ElectiveID] = true
		var row struct {
			Specialty, RequiredDocs string
		}
		p.App.DB.Raw("SELECT specialty, required_docs FROM electives WHERE id = ?", o.ElectiveID).Scan(&row)
		c := choice{Elective: o.ElectiveID, Period: o.PeriodID, Specialty: row.Specialty}
		for _, d := range strings.Split(row.RequiredDocs, ",") {
			if d = strings.TrimSpace(d); d != "" {
				c.Required = append(c.Required, d)
			}
		}
		if strings.HasPrefix(o.InstitutionNameEN, "Kumamoto") {
			first = append(first, c)
		} else {
			rest = append(rest, c)
		}
	}
	all := append(first, rest...)
	if len(all) < 3 {
		p.t.Fatalf("the demo catalog offers %d open choices, want at least 3", len(all))
	}
	return all
}

// grantScope puts specialty in the scope of the demo reviewer username,
// granted by the admin; both sign in first if they never did.
func (p *appPortal) grantScope(username, specialty string) {
	p.t.Helper()
	for _, who := range []string{username, "admin"} {
		if p.count("SELECT COUNT(*) FROM users WHERE subject = ?", "demo-"+who) == 0 {
			p.browser().signIn(who)
		}
	}
	admin := p.userID("demo-admin")
	if err := p.App.Applications.GrantScope(context.Background(), p.userID("demo-"+username), specialty, admin, audit.Meta{}); err != nil {
		p.t.Fatal(err)
	}
}

// fillWallet uploads one valid document of each type required.
func (b *browser) fillWallet(types []string) {
	b.t.Helper()
	token := b.get("/wallet").csrf(b.t)
	for _, typ := range types {
		expires := ""
		if document.HasExpiry(typ) {
			expires = walletDay(800)
		}
		// A health document: the student ticks that they read its notice.
		pg := b.walletUploadParts(token, walletText("_csrf", token), walletText("type", typ), walletText("expires_on", expires),
			walletText("ack_health", "1"), walletFile(typ+".pdf", "application/pdf", walletPDF(2_000, typ+b.t.Name())))
		wantStatus(b.t, pg, http.StatusOK)
	}
}

var (
	hiddenVersion = regexp.MustCompile(`name="version" value="(\d+)"`)
	submitKey     = regexp.MustCompile(`<input type="hidden" name="key" value="([^"]+)" form="app-edit">\s*<button type="submit" form="app-edit" formaction="(/applications/\d+/submit)"`)
	applyKey      = regexp.MustCompile(`name="key" value="([^"]+)"`)
)

// form is what a page's forms carry: the CSRF token and the version.
func formOf(t *testing.T, pg *page) url.Values {
	t.Helper()
	v := url.Values{"_csrf": {pg.csrf(t)}}
	if m := hiddenVersion.FindStringSubmatch(pg.Body); m != nil {
		v.Set("version", m[1])
	}
	return v
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// apply starts a draft from the elective's page and returns its id.
func (b *browser) apply(c choice) int64 {
	b.t.Helper()
	pg := b.get(fmt.Sprintf("/electives/%d", c.Elective))
	wantStatus(b.t, pg, http.StatusOK)
	m := applyKey.FindStringSubmatch(pg.Body)
	if m == nil {
		b.t.Fatalf("no Apply form on the elective's page:\n%s", pg.Body)
	}
	pg = b.post("/applications", url.Values{"_csrf": {pg.csrf(b.t)}, "key": {m[1]}, "elective": {fmt.Sprint(c.Elective)}, "period": {fmt.Sprint(c.Period)}})
	wantStatus(b.t, pg, http.StatusOK)
	var id int64
	if _, err := fmt.Sscanf(pg.URL.Path, "/applications/%d", &id); err != nil {
		b.t.Fatalf("applying ended on %s", pg.URL)
	}
	return id
}

func link(id int64, action ...string) string {
	s := fmt.Sprintf("/applications/%d", id)
	for _, a := range action {
		s += "/" + a
	}
	return s
}

// state is what a test checks did not change: the status, version and
// number of events of an application.
type state struct {
	Status  string
	Version int
	Events  int64
}

func (p *appPortal) state(id int64) state {
	p.t.Helper()
	var s state
	p.App.DB.Raw("SELECT status, version FROM applications WHERE id = ?", id).Row().Scan(&s.Status, &s.Version)
	s.Events = p.count("SELECT COUNT(*) FROM review_events WHERE application_id = ?", id)
	return s
}

func (p *appPortal) wantState(t *testing.T, id int64, status string) state {
	t.Helper()
	s := p.state(id)
	if s.Status != status {
		t.Fatalf("application %d is %s, want %s", id, s.Status, status)
	}
	return s
}

// submitForm is the Submit button of an application page, pressed
// without the draft form's fields (as a script or an old page would).
func submitForm(t *testing.T, pg *page) (string, url.Values) {
	t.Helper()
	m := submitKey.FindStringSubmatch(pg.Body)
	v := hiddenVersion.FindStringSubmatch(pg.Body)
	if m == nil || v == nil {
		t.Fatalf("no submit button on %s:\n%s", pg.URL, pg.Body)
	}
	return m[2], url.Values{"_csrf": {pg.csrf(t)}, "version": {v[1]}, "key": {html.UnescapeString(m[1])}}
}

// A student applies from an elective's page (a double click starts one
// draft), saves choices and a statement, submits (a double submit is one
// submission), and withdraws.
func TestApplicationStudentFlow(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st := p.browser()
		st.signIn("student2")
		cs := p.openChoices()
		c := cs[0]

		// A double click: the same key twice is one draft.
		pg := st.get(fmt.Sprintf("/electives/%d", c.Elective))
		wantText(t, pg, i18n.English, "application.apply.button")
		key := applyKey.FindStringSubmatch(pg.Body)[1]
		form := url.Values{"_csrf": {pg.csrf(t)}, "key": {key}, "elective": {fmt.Sprint(c.Elective)}, "period": {fmt.Sprint(c.Period)}}
		first := st.post("/applications", form)
		second := st.post("/applications", form)
		wantStatus(t, first, http.StatusOK)
		if first.URL.Path != second.URL.Path {
			t.Fatalf("a double click started two drafts: %s and %s", first.URL, second.URL)
		}
		var id int64
		fmt.Sscanf(first.URL.Path, "/applications/%d", &id)
		if n := p.count("SELECT COUNT(*) FROM applications WHERE create_key = ?", key); n != 1 {
			t.Fatalf("%d applications, want 1", n)
		}
		wantText(t, first, i18n.English, "flash.application_started")

		// Submitting without a statement nor documents says why, per field.
		path, sub := submitForm(t, first)
		pg = st.post(path, sub)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.alert.nothing_changed")
		wantText(t, pg, i18n.English, "application.alert.doc", bundle.T(i18n.English, "doc."+c.Required[0]), bundle.T(i18n.English, "application.err.doc_missing"))
		p.wantState(t, id, "draft")

		// Save two choices and a statement; a forged stage is ignored.
		pg = st.get(link(id))
		save := with(formOf(t, pg), "choice_1", fmt.Sprintf("%d:%d", c.Elective, c.Period),
			"choice_2", fmt.Sprintf("%d:%d", cs[1].Elective, cs[1].Period), "statement", "I want to learn hepatology.",
			"status", "confirmed", "stage", "confirmed", "applicant_id", "1")
		pg = st.post(link(id, "save"), save)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.application_save")
		if s := p.wantState(t, id, "draft"); s.Version != 2 {
			t.Errorf("version %d after one save, want 2", s.Version)
		}
		if n := p.count("SELECT COUNT(*) FROM application_choices WHERE application_id = ?", id); n != 2 {
			t.Errorf("%d choices saved, want 2", n)
		}

		// With the documents in the wallet, a double submit is one submission.
		st.fillWallet(append(append([]string{}, c.Required...), cs[1].Required...))
		pg = st.get(link(id))
		wantText(t, pg, i18n.English, "application.checklist.title")
		path, sub = submitForm(t, pg)
		pg = st.post(path, sub)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.application_submit")
		again := st.post(path, sub)
		wantStatus(t, again, http.StatusOK)
		s := p.wantState(t, id, "submitted")
		if s.Events != 1 {
			t.Errorf("%d events after a double submit, want 1", s.Events)
		}
		if n := p.count("SELECT COUNT(*) FROM document_attachments WHERE application_id = ?", id); n == 0 {
			t.Error("no documents attached at submission")
		}

		// The dashboard shows it as a tracker.
		pg = st.get("/applications")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "application.stage.submitted")
		wantText(t, pg, i18n.English, "application.next.submitted")
		if !strings.Contains(pg.Body, `href="`+link(id)+`"`) {
			t.Error("the dashboard does not link the application")
		}

		// Withdraw.
		pg = st.get(link(id))
		pg = st.post(link(id, "withdraw"), with(formOf(t, pg), "comment", "Changed my plans."))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.application_withdraw")
		p.wantState(t, id, "withdrawn")
		if strings.Contains(pg.Body, `action="`+link(id, "withdraw")+`"`) {
			t.Error("a withdrawn application still offers to withdraw")
		}
	})
}

// submitted has student2 apply to c (and a second choice), fill the wallet
// and submit; it returns the application's id.
func (p *appPortal) submitted(t *testing.T, st *browser, cs ...choice) int64 {
	t.Helper()
	id := st.apply(cs[0])
	pg := st.get(link(id))
	save := with(formOf(t, pg), "statement", "Liver clinic and research conference, please.")
	var docs []string
	for i, c := range cs {
		save.Set(fmt.Sprintf("choice_%d", i+1), fmt.Sprintf("%d:%d", c.Elective, c.Period))
		docs = append(docs, c.Required...)
	}
	wantStatus(t, st.post(link(id, "save"), save), http.StatusOK)
	st.fillWallet(docs)
	path, sub := submitForm(t, st.get(link(id)))
	pg = st.post(path, sub)
	wantStatus(t, pg, http.StatusOK)
	p.wantState(t, id, "submitted")
	return id
}

// act posts an action form of the page at link(id) as b sees it, with
// fields, and returns the page it ends on.
func (b *browser) act(id int64, action string, fields ...string) *page {
	b.t.Helper()
	pg := b.get(link(id))
	if !strings.Contains(pg.Body, `action="`+link(id, action)+`"`) {
		b.t.Fatalf("%s offers no %s form:\n%s", link(id), action, pg.Body)
	}
	return b.post(link(id, action), with(formOf(b.t, pg), fields...))
}

// The whole review: the department reviewer starts and returns it with a
// message, the student sees it, fixes and resubmits; the reviewer
// approves, the office nominates and records the host's acceptance, the
// student accepts. Internal notes never reach the student; a stale form is
// refused with what changed.
func TestApplicationReviewFlow(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st, rv, of := p.browser(), p.browser(), p.browser()
		st.signIn("student2")
		rv.signIn("reviewer")
		of.signIn("office")
		cs := p.openChoices()
		p.grantScope("reviewer", cs[0].Specialty)
		id := p.submitted(t, st, cs[0])

		// The student is offered no reviewer's action.
		pg := st.get(link(id))
		for _, a := range []string{"start_review", "approve", "return", "reject", "nominate", "host_decision"} {
			if strings.Contains(pg.Body, `action="`+link(id, a)+`"`) {
				t.Errorf("the student is offered %s", a)
			}
		}
		pg = rv.get(link(id))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "application.form.start_review.title")
		stale := formOf(t, pg)
		wantText(t, rv.act(id, "start_review"), i18n.English, "flash.application_start_review")
		p.wantState(t, id, "department_review")

		// A stale form: the start is already done; nothing is overwritten.
		before := p.state(id)
		pg = rv.post(link(id, "start_review"), stale)
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "application.alert.changed")
		if !strings.Contains(pg.Body, "started reviewing it on") {
			t.Errorf("the conflict does not say what changed:\n%s", pg.Body)
		}
		if p.state(id) != before {
			t.Errorf("a stale form changed the application: %+v, was %+v", p.state(id), before)
		}

		// An internal note, never shown to the student.
		wantStatus(t, rv.act(id, "note", "comment", "Transcript looks thin; ask the dean.", "internal", "1"), http.StatusOK)
		// A return needs a message; the typed text is kept.
		pg = rv.act(id, "return", "comment", "")
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "form.required")
		pg = rv.act(id, "return", "comment", "Please explain why Kumamoto, in two paragraphs.")
		wantText(t, pg, i18n.English, "flash.application_return")
		p.wantState(t, id, "returned")

		pg = st.get(link(id))
		wantText(t, pg, i18n.English, "application.returned.title")
		wantText(t, pg, i18n.English, "application.next.returned")
		if !strings.Contains(pg.Body, "Please explain why Kumamoto, in two paragraphs.") {
			t.Error("the student does not see the reviewer's message")
		}
		if strings.Contains(pg.Body, "ask the dean") {
			t.Error("the student sees an internal note")
		}
		if !strings.Contains(of.get(link(id)).Body, "ask the dean") {
			t.Error("the office does not see the internal note")
		}

		// The student answers with a message; it can never be internal.
		wantStatus(t, st.act(id, "note", "comment", "I will add a paragraph.", "internal", "1"), http.StatusOK)
		if n := p.count("SELECT COUNT(*) FROM review_events WHERE application_id = ? AND comment = 'I will add a paragraph.' AND NOT internal", id); n != 1 {
			t.Errorf("%d visible messages from the student, want 1", n)
		}
		if !strings.Contains(rv.get(link(id)).Body, "I will add a paragraph.") {
			t.Error("the reviewer does not see the student's message")
		}
		pg = st.get(link(id))

		// The student fixes and resubmits.
		pg = st.post(link(id, "save"), with(formOf(t, pg), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period),
			"statement", "Kumamoto's liver clinic is the best place to learn about MAFLD."))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "application.action.resubmit")
		path, sub := submitForm(t, pg)
		wantText(t, st.post(path, sub), i18n.English, "flash.application_submit")
		p.wantState(t, id, "submitted")

		// Review, approve (a forged stage and reviewer change nothing more).
		rv.act(id, "start_review")
		pg = rv.act(id, "approve", "comment", "Good.", "stage", "completed", "status", "completed", "reviewer_id", "1", "applicant_id", "1")
		wantText(t, pg, i18n.English, "flash.application_approve")
		p.wantState(t, id, "office_review")
		if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND applicant_id = ?", id, p.userID("demo-student2")); n != 1 {
			t.Error("a forged applicant id moved the application")
		}

		// Out of order: the student cannot accept an offer there is not.
		pg = st.get(link(id))
		before = p.state(id)
		pg = st.post(link(id, "accept_offer"), formOf(t, pg))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.err.not_now")
		if p.state(id) != before {
			t.Error("an out-of-order action changed the application")
		}

		// The office nominates and records the host's acceptance.
		wantText(t, of.act(id, "nominate"), i18n.English, "flash.application_nominate")
		pg = of.act(id, "host_decision", "decision", "accepted", "rank", "1")
		wantText(t, pg, i18n.English, "flash.application_host_decision_accepted")
		p.wantState(t, id, "host_accepted")

		// The student sees the offer's deadline and accepts.
		pg = st.get(link(id))
		wantText(t, pg, i18n.English, "application.stage.host_accepted")
		if !strings.Contains(pg.Body, "Answer the offer by") {
			t.Error("the offer's deadline is not shown")
		}
		wantText(t, st.act(id, "accept_offer"), i18n.English, "flash.application_accept_offer")
		p.wantState(t, id, "confirmed")
		if n := p.count("SELECT COUNT(*) FROM application_choices WHERE application_id = ? AND seat_reserved", id); n != 1 {
			t.Errorf("%d seats reserved, want 1", n)
		}
		pg = st.get("/applications")
		wantText(t, pg, i18n.English, "application.stage.confirmed")
	})
}

// applicationPosts are every POST route that takes an application id.
var applicationPosts = []string{"save", "attach", "detach", "submit", "start_review", "approve", "return", "reject",
	"nominate", "promote", "host_decision", "accept_offer", "decline_offer", "withdraw", "note"}

// An access matrix: every route that takes an application id, tried by a
// student who does not own it, a reviewer outside its scope and an
// anonymous visitor, is refused as if the application did not exist, and
// changes nothing. The reviewer in scope and the office do see it.
func TestApplicationAccessMatrix(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		owner := p.browser()
		owner.signIn("student2")
		cs := p.openChoices()
		p.grantScope("reviewer", cs[0].Specialty)
		id := p.submitted(t, owner, cs[0])
		// A draft of the same student too: nobody but its owner sees a draft.
		draft := owner.apply(cs[1])
		var doc int64
		p.App.DB.Raw("SELECT document_id FROM document_attachments WHERE application_id = ? ORDER BY document_id LIMIT 1", id).Scan(&doc)

		outsiders := map[string]*browser{}
		for _, who := range []string{"student", "reviewer2", "reviewer", "office"} {
			outsiders[who] = p.browser()
			outsiders[who].signIn(who)
		}
		anon := p.browser()
		anonToken := anon.get("/").csrf(t)
		for _, who := range []string{"reviewer", "office"} {
			wantStatus(t, outsiders[who].get(link(id)), http.StatusOK)
			wantStatus(t, outsiders[who].get(link(draft)), http.StatusNotFound)
		}
		delete(outsiders, "reviewer")
		delete(outsiders, "office")

		attachments := p.count("SELECT COUNT(*) FROM document_attachments")
		for _, app := range []int64{id, draft} {
			before := p.state(app)
			fields := func(token string) url.Values {
				return url.Values{"_csrf": {token}, "version": {fmt.Sprint(before.Version)}, "comment": {"let me in"},
					"internal": {"1"}, "decision": {"accepted"}, "rank": {"1"}, "key": {"forgedkey123456"},
					"document": {fmt.Sprint(doc)}, "choice_1": {fmt.Sprintf("%d:%d", cs[2].Elective, cs[2].Period)},
					"statement": {"mine now"}}
			}
			for who, b := range outsiders {
				wantStatus(t, b.get(link(app)), http.StatusNotFound)
				token := b.get("/").csrf(t)
				for _, action := range applicationPosts {
					pg := b.post(link(app, action), fields(token))
					if pg.Status != http.StatusNotFound {
						t.Errorf("%s POST %s: %d, want 404", who, link(app, action), pg.Status)
					}
				}
			}
			pg := anon.step(http.MethodGet, link(app), nil, nil)
			if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login") {
				t.Errorf("anonymous GET %s: %d to %q, want a redirect to sign in", link(app), pg.Status, pg.Header.Get("Location"))
			}
			for _, action := range applicationPosts {
				if pg := anon.post(link(app, action), fields(anonToken)); pg.Status != http.StatusUnauthorized {
					t.Errorf("anonymous POST %s: %d, want 401", link(app, action), pg.Status)
				}
			}
			if after := p.state(app); after != before {
				t.Errorf("application %d changed: %+v, was %+v", app, after, before)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM document_attachments"); n != attachments {
			t.Errorf("%d attachments, was %d", n, attachments)
		}
		if n := p.count("SELECT COUNT(*) FROM review_events WHERE comment = 'let me in'"); n != 0 {
			t.Errorf("%d notes by outsiders", n)
		}
		// Their documents stay closed to outsiders too.
		for who, b := range outsiders {
			if pg := b.get(fmt.Sprintf("/documents/%d/download", doc)); pg.Status != http.StatusNotFound {
				t.Errorf("%s opens an attached document: %d", who, pg.Status)
			}
		}
		// Ids that are not ids are not found.
		for _, bad := range []string{"/applications/0", "/applications/abc", "/applications/99999999"} {
			wantStatus(t, outsiders["student"].get(bad), http.StatusNotFound)
		}
	})
}

// Bad input changes nothing and says why: a retired elective, a garbage
// choice, a full period at submission, a tampered version, an unknown host
// decision, and the same submission replayed.
func TestApplicationBadInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st := p.browser()
		st.signIn("student2")
		cs := p.openChoices()
		id := st.apply(cs[0])
		st.fillWallet(append(append([]string{}, cs[0].Required...), cs[1].Required...))

		// A retired elective: refused, what was typed is kept.
		p.exec("UPDATE electives SET retired_at = CURRENT_TIMESTAMP WHERE id = ?", cs[2].Elective)
		pg := st.get(link(id))
		before := p.state(id)
		pg = st.post(link(id, "save"), with(formOf(t, pg), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period),
			"choice_2", fmt.Sprintf("%d:%d", cs[2].Elective, cs[2].Period), "statement", "Typed with care."))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.err.retired")
		if !strings.Contains(pg.Body, "Typed with care.") {
			t.Error("the typed statement is lost")
		}
		// A choice that is not one.
		pg = st.post(link(id, "save"), with(formOf(t, st.get(link(id))), "choice_1", "12:abc", "statement", "x"))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "form.not_a_choice")
		// A tampered version.
		pg = st.post(link(id, "save"), with(formOf(t, st.get(link(id))), "version", "99", "statement", "Stale words",
			"choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period)))
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "application.alert.changed")
		if strings.Contains(pg.Body, "Stale words") {
			t.Error("after a conflict the form shows the stale text instead of what is saved")
		}
		if p.state(id) != before {
			t.Errorf("bad input changed the application: %+v, was %+v", p.state(id), before)
		}

		// A full period is refused at submission, with the choice named.
		pg = st.post(link(id, "save"), with(formOf(t, st.get(link(id))), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period),
			"choice_2", fmt.Sprintf("%d:%d", cs[1].Elective, cs[1].Period), "statement", "Two choices."))
		wantStatus(t, pg, http.StatusOK)
		p.exec("UPDATE periods SET taken = capacity WHERE id = ?", cs[1].Period)
		path, sub := submitForm(t, st.get(link(id)))
		pg = st.post(path, sub)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.alert.choice", "2", bundle.T(i18n.English, "application.err.period_full"))
		p.wantState(t, id, "draft")
		p.exec("UPDATE periods SET taken = 0 WHERE id = ?", cs[1].Period)

		// Submitted once; the same request replayed is the same submission,
		// and a form from before it is told what changed.
		path, sub = submitForm(t, st.get(link(id)))
		wantStatus(t, st.post(path, sub), http.StatusOK)
		s := p.wantState(t, id, "submitted")
		wantStatus(t, st.post(path, sub), http.StatusOK)
		if p.state(id) != s {
			t.Error("a replayed submission changed the application")
		}
		old := with(sub, "key", "anotherkey1234567")
		pg = st.post(path, old)
		wantStatus(t, pg, http.StatusConflict)
		if !strings.Contains(pg.Body, "submitted it on") {
			t.Errorf("the conflict does not say what changed:\n%s", pg.Body)
		}

		// The office: an unknown host decision, and an action out of order.
		of := p.browser()
		of.signIn("office")
		pg = of.get(link(id))
		pg = of.post(link(id, "nominate"), formOf(t, pg))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.err.not_now")
		pg = of.post(link(id, "host_decision"), with(formOf(t, of.get(link(id))), "decision", "maybe", "rank", "1"))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		if p.state(id) != s {
			t.Error("refused office actions changed the application")
		}
	})
}

// toOffer moves a submitted application to an offer through the pages.
func (p *appPortal) toOffer(t *testing.T, id int64, rv, of *browser) {
	t.Helper()
	rv.act(id, "start_review")
	rv.act(id, "approve")
	of.act(id, "nominate")
	wantStatus(t, of.act(id, "host_decision", "decision", "accepted", "rank", "1"), http.StatusOK)
	p.wantState(t, id, "host_accepted")
}

// After an offer: declining frees the seat; after the placement's last
// day the student files a report, which completes the application. The
// reviewer in scope opens the attached documents from the page; a waitlist
// is promoted when a seat frees.
func TestApplicationOfferReportAndWaitlist(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st, rv, of := p.browser(), p.browser(), p.browser()
		st.signIn("student2")
		rv.signIn("reviewer")
		of.signIn("office")
		cs := p.openChoices()
		p.grantScope("reviewer", cs[0].Specialty)
		p.grantScope("reviewer", cs[1].Specialty)

		// The reviewer opens a document from the application's page.
		id := p.submitted(t, st, cs[0])
		pg := rv.get(link(id))
		m := regexp.MustCompile(`href="(/documents/\d+/download)"`).FindStringSubmatch(pg.Body)
		if m == nil {
			t.Fatalf("no document link on the reviewer's page:\n%s", pg.Body)
		}
		if dl := rv.get(m[1]); dl.Status != http.StatusOK || !strings.Contains(dl.Body, "%PDF-") {
			t.Errorf("the reviewer cannot open %s: %d", m[1], dl.Status)
		}

		// Decline: the seat goes back.
		p.toOffer(t, id, rv, of)
		taken := p.count("SELECT taken FROM periods WHERE id = ?", cs[0].Period)
		wantText(t, st.act(id, "decline_offer", "comment", "Found another elective."), i18n.English, "flash.application_decline_offer")
		p.wantState(t, id, "declined")
		if n := p.count("SELECT taken FROM periods WHERE id = ?", cs[0].Period); n != taken-1 {
			t.Errorf("taken %d after a decline, want %d", n, taken-1)
		}
		pg = st.get(link(id))
		wantText(t, pg, i18n.English, "application.next.declined")
		for _, a := range []string{"accept_offer", "decline_offer", "withdraw"} {
			if strings.Contains(pg.Body, `action="`+link(id, a)+`"`) {
				t.Errorf("a declined application offers %s", a)
			}
		}

		// Accept; report once the placement is over (evaluation.go); the
		// office's recognition completes the application.
		id = p.submitted(t, st, cs[1])
		p.toOffer(t, id, rv, of)
		st.act(id, "accept_offer")
		report := link(id) + "/report"
		if pg := st.get(report); pg.Status != http.StatusUnprocessableEntity {
			t.Errorf("the report form before the placement's end: %d", pg.Status)
		}
		p.exec("UPDATE periods SET starts_on = ?, ends_on = ? WHERE id = ?", walletDay(-30), walletDay(-1), cs[1].Period)
		p.exec("UPDATE applications SET placed_from = ?, placed_until = ? WHERE id = ?", walletDay(-30), walletDay(-1), id)
		pg = st.post(report, with(formOf(t, st.get(report)), "submit", "1", "organisation", "9", "body", "Kept as typed."))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "evaluation.err.rating_range")
		if !strings.Contains(pg.Body, "Kept as typed.") {
			t.Error("a refused report loses what was typed")
		}
		answers := []string{"submit", "1", "recommend", "yes", "body", "Four weeks in the liver clinic; I learned a lot."}
		for _, r := range []string{"organisation", "supervision", "integration", "clinical_learning", "language_support"} {
			answers = append(answers, r, "4")
		}
		pg = st.post(report, with(formOf(t, st.get(report)), answers...))
		wantText(t, pg, i18n.English, "flash.evaluation_report_submitted")
		recognise := fmt.Sprintf("/evaluations/recognise/%d", id)
		if pg := st.get(recognise); pg.Status == http.StatusOK {
			t.Error("a student opens the recognition form")
		}
		pg = of.get("/evaluations")
		if !strings.Contains(pg.Body, `href="`+recognise+`"`) {
			t.Fatalf("the placement is not waiting for recognition:\n%s", pg.Body)
		}
		pg = of.post(recognise, with(formOf(t, of.get(recognise)), "home_course", "Clinical elective", "credits", "", "grade", "Pass"))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		p.wantState(t, id, "confirmed")
		pg = of.post(recognise, with(formOf(t, of.get(recognise)), "home_course", "Clinical elective", "credits", "4", "grade", "Pass", "recognised_on", walletDay(-1)))
		wantText(t, pg, i18n.English, "flash.evaluation_recognised")
		p.wantState(t, id, "completed")

		// A waitlist, promoted when a seat frees.
		other := p.browser()
		other.signIn("student")
		other.fillWallet(cs[2].Required)
		p.grantScope("reviewer", cs[2].Specialty)
		id = p.submitted(t, other, cs[2])
		rv.act(id, "start_review")
		rv.act(id, "approve")
		of.act(id, "nominate")
		wantText(t, of.act(id, "host_decision", "decision", "waitlisted", "rank", "1"), i18n.English, "flash.application_host_decision_waitlisted")
		p.exec("UPDATE periods SET taken = capacity WHERE id = ?", cs[2].Period)
		pg = of.act(id, "promote")
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "application.err.period_full")
		p.exec("UPDATE periods SET taken = 0 WHERE id = ?", cs[2].Period)
		wantText(t, of.act(id, "promote"), i18n.English, "flash.application_promote")
		p.wantState(t, id, "host_accepted")
	})
}
