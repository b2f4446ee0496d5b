package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		form := url.Values{"_csrf": {pg.csrf(t)}, "name_latin": {"佐藤遥"}, "name_native": {"佐藤遥"}, "nationality": {"JP"},
			"year_of_study": {"9"}, "home_institution_name": {"Kumamoto University"}, "given_names": {"Haruka"},
			"birth_date": {tomorrow}, "passport_number": {"TR-123"}}
		pg = b.post("/incoming/profile", form)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "incoming.profile.error_summary")
		wantText(t, pg, i18n.English, "incoming.profile.err.name_latin_script")
		wantText(t, pg, i18n.English, "incoming.profile.err.year_range", 1, 8)
		wantText(t, pg, i18n.English, "incoming.profile.err.home_country_required")
		wantText(t, pg, i18n.English, "profile.err.family_required")
		wantText(t, pg, i18n.English, "profile.err.birth_future")
		wantText(t, pg, i18n.English, "profile.err.passport_number", 5, 20)
		for _, want := range []string{`value="佐藤遥"`, `<option value="JP" selected>`, `value="Kumamoto University"`,
			`value="Haruka"`, `type="date" id="profile-birth_date" name="birth_date" value="` + tomorrow + `"`, `value="TR-123"`,
			`href="#profile-family_name"`, `href="#profile-birth_date"`, `href="#profile-passport_number"`,
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
			"year_of_study": {"5"}, "home_institution_id": {fmt.Sprint(kumamoto)},
			"given_names": {"Haruka"}, "family_name": {"SATO"}, "birth_date": {"2003-05-14"}, "passport_number": {"tr1234567"}}
		pg = b.post("/incoming/profile", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.incoming_profile_saved")
		wantText(t, pg, i18n.English, "incoming.profile.lede")
		if !pg.signedInAs("Sato Haruka 佐藤遥") || !strings.Contains(pg.Body, fmt.Sprintf(`<option value="%d" selected>`, kumamoto)) {
			t.Errorf("after saving:\n%s", pg.Body)
		}
		if !strings.Contains(pg.Body, `value="2003-05-14"`) || !strings.Contains(pg.Body, `value="TR1234567"`) {
			t.Errorf("the saved profile does not show its date of birth and passport number")
		}
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles WHERE name_latin = 'Sato Haruka' AND home_institution_id = ? AND home_country = 'JP' AND year_of_study = 5 AND family_name = 'SATO' AND given_names = 'Haruka' AND passport_number = 'TR1234567'", kumamoto); n != 1 {
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
