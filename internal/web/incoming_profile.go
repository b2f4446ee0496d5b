package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/incoming"
	"portal/internal/user"
)

// profileField is one input of the profile form with its message.
type profileField struct {
	Name, Label, Value, Error, Hint string
	Required                        bool
	Type                            string // the input's type: text when empty
	Autocomplete                    string
	Options                         []choice // a select when set, with Choose as its empty choice
	Choose                          string
}

// ID is the input's id; ErrorID and HintID tie its messages to it.
func (f profileField) ID() string      { return "profile-" + f.Name }
func (f profileField) ErrorID() string { return f.ID() + "-error" }
func (f profileField) HintID() string  { return f.ID() + "-hint" }

// DescribedBy lists the ids of the field's hint and message.
func (f profileField) DescribedBy() string {
	out := ""
	if f.Hint != "" {
		out = f.HintID()
	}
	if f.Error != "" {
		if out != "" {
			out += " "
		}
		out += f.ErrorID()
	}
	return out
}

type choice struct {
	Value, Label string
	Selected     bool
}

type incomingProfileView struct {
	Page
	New                                      bool // no profile saved yet
	Incomplete                               bool // saved before the passport fields were asked
	Errors                                   []profileError
	NameLatin, NameNative, Nationality, Year profileField
	Partner, HomeName, HomeCountry           profileField
	GivenNames, FamilyName, BirthDate        profileField
	PassportNumber, PassportExpires          profileField
}

type profileError struct{ Field, Message string }

// incomingProfile shows the applicant's profile form, filled with what
// they saved before.
func (s *Server) incomingProfile(c echo.Context) error {
	u := visitorOf(c).User
	p, err := s.Incoming.Find(c.Request().Context(), u.ID)
	switch {
	case err != nil:
		return err
	case p == nil:
		return s.profilePage(c, http.StatusOK, incoming.ProfileInput{}, nil, nil)
	}
	return s.profilePage(c, http.StatusOK, p.Input(), p, nil)
}

// incomingProfileSave saves the form; a refused form is shown again as
// typed, each wrong field with its message, and nothing is changed.
func (s *Server) incomingProfileSave(c echo.Context) error {
	ctx := c.Request().Context()
	in := incoming.ProfileInput{
		NameLatin: c.FormValue("name_latin"), NameNative: c.FormValue("name_native"), Nationality: c.FormValue("nationality"),
		HomeInstitutionID: c.FormValue("home_institution_id"), HomeInstitutionName: c.FormValue("home_institution_name"),
		HomeCountry: c.FormValue("home_country"), YearOfStudy: c.FormValue("year_of_study"),
		GivenNames: c.FormValue("given_names"), FamilyName: c.FormValue("family_name"), BirthDate: c.FormValue("birth_date"),
		PassportNumber: c.FormValue("passport_number"), PassportExpires: c.FormValue("passport_expires"),
	}
	_, saveErr := s.Incoming.Save(ctx, visitorOf(c).User, in)
	if f := apperr.FieldsOf(saveErr); f != nil {
		saved, err := s.Incoming.Find(ctx, visitorOf(c).User.ID)
		if err != nil {
			return err
		}
		return s.profilePage(c, http.StatusUnprocessableEntity, in, saved, f)
	}
	if saveErr != nil {
		return saveErr
	}
	s.setFlash(c, "incoming_profile_saved")
	return c.Redirect(http.StatusSeeOther, "/incoming/profile")
}

// profilePage shows the form with in; saved is the profile as stored, nil
// before the first save.
func (s *Server) profilePage(c echo.Context, status int, in incoming.ProfileInput, saved *incoming.Profile, bad apperr.Fields) error {
	v := incomingProfileView{Page: s.page(c, "incoming.profile.title"), New: saved == nil, Incomplete: saved != nil && !saved.Complete()}
	field := func(name, label, value, hint string) profileField {
		f := profileField{Name: name, Label: v.T(label), Value: value}
		if hint != "" {
			f.Hint = v.T(hint)
		}
		if m, ok := bad[name]; ok {
			f.Error = v.T(m.Key, m.Args...)
			v.Errors = append(v.Errors, profileError{Field: f.ID(), Message: f.Error})
		}
		return f
	}
	v.GivenNames = field("given_names", "profile.given_names", in.GivenNames, "profile.given_names.hint")
	v.GivenNames.Autocomplete = "given-name"
	v.FamilyName = field("family_name", "profile.family_name", in.FamilyName, "profile.family_name.hint")
	v.FamilyName.Required, v.FamilyName.Autocomplete = true, "family-name"
	v.NameLatin = field("name_latin", "profile.name_latin", in.NameLatin, "profile.name_latin.hint")
	v.NameLatin.Autocomplete = "name"
	v.BirthDate = field("birth_date", "profile.birth_date", in.BirthDate, "")
	v.BirthDate.Required, v.BirthDate.Type, v.BirthDate.Autocomplete = true, "date", "bday"
	v.PassportNumber = field("passport_number", "profile.passport_number", in.PassportNumber, "profile.passport_number.hint")
	v.PassportNumber.Autocomplete = "off"
	v.PassportExpires = field("passport_expires", "profile.passport_expires", in.PassportExpires, "")
	v.PassportExpires.Type = "date"
	// A date input sends a date or nothing; anything else was not typed in
	// it and would make the field invalid HTML.
	for _, f := range []*profileField{&v.BirthDate, &v.PassportExpires} {
		if _, err := time.Parse(time.DateOnly, f.Value); err != nil {
			f.Value = ""
		}
	}
	v.NameNative = field("name_native", "incoming.profile.name_native", in.NameNative, "incoming.profile.name_native.hint")
	v.NameNative.Autocomplete = "name"
	v.Nationality = field("nationality", "incoming.profile.nationality", in.Nationality, "")
	v.Nationality.Required, v.Nationality.Choose = true, v.T("incoming.profile.choose_country")
	v.Year = field("year_of_study", "incoming.profile.year", in.YearOfStudy, "")
	v.Year.Required, v.Year.Choose = true, v.T("incoming.profile.choose_year")
	v.Partner = field("home_institution_id", "incoming.profile.partner", in.HomeInstitutionID, "incoming.profile.partner.hint")
	v.Partner.Choose = v.T("incoming.profile.partner.none")
	v.HomeName = field("home_institution_name", "incoming.profile.home_name", in.HomeInstitutionName, "")
	v.HomeName.Autocomplete = "organization"
	v.HomeCountry = field("home_country", "incoming.profile.home_country", in.HomeCountry, "")
	v.HomeCountry.Choose = v.T("incoming.profile.choose_country")

	for _, ct := range incoming.Countries(string(v.Lang)) {
		v.Nationality.Options = append(v.Nationality.Options, choice{Value: ct.Code, Label: ct.Name, Selected: ct.Code == strings.ToUpper(in.Nationality)})
		v.HomeCountry.Options = append(v.HomeCountry.Options, choice{Value: ct.Code, Label: ct.Name, Selected: ct.Code == strings.ToUpper(in.HomeCountry)})
	}
	partners, err := s.Incoming.Partners(c.Request().Context())
	if err != nil {
		return err
	}
	for _, p := range partners {
		label := p.NameEN
		if p.NameLocal != "" {
			label += " · " + p.NameLocal
		}
		id := strconv.FormatInt(p.ID, 10)
		v.Partner.Options = append(v.Partner.Options, choice{Value: id, Label: label + " (" + incoming.NameOf(string(v.Lang), p.Country) + ")", Selected: id == in.HomeInstitutionID})
	}
	for y := incoming.MinYear; y <= incoming.MaxYear; y++ {
		val := strconv.Itoa(y)
		v.Year.Options = append(v.Year.Options, choice{Value: val, Label: v.T("incoming.profile.year_n", y), Selected: val == in.YearOfStudy})
	}
	return s.render.render(c, status, pageIncomingProfile, v)
}

// profileLanding is where an incoming applicant goes once signed in: their
// profile while it is missing or incomplete (departments and letters need
// it, and it is what names them instead of their address), else path.
func (s *Server) profileLanding(c echo.Context, u *user.User, path string) (string, error) {
	if s.Incoming == nil || u == nil || !u.Has(user.Incoming) {
		return path, nil
	}
	p, err := s.Incoming.Find(c.Request().Context(), u.ID)
	if err != nil {
		return "", err
	}
	if !p.Complete() {
		return "/incoming/profile", nil
	}
	return path, nil
}

// profileTodo is the first thing on an incoming applicant's worklist while
// their profile is missing or incomplete: nothing else can go far without
// it (a request is reviewed by who they are, a visa letter prints it).
func (s *Server) profileTodo(c echo.Context, p Page, u *user.User) ([]homeItem, error) {
	to, err := s.profileLanding(c, u, "")
	if err != nil || to == "" {
		return nil, err
	}
	return []homeItem{{Title: p.T("profile.todo.title"), Detail: p.T("profile.todo.text"), Link: to, Urgent: true}}, nil
}
