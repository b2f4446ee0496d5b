package web_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"portal/internal/i18n"
)

// A student chooses a second and a third elective and writes a statement,
// then presses Submit without saving while a document is missing: the
// refusal says why and the form comes back exactly as typed, and what was
// typed is saved. Attaching a document keeps the typing too, and the
// submit that then succeeds submits what was typed.
func TestApplicationSubmitKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		st := p.browser()
		st.signIn("student2")
		cs := p.openChoices()
		id := st.apply(cs[0])

		pg := st.get(link(id))
		path, sub := submitForm(t, pg)
		statement := "I would like to learn transplant hepatology <and> see the clinic."
		typed := with(sub,
			"choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period),
			"choice_2", fmt.Sprintf("%d:%d", cs[1].Elective, cs[1].Period),
			"choice_3", fmt.Sprintf("%d:%d", cs[2].Elective, cs[2].Period),
			"statement", statement)
		pg = st.post(path, typed)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "application.err.doc_missing")
		wantText(t, pg, i18n.English, "home.alert.saved_not_done")
		p.wantState(t, id, "draft")
		for i, c := range cs[:3] {
			if !strings.Contains(pg.Body, fmt.Sprintf(`value="%d:%d" selected`, c.Elective, c.Period)) {
				t.Errorf("choice %d is not shown as chosen after the refused submit", i+1)
			}
		}
		if !strings.Contains(pg.Body, html.EscapeString(statement)) {
			t.Errorf("the statement is not shown as typed after the refused submit")
		}
		if n := p.count("SELECT COUNT(*) FROM application_choices WHERE application_id = ?", id); n != 3 {
			t.Errorf("%d choices saved by the refused submit, want 3", n)
		}
		if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND statement = ?", id, statement); n != 1 {
			t.Error("the statement typed before Submit was not saved")
		}

		// Attach, after typing a new statement: the statement is kept.
		var docs []string
		for _, c := range cs[:3] {
			docs = append(docs, c.Required...)
		}
		st.fillWallet(docs)
		pg = st.get(link(id))
		var doc int64
		p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ? AND superseded_at IS NULL ORDER BY id LIMIT 1", p.userID("demo-student2")).Scan(&doc)
		edited := with(formOf(t, pg), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period),
			"choice_2", fmt.Sprintf("%d:%d", cs[1].Elective, cs[1].Period), "statement", "Shorter, after second thoughts.",
			"document", fmt.Sprint(doc))
		pg = st.post(link(id, "attach"), edited)
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, "Shorter, after second thoughts.") {
			t.Error("attaching a document lost the statement typed before")
		}

		// Submit, typing once more: what is submitted is what was typed.
		path, sub = submitForm(t, pg)
		pg = st.post(path, with(sub, "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period), "statement", "Final words."))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.application_submit")
		p.wantState(t, id, "submitted")
		if n := p.count("SELECT COUNT(*) FROM applications WHERE id = ? AND statement = ?", id, "Final words."); n != 1 {
			t.Error("the submitted statement is not the one typed")
		}
		// The same submit again (a double click) is the same submission.
		again := st.post(path, with(sub, "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period), "statement", "Final words."))
		wantStatus(t, again, http.StatusOK)
		if s := p.state(id); s.Events != 1 {
			t.Errorf("%d events after a double submit, want 1", s.Events)
		}
	})
}
