package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
)

// The office types a student's EWP facts on the application page: a
// wrong form is refused with a message on each wrong field, keeps what
// was typed and records nothing; a right one is saved with an audit
// entry; the reviewer sees no form and may not post one.
func TestTheOfficeRecordsAStudentsEWPFactsOnTheApplicationPage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st := p.browser()
		st.signIn("student2")
		cs := p.openChoices()
		p.grantScope("reviewer", cs[0].Specialty)
		id := p.submitted(t, st, cs[0])
		office, reviewer := p.browser(), p.browser()
		office.signIn("office")
		reviewer.signIn("reviewer")
		action := link(id, "ewp/student")

		pg := office.get(link(id))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "ewp_facts.title")
		if !strings.Contains(pg.Body, `action="`+action+`"`) {
			t.Fatalf("the office's page has no facts form")
		}
		token := pg.csrf(t)

		bad := url.Values{"_csrf": {token}, "given_names": {"Wei"}, "family_name": {"  "}, "given_names_local": {"偉"},
			"local_lang": {""}, "birth_date": {"2999-01-01"}, "nationality": {"Taiwan"}, "gender": {"5"}}
		pg = office.post(action, bad)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		for _, key := range []string{"form.required", "ewp_facts.err.lang_needed", "ewp_facts.err.birth_range", "api.ewp.nationality", "api.ewp.gender"} {
			wantText(t, pg, i18n.English, key)
		}
		for _, kept := range []string{`value="Wei"`, `value="偉"`, `value="Taiwan"`, `value="2999-01-01"`} {
			if !strings.Contains(pg.Body, kept) {
				t.Errorf("the refused form lost %s", kept)
			}
		}
		if !strings.Contains(pg.Body, `aria-describedby="field-family_name-error" aria-invalid="true"`) || !strings.Contains(pg.Body, `id="field-family_name-error"`) {
			t.Error("the wrong field is not marked")
		}
		if n := p.count("SELECT COUNT(*) FROM ewp_students"); n != 0 {
			t.Fatalf("a refused form stored %d rows", n)
		}
		if n := p.audits("ewp.student_facts"); n != 0 {
			t.Errorf("a refused form was audited")
		}
		// Without the token, nothing either.
		if pg := office.post(action, with(bad, "_csrf", "forged", "family_name", "Chang")); pg.Status != http.StatusForbidden {
			t.Errorf("a forged token: %d", pg.Status)
		}

		good := with(bad, "family_name", "Chang", "family_name_local", "張", "local_lang", "zh-Hant", "birth_date", "2001-04-02",
			"nationality", "tw", "gender", "2")
		pg = office.post(action, good)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.ewp_facts_saved")
		var row struct {
			GivenNames, FamilyName, FamilyNameLocal, LocalLang, Nationality string
			Gender                                                          int
		}
		p.App.DB.Raw("SELECT given_names, family_name, family_name_local, local_lang, nationality, gender FROM ewp_students WHERE user_id = ?",
			p.userID("demo-student2")).Scan(&row)
		if row.FamilyName != "Chang" || row.FamilyNameLocal != "張" || row.LocalLang != "zh-Hant" || row.Nationality != "TW" || row.Gender != 2 {
			t.Errorf("stored %+v", row)
		}
		detail, actor := p.lastAudit("ewp.student_facts")
		if actor == nil || *actor != p.userID("demo-office") || !strings.Contains(detail, "birth_date") {
			t.Errorf("audit %q by %v", detail, actor)
		}
		if !strings.Contains(pg.Body, `value="Chang"`) || !strings.Contains(pg.Body, `value="2001-04-02"`) {
			t.Error("the saved facts are not shown on the form")
		}
		// The same facts again change nothing and audit nothing more.
		office.post(action, good)
		if n := p.audits("ewp.student_facts"); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}

		rp := reviewer.get(link(id))
		wantStatus(t, rp, http.StatusOK)
		if strings.Contains(rp.Body, `action="`+action+`"`) {
			t.Error("the reviewer sees the facts form")
		}
		for name, b := range map[string]*browser{"reviewer": reviewer, "student": st} {
			res := b.post(action, with(good, "_csrf", b.get("/").csrf(t), "family_name", "Hacked"))
			if res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("%s posts the facts: %d", name, res.Status)
			}
		}
		if p.count("SELECT COUNT(*) FROM ewp_students WHERE family_name = 'Hacked'") != 0 {
			t.Error("someone but the office changed the facts")
		}
	})
}
