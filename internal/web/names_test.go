package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestNamesRefuseDirectionControls: a name that holds invisible
// bidirectional controls prints differently from what was typed ("‮okanaH"
// shows as "Hanako" on an official letter). Profiles and the catalog
// refuse them with a translated message on the field, and save nothing.
func TestNamesRefuseDirectionControls(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})

		in := p.browser()
		in.signInByEmail("haruka@kumamoto-u.test")
		valid := func(token string) url.Values {
			return url.Values{"_csrf": {token}, "name_latin": {"Sato Haruka"}, "name_native": {"佐藤遥"},
				"given_names": {"Haruka"}, "family_name": {"Sato"}, "birth_date": {"2003-05-14"},
				"nationality": {"JP"}, "year_of_study": {"5"}, "home_institution_name": {"Kumamoto University"}, "home_country": {"JP"}}
		}
		for field, value := range map[string]string{
			"name_latin": "\u202eokanaH", "name_native": "\u2067佐藤遥\u2069", "home_institution_name": "Kumamoto\u200f University",
		} {
			f := valid(in.get("/incoming/profile").csrf(t))
			f.Set(field, value)
			pg := in.post("/incoming/profile", f)
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "input.hidden_characters")
		}
		in.Language = "zh-TW"
		f := valid(in.get("/incoming/profile").csrf(t))
		f.Set("name_latin", "\ufeffSato Haruka")
		wantText(t, in.post("/incoming/profile", f), i18n.TraditionalChinese, "input.hidden_characters")
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles"); n != 0 {
			t.Fatalf("%d profiles saved with hidden characters", n)
		}
		// Right-to-left script itself is a name like any other.
		in.Language = ""
		f = valid(in.get("/incoming/profile").csrf(t))
		f.Set("name_native", "محمد")
		if pg := in.post("/incoming/profile", f); pg.Status != http.StatusOK {
			t.Errorf("an Arabic native name: %d, want 200", pg.Status)
		}

		office := p.browser()
		office.signIn("office")
		institutions := p.count("SELECT COUNT(*) FROM institutions")
		for _, name := range []string{"\u202eKyushu University", "Kyushu\u2066 University"} {
			pg := office.post("/manage/institutions", withToken(institutionForm(name, "kyushu-u.ac.jp"), office.get("/manage/institutions/new").csrf(t)))
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "input.hidden_characters")
		}
		electives := p.count("SELECT COUNT(*) FROM electives")
		pg := office.post("/manage/electives", withToken(electiveForm(demoIDs(p), "Tropical\u202e medicine"), office.get("/manage/electives/new").csrf(t)))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "input.hidden_characters")
		if p.count("SELECT COUNT(*) FROM institutions") != institutions || p.count("SELECT COUNT(*) FROM electives") != electives {
			t.Error("a catalog name with hidden characters was saved")
		}
	})
}

// TestBlackoutTakesOnlyItsChoices: the calendar's blackout form sends
// close or reopen; anything else is refused and closes no week (it closed
// them all before).
func TestBlackoutTakesOnlyItsChoices(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		coord := p.browser()
		coord.signIn("coordinator")
		p.grant("demo-coordinator", p.fm)
		closed := func() int64 {
			return p.count("SELECT COUNT(*) FROM rotation_blocks WHERE department_id = ? AND blackout = ?", p.fm, true)
		}
		before := closed()
		for _, v := range []string{"explode", "", "CLOSE"} {
			pg := coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
			pg = coord.post(fmt.Sprintf("/calendar/%d/blackout", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(5)}, "to": {p.week(6)}, "blackout": {v}})
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "form.not_a_choice")
		}
		if n := closed(); n != before {
			t.Errorf("%d closed weeks after unknown choices, were %d", n, before)
		}
		pg := coord.get(fmt.Sprintf("/calendar?department=%d", p.fm))
		pg = coord.post(fmt.Sprintf("/calendar/%d/blackout", p.fm), url.Values{"_csrf": {pg.csrf(t)}, "from": {p.week(5)}, "to": {p.week(6)}, "blackout": {"close"}})
		wantText(t, pg, i18n.English, "flash.calendar_blackout")
		if n := closed(); n != before+2 {
			t.Errorf("%d closed weeks after closing two, want %d", n, before+2)
		}
	})
}
