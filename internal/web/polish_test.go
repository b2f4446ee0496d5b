package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/notify"
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
