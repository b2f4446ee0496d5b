package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/host"
)

// The office's host contacts, beside the catalog: who answers each
// partner's nominations, in which language.

type hostContactsView struct {
	Page
	Rows         []hostContactRow
	Institutions []periodChoice
	Languages    []tieOption
	In           host.ContactInput
	Errors       map[string]string
}

type hostContactRow struct {
	Institution, Elective, Name, Email, Lang, Department, Delete string
}

func (s *Server) hostContacts(c echo.Context) error {
	return s.hostContactsPage(c, http.StatusOK, host.ContactInput{Lang: "en"}, nil)
}

func (s *Server) hostContactsPage(c echo.Context, status int, in host.ContactInput, failed error) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	rows, err := s.Host.Contacts(ctx, u)
	if err != nil {
		return err
	}
	insts, err := s.Catalog.Institutions(ctx, false)
	if err != nil {
		return err
	}
	v := hostContactsView{Page: s.page(c, "host.contacts.title"), In: in}
	for _, r := range rows {
		v.Rows = append(v.Rows, hostContactRow{Institution: r.Institution, Elective: r.Elective, Name: r.Name, Email: r.Email,
			Lang: v.T("host.lang." + r.Lang), Department: r.Department, Delete: "/manage/hosts/" + strconv.FormatInt(r.ID, 10) + "/delete"})
	}
	for _, i := range insts {
		if i.IsHome {
			continue
		}
		v.Institutions = append(v.Institutions, periodChoice{ID: i.ID, Label: i.NameEN, Checked: i.ID == in.InstitutionID})
	}
	for _, l := range host.Languages {
		v.Languages = append(v.Languages, tieOption{Value: l, Label: v.T("host.lang." + l)})
	}
	if f := apperr.FieldsOf(failed); f != nil {
		v.Errors = map[string]string{}
		for k, m := range f {
			v.Errors[k] = v.T(m.Key, m.Args...)
		}
	}
	return s.render.render(c, status, pageHostContacts, v)
}

type hostContactForm struct {
	InstitutionID int64  `form:"institution_id"`
	ElectiveID    int64  `form:"elective_id"`
	Name          string `form:"name"`
	Email         string `form:"email"`
	Lang          string `form:"lang"`
	Department    string `form:"department"`
}

func (s *Server) hostContactAdd(c echo.Context) error {
	var f hostContactForm
	if err := c.Bind(&f); err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	in := host.ContactInput{InstitutionID: f.InstitutionID, ElectiveID: f.ElectiveID, Name: f.Name, Email: f.Email, Lang: f.Lang, Department: f.Department}
	_, err := s.Host.AddContact(c.Request().Context(), visitorOf(c).User, in, meta(c))
	if invalid(err) {
		return s.hostContactsPage(c, http.StatusUnprocessableEntity, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "host_contact_saved", "/manage/hosts")
}

func (s *Server) hostContactDelete(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Host.DeleteContact(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "host_contact_deleted", "/manage/hosts")
}

func (s *Server) hostRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Host.Revoke(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "host_links_revoked", "/applications/"+strconv.FormatInt(id, 10))
}

func (s *Server) hostVerify(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = s.Host.Verify(c.Request().Context(), visitorOf(c).User, id,
		c.FormValue("good_standing") == "on", c.FormValue("immunization") == "on", meta(c))
	if err != nil {
		return err
	}
	return s.done(c, "host_verified", "/applications/"+strconv.FormatInt(id, 10))
}
