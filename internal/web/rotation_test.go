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
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/clock"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/user"
	"portal/internal/wiring"
)

// rotPortal is a dev portal with two incoming applicants and a second
// coordinator besides the demo users, and two departments open for
// rotations outside the demo's: family medicine, coordinated by the demo
// coordinator, and infectious diseases, by coordinator2.
type rotPortal struct {
	*portal
	fm, id int64
	week   func(n int) string // the Monday n weeks after this week's
}

func startRotations(t *testing.T, dialect string) *rotPortal {
	t.Helper()
	users := append(devoidc.DemoUsers(),
		devoidc.User{Username: "visitor", Subject: "demo-visitor", Email: "visitor@demo.portal.test", Name: "Sato Haruka 佐藤遥", Locale: "en", Groups: []string{"incoming"}},
		devoidc.User{Username: "visitor2", Subject: "demo-visitor2", Email: "visitor2@demo.portal.test", Name: "Bruno Silva", Locale: "en", Groups: []string{"incoming"}},
		devoidc.User{Username: "coordinator2", Subject: "demo-coordinator2", Email: "c2@demo.portal.test", Name: "Lee Coordinator", Locale: "en", Groups: []string{"coordinator"}},
	)
	p := &rotPortal{portal: startPortal(t, dialect, wiring.Options{DevUsers: users})}
	p.fm = p.count("SELECT id FROM departments WHERE code = 'FM'")
	p.id = p.count("SELECT id FROM departments WHERE code = 'ID'")
	monday := thisMonday()
	p.week = func(n int) string { return monday.AddDate(0, 0, 7*n).Format(time.DateOnly) }
	ctx, office := context.Background(), &user.User{Roles: []user.Role{user.Office}}
	for _, dep := range []int64{p.fm, p.id} {
		if err := p.App.Rotations.SetRules(ctx, office, dep, rotation.RulesInput{MinWeeks: "2", MaxWeeks: "6", LeadDays: "14"}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.App.Rotations.Publish(ctx, office, dep, rotation.PublishInput{RangeInput: rotation.RangeInput{From: p.week(1), To: p.week(16)}, Seats: "2"}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// grant makes the dev user subject a coordinator of dep; they must have
// signed in once.
func (p *rotPortal) grant(subject string, dep int64) {
	p.t.Helper()
	if err := p.App.Rotations.GrantCoordinator(context.Background(), p.userID(subject), dep); err != nil {
		p.t.Fatal(err)
	}
}

// wallet gives the dev user subject the documents a request needs.
func (p *rotPortal) wallet(subject string) {
	p.t.Helper()
	owner := p.userID(subject)
	for _, typ := range rotation.RequiredDocs {
		d := &document.Document{OwnerID: owner, Version: 1, Type: typ, StorageKey: fmt.Sprintf("test/%d/%s", owner, typ), FileName: typ + ".pdf",
			MediaType: "application/pdf", Size: 100, SHA256: sha256Hex(typ), UploadedAt: time.Now()}
		if typ == "insurance" {
			exp := time.Now().AddDate(1, 0, 0)
			d.ExpiresOn = &exp
		}
		if err := p.App.DB.Create(d).Error; err != nil {
			p.t.Fatal(err)
		}
		p.exec("UPDATE documents SET chain_id = id WHERE id = ?", d.ID)
	}
}

var rotVersionInput = regexp.MustCompile(`name="version" value="(\d+)"`)
var rotKeyInput = regexp.MustCompile(`name="key" value="([^"]+)"`)

func rotField(t *testing.T, pg *page, re *regexp.Regexp) string {
	t.Helper()
	m := re.FindStringSubmatch(pg.Body)
	if m == nil {
		t.Fatalf("no %s on %s:\n%s", re, pg.URL, pg.Body)
	}
	return m[1]
}

// act posts a form of the request's page, with its version and token.
func rotAct(t *testing.T, b *browser, id int64, path string, form url.Values) *page {
	t.Helper()
	pg := b.get(rotation.Link(id))
	wantStatus(t, pg, http.StatusOK)
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", pg.csrf(t))
	form.Set("version", rotField(t, pg, rotVersionInput))
	return b.post(rotation.Link(id)+path, form)
}

func (p *rotPortal) status(id int64) string {
	p.t.Helper()
	var st []string
	if err := p.App.DB.Raw("SELECT status FROM rotation_requests WHERE id = ?", id).Scan(&st).Error; err != nil || len(st) != 1 {
		p.t.Fatalf("status of %d: %v", id, err)
	}
	return st[0]
}

// The whole way over HTTP: an applicant requests two weeks from the form,
// submits, the coordinator reviews and forwards, the office accepts, the
// applicant completes the onboarding, confirms and downloads the
// acceptance letter; the coordinator's calendar shows the seat used.
func TestRotationFlowOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		applicant, coord, office := p.browser(), p.browser(), p.browser()
		applicant.signIn("visitor")
		coord.signIn("coordinator")
		office.signIn("office")
		p.grant("demo-coordinator", p.fm)
		p.wallet("demo-visitor")

		pg := applicant.get("/rotations/new")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "rotation.new.title")
		weeks := applicant.get(fmt.Sprintf("/rotations/weeks?slot=1&choice_1_department=%d", p.fm))
		wantStatus(t, weeks, http.StatusOK)
		if !strings.Contains(weeks.Body, `value="`+p.week(4)+`"`) || strings.Contains(weeks.Body, "<html") {
			t.Fatalf("the weeks fragment does not offer %s:\n%s", p.week(4), weeks.Body)
		}
		form := url.Values{"_csrf": {pg.csrf(t)}, "key": {rotField(t, pg, rotKeyInput)},
			"choice_1_department": {fmt.Sprint(p.fm)}, "choice_1_start": {p.week(4)}, "choice_1_weeks": {"2"},
			"statement": {"I would like to see family medicine in Taiwan."}}
		for _, m := range regexp.MustCompile(`name="documents" value="(\d+)" checked`).FindAllStringSubmatch(pg.Body, -1) {
			form.Add("documents", m[1])
		}
		pg = applicant.post("/rotations", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.rotation_saved")
		again := applicant.post("/rotations", form) // a double click
		wantStatus(t, again, http.StatusOK)
		if n := p.count("SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ?", p.userID("demo-visitor")); n != 1 {
			t.Fatalf("%d requests after a double click, want 1", n)
		}
		var id int64
		if _, err := fmt.Sscanf(pg.URL.Path, "/rotations/%d", &id); err != nil {
			t.Fatalf("landed on %s", pg.URL)
		}
		key := rotField(t, pg, rotKeyInput)
		draft := applicant.get(rotation.Link(id))
		submit := url.Values{"_csrf": {draft.csrf(t)}, "version": {rotField(t, draft, rotVersionInput)}, "key": {key}}
		pg = applicant.post(rotation.Link(id)+"/submit", submit)
		wantText(t, pg, i18n.English, "flash.rotation_submitted")
		pg = applicant.post(rotation.Link(id)+"/submit", submit) // a retry of the same form
		wantText(t, pg, i18n.English, "flash.rotation_submitted")
		if p.status(id) != "submitted" || p.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", id) != 1 {
			t.Fatalf("status %s after a retried submit, want submitted with one event", p.status(id))
		}

		pg = coord.get("/calendar/requests")
		if !strings.Contains(pg.Body, rotation.Link(id)) {
			t.Errorf("the coordinator's queue does not list the request")
		}
		rotAct(t, coord, id, "/review", url.Values{"action": {"start_review"}})
		pg = rotAct(t, coord, id, "/review", url.Values{"action": {"forward"}})
		wantText(t, pg, i18n.English, "flash.rotation_forward")
		pg = rotAct(t, office, id, "/accept", url.Values{"rank": {"1"}})
		wantText(t, pg, i18n.English, "flash.rotation_accept")
		if p.status(id) != "accepted" {
			t.Fatalf("status %s", p.status(id))
		}
		if n := p.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_accepted' AND recipient_user_id = ?", p.userID("demo-visitor")); n != 1 {
			t.Errorf("acceptance mails: %d", n)
		}

		// Onboarding: an arrival date after the first day is refused and
		// kept in the form; a good one is saved; then confirm.
		start, _ := time.Parse(time.DateOnly, p.week(4))
		pg = rotAct(t, applicant, id, "/onboarding", url.Values{"arrival_on": {start.AddDate(0, 0, 3).Format(time.DateOnly)}, "visa_letter": {"yes"}, "housing": {"no"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.err.arrival", start.AddDate(0, 0, -rotation.ArrivalDaysBefore).Format(time.DateOnly), p.week(4))
		pg = rotAct(t, applicant, id, "/onboarding", url.Values{"arrival_on": {start.AddDate(0, 0, -2).Format(time.DateOnly)}, "visa_letter": {"yes"}, "housing": {"no"}})
		wantText(t, pg, i18n.English, "flash.rotation_onboarding")
		pg = rotAct(t, applicant, id, "/confirm", nil)
		wantText(t, pg, i18n.English, "flash.rotation_confirm")
		if p.status(id) != "confirmed" {
			t.Fatalf("status %s", p.status(id))
		}
		letter := applicant.get(rotation.Link(id) + "/letters/acceptance")
		wantStatus(t, letter, http.StatusOK)
		if ct := letter.Header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(letter.Body, "%PDF") {
			t.Errorf("acceptance letter: %s, %.20q", ct, letter.Body)
		}
		if pg := applicant.get(rotation.Link(id) + "/letters/completion"); pg.Status != http.StatusNotFound {
			t.Errorf("a completion certificate before completion: %d", pg.Status)
		}

		pg = coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "rotation.calendar.summary", 1, 0, 1, 2)
		// Once completed (the clock is not the test's: the row is set), the
		// certificate of completion is issued too, to the coordinator as well.
		p.exec("UPDATE rotation_requests SET status = 'completed' WHERE id = ?", id)
		for _, b := range []*browser{applicant, coord} {
			cert := b.get(rotation.Link(id) + "/letters/completion")
			wantStatus(t, cert, http.StatusOK)
			if !strings.HasPrefix(cert.Body, "%PDF") {
				t.Errorf("certificate of completion: %.20q", cert.Body)
			}
		}
	})
}

// Every route with an id refuses, as not found, another applicant, the
// coordinator of another department and a person without a role;
// anonymous visitors are sent to sign in (GET) or refused (POST); nothing
// changes.
func TestRotationAccessMatrix(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		owner, other, outsider, stranger, anon := p.browser(), p.browser(), p.browser(), p.browser(), p.browser()
		owner.signIn("visitor")
		other.signIn("visitor2")
		outsider.signIn("coordinator2")
		stranger.signIn("student")
		p.grant("demo-coordinator2", p.id)
		p.wallet("demo-visitor")
		u := &user.User{ID: p.userID("demo-visitor"), Roles: []user.Role{user.Incoming}}
		ctx := context.Background()
		var docs []int64
		p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ?", u.ID).Scan(&docs)
		r, err := p.App.Rotations.CreateDraft(ctx, u, rotation.DraftInput{Key: "access-test-key", Documents: docs,
			Choices: []rotation.ChoiceInput{{DepartmentID: p.fm, StartsOn: p.week(4), Weeks: "2"}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err = p.App.Rotations.Submit(ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: "access-submit-key"})
		if err != nil {
			t.Fatal(err)
		}
		ownerPage := owner.get(rotation.Link(r.ID))
		wantStatus(t, ownerPage, http.StatusOK)
		token := ownerPage.csrf(t)
		before := p.count("SELECT version FROM rotation_requests WHERE id = ?", r.ID)
		gets := []string{"", "/letters/acceptance"}
		posts := map[string]url.Values{
			"":            {"choice_1_department": {fmt.Sprint(p.fm)}, "choice_1_start": {p.week(5)}, "choice_1_weeks": {"2"}},
			"/submit":     {"key": {"another-key-123"}},
			"/withdraw":   {},
			"/review":     {"action": {"reject"}, "comment": {"no"}},
			"/accept":     {"rank": {"1"}},
			"/onboarding": {"arrival_on": {p.week(3)}},
			"/confirm":    {},
		}
		for name, b := range map[string]*browser{"another applicant": other, "another department's coordinator": outsider, "a student": stranger} {
			for _, g := range gets {
				if pg := b.get(rotation.Link(r.ID) + g); pg.Status != http.StatusNotFound {
					t.Errorf("%s GET %s: %d, want 404", name, g, pg.Status)
				}
			}
			pg := b.get("/")
			for path, form := range posts {
				f := url.Values{"_csrf": {pg.csrf(t)}, "version": {fmt.Sprint(before)}}
				for k, v := range form {
					f[k] = v
				}
				if res := b.post(rotation.Link(r.ID)+path, f); res.Status != http.StatusNotFound {
					t.Errorf("%s POST %s: %d, want 404", name, path, res.Status)
				}
			}
		}
		if pg := anon.step(http.MethodGet, rotation.Link(r.ID), nil, nil); pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login") {
			t.Errorf("anonymous GET: %d %s", pg.Status, pg.Header.Get("Location"))
		}
		anon.get("/")
		for path := range posts {
			f := url.Values{"_csrf": {token}, "version": {fmt.Sprint(before)}}
			if res := anon.post(rotation.Link(r.ID)+path, f); res.Status != http.StatusUnauthorized && res.Status != http.StatusForbidden {
				t.Errorf("anonymous POST %s: %d", path, res.Status)
			}
		}
		if pg := outsider.get(fmt.Sprintf("/calendar?department=%d", p.fm)); pg.Status != http.StatusNotFound {
			t.Errorf("another department's calendar: %d", pg.Status)
		}
		if pg := other.get("/calendar"); pg.Status != http.StatusForbidden {
			t.Errorf("an applicant on the calendar: %d", pg.Status)
		}
		if after := p.count("SELECT version FROM rotation_requests WHERE id = ?", r.ID); after != before || p.status(r.ID) != "submitted" {
			t.Errorf("refused requests changed the request: v%d -> v%d, %s", before, after, p.status(r.ID))
		}
		if n := p.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", r.ID); n != 1 {
			t.Errorf("events %d, want 1", n)
		}
	})
}

// Bad input over HTTP: a blackout week and a week full since are refused
// with the message on the form, the choices kept, nothing written.
func TestRotationBadInputOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		coord, applicant := p.browser(), p.browser()
		coord.signIn("coordinator")
		applicant.signIn("visitor")
		p.grant("demo-coordinator", p.fm)
		pg := coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		pg = coord.post(fmt.Sprintf("/calendar/%d/blackout", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(5)}, "to": {p.week(5)}, "blackout": {"close"}})
		wantText(t, pg, i18n.English, "flash.calendar_blackout")
		pg = coord.post(fmt.Sprintf("/calendar/%d/publish", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(8)}, "to": {p.week(8)}, "seats": {"0"}, "confirm": {"yes"}})
		wantText(t, pg, i18n.English, "flash.calendar_published")
		pg = coord.post(fmt.Sprintf("/calendar/%d/rules", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "min_weeks": {"5"}, "max_weeks": {"3"}, "lead_days": {"14"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.err.max_below_min")

		pg = applicant.get("/rotations/new")
		base := url.Values{"_csrf": {pg.csrf(t)}, "key": {rotField(t, pg, rotKeyInput)}, "choice_1_department": {fmt.Sprint(p.fm)}, "choice_1_weeks": {"2"}}
		for start, key := range map[string]string{p.week(4): "rotation.err.blackout", p.week(7): "rotation.err.week_full", p.week(1): "rotation.err.lead",
			thisMonday().AddDate(0, 0, -7).Format(time.DateOnly): "rotation.err.past"} {
			f := url.Values{}
			for k, v := range base {
				f[k] = v
			}
			f.Set("choice_1_start", start)
			pg := applicant.post("/rotations", f)
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			switch key {
			case "rotation.err.past":
				wantText(t, pg, i18n.English, key, start)
				continue // a past week is not offered to keep
			case "rotation.err.lead":
				wantText(t, pg, i18n.English, key, start, 14)
			default:
				week := p.week(5)
				if key == "rotation.err.week_full" {
					week = p.week(8)
				}
				wantText(t, pg, i18n.English, key, week)
			}
			if !strings.Contains(pg.Body, `value="`+start+`" checked`) {
				t.Errorf("the refused form lost the chosen week %s", start)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ?", p.userID("demo-visitor")); n != 0 {
			t.Errorf("%d requests written by refused forms", n)
		}
	})
}

// The demo: the demo coordinator's calendar shows used and reserved seats,
// and their queue holds requests.
func TestRotationDemo(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{DemoApplications: true})
		b := p.browser()
		b.signIn("coordinator")
		pg := b.get("/calendar")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `rot-seat used`) || !strings.Contains(pg.Body, `rot-seat reserved`) {
			t.Errorf("the demo calendar shows no used or reserved seat:\n%s", pg.Body)
		}
		pg = b.get("/calendar/requests")
		if n := strings.Count(pg.Body, `href="/rotations/`); n < 5 {
			t.Errorf("the demo queue lists %d requests", n)
		}
		for _, st := range rotation.Stages {
			if p.count("SELECT COUNT(*) FROM rotation_requests WHERE status = ?", st) == 0 {
				t.Errorf("no demo request %s", st)
			}
		}
		// The demo incoming applicant finds rotations of their own, one
		// completed with its certificate, under the profile's names.
		me := p.browser()
		me.signIn("incoming")
		pg = me.get("/rotations")
		wantStatus(t, pg, http.StatusOK)
		mine := regexp.MustCompile(`href="/rotations/(\d+)"`).FindAllStringSubmatch(pg.Body, -1)
		if len(mine) < 2 {
			t.Fatalf("the demo incoming user lists %d requests of their own", len(mine))
		}
		completed := p.count("SELECT r.id FROM rotation_requests r JOIN users u ON u.id = r.applicant_id WHERE u.subject = 'demo-incoming' AND r.status = 'completed'")
		if completed == 0 {
			t.Fatal("the demo incoming user has no completed rotation")
		}
		wantStatus(t, me.get(fmt.Sprintf("/rotations/%d", completed)), http.StatusOK)
		if pg := me.get(fmt.Sprintf("/rotations/%d/letters/completion", completed)); pg.Status != http.StatusOK || !strings.HasPrefix(pg.Body, "%PDF-") {
			t.Errorf("the demo certificate of completion answered %d", pg.Status)
		}
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles WHERE name_native = '山田花子'"); n != 1 {
			t.Errorf("%d demo profiles with the name in kanji", n)
		}
		// Seeding again (a restart) adds nothing.
		seeded, err := p.App.Rotations.SeedDemo(context.Background(), rotation.Demo{Issuer: p.URL + "/dev/oidc", Users: p.App.Users})
		if err != nil || seeded {
			t.Errorf("second seeding: %v, %v", seeded, err)
		}
	})
}

// Refusals of the review over HTTP: a stale form is told the request
// changed, an acceptance into a week filled meanwhile is told it is full,
// a return without a message asks for one; each re-renders the request
// and changes nothing.
func TestRotationReviewRefusalsOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		coord, office := p.browser(), p.browser()
		coord.signIn("coordinator")
		office.signIn("office")
		p.grant("demo-coordinator", p.id)
		ctx := context.Background()
		c := &user.User{ID: p.userID("demo-coordinator"), Roles: []user.Role{user.Coordinator}}
		var ids []int64
		for _, who := range []string{"visitor", "visitor2"} {
			p.browser().signIn(who)
			p.wallet("demo-" + who)
			u := &user.User{ID: p.userID("demo-" + who), Roles: []user.Role{user.Incoming}}
			var docs []int64
			p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ?", u.ID).Scan(&docs)
			r, err := p.App.Rotations.CreateDraft(ctx, u, rotation.DraftInput{Key: "refusal-" + who, Documents: docs,
				Choices: []rotation.ChoiceInput{{DepartmentID: p.id, StartsOn: p.week(6), Weeks: "2"}}})
			if err == nil {
				r, err = p.App.Rotations.Submit(ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: "refusal-s-" + who})
			}
			if err == nil {
				r, err = p.App.Rotations.StartReview(ctx, c, r.ID, rotation.ReviewInput{Version: r.Version})
			}
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		// Two tabs of the coordinator: the second acts on what it showed.
		stale := coord.get(rotation.Link(ids[0]))
		pg := rotAct(t, coord, ids[0], "/review", url.Values{"action": {"forward"}})
		wantText(t, pg, i18n.English, "flash.rotation_forward")
		pg = coord.post(rotation.Link(ids[0])+"/review", url.Values{"_csrf": {stale.csrf(t)}, "version": {rotField(t, stale, rotVersionInput)}, "action": {"reject"}, "comment": {"no"}})
		wantStatus(t, pg, http.StatusConflict)
		if !strings.Contains(pg.Body, "This request changed since you opened it: ") {
			t.Errorf("a stale review is not told who changed the request:\n%s", pg.Body)
		}
		if p.status(ids[0]) != "office_review" {
			t.Fatalf("status %s", p.status(ids[0]))
		}
		pg = rotAct(t, coord, ids[1], "/review", url.Values{"action": {"return"}, "comment": {""}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "form.required")
		rotAct(t, coord, ids[1], "/review", url.Values{"action": {"forward"}})

		// The coordinator cuts the seats of week 7 to none; the office
		// then cannot accept.
		cal := coord.get(fmt.Sprintf("/calendar?department=%d", p.id))
		coord.post(fmt.Sprintf("/calendar/%d/publish", p.id), url.Values{"_csrf": {cal.csrf(t)}, "from": {p.week(7)}, "to": {p.week(7)}, "seats": {"0"}, "confirm": {"yes"}})
		pg = rotAct(t, office, ids[1], "/accept", url.Values{"rank": {"1"}})
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "rotation.err.full")
		if p.status(ids[1]) != "office_review" || p.count("SELECT COALESCE(SUM(taken), 0) FROM rotation_blocks WHERE department_id = ?", p.id) != 0 {
			t.Errorf("a refused acceptance changed something")
		}
		// Seats below what is taken are refused on the calendar too.
		cal = coord.get(fmt.Sprintf("/calendar?department=%d", p.id))
		coord.post(fmt.Sprintf("/calendar/%d/publish", p.id), url.Values{"_csrf": {cal.csrf(t)}, "from": {p.week(7)}, "to": {p.week(7)}, "seats": {"1"}})
		pg = rotAct(t, office, ids[0], "/accept", url.Values{"rank": {"1"}})
		wantText(t, pg, i18n.English, "flash.rotation_accept")
		cal = coord.get(fmt.Sprintf("/calendar?department=%d", p.id))
		pg = coord.post(fmt.Sprintf("/calendar/%d/publish", p.id), url.Values{"_csrf": {cal.csrf(t)}, "from": {p.week(6)}, "to": {p.week(6)}, "seats": {"0"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.err.below_taken", p.week(6), 1)
	})
}

// The office gives a department to a coordinator and takes it back, on
// the calendar page, audited; a person without the coordinator role is
// refused; a coordinator cannot hand out departments.
func TestRotationCoordinatorScopeOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		office, c2, student := p.browser(), p.browser(), p.browser()
		office.signIn("office")
		c2.signIn("coordinator2")
		student.signIn("student")
		if pg := c2.get(fmt.Sprintf("/calendar?department=%d", p.fm)); pg.Status != http.StatusNotFound {
			t.Fatalf("before the grant: %d", pg.Status)
		}
		pg := office.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		wantText(t, pg, i18n.English, "rotation.coordinators.none")
		c2id := p.userID("demo-coordinator2")
		pg = office.post(fmt.Sprintf("/calendar/%d/coordinators", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "user": {fmt.Sprint(p.userID("demo-student"))}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "rotation.err.not_coordinator")
		pg = office.post(fmt.Sprintf("/calendar/%d/coordinators", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "user": {fmt.Sprint(c2id)}})
		wantText(t, pg, i18n.English, "flash.calendar_granted")
		if p.audits(rotation.CoordinatorGranted) != 1 {
			t.Errorf("the grant is not audited")
		}
		wantStatus(t, c2.get(fmt.Sprintf("/calendar?department=%d", p.fm)), http.StatusOK)
		own := c2.get("/")
		if res := c2.post(fmt.Sprintf("/calendar/%d/coordinators", p.fm), url.Values{"_csrf": {own.csrf(t)}, "user": {fmt.Sprint(c2id)}}); res.Status != http.StatusNotFound {
			t.Errorf("a coordinator granted a department: %d", res.Status)
		}
		pg = office.post(fmt.Sprintf("/calendar/%d/coordinators/%d/revoke", p.fm, c2id), url.Values{"_csrf": {pg.csrf(t)}})
		wantText(t, pg, i18n.English, "flash.calendar_revoked")
		if pg := c2.get(fmt.Sprintf("/calendar?department=%d", p.fm)); pg.Status != http.StatusNotFound {
			t.Errorf("after the revocation: %d", pg.Status)
		}
		if pg := student.get("/calendar"); pg.Status != http.StatusForbidden {
			t.Errorf("a student on the calendar: %d", pg.Status)
		}
	})
}

// The coordinator's publish form is not pre-filled with anything that
// would change the calendar. Publishing fewer seats than the weeks have
// asks first, saying how many weeks are lowered and how many change, and
// changes nothing; the confirmation lowers them.
func TestCalendarPublishAsksBeforeLoweringOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect) // weeks 1-16 with 2 seats
		coord := p.browser()
		coord.signIn("coordinator")
		p.grant("demo-coordinator", p.fm)
		pg := coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		wantStatus(t, pg, http.StatusOK)
		for _, id := range []string{"publish-from", "publish-to", "publish-seats", "blackout-from", "blackout-to"} {
			if m := regexp.MustCompile(`id="` + id + `" name="\w+" value="([^"]*)"`).FindStringSubmatch(pg.Body); m == nil || m[1] != "" {
				t.Errorf("the calendar's form field %s is pre-filled: %v", id, m)
			}
		}
		seats := func() int64 { return p.count("SELECT SUM(seats) FROM rotation_blocks WHERE department_id = ?", p.fm) }
		before := seats()
		ask := url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(11)}, "to": {p.week(20)}, "seats": {"1"}}
		pg = coord.post(fmt.Sprintf("/calendar/%d/publish", p.fm), ask)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, rotation.KeyConfirmLower, 6, 10, 1)
		if !strings.Contains(pg.Body, `name="confirm" value="yes"`) || !strings.Contains(pg.Body, `name="seats" value="1"`) {
			t.Errorf("the question offers no confirmation of the same publication:\n%s", pg.Body)
		}
		if seats() != before || p.count("SELECT COUNT(*) FROM rotation_blocks WHERE department_id = ?", p.fm) != 16 {
			t.Fatalf("asking changed the calendar")
		}
		ask.Set("_csrf", pg.csrf(t))
		ask.Set("confirm", "yes")
		pg = coord.post(fmt.Sprintf("/calendar/%d/publish", p.fm), ask)
		wantText(t, pg, i18n.English, "flash.calendar_published")
		if n := p.count("SELECT COUNT(*) FROM rotation_blocks WHERE department_id = ? AND seats = 1", p.fm); n != 10 {
			t.Errorf("%d weeks at 1 seat after the confirmation, want 10", n)
		}
		// In Chinese the question is asked in Chinese.
		pg = coord.post("/lang", url.Values{"_csrf": {pg.csrf(t)}, "lang": {"zh-Hant"}, "return_to": {"/"}})
		ask = url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(1)}, "to": {p.week(2)}, "seats": {"0"}}
		pg = coord.post(fmt.Sprintf("/calendar/%d/publish", p.fm), ask)
		wantText(t, pg, i18n.TraditionalChinese, rotation.KeyConfirmLower, 2, 2, 0)
	})
}

// The request form's calendar shows, before anything is saved, that four
// weeks from a week whose second week is closed cannot start there and
// why, and why the closed and too-soon weeks cannot be included. Saving
// that span anyway is refused, the summary listing the field's problem
// with a link to it.
func TestRotationSpanPickerOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect) // weeks 1-16 with 2 seats, 14 days' lead
		coord, applicant := p.browser(), p.browser()
		coord.signIn("coordinator")
		applicant.signIn("visitor")
		p.grant("demo-coordinator", p.fm)
		pg := coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		pg = coord.post(fmt.Sprintf("/calendar/%d/blackout", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(6)}, "to": {p.week(6)}, "blackout": {"close"}})
		wantText(t, pg, i18n.English, "flash.calendar_blackout")

		weeks := applicant.get(fmt.Sprintf("/rotations/weeks?slot=1&choice_1_department=%d&choice_1_weeks=4&choice_1_start=%s", p.fm, p.week(8)))
		wantStatus(t, weeks, http.StatusOK)
		row := func(week string) string {
			m := regexp.MustCompile(`(?s)<tr class="([^"]*)">\s*<th scope="row">(.*?)</tr>`).FindAllStringSubmatch(weeks.Body, -1)
			for _, r := range m {
				if strings.Contains(r[2], `value="`+week+`"`) {
					return r[1] + " " + r[2]
				}
			}
			t.Fatalf("no row for the week of %s:\n%s", week, weeks.Body)
			return ""
		}
		// As a page says it: its ISO date arguments written as it writes dates.
		tr := func(key string, args ...any) string {
			return p.App.Web.I18n.T(i18n.English, key, clock.Readable(trIn(i18n.English), args)...)
		}
		for week, want := range map[string]string{
			p.week(3):  tr("calendar.span.blocked.closed", p.week(6)),
			p.week(4):  tr("calendar.span.blocked.closed", p.week(6)),
			p.week(6):  tr("calendar.span.why.closed"),
			p.week(1):  tr("calendar.span.why.soon", 14),
			p.week(14): tr("calendar.span.beyond"),
		} {
			r := row(week)
			if !strings.Contains(r, html.EscapeString(want)) || !strings.Contains(r, " disabled") {
				t.Errorf("the week of %s: want it disabled, saying %q:\n%s", week, want, r)
			}
		}
		if r := row(p.week(7)); strings.Contains(r, " disabled") || !strings.Contains(r, tr("calendar.span.can_start", "")[:10]) {
			t.Errorf("4 weeks from %s should be possible:\n%s", p.week(7), r)
		}
		if r := row(p.week(8)); !strings.Contains(r, "in-span") || !strings.Contains(r, " checked") {
			t.Errorf("the chosen start %s is not marked:\n%s", p.week(8), r)
		}
		if r := row(p.week(11)); !strings.Contains(r, "in-span") {
			t.Errorf("the chosen span's last week %s is not marked:\n%s", p.week(11), r)
		}
		if r := row(p.week(12)); strings.Contains(r, "in-span") {
			t.Errorf("the week after the chosen span %s is marked:\n%s", p.week(12), r)
		}

		pg = applicant.get("/rotations/new")
		f := url.Values{"_csrf": {pg.csrf(t)}, "key": {rotField(t, pg, rotKeyInput)}, "choice_1_department": {fmt.Sprint(p.fm)},
			"choice_1_start": {p.week(4)}, "choice_1_weeks": {"4"}, "statement": {"Four weeks, please."}}
		pg = applicant.post("/rotations", f)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		problem := tr("calendar.problem", tr("rotation.form.choice", 1), tr("rotation.err.blackout", p.week(6)))
		if !strings.Contains(pg.Body, `<li><a href="#choice-1">`+problem+`</a></li>`) {
			t.Errorf("the error summary does not list %q:\n%s", problem, pg.Body)
		}
		if !strings.Contains(pg.Body, `value="`+p.week(4)+`" checked`) || !strings.Contains(pg.Body, "Four weeks, please.") ||
			!regexp.MustCompile(`<option value="4" selected>`).MatchString(pg.Body) {
			t.Errorf("the refused form lost what was chosen")
		}
		if n := p.count("SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ?", p.userID("demo-visitor")); n != 0 {
			t.Errorf("%d requests written by a refused form", n)
		}
	})
}

// thisMonday is the Monday of today's week in the portal's default zone
// (Asia/Taipei), as the calendar counts it: late on a Sunday UTC it is
// already the next Monday there.
func thisMonday() time.Time {
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		panic(err)
	}
	return rotation.Monday(z.Day(time.Now()))
}
