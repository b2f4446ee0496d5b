package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/ewp"
)

// The office's form for a student's EWP facts on the application page
// (issue 15): what an Outgoing Mobilities export needs that the account
// does not hold. The ewp service checks and records; this shows its form
// and, on a refusal, the page again with what was typed and a message on
// each wrong field.

type ewpFactsView struct {
	Action, CSRF string
	In           ewp.FactsInput
	Texts        []ewpText // the names
	Langs        []ewpOption
	Genders      []ewpOption
	Errors       map[string]string
	Updated      string // when they were last recorded, "" while never
}

type ewpText struct{ Name, Label, Value, Auto, Error string }

type ewpOption struct {
	Value, Label string
	Selected     bool
}

// ewpFactsOf is the form for the office on an outgoing application it
// does not own; nil for anyone else.
func (s *Server) ewpFactsOf(c echo.Context, p Page, d *application.Detail, mine bool, at *applicationAttempt) (*ewpFactsView, error) {
	u := visitorOf(c).User
	if s.EWP == nil || mine || d.Direction != "outgoing" || !u.Has(application.PartyRoles[application.Office]...) {
		return nil, nil
	}
	f, _, err := s.EWP.FactsOf(c.Request().Context(), u, d.ID)
	if err != nil {
		return nil, err
	}
	v := &ewpFactsView{Action: "/applications/" + strconv.FormatInt(d.ID, 10) + "/ewp/student", CSRF: p.CSRF, Errors: map[string]string{}}
	v.In.Gender = "0"
	if f != nil {
		v.In = ewp.FactsInput{GivenNames: f.GivenNames, FamilyName: f.FamilyName, GivenNamesLocal: f.GivenNamesLocal,
			FamilyNameLocal: f.FamilyNameLocal, LocalLang: f.LocalLang, BirthDate: f.BirthDate.Format(time.DateOnly),
			Nationality: f.Nationality, Gender: strconv.Itoa(f.Gender)}
		v.Updated = p.T("ewp_facts.updated", p.When(f.UpdatedAt))
	}
	if at != nil && at.action == "ewp_facts" {
		v.In = ewpFactsInput(at.form.Get)
		_, v.Errors = fieldErrors(p, at.err)
	}
	for _, t := range []ewpText{{"given_names", "", v.In.GivenNames, "given-name", ""}, {"family_name", "", v.In.FamilyName, "family-name", ""},
		{"given_names_local", "", v.In.GivenNamesLocal, "off", ""}, {"family_name_local", "", v.In.FamilyNameLocal, "off", ""}} {
		t.Label, t.Error = p.T("ewp_facts.field."+t.Name), v.Errors[t.Name]
		v.Texts = append(v.Texts, t)
	}
	v.Langs = append(v.Langs, ewpOption{"", p.T("ewp_facts.lang.none"), v.In.LocalLang == ""})
	for _, l := range ewp.LocalLangs {
		v.Langs = append(v.Langs, ewpOption{l, p.T("ewp_facts.lang." + l), v.In.LocalLang == l})
	}
	for _, g := range []string{"0", "1", "2", "9"} {
		v.Genders = append(v.Genders, ewpOption{g, p.T("ewp_facts.gender." + g), v.In.Gender == g})
	}
	return v, nil
}

func ewpFactsInput(get func(string) string) ewp.FactsInput {
	return ewp.FactsInput{GivenNames: get("given_names"), FamilyName: get("family_name"), GivenNamesLocal: get("given_names_local"),
		FamilyNameLocal: get("family_name_local"), LocalLang: get("local_lang"), BirthDate: get("birth_date"),
		Nationality: get("nationality"), Gender: get("gender")}
}

// ewpFactsSave records the facts; a refusal shows the page again, 422,
// with what was typed.
func (s *Server) ewpFactsSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	err = s.EWP.RecordFacts(c.Request().Context(), visitorOf(c).User, id, ewpFactsInput(form.Get), meta(c))
	if invalid(err) {
		return s.applicationPage(c, http.StatusUnprocessableEntity, id, &applicationAttempt{action: "ewp_facts", form: form, err: err})
	} else if err != nil {
		return err
	}
	return s.done(c, "ewp_facts_saved", "/applications/"+strconv.FormatInt(id, 10)+"#ewp-facts")
}
