package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"portal/internal/catalog"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/notify"
	"portal/internal/web"
	"portal/internal/wiring"
)

// submittedData is what the workflow records when application 39 of a
// Chinese-speaking student is submitted (application.announcement): the
// title in the language the student had then, and in both languages.
func submittedData() map[string]any {
	return map[string]any{
		"application_id": 39, "ref": "A-2026-0039", "applicant": "Lin Mei-Hua 林美華",
		"elective": "心臟內科見習", "elective_en": "Cardiology elective", "elective_zh": "心臟內科見習",
	}
}

// A notification is read in the reader's language of the moment, and names
// the application as its page does ("Application #39"), not by a reference
// the page never shows.
func TestNotificationSpeaksTheReadersLanguageAndThePagesNumber(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	b := p.browser()
	b.signIn("student")
	p.notifyUser("demo-student", notify.ApplicationSubmitted, submittedData(), "/applications/39")

	pg := b.get("/notifications")
	wantStatus(t, pg, http.StatusOK)
	body := html.UnescapeString(pg.Body)
	want := bundle.T(i18n.English, "notify.application_submitted.title", "#39", "Cardiology elective")
	if !strings.Contains(body, want) {
		t.Errorf("the English list lacks %q", want)
	}
	for _, not := range []string{"A-2026-0039", "心臟內科見習"} {
		if strings.Contains(body, not) {
			t.Errorf("the English list shows %q", not)
		}
	}

	b.Language = "zh-TW"
	body = html.UnescapeString(b.get("/notifications").Body)
	want = bundle.T(i18n.TraditionalChinese, "notify.application_submitted.title", "#39", "心臟內科見習")
	if !strings.Contains(body, want) {
		t.Errorf("the Chinese list lacks %q", want)
	}
	if strings.Contains(body, "Cardiology elective") || strings.Contains(body, "A-2026-0039") {
		t.Error("the Chinese list shows the English title or the old reference")
	}
	// The page the notification links to says the same number.
	if !strings.Contains(bundle.T(i18n.TraditionalChinese, "application.number", 39), "#39") {
		t.Error("the application page's heading does not say #39")
	}
}

// A refusal tells people whom to ask: the international office is not sent
// to itself, and the office's address is given when the portal has one.
func TestForbiddenPageSaysWhomToAsk(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	for who, key := range map[string]string{"student": "error.forbidden.ask_office", "office": "error.forbidden.ask_admin"} {
		b := p.browser()
		b.signIn(who)
		pg := b.get("/admin/users")
		wantStatus(t, pg, http.StatusForbidden)
		wantText(t, pg, i18n.English, key)
		if who == "office" && strings.Contains(html.UnescapeString(pg.Body), "Ask the international office") {
			t.Error("the office is told to ask the international office")
		}
		b.Language = "zh-TW"
		wantText(t, b.get("/admin/users"), i18n.TraditionalChinese, key)
	}

	withContact := startPortalWith(t, "sqlite", wiring.Options{}, func(c *config.Config) { c.OfficeContact = "exchange@med.example.edu" })
	b := withContact.browser()
	b.signIn("reviewer")
	pg := b.get("/admin/users")
	wantStatus(t, pg, http.StatusForbidden)
	wantText(t, pg, i18n.English, "error.forbidden.ask_office_at", "exchange@med.example.edu")
}

// The mail preferences offer only the kinds of mail a person's roles can
// receive; saving them leaves the kinds not offered as they were.
func TestMailPreferencesOfferOnlyTheKindsForThePersonsRoles(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	offered := func(pg *page, k notify.Kind) bool { return strings.Contains(pg.Body, `id="mail-`+string(k)+`"`) }
	for _, c := range []struct {
		who        string
		see, never []notify.Kind
	}{
		{"student", []notify.Kind{notify.ApplicationSubmitted, notify.HostDecision, notify.DocumentExpiring},
			[]notify.Kind{notify.IncomingAccepted, notify.SigninLink, notify.ReviewerDigest}},
		{"incoming", []notify.Kind{notify.IncomingAccepted, notify.IncomingReturned, notify.DocumentExpiring},
			[]notify.Kind{notify.ApplicationSubmitted, notify.ApplicationApproved, notify.HostDecision, notify.OfferWaiting}},
		{"reviewer", []notify.Kind{notify.ApplicationSubmitted},
			[]notify.Kind{notify.HostDecision, notify.OfferExpiring, notify.IncomingAccepted, notify.DocumentExpiring}},
	} {
		b := p.browser()
		b.signIn(c.who)
		pg := b.get("/notifications/preferences")
		wantStatus(t, pg, http.StatusOK)
		for _, k := range c.see {
			if !offered(pg, k) {
				t.Errorf("%s is not offered %s", c.who, k)
			}
		}
		for _, k := range c.never {
			if offered(pg, k) {
				t.Errorf("%s is offered %s, which never reaches them", c.who, k)
			}
		}
	}

	// An incoming applicant saves with every offered box cleared: the
	// outgoing kinds they were never shown stay on.
	b := p.browser()
	b.signIn("incoming")
	pg := b.get("/notifications/preferences")
	pg = b.post("/notifications/preferences", map[string][]string{"_csrf": {pg.csrf(t)}})
	wantText(t, pg, i18n.English, "flash.notify_prefs_saved")
	pr, err := p.App.Notify.Preferences(context.Background(), p.userID("demo-incoming"))
	if err != nil {
		t.Fatal(err)
	}
	if pr.MailOn(notify.DocumentExpiring) || !pr.MailOn(notify.ApplicationApproved) || !pr.MailOn(notify.ApplicationSubmitted) {
		t.Errorf("after saving, document_expiring on %v (want off), application_approved on %v, application_submitted on %v (want on)",
			pr.MailOn(notify.DocumentExpiring), pr.MailOn(notify.ApplicationApproved), pr.MailOn(notify.ApplicationSubmitted))
	}

	// Someone whose roles receive no optional mail is told so, not shown an
	// empty form.
	admin := p.browser()
	admin.signIn("admin")
	pg = admin.get("/notifications/preferences")
	wantText(t, pg, i18n.English, "notify.prefs.none_for_roles")
	if strings.Contains(pg.Body, `action="/notifications/preferences"`) {
		t.Error("an admin is shown a form with nothing to choose")
	}
}

// An agreement past its last day is marked "Expired" in words wherever the
// office lists agreements, and comes after those still in force.
func TestExpiredAgreementsAreMarkedAndListedLast(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	var ag catalog.Agreement
	// The agreement that ended last would be listed last anyway: make the
	// one listed first by its date (with an elective) the expired one.
	if err := p.App.DB.Order("valid_until, id").Where("retired_at IS NULL AND id IN (SELECT agreement_id FROM electives WHERE retired_at IS NULL)").Take(&ag).Error; err != nil {
		t.Fatal(err)
	}
	today := p.App.Catalog.Today()
	err := p.App.DB.Model(&catalog.Agreement{}).Where("id = ?", ag.ID).
		Updates(map[string]any{"valid_from": today.AddDate(-3, 0, 0), "valid_until": today.AddDate(0, 0, -10)}).Error
	if err != nil {
		t.Fatal(err)
	}
	expired := bundle.T(i18n.English, "manage.overview.flag_expired")
	b := p.browser()
	b.signIn("office")
	for _, path := range []string{"/manage/agreements", "/manage"} {
		pg := b.get(path)
		wantStatus(t, pg, http.StatusOK)
		body := html.UnescapeString(pg.Body)
		var at []int
		for i := 0; ; {
			j := strings.Index(body[i:], `<a href="/manage/agreements/`)
			if j < 0 {
				break
			}
			at = append(at, i+j)
			i += j + 1
		}
		mine := strings.Index(body, fmt.Sprintf(`<a href="/manage/agreements/%d/edit">%s</a>`, ag.ID, ag.Title))
		if mine < 0 {
			mine = strings.Index(body, fmt.Sprintf(`<a href="/manage/agreements/%d`, ag.ID))
		}
		if mine < 0 || len(at) < 2 {
			t.Fatalf("%s: the agreement %d is not listed among %d", path, ag.ID, len(at))
		}
		if path == "/manage" {
			// the quota table comes after the expiry sections
			mine = strings.LastIndex(body, fmt.Sprintf(`<a href="/manage/agreements/%d`, ag.ID))
		}
		if mine != at[len(at)-1] {
			t.Errorf("%s: the expired agreement is not listed last", path)
		}
		row := body[mine:]
		if end := strings.Index(row, "</tr>"); end > 0 {
			row = row[:end]
		}
		if !strings.Contains(row, `class="tag bad">`+expired+"<") {
			t.Errorf("%s: the expired agreement's row does not say %q:\n%s", path, expired, row)
		}
		if strings.Count(body, `class="tag bad">`+expired+"<") < 1 {
			t.Errorf("%s: nothing is marked expired", path)
		}
	}

	// An elective under the agreement says so on its page.
	var e catalog.Elective
	if err := p.App.DB.Where("agreement_id = ? AND retired_at IS NULL", ag.ID).Take(&e).Error; err != nil {
		t.Fatalf("no elective under agreement %d: %v", ag.ID, err)
	}
	student := p.browser()
	student.signIn("student")
	pg := student.get(fmt.Sprintf("/electives/%d", e.ID))
	wantStatus(t, pg, http.StatusOK)
	if !strings.Contains(html.UnescapeString(pg.Body), `class="tag bad">`+expired+"<") {
		t.Error("the page of an elective under an expired agreement does not say it expired")
	}
}

// The catalog overview has one navigation of its sections, not a bar of
// links and a second list of the same links as buttons; import and export
// are in it.
func TestManageOverviewHasOneSectionNavigation(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	b := p.browser()
	b.signIn("office")
	pg := b.get("/manage")
	wantStatus(t, pg, http.StatusOK)
	if n := strings.Count(pg.Body, `class="manage-nav"`); n != 1 {
		t.Errorf("%d section navigations, want 1", n)
	}
	for _, path := range []string{"/manage/institutions", "/manage/agreements", "/manage/electives", "/manage/import", "/manage/export"} {
		if n := strings.Count(pg.Body, `href="`+path+`"`); n != 1 {
			t.Errorf("%s is linked %d times, want once", path, n)
		}
	}
	pg = b.get("/manage/import")
	if !strings.Contains(pg.Body, `href="/manage/import" aria-current="page"`) {
		t.Error("on the import page its section is not marked current")
	}
}

// A Chinese reader of the catalog reads its cities, agreement titles and
// tags in Chinese where the portal knows them, file sizes with Chinese
// units, and one name for the department reviewer.
func TestChineseReadersSeeChineseNamesAndSizes(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	b := p.browser()
	b.Language = "zh-TW"
	b.signIn("student")
	var kumamoto catalog.Institution
	if err := p.App.DB.Where("name_en = ?", "Kumamoto University").Take(&kumamoto).Error; err != nil {
		t.Fatal(err)
	}
	pg := b.get(fmt.Sprintf("/institutions/%d", kumamoto.ID))
	wantStatus(t, pg, http.StatusOK)
	body := html.UnescapeString(pg.Body)
	for _, want := range []string{"熊本，日本", "學生交換協議", "學術合作備忘錄", "肝臟疾病", "病毒學"} {
		if !strings.Contains(body, want) {
			t.Errorf("the institution page in Chinese lacks %q", want)
		}
	}
	for _, not := range []string{"Kumamoto，", "Memorandum of Understanding", "liver disease", "virology"} {
		if strings.Contains(body, not) {
			t.Errorf("the institution page in Chinese shows %q", not)
		}
	}
	body = html.UnescapeString(b.get("/electives").Body)
	if strings.Contains(body, "Baltimore，") || !strings.Contains(body, "巴爾的摩，美國") {
		t.Error("the catalog in Chinese names Baltimore in English")
	}

	body = html.UnescapeString(b.get("/wallet").Body)
	if strings.Contains(body, " bytes") || !strings.Contains(body, "位元組") {
		t.Error("the wallet in Chinese gives sizes in bytes, in English")
	}
	b.Language = ""
	if body = html.UnescapeString(b.get("/wallet").Body); !strings.Contains(body, " bytes ·") {
		t.Error("the wallet in English does not give small sizes in bytes")
	}

	// One name for the department reviewer, whichever page says it.
	names := map[string]bool{}
	for _, k := range []string{"role.reviewer", "application.party.reviewer", "audit.party.reviewer"} {
		names[bundle.T(i18n.TraditionalChinese, k)] = true
	}
	if len(names) != 1 {
		t.Errorf("the department reviewer has %d names in Chinese: %v", len(names), names)
	}
	for _, k := range bundle.Keys(i18n.TraditionalChinese) {
		if m := bundle.T(i18n.TraditionalChinese, k); strings.Contains(m, "系所審查") || strings.Contains(m, "科部審查者") {
			t.Errorf("%s calls the department reviewer otherwise: %s", k, m)
		}
	}
}

// A size reads as people read it, in each language.
func TestSizesAreHuman(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n      int64
		en, zh string
	}{
		{820, "820 bytes", "820 位元組"},
		{1234, "1.2 KB", "1.2 KB"},
		{20 << 10, "20 KB", "20 KB"},
		{1<<20 + 3<<18, "1.8 MB", "1.8 MB"},
		{10 << 20, "10 MB", "10 MB"},
	} {
		if got := web.SizeText(bundle, i18n.English, c.n); got != c.en {
			t.Errorf("%d bytes in English: %q, want %q", c.n, got, c.en)
		}
		if got := web.SizeText(bundle, i18n.TraditionalChinese, c.n); got != c.zh {
			t.Errorf("%d bytes in Chinese: %q, want %q", c.n, got, c.zh)
		}
	}
}
