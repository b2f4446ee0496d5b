package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
)

// Home is each person's worklist. A reviewer sees what waits for them,
// oldest first; the office sees counts per stage; a student with an offer
// sees it and its deadline on home, and the bell counts it even once its
// notification is read. Once the student holds the placement, the
// elective's page says so instead of offering to start another
// application, and starting one for that period anyway is refused.
func TestHomeIsEachPersonsWorklist(t *testing.T) {
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

		// Nothing waits yet.
		wantText(t, rv.get("/"), i18n.English, "home.work.review.empty")
		wantText(t, st.get("/"), i18n.English, "home.work.student.empty")
		draft := st.apply(cs[2]) // its window closes later on

		// Two submitted applications: the one waiting longer comes first.
		first := p.submitted(t, st, cs[0])
		second := p.submitted(t, st, cs[1])
		p.exec("UPDATE applications SET stage_since = ? WHERE id = ?", time.Now().UTC().AddDate(0, 0, -9), second)
		pg := rv.get("/")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "home.work.review.title", 2)
		a, b := strings.Index(pg.Body, `href="`+link(second)+`"`), strings.Index(pg.Body, `href="`+link(first)+`"`)
		if a < 0 || b < 0 || a > b {
			t.Errorf("the reviewer's home does not list the oldest first (%d, %d):\n%s", a, b, pg.Body)
		}

		// The office: how many applications per stage, each a link to the queue.
		pg = of.get("/")
		wantText(t, pg, i18n.English, "home.work.stages.title")
		if !strings.Contains(pg.Body, `<span class="home-count">2</span>`) || !strings.Contains(pg.Body, `href="/review?stage=submitted"`) {
			t.Errorf("the office's home does not count 2 submitted applications:\n%s", pg.Body)
		}
		wantText(t, pg, i18n.English, "home.work.agreements.title")

		// An offer: on the student's home with its deadline, and in the bell,
		// even after every notification is read.
		p.toOffer(t, first, rv, of)
		var due time.Time
		p.App.DB.Raw("SELECT offer_expires_at FROM applications WHERE id = ?", first).Row().Scan(&due)
		p.exec("UPDATE notifications SET read_at = ?", time.Now().UTC())
		pg = st.get("/")
		// The deadline in the portal's time zone, saying which.
		in := func(lang i18n.Lang) string {
			return p.App.Zone.Phrase(func(k string, a ...any) string { return bundle.T(lang, k, a...) }, due)
		}
		wantText(t, pg, i18n.English, "home.work.offer.due", in(i18n.English))
		if !strings.Contains(pg.Body, `href="`+link(first)+`"`) {
			t.Errorf("home does not link the offer:\n%s", pg.Body)
		}
		wantText(t, pg, i18n.English, "notify.bell.label", 1)
		// ... and in Chinese too.
		zh := st.post("/lang", url.Values{"_csrf": {pg.csrf(t)}, "lang": {"zh-Hant"}, "return_to": {"/"}})
		wantText(t, zh, i18n.TraditionalChinese, "home.work.offer.due", in(i18n.TraditionalChinese))
		st.post("/lang", url.Values{"_csrf": {zh.csrf(t)}, "lang": {"en"}, "return_to": {"/"}})

		// Accepted: the elective's page shows the placement, not Start.
		st.act(first, "accept_offer")
		p.wantState(t, first, "confirmed")
		pg = st.get(fmt.Sprintf("/electives/%d", cs[0].Elective))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "home.held.title")
		if !strings.Contains(pg.Body, "You hold a confirmed placement here") {
			t.Errorf("the elective's page does not say the student holds a placement:\n%s", pg.Body)
		}
		if strings.Contains(pg.Body, bundle.T(i18n.English, "application.apply.button")) {
			t.Error("the elective's page still offers to start an application")
		}
		if !strings.Contains(pg.Body, `href="`+link(first)+`"`) {
			t.Error("the elective's page does not link the placement's application")
		}
		wantText(t, st.get("/"), i18n.English, "home.work.next", "")

		// Starting anyway (an old page) is refused and makes no draft.
		before := p.count("SELECT COUNT(*) FROM applications")
		pg = st.post("/applications", url.Values{"_csrf": {pg.csrf(t)}, "key": {"0123456789abcdef0123456789abcdef"},
			"elective": {fmt.Sprint(cs[0].Elective)}, "period": {fmt.Sprint(cs[0].Period)}})
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "home.start.err.same_period", first)
		if n := p.count("SELECT COUNT(*) FROM applications"); n != before {
			t.Errorf("%d applications after a refused start, want %d", n, before)
		}

		// A draft whose window closes in three days is on home, with the day.
		p.exec("UPDATE electives SET closes_on = ? WHERE id = ?", walletDay(3), cs[2].Elective)
		pg = st.get("/")
		wantText(t, pg, i18n.English, "home.work.closing.due", walletDay(3))
		if !strings.Contains(pg.Body, `href="`+link(draft)+`"`) {
			t.Errorf("home does not link the draft closing soon:\n%s", pg.Body)
		}
	})
}

// A coordinator's home lists the requests waiting for them and the weeks
// filling up; an incoming applicant's home their requests' next steps.
// With nothing under way, each says so.
func TestHomeOfCoordinatorAndIncomingApplicant(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		co, in := p.browser(), p.browser()
		co.signIn("coordinator")
		in.signIn("incoming")
		pg := co.get("/")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "home.work.rotations.title", 0)
		wantText(t, pg, i18n.English, "home.work.weeks.title")
		pg = in.get("/")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "profile.todo.title") // no profile yet
		in.post("/incoming/profile", url.Values{"_csrf": {pg.csrf(t)}, "family_name": {"Yamada"}, "given_names": {"Hanako"},
			"birth_date": {"2003-05-14"}, "nationality": {"JP"}, "year_of_study": {"5"}, "home_institution_name": {"Kyoto University"}, "home_country": {"JP"}})
		wantText(t, in.get("/"), i18n.English, "home.work.incoming.empty")
	})
}
