package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/user"
	"portal/internal/wiring"
)

// The host opens the dossier from its mail, downloads the PDF and
// answers; the same link then shows a clear page and changes nothing.
func TestTheHostAnswersOnTheDossierPageWithoutAnAccount(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	ctx, a := context.Background(), p.App
	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	mk := func(name string, roles ...user.Role) *user.User {
		u := &user.User{Issuer: "test", Subject: name, Name: name, CreatedAt: now, UpdatedAt: now}
		if err := a.DB.Create(u).Error; err != nil {
			t.Fatal(err)
		}
		u.Roles = roles
		return u
	}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	student, office, reviewer := mk("Chen Yi-chun", user.Student), mk("Office", user.Office), mk("Reviewer", user.Reviewer)
	inst, err := a.Catalog.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Hostpital University", Country: "JP", City: "Kumamoto", Kind: "university"})
	must(err, "institution")
	e, err := a.Catalog.CreateElective(ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: inst.ID, Kind: "clinical_elective",
		TitleEN: "Dossier elective", Specialty: "internal_medicine", Language: "en", MinYear: "5", DurationWeeks: "4", OpensOn: day(-30), ClosesOn: day(30)})
	must(err, "elective")
	per, err := a.Catalog.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: day(60), EndsOn: day(87), Capacity: "3"})
	must(err, "period")
	must(a.Applications.GrantScope(ctx, reviewer.ID, "internal_medicine", office.ID, audit.Meta{}), "scope")
	_, err = a.Host.AddContact(ctx, office, host.ContactInput{InstitutionID: inst.ID, Name: "Dr. Sato", Email: "sato@host.example", Lang: "en"}, audit.Meta{})
	must(err, "contact")

	nominate := func() (*application.Application, string) {
		t.Helper()
		app, err := a.Applications.CreateDraft(ctx, student, application.StartInput{Key: sha256Hex(time.Now().String())[:32], ElectiveID: e.ID, PeriodID: per.ID})
		must(err, "draft")
		app, err = a.Applications.SaveDraft(ctx, student, app.ID, application.DraftInput{Version: app.Version, Statement: "Hepatology, please.",
			Choices: []application.ChoiceInput{{ElectiveID: e.ID, PeriodID: per.ID}}})
		must(err, "save")
		app, err = a.Applications.Submit(ctx, student, app.ID, application.SubmitInput{Version: app.Version, Key: sha256Hex(time.Now().String() + "s")[:32]})
		must(err, "submit")
		app, err = a.Applications.StartReview(ctx, reviewer, app.ID, application.ReviewInput{Version: app.Version})
		must(err, "review")
		app, err = a.Applications.Approve(ctx, reviewer, app.ID, application.ReviewInput{Version: app.Version})
		must(err, "approve")
		app, err = a.Applications.Nominate(ctx, office, app.ID, application.ReviewInput{Version: app.Version})
		must(err, "nominate")
		var link string
		must(a.DB.Table("outbox").Where("recipient_email = ?", "sato@host.example").Order("id DESC").Limit(1).Pluck("link", &link).Error, "mail")
		if !strings.HasPrefix(link, "/dossier/") {
			t.Fatalf("the host's mail links to %q", link)
		}
		return app, link
	}

	app, link := nominate()
	b := p.browser()
	pg := b.get(link)
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "host.dossier.title")
	if !strings.Contains(pg.Body, "Hepatology, please.") {
		t.Fatalf("the dossier does not show the statement:\n%s", pg.Body)
	}
	pdf := b.get(link + "/dossier.pdf")
	wantStatus(t, pdf, http.StatusOK)
	if !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Fatalf("the dossier PDF starts %q", pdf.Body[:min(10, len(pdf.Body))])
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(pg.Body)
	if version == nil {
		t.Fatalf("the dossier has no answer form:\n%s", pg.Body)
	}
	// A rejection without its reason is refused and changes nothing.
	form := url.Values{"_csrf": {pg.csrf(t)}, "version": {version[1]}, "decision": {application.HostDecisionRejected}}
	refused := b.post(link, form)
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	form.Set("decision", application.HostDecisionAccepted)
	form.Set("comment", "Bring a white coat.")
	wantStatus(t, b.post(link, form), http.StatusOK)
	if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND status = ?", app.ID, application.HostAccepted); n != 1 {
		t.Fatal("the host's acceptance did not move the application")
	}
	used := b.get(link)
	wantStatus(t, used, http.StatusConflict)
	wantText(t, used, i18n.English, host.ErrUsed)
	wantStatus(t, b.post(link, form), http.StatusConflict)

	revokedApp, revoked := nominate()
	_, err = a.Host.Revoke(ctx, office, revokedApp.ID, audit.Meta{})
	must(err, "revoke")
	rp := b.get(revoked)
	wantStatus(t, rp, http.StatusConflict)
	wantText(t, rp, i18n.English, host.ErrRevoked)
	if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND status = ?", revokedApp.ID, application.Nominated); n != 1 {
		t.Fatal("a revoked link changed the application")
	}
	wantStatus(t, b.get("/dossier/nonsense"), http.StatusNotFound)
}

// hostDossier gives the translation walk a dossier to render: a contact
// for the host of a nominated demo application, and its link.
func (c *crawler) hostDossier() {
	var app struct{ ID, Institution int64 }
	err := c.p.App.DB.Raw(`SELECT a.id, e.institution_id AS institution FROM applications a
		JOIN application_choices ch ON ch.application_id = a.id AND ch.rank = a.current_choice
		JOIN electives e ON e.id = ch.elective_id WHERE a.status = ? ORDER BY a.id LIMIT 1`, application.Nominated).Scan(&app).Error
	if err != nil || app.ID == 0 {
		c.t.Fatalf("a nominated demo application: %v", err)
	}
	// The demo's partners have contacts; a catalog without them gets one.
	if err := c.p.App.DB.Exec(`INSERT INTO host_contacts (institution_id, name, email, lang, department, created_at)
		SELECT ?, 'Walk Host', 'walk@host.example', 'en', '', ? WHERE NOT EXISTS (SELECT 1 FROM host_contacts WHERE institution_id = ?)`,
		app.Institution, time.Now().UTC(), app.Institution).Error; err != nil {
		c.t.Fatal(err)
	}
	if err := c.p.App.DB.Transaction(func(tx *gorm.DB) error { return c.p.App.Host.Issue(tx, app.ID, nil) }); err != nil {
		c.t.Fatal(err)
	}
	var link string
	if err := c.p.App.DB.Raw("SELECT link FROM outbox WHERE link LIKE '%/dossier/%' ORDER BY id DESC LIMIT 1").Scan(&link).Error; err != nil || link == "" {
		c.t.Fatalf("no dossier link in the outbox after issuing one: %v", err)
	}
	c.visit(link)
	c.b.post(link, url.Values{"_csrf": {c.b.get("/").csrf(c.t)}, "decision": {application.HostDecisionRejected}})
}
