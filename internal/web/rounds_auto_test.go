package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

var roundVersion = regexp.MustCompile(`name="version" value="(\d+)"`)

// The office publishes the demo round, reads its rule after publication
// in words, and changes the days of an offer (a wrong number comes back
// as typed); the demo student, waiting in the round, is offered a freed
// seat on their application's page, in their language, and accepts it:
// the application is nominated through the workflow and mailed.
func TestAPublishedRoundsRuleIsOnItsPageAndAStudentAcceptsAnOfferedSeat(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	office := p.browser()
	office.signIn("office")
	var round int64
	if err := p.App.DB.Raw("SELECT id FROM selection_rounds WHERE state = 'dry_run' ORDER BY id LIMIT 1").Scan(&round).Error; err != nil || round == 0 {
		t.Fatalf("the demo has no round in dry run (%v)", err)
	}
	base := "/rounds/" + strconv.FormatInt(round, 10)
	pg := office.get(base)
	token := pg.csrf(t)
	wantText(t, pg, i18n.English, "rounds.auto.rule_offer", 5)
	if strings.Contains(pg.Body, `action="`+base+`/auto"`) {
		t.Fatal("the switch is offered before publication, where the round's form has it")
	}
	pub := office.post(base+"/publish", url.Values{"_csrf": {token}, "version": {roundVersion.FindStringSubmatch(pg.Body)[1]}})
	if pub.Status != http.StatusOK || !strings.Contains(pub.Body, `action="`+base+`/auto"`) {
		t.Fatalf("publish: %d, and the published round offers no switch", pub.Status)
	}
	wantText(t, pub, i18n.English, "rounds.auto.rule_reject")
	wantText(t, pub, i18n.English, "rounds.auto.on")
	wantText(t, pub, i18n.English, "rounds.auto.offers", 0)

	version := roundVersion.FindStringSubmatch(pub.Body)[1]
	bad := office.post(base+"/auto", url.Values{"_csrf": {token}, "version": {version}, "auto": {"1"}, "offer_days": {"0"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `name="offer_days" min="1" max="60" inputmode="numeric" value="0"`) {
		t.Fatalf("0 days: %d, the form should come back as typed", bad.Status)
	}
	wantText(t, bad, i18n.English, "selection.auto.err.offer_days", 1, 60)
	ok := office.post(base+"/auto", url.Values{"_csrf": {token}, "version": {version}, "auto": {"1"}, "offer_days": {"4"}})
	if ok.Status != http.StatusOK || ok.URL.Path != base {
		t.Fatalf("saving the switch: %d on %s", ok.Status, ok.URL)
	}
	wantText(t, ok, i18n.English, "flash.rounds_auto")
	wantText(t, ok, i18n.English, "rounds.auto.rule_offer", 4)
	if n := p.audits("selection.round.auto"); n != 1 {
		t.Fatalf("%d audit entries for the switch, want 1", n)
	}

	// The demo student's application in the round, as a freed seat's
	// offer finds it: waiting (nominated ones are rejected by the host
	// first, as the office records it).
	var app struct {
		ID     int64
		Status string
	}
	if err := p.App.DB.Raw(`SELECT a.id, a.status FROM selection_outcomes AS o
		JOIN applications AS a ON a.id = o.application_id JOIN users AS u ON u.id = a.applicant_id
		WHERE u.subject = 'demo-student' AND o.round_id = ? AND a.status IN ('office_review', 'nominated', 'host_rejected')
		ORDER BY a.id LIMIT 1`, round).Scan(&app).Error; err != nil || app.ID == 0 {
		t.Fatalf("the demo student has no outcome in the round (%v)", err)
	}
	if app.Status == "nominated" {
		pg := office.act(app.ID, "host_decision", "decision", "rejected", "rank", current(t, p, app.ID), "comment", "No supervisor.")
		if pg.Status != http.StatusOK {
			t.Fatalf("recording the host's rejection: %d", pg.Status)
		}
	}
	// Its first choice no host rejected, else (a single choice) its first.
	var rank, period int64
	if err := p.App.DB.Raw(`SELECT rank, period_id FROM application_choices WHERE application_id = ?
		ORDER BY CASE WHEN host_decision = 'rejected' THEN 1 ELSE 0 END, rank LIMIT 1`, app.ID).Row().Scan(&rank, &period); err != nil {
		t.Fatalf("no choice left to offer: %v", err)
	}
	p.exec(`UPDATE periods SET capacity = taken + 5 WHERE id = ?`, period) // a seat is free there
	now := time.Now().UTC()
	p.exec(`INSERT INTO selection_offers (round_id, application_id, period_id, rank, state, open_application_id, offered_at, expires_at)
		VALUES (?, ?, ?, ?, 'open', ?, ?, ?)`, round, app.ID, period, rank, app.ID, now, now.Add(96*time.Hour))

	other := p.browser()
	other.signIn("reviewer")
	student := p.browser()
	student.signIn("student")
	mine := student.get(link(app.ID))
	wantText(t, mine, i18n.English, "rounds.offer.title")
	wantText(t, mine, i18n.English, "rounds.auto.rule_offer", 4) // the rule, as the round publishes it
	if !strings.Contains(mine.Body, `action="`+link(app.ID, "round-offer/accept")+`"`) {
		t.Fatalf("the application page offers no answer:\n%s", mine.Body)
	}
	student.Language = "zh-Hant"
	wantText(t, student.get(link(app.ID)), i18n.TraditionalChinese, "rounds.offer.title")
	student.Language = "en"

	var offer int64
	p.App.DB.Raw("SELECT id FROM selection_offers WHERE application_id = ?", app.ID).Scan(&offer)
	form := url.Values{"_csrf": {other.get("/").csrf(t)}, "offer": {strconv.FormatInt(offer, 10)}}
	if pg := other.post(link(app.ID, "round-offer/accept"), form); pg.Status != http.StatusNotFound {
		t.Fatalf("a reviewer accepted the student's offer: %d\n%s", pg.Status, pg.Body)
	}
	form.Set("_csrf", mine.csrf(t))
	done := student.post(link(app.ID, "round-offer/accept"), form)
	if done.Status != http.StatusOK || done.URL.Path != link(app.ID) {
		t.Fatalf("accepting: %d on %s", done.Status, done.URL)
	}
	wantText(t, done, i18n.English, "flash.application_round_offer_accept")
	if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND status = 'nominated' AND current_choice = ?", app.ID, rank); n != 1 {
		t.Fatal("the accepted offer did not nominate the application to its choice")
	}
	if n := p.count("SELECT COUNT(*) FROM review_events WHERE application_id = ? AND action = 'nominate' AND role = 'system'", app.ID); n != 1 {
		t.Fatalf("%d system nominations recorded, want 1", n)
	}
	if n := p.count("SELECT COUNT(*) FROM outbox WHERE kind = 'application_nominated' AND recipient_user_id = ?", p.userID("demo-student")); n == 0 {
		t.Fatal("the student was not mailed the nomination")
	}
	again := student.post(link(app.ID, "round-offer/accept"), form)
	if again.Status != http.StatusConflict {
		t.Fatalf("accepting twice: %d", again.Status)
	}
	wantText(t, again, i18n.English, "selection.offer.err.gone")
}

// current is the rank of application id's current choice.
func current(t *testing.T, p *portal, id int64) string {
	t.Helper()
	return strconv.FormatInt(p.count("SELECT current_choice FROM applications WHERE id = ?", id), 10)
}
