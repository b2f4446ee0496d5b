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

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/user"
	"portal/internal/wiring"
)

// The office sends a partner's contact one link for the round's two
// pending nominees; the host answers each on that page, a refused answer
// keeps what was typed, an answered nominee cannot be answered again, and
// a revoked link shows its page and changes nothing.
func TestTheOfficeSendsOneBatchLinkAndTheHostAnswersEachNominee(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		ctx, a := context.Background(), p.App
		now := time.Now().UTC()
		day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
		must := func(err error, what string) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		mk := func(name string, roles ...user.Role) *user.User {
			u := &user.User{Issuer: "test", Subject: name, Name: name, CreatedAt: now, UpdatedAt: now}
			must(a.DB.Create(u).Error, "user")
			u.Roles = roles
			return u
		}
		office, reviewer := mk("Batch Office", user.Office), mk("Batch Reviewer", user.Reviewer)
		inst, err := a.Catalog.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Batch Host University", Country: "JP", City: "Kumamoto", Kind: "university"})
		must(err, "institution")
		e, err := a.Catalog.CreateElective(ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: inst.ID, Kind: "clinical_elective",
			TitleEN: "Batch elective", Specialty: "internal_medicine", Language: "en", MinYear: "5", DurationWeeks: "4", OpensOn: day(-30), ClosesOn: day(30)})
		must(err, "elective")
		per, err := a.Catalog.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: day(60), EndsOn: day(87), Capacity: "5"})
		must(err, "period")
		must(a.Applications.GrantScope(ctx, reviewer.ID, "internal_medicine", office.ID, audit.Meta{}), "scope")
		_, err = a.Host.AddContact(ctx, office, host.ContactInput{InstitutionID: inst.ID, Name: "Dr. Batch", Email: "batch@host.example", Lang: "en"}, audit.Meta{})
		must(err, "contact")
		nominate := func(name string) int64 {
			t.Helper()
			st := mk(name, user.Student)
			app, err := a.Applications.CreateDraft(ctx, st, application.StartInput{Key: sha256Hex(name + "d")[:32], ElectiveID: e.ID, PeriodID: per.ID})
			must(err, "draft")
			app, err = a.Applications.SaveDraft(ctx, st, app.ID, application.DraftInput{Version: app.Version, Statement: "Statement of " + name,
				Choices: []application.ChoiceInput{{ElectiveID: e.ID, PeriodID: per.ID}}})
			must(err, "save")
			app, err = a.Applications.Submit(ctx, st, app.ID, application.SubmitInput{Version: app.Version, Key: sha256Hex(name + "s")[:32]})
			must(err, "submit")
			app, err = a.Applications.StartReview(ctx, reviewer, app.ID, application.ReviewInput{Version: app.Version})
			must(err, "review")
			app, err = a.Applications.Approve(ctx, reviewer, app.ID, application.ReviewInput{Version: app.Version})
			must(err, "approve")
			app, err = a.Applications.Nominate(ctx, office, app.ID, application.ReviewInput{Version: app.Version})
			must(err, "nominate")
			return app.ID
		}
		first, second := nominate("Batch Student One"), nominate("Batch Student Two")
		var round, run int64
		must(a.DB.Raw(`INSERT INTO selection_rounds (name, term, deadline, state, seed, created_by, created_at, updated_at)
			VALUES ('Batch round 2027', '2027S', ?, 'published', 1, ?, ?, ?) RETURNING id`, now, office.ID, now, now).Scan(&round).Error, "round")
		must(a.DB.Raw(`INSERT INTO selection_dry_runs (round_id, seq, seed, rubric, result, applicants, placed, created_by, created_at)
			VALUES (?, 1, 1, '{}', '{}', 0, 0, ?, ?) RETURNING id`, round, office.ID, now).Scan(&run).Error, "run")
		for _, id := range []int64{first, second} {
			must(a.DB.Exec(`INSERT INTO selection_outcomes (round_id, application_id, dry_run_id, outcome, score_centi, explanation, nominated_at)
				VALUES (?, ?, ?, 'placed', 0, '[]', ?)`, round, id, run, now).Error, "outcome")
		}

		of := p.browser()
		of.signIn("office")
		pg := of.get("/manage/hosts/batches")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "host.batches.send")
		// Nothing chosen: refused with a message on each field, nothing sent.
		refused := of.post("/manage/hosts/batches", url.Values{"_csrf": {pg.csrf(t)}, "round_id": {fmt.Sprint(round)}})
		wantStatus(t, refused, http.StatusUnprocessableEntity)
		wantText(t, refused, i18n.English, "form.required")
		if !strings.Contains(refused.Body, fmt.Sprintf(`<option value="%d" selected>`, round)) {
			t.Error("the refused form lost the chosen round")
		}
		if n := p.count("SELECT COUNT(*) FROM host_batch_links"); n != 0 {
			t.Fatalf("a refused form made %d links", n)
		}
		sent := of.post("/manage/hosts/batches", url.Values{"_csrf": {pg.csrf(t)}, "round_id": {fmt.Sprint(round)}, "institution_id": {fmt.Sprint(inst.ID)}})
		wantStatus(t, sent, http.StatusOK)
		wantText(t, sent, i18n.English, "flash.host_batch_sent")
		wantText(t, sent, i18n.English, "host.batches.count", 0, 2)
		var link string
		must(a.DB.Table("outbox").Where("recipient_email = ? AND kind = 'host_batch'", "batch@host.example").Order("id DESC").Limit(1).Pluck("link", &link).Error, "mail")
		if !strings.HasPrefix(link, "/dossier/batch/") {
			t.Fatalf("the batch mail links to %q", link)
		}

		h := p.browser()
		pg = h.get(link)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "host.batch.lede", "Dr. Batch", "Batch Host University")
		for _, s := range []string{"Statement of Batch Student One", "Statement of Batch Student Two"} {
			if !strings.Contains(pg.Body, s) {
				t.Fatalf("the batch page lacks %q", s)
			}
		}
		versionOf := func(pg *page, id int64) string {
			t.Helper()
			m := regexp.MustCompile(fmt.Sprintf(`(?s)action="%s/%d".*?name="version" value="(\d+)"`, regexp.QuoteMeta(link), id)).FindStringSubmatch(pg.Body)
			if m == nil {
				t.Fatalf("no answer form for %d", id)
			}
			return m[1]
		}
		// A rejection without its reason: refused, typed decision kept, nothing moves.
		form := url.Values{"_csrf": {pg.csrf(t)}, "version": {versionOf(pg, second)}, "decision": {application.HostDecisionRejected}}
		bad := h.post(fmt.Sprintf("%s/%d", link, second), form)
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if !regexp.MustCompile(`value="rejected" checked`).MatchString(bad.Body) {
			t.Error("the refused answer lost the chosen decision")
		}
		form.Set("decision", application.HostDecisionAccepted)
		form.Set("comment", "Bring a white coat.")
		form.Set("version", versionOf(pg, first))
		done := h.post(fmt.Sprintf("%s/%d", link, first), form)
		wantStatus(t, done, http.StatusOK)
		wantText(t, done, i18n.English, "flash.host_batch_answered")
		wantText(t, done, i18n.English, "host.batch.state.answered")
		if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND status = ?", first, application.HostAccepted); n != 1 {
			t.Fatal("the host's acceptance did not move the first nominee")
		}
		if n := p.count("SELECT COUNT(*) FROM review_events WHERE application_id = ? AND role = 'host' AND via = 'Dr. Batch'", first); n != 1 {
			t.Fatal("the move is not the host's, named after the contact")
		}
		// Answered once: the same post again changes nothing.
		again := h.post(fmt.Sprintf("%s/%d", link, first), form)
		wantStatus(t, again, http.StatusConflict)
		wantText(t, again, i18n.English, host.ErrUsed)

		// Revoked: the page says so, the second nominee stays nominated.
		var batch int64
		must(a.DB.Raw("SELECT id FROM host_batch_links ORDER BY id DESC LIMIT 1").Scan(&batch).Error, "batch id")
		pg = of.get("/manage/hosts/batches")
		wantStatus(t, of.post(fmt.Sprintf("/manage/hosts/batches/%d/revoke", batch), url.Values{"_csrf": {pg.csrf(t)}}), http.StatusOK)
		rp := h.get(link)
		wantStatus(t, rp, http.StatusConflict)
		wantText(t, rp, i18n.English, host.ErrRevoked)
		form.Set("version", "1")
		wantStatus(t, h.post(fmt.Sprintf("%s/%d", link, second), form), http.StatusConflict)
		if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND status = ?", second, application.Nominated); n != 1 {
			t.Fatal("a revoked batch link changed the second nominee")
		}
		wantStatus(t, h.get("/dossier/batch/nonsense"), http.StatusNotFound)
		// Only the office sends batches.
		st := p.browser()
		st.signIn("student")
		if pg := st.get("/manage/hosts/batches"); pg.Status != http.StatusForbidden && pg.Status != http.StatusNotFound {
			t.Errorf("a student on the batch page: %d", pg.Status)
		}
	})
}

// hostBatch gives the walks a batch link to render: a round holding a
// nominated demo application, its batch to the host's contact, the
// host's page and a refused answer on it; and the office's refused form.
func (c *crawler) hostBatch() {
	d := c.p.App.DB
	var app struct{ ID, Institution int64 }
	err := d.Raw(`SELECT a.id, e.institution_id AS institution FROM applications a
		JOIN application_choices ch ON ch.application_id = a.id AND ch.rank = a.current_choice
		JOIN electives e ON e.id = ch.elective_id WHERE a.status = ? AND e.institution_id IN (SELECT institution_id FROM host_contacts)
		ORDER BY a.id LIMIT 1`, application.Nominated).Scan(&app).Error
	if err != nil || app.ID == 0 {
		c.t.Fatalf("a nominated demo application with a host contact: %v", err)
	}
	office := &user.User{ID: c.p.userID("demo-office"), Roles: []user.Role{user.Office}}
	now := time.Now().UTC()
	var round, run int64
	if err := d.Raw(`INSERT INTO selection_rounds (name, term, deadline, state, seed, created_by, created_at, updated_at)
		VALUES ('Walk round', '2027S', ?, 'published', 1, ?, ?, ?) RETURNING id`, now, office.ID, now, now).Scan(&round).Error; err != nil {
		c.t.Fatal(err)
	}
	if err := d.Raw(`INSERT INTO selection_dry_runs (round_id, seq, seed, rubric, result, applicants, placed, created_by, created_at)
		VALUES (?, 1, 1, '{}', '{}', 0, 0, ?, ?) RETURNING id`, round, office.ID, now).Scan(&run).Error; err != nil {
		c.t.Fatal(err)
	}
	if err := d.Exec(`INSERT INTO selection_outcomes (round_id, application_id, dry_run_id, outcome, score_centi, explanation, nominated_at)
		VALUES (?, ?, ?, 'placed', 0, '[]', ?)`, round, app.ID, run, now).Error; err != nil {
		c.t.Fatal(err)
	}
	sent, err := c.p.App.Host.IssueBatch(context.Background(), office, host.BatchInput{RoundID: round, InstitutionID: app.Institution}, audit.Meta{})
	if err != nil {
		c.t.Fatal(err)
	}
	var link string
	if err := d.Raw("SELECT link FROM outbox WHERE kind = 'host_batch' AND recipient_email = ? ORDER BY id DESC LIMIT 1", sent.Link.ContactEmail).Scan(&link).Error; err != nil || link == "" {
		c.t.Fatalf("no batch link in the outbox: %v", err)
	}
	c.visit(link)
	token := c.b.get("/").csrf(c.t)
	c.b.post(fmt.Sprintf("%s/%d", link, app.ID), url.Values{"_csrf": {token}, "decision": {application.HostDecisionRejected}})
	c.b.post("/manage/hosts/batches", url.Values{"_csrf": {token}})
}
