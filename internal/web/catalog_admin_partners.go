package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// ---- institutions

func (s *Server) manageInstitutions(c echo.Context) error {
	e := entInstitution
	v := s.newList(c, e, "manage.institutions.new", "manage.field.name_en",
		"manage.field.country", "manage.field.institution_kind", "manage.field.identifier")
	list, err := s.Catalog.Institutions(c.Request().Context(), !v.HideRetired)
	if err != nil {
		return err
	}
	for _, i := range list {
		name := i.NameEN
		if i.IsHome {
			name = v.T("manage.institutions.home_named", i.NameEN)
		}
		v.row(e, i.ID, name, i.NameLocal, i.RetiredAt, v.T("country."+i.Country), v.T("institution_kind."+i.Kind), i.Identifier)
	}
	return s.render.render(c, http.StatusOK, pageManageList, v)
}

func (s *Server) manageInstitutionNew(c echo.Context) error {
	return s.institutionPage(c, http.StatusOK, nil, catalog.InstitutionInput{}, nil)
}

func (s *Server) manageInstitutionCreate(c echo.Context) error {
	in := bindInstitution(c)
	_, err := s.catalogBy(c).CreateInstitution(c.Request().Context(), in)
	if invalid(err) {
		return s.institutionPage(c, http.StatusUnprocessableEntity, nil, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.create", entInstitution.list())
}

func (s *Server) manageInstitutionEdit(c echo.Context) error {
	cur, err := s.institutionOf(c)
	if err != nil {
		return err
	}
	return s.institutionPage(c, http.StatusOK, cur, institutionInput(*cur), nil)
}

func (s *Server) manageInstitutionUpdate(c echo.Context) error {
	cur, err := s.institutionOf(c)
	if err != nil {
		return err
	}
	in := bindInstitution(c)
	if err := s.catalogBy(c).UpdateInstitution(c.Request().Context(), cur.ID, in); invalid(err) {
		return s.institutionPage(c, http.StatusUnprocessableEntity, cur, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entInstitution.list())
}

func (s *Server) institutionOf(c echo.Context) (*catalog.Institution, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.Institution(c.Request().Context(), id)
}

func bindInstitution(c echo.Context) catalog.InstitutionInput {
	return catalog.InstitutionInput{
		NameEN: c.FormValue("name_en"), NameLocal: c.FormValue("name_local"), Country: c.FormValue("country"),
		City: c.FormValue("city"), Kind: c.FormValue("kind"), Identifier: c.FormValue("identifier"),
		Website: c.FormValue("website"), ContactName: c.FormValue("contact_name"), ContactEmail: c.FormValue("contact_email"),
		IsHome: c.FormValue("is_home") != "",
	}
}

func institutionInput(i catalog.Institution) catalog.InstitutionInput {
	return catalog.InstitutionInput{
		NameEN: i.NameEN, NameLocal: i.NameLocal, Country: i.Country, City: i.City, Kind: i.Kind,
		Identifier: i.Identifier, Website: i.Website, ContactName: i.ContactName, ContactEmail: i.ContactEmail, IsHome: i.IsHome,
	}
}

// institutionPage is the new or edit page of an institution, cur nil for new.
func (s *Server) institutionPage(c echo.Context, status int, cur *catalog.Institution, in catalog.InstitutionInput, err error) error {
	e := entInstitution
	var v manageFormView
	action := e.list()
	if cur == nil {
		v = s.newFormView(c, e, status, "manage.institutions.new")
	} else {
		v = s.newFormView(c, e, status, "manage.institutions.edit", cur.NameEN)
		v.state(e, cur.ID, cur.RetiredAt)
		action = e.edit(cur.ID)
	}
	b := newForm(v.Page, "f-", err)
	home := b.field("checkbox", "is_home", "manage.field.is_home", "", false)
	if in.IsHome {
		home.Value = "1"
	}
	v.Form = form{ID: "f-", Action: action, Submit: v.T("manage.save"), CSRF: v.CSRF, Groups: []fieldGroup{
		{Fields: []field{
			b.field("text", "name_en", "manage.field.name_en", in.NameEN, true),
			b.hint(b.field("text", "name_local", "manage.field.name_local", in.NameLocal, false), "manage.hint.name_local"),
			b.choose("country", "manage.field.country", in.Country, true, b.codes("country.", catalog.Countries)),
			b.field("text", "city", "manage.field.city", in.City, false),
			b.choose("kind", "manage.field.institution_kind", in.Kind, true, b.codes("institution_kind.", catalog.InstitutionKinds)),
			b.hint(b.field("text", "identifier", "manage.field.identifier", in.Identifier, false), "manage.hint.identifier"),
			b.field("url", "website", "manage.field.website", in.Website, false),
			b.field("text", "contact_name", "manage.field.contact_name", in.ContactName, false),
			b.field("email", "contact_email", "manage.field.contact_email", in.ContactEmail, false),
			b.hint(home, "manage.hint.is_home"),
		}},
	}}
	return s.renderForm(c, status, v, err)
}

// institutionOptions lists the live institutions to choose from, and the
// current choice even when retired, so that editing never drops it
// silently. The home institution is offered only when withHome.
func (s *Server) institutionOptions(ctx context.Context, p Page, current int64, withHome bool) ([]option, error) {
	list, err := s.Catalog.Institutions(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, i := range list {
		if i.ID != current && (i.RetiredAt != nil || (i.IsHome && !withHome)) {
			continue
		}
		label := i.NameEN
		if i.NameLocal != "" {
			label += " (" + i.NameLocal + ")"
		}
		if i.RetiredAt != nil {
			label = p.T("manage.retired_option", label)
		}
		out = append(out, option{Value: idString(i.ID), Label: label})
	}
	return out, nil
}

// ---- agreements

func (s *Server) manageAgreements(c echo.Context) error {
	e := entAgreement
	v := s.newList(c, e, "manage.agreements.new", "manage.field.title",
		"manage.field.institution", "manage.field.agreement_kind", "manage.col.valid", "manage.col.quotas")
	list, err := s.Catalog.Agreements(c.Request().Context(), 0, !v.HideRetired)
	if err != nil {
		return err
	}
	today := s.Catalog.Today()
	sortInForceFirst(list, today)
	for _, a := range list {
		v.row(e, a.ID, a.Title, "", a.RetiredAt, a.InstitutionNameEN, v.T("agreement_kind."+a.Kind),
			v.T("manage.range", v.Day(a.ValidFrom), v.Day(a.ValidUntil)), v.T("manage.quotas", a.QuotaOut, a.QuotaIn))
		v.Rows[len(v.Rows)-1].Expired = expired(a.Agreement, today)
	}
	return s.render.render(c, http.StatusOK, pageManageList, v)
}

func (s *Server) manageAgreementNew(c echo.Context) error {
	in := catalog.AgreementInput{InstitutionID: formID(c, "institution"), QuotaOut: "0", QuotaIn: "0", RatioOut: "1", RatioIn: "1"}
	return s.agreementPage(c, http.StatusOK, nil, in, nil)
}

func (s *Server) manageAgreementCreate(c echo.Context) error {
	in := bindAgreement(c)
	_, err := s.catalogBy(c).CreateAgreement(c.Request().Context(), in)
	if invalid(err) {
		return s.agreementPage(c, http.StatusUnprocessableEntity, nil, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.create", entAgreement.list())
}

func (s *Server) manageAgreementEdit(c echo.Context) error {
	cur, err := s.agreementOf(c)
	if err != nil {
		return err
	}
	return s.agreementPage(c, http.StatusOK, cur, agreementInput(*cur), nil)
}

func (s *Server) manageAgreementUpdate(c echo.Context) error {
	cur, err := s.agreementOf(c)
	if err != nil {
		return err
	}
	in := bindAgreement(c)
	if err := s.catalogBy(c).UpdateAgreement(c.Request().Context(), cur.ID, in); invalid(err) {
		return s.agreementPage(c, http.StatusUnprocessableEntity, cur, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entAgreement.list())
}

func (s *Server) agreementOf(c echo.Context) (*catalog.Agreement, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.Agreement(c.Request().Context(), id)
}

func bindAgreement(c echo.Context) catalog.AgreementInput {
	return catalog.AgreementInput{
		InstitutionID: formID(c, "institution_id"), Kind: c.FormValue("kind"), Title: c.FormValue("title"),
		Fields: c.FormValue("fields"), ValidFrom: c.FormValue("valid_from"), ValidUntil: c.FormValue("valid_until"),
		QuotaOut: c.FormValue("quota_out"), QuotaIn: c.FormValue("quota_in"), DocumentURL: c.FormValue("document_url"),
		RatioOut: c.FormValue("ratio_out"), RatioIn: c.FormValue("ratio_in"),
	}
}

func agreementInput(a catalog.Agreement) catalog.AgreementInput {
	return catalog.AgreementInput{
		InstitutionID: a.InstitutionID, Kind: a.Kind, Title: a.Title, Fields: a.Fields,
		ValidFrom: dateString(a.ValidFrom), ValidUntil: dateString(a.ValidUntil),
		QuotaOut: strconv.Itoa(a.QuotaOut), QuotaIn: strconv.Itoa(a.QuotaIn), DocumentURL: a.DocumentURL,
		RatioOut: strconv.Itoa(a.RatioOut), RatioIn: strconv.Itoa(a.RatioIn),
	}
}

// agreementPage is the new or edit page of an agreement, cur nil for new.
func (s *Server) agreementPage(c echo.Context, status int, cur *catalog.Agreement, in catalog.AgreementInput, err error) error {
	e := entAgreement
	var v manageFormView
	action := e.list()
	current := in.InstitutionID
	if cur == nil {
		v = s.newFormView(c, e, status, "manage.agreements.new")
	} else {
		v = s.newFormView(c, e, status, "manage.agreements.edit", cur.Title)
		v.state(e, cur.ID, cur.RetiredAt)
		action = e.edit(cur.ID)
		current = cur.InstitutionID
	}
	insts, ierr := s.institutionOptions(c.Request().Context(), v.Page, current, false)
	if ierr != nil {
		return ierr
	}
	b := newForm(v.Page, "f-", err)
	v.Form = form{ID: "f-", Action: action, Submit: v.T("manage.save"), CSRF: v.CSRF, Groups: []fieldGroup{
		{Fields: []field{
			b.choose("institution_id", "manage.field.institution", idString(in.InstitutionID), true, insts),
			b.choose("kind", "manage.field.agreement_kind", in.Kind, true, b.codes("agreement_kind.", catalog.AgreementKinds)),
			b.field("text", "title", "manage.field.title", in.Title, true),
			b.hint(b.field("text", "fields", "manage.field.fields", in.Fields, false), "manage.hint.fields"),
		}},
		{Legend: v.T("manage.legend.validity"), Fields: []field{
			b.field("date", "valid_from", "manage.field.valid_from", in.ValidFrom, true),
			b.field("date", "valid_until", "manage.field.valid_until", in.ValidUntil, true),
			b.hint(b.field("number", "quota_out", "manage.field.quota_out", in.QuotaOut, true), "manage.hint.quota"),
			b.hint(b.field("number", "quota_in", "manage.field.quota_in", in.QuotaIn, true), "manage.hint.quota"),
			b.hint(b.field("number", "ratio_out", "reciprocity.field.ratio_out", in.RatioOut, false), "reciprocity.hint.ratio"),
			b.hint(b.field("number", "ratio_in", "reciprocity.field.ratio_in", in.RatioIn, false), "reciprocity.hint.ratio"),
			b.field("url", "document_url", "manage.field.document_url", in.DocumentURL, false),
		}},
	}}
	return s.renderForm(c, status, v, err)
}

// expired reports whether agreement a ended before today: its last day
// counts as in force.
func expired(a catalog.Agreement, today time.Time) bool {
	return dateString(a.ValidUntil) < dateString(today)
}

// sortInForceFirst puts the agreements in force before the expired ones,
// each group in the order it came (soonest to end first).
func sortInForceFirst(list []catalog.AgreementRow, today time.Time) {
	slices.SortStableFunc(list, func(a, b catalog.AgreementRow) int {
		return cmp.Compare(b2i(expired(a.Agreement, today)), b2i(expired(b.Agreement, today)))
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
