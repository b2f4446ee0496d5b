package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// An incoming applicant fills in their profile: a refused form comes back
// as typed with a message per field, in the reader's language, and saves
// nothing; a good one is saved and names them in the header.
func TestIncomingProfilePage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signInByEmail("haruka@kumamoto-u.test")

		pg := b.get("/incoming/profile")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "incoming.profile.lede_new")
		var kumamoto int64
		p.App.DB.Raw("SELECT id FROM institutions WHERE identifier = 'kumamoto-u.ac.jp'").Scan(&kumamoto)
		for _, want := range []string{`<option value="JP">Japan</option>`, fmt.Sprintf(`<option value="%d">Kumamoto University`, kumamoto),
			`<label for="profile-name_latin">`, `name="home_institution_name"`} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		if strings.Contains(pg.Body, "Formosa Medical University") {
			t.Error("the home university is offered as a partner")
		}

		form := url.Values{"_csrf": {pg.csrf(t)}, "name_latin": {"佐藤遥"}, "name_native": {"佐藤遥"}, "nationality": {"JP"},
			"year_of_study": {"9"}, "home_institution_name": {"Kumamoto University"}}
		pg = b.post("/incoming/profile", form)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "incoming.profile.error_summary")
		wantText(t, pg, i18n.English, "incoming.profile.err.name_latin_script")
		wantText(t, pg, i18n.English, "incoming.profile.err.year_range", 1, 8)
		wantText(t, pg, i18n.English, "incoming.profile.err.home_country_required")
		for _, want := range []string{`value="佐藤遥"`, `<option value="JP" selected>`, `value="Kumamoto University"`,
			`aria-describedby="profile-name_latin-hint profile-name_latin-error"`, `href="#profile-year_of_study"`} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the refused form lacks %s", want)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles"); n != 0 {
			t.Fatalf("a refused form saved %d profiles", n)
		}

		// In Chinese.
		b.Language = "zh-TW"
		pg = b.post("/incoming/profile", url.Values{"_csrf": {pg.csrf(t)}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.TraditionalChinese, "incoming.profile.err.home_required")
		b.Language = ""

		form = url.Values{"_csrf": {pg.csrf(t)}, "name_latin": {"Sato Haruka"}, "name_native": {"佐藤遥"}, "nationality": {"JP"},
			"year_of_study": {"5"}, "home_institution_id": {fmt.Sprint(kumamoto)}}
		pg = b.post("/incoming/profile", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.incoming_profile_saved")
		wantText(t, pg, i18n.English, "incoming.profile.lede")
		if !pg.signedInAs("Sato Haruka 佐藤遥") || !strings.Contains(pg.Body, fmt.Sprintf(`<option value="%d" selected>`, kumamoto)) {
			t.Errorf("after saving:\n%s", pg.Body)
		}
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles WHERE name_latin = 'Sato Haruka' AND home_institution_id = ? AND home_country = 'JP' AND year_of_study = 5", kumamoto); n != 1 {
			t.Errorf("%d profiles saved as typed", n)
		}

		// Only incoming applicants have a profile page; the form needs its token.
		wantStatus(t, b.post("/incoming/profile", url.Values{"name_latin": {"X"}}), http.StatusForbidden)
		s := p.browser()
		s.signIn("student")
		wantStatus(t, s.get("/incoming/profile"), http.StatusForbidden)
		if pg := p.browser().step(http.MethodGet, "/incoming/profile", nil, nil); pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login?") {
			t.Errorf("an anonymous visitor: %d to %q, want sent to sign in", pg.Status, pg.Header.Get("Location"))
		}
	})
}
