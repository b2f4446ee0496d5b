package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// ---- departments

func (s *Server) manageDepartments(c echo.Context) error {
	e := entDepartment
	v := s.newList(c, e, "manage.departments.new", "manage.field.name_en", "manage.field.code", "manage.field.name_zh")
	list, err := s.Catalog.Departments(c.Request().Context(), !v.HideRetired)
	if err != nil {
		return err
	}
	for _, d := range list {
		v.row(e, d.ID, d.NameEN, "", d.RetiredAt, d.Code, d.NameZH)
	}
	return s.render.render(c, http.StatusOK, pageManageList, v)
}

func (s *Server) manageDepartmentNew(c echo.Context) error {
	return s.departmentPage(c, http.StatusOK, nil, catalog.DepartmentInput{}, nil)
}

func (s *Server) manageDepartmentCreate(c echo.Context) error {
	in := bindDepartment(c)
	_, err := s.catalogBy(c).CreateDepartment(c.Request().Context(), in)
	if invalid(err) {
		return s.departmentPage(c, http.StatusUnprocessableEntity, nil, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.create", entDepartment.list())
}

func (s *Server) manageDepartmentEdit(c echo.Context) error {
	cur, err := s.departmentOf(c)
	if err != nil {
		return err
	}
	return s.departmentPage(c, http.StatusOK, cur, catalog.DepartmentInput{Code: cur.Code, NameEN: cur.NameEN, NameZH: cur.NameZH}, nil)
}

func (s *Server) manageDepartmentUpdate(c echo.Context) error {
	cur, err := s.departmentOf(c)
	if err != nil {
		return err
	}
	in := bindDepartment(c)
	if err := s.catalogBy(c).UpdateDepartment(c.Request().Context(), cur.ID, in); invalid(err) {
		return s.departmentPage(c, http.StatusUnprocessableEntity, cur, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entDepartment.list())
}

func (s *Server) departmentOf(c echo.Context) (*catalog.Department, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.Department(c.Request().Context(), id)
}

func bindDepartment(c echo.Context) catalog.DepartmentInput {
	return catalog.DepartmentInput{Code: c.FormValue("code"), NameEN: c.FormValue("name_en"), NameZH: c.FormValue("name_zh")}
}

// departmentPage is the new or edit page of a department, cur nil for new.
func (s *Server) departmentPage(c echo.Context, status int, cur *catalog.Department, in catalog.DepartmentInput, err error) error {
	e := entDepartment
	var v manageFormView
	action := e.list()
	if cur == nil {
		v = s.newFormView(c, e, status, "manage.departments.new")
	} else {
		v = s.newFormView(c, e, status, "manage.departments.edit", cur.NameEN)
		v.state(e, cur.ID, cur.RetiredAt)
		action = e.edit(cur.ID)
	}
	b := newForm(v.Page, "f-", err)
	v.Form = form{ID: "f-", Action: action, Submit: v.T("manage.save"), CSRF: v.CSRF, Groups: []fieldGroup{{Fields: []field{
		b.hint(b.field("text", "code", "manage.field.code", in.Code, true), "manage.hint.code"),
		b.field("text", "name_en", "manage.field.name_en", in.NameEN, true),
		b.field("text", "name_zh", "manage.field.name_zh", in.NameZH, true),
	}}}}
	return s.renderForm(c, status, v, err)
}

// ---- funding

func (s *Server) manageFundings(c echo.Context) error {
	e := entFunding
	v := s.newList(c, e, "manage.funding.new", "manage.field.name_en",
		"manage.field.sponsor", "manage.field.amount", "manage.field.deadline")
	list, err := s.Catalog.Fundings(c.Request().Context(), !v.HideRetired)
	if err != nil {
		return err
	}
	for _, f := range list {
		v.row(e, f.ID, f.NameEN, f.NameZH, f.RetiredAt, v.T("manage.funding.sponsor", f.Sponsor, v.T("sponsor_kind."+f.SponsorKind)),
			v.T("manage.money", f.Amount, f.Currency), v.Day(f.Deadline))
	}
	return s.render.render(c, http.StatusOK, pageManageList, v)
}

func (s *Server) manageFundingNew(c echo.Context) error {
	return s.fundingPage(c, http.StatusOK, nil, catalog.FundingInput{Currency: "TWD"}, nil)
}

func (s *Server) manageFundingCreate(c echo.Context) error {
	in := bindFunding(c)
	_, err := s.catalogBy(c).CreateFunding(c.Request().Context(), in)
	if invalid(err) {
		return s.fundingPage(c, http.StatusUnprocessableEntity, nil, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.create", entFunding.list())
}

func (s *Server) manageFundingEdit(c echo.Context) error {
	cur, err := s.fundingOf(c)
	if err != nil {
		return err
	}
	return s.fundingPage(c, http.StatusOK, cur, fundingInput(*cur), nil)
}

func (s *Server) manageFundingUpdate(c echo.Context) error {
	cur, err := s.fundingOf(c)
	if err != nil {
		return err
	}
	in := bindFunding(c)
	if err := s.catalogBy(c).UpdateFunding(c.Request().Context(), cur.ID, in); invalid(err) {
		return s.fundingPage(c, http.StatusUnprocessableEntity, cur, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entFunding.list())
}

func (s *Server) fundingOf(c echo.Context) (*catalog.Funding, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.Funding(c.Request().Context(), id)
}

func bindFunding(c echo.Context) catalog.FundingInput {
	return catalog.FundingInput{
		NameEN: c.FormValue("name_en"), NameZH: c.FormValue("name_zh"), Sponsor: c.FormValue("sponsor"),
		SponsorKind: c.FormValue("sponsor_kind"), InstitutionID: formID(c, "institution_id"),
		Amount: c.FormValue("amount"), Currency: c.FormValue("currency"), Eligibility: c.FormValue("eligibility"),
		Deadline: c.FormValue("deadline"),
	}
}

func fundingInput(f catalog.Funding) catalog.FundingInput {
	in := catalog.FundingInput{
		NameEN: f.NameEN, NameZH: f.NameZH, Sponsor: f.Sponsor, SponsorKind: f.SponsorKind,
		Amount: strconv.Itoa(f.Amount), Currency: f.Currency, Eligibility: f.Eligibility, Deadline: dateString(f.Deadline),
	}
	if f.InstitutionID != nil {
		in.InstitutionID = *f.InstitutionID
	}
	return in
}

// fundingPage is the new or edit page of a funding opportunity, cur nil
// for new.
func (s *Server) fundingPage(c echo.Context, status int, cur *catalog.Funding, in catalog.FundingInput, err error) error {
	e := entFunding
	var v manageFormView
	action := e.list()
	var current int64
	if cur == nil {
		v = s.newFormView(c, e, status, "manage.funding.new")
	} else {
		v = s.newFormView(c, e, status, "manage.funding.edit", cur.NameEN)
		v.state(e, cur.ID, cur.RetiredAt)
		action = e.edit(cur.ID)
		if cur.InstitutionID != nil {
			current = *cur.InstitutionID
		}
	}
	insts, ierr := s.institutionOptions(c.Request().Context(), v.Page, current, true)
	if ierr != nil {
		return ierr
	}
	b := newForm(v.Page, "f-", err)
	v.Form = form{ID: "f-", Action: action, Submit: v.T("manage.save"), CSRF: v.CSRF, Groups: []fieldGroup{{Fields: []field{
		b.field("text", "name_en", "manage.field.name_en", in.NameEN, true),
		b.field("text", "name_zh", "manage.field.name_zh", in.NameZH, false),
		b.field("text", "sponsor", "manage.field.sponsor", in.Sponsor, true),
		b.choose("sponsor_kind", "manage.field.sponsor_kind", in.SponsorKind, true, b.codes("sponsor_kind.", catalog.SponsorKinds)),
		b.hint(b.choose("institution_id", "manage.field.funding_institution", idString(in.InstitutionID), false, insts), "manage.hint.funding_institution"),
		b.field("number", "amount", "manage.field.amount", in.Amount, true),
		b.choose("currency", "manage.field.currency", in.Currency, true, currencyOptions()),
		b.field("textarea", "eligibility", "manage.field.eligibility", in.Eligibility, false),
		b.field("date", "deadline", "manage.field.deadline", in.Deadline, true),
	}}}}
	return s.renderForm(c, status, v, err)
}
