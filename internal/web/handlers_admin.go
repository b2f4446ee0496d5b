package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/user"
)

type adminUsersView struct {
	Page
	Query string
	Rows  []adminUserRow
	Roles []roleChoice
}

type adminUserRow struct {
	ID                  int64
	Name, Email, Issuer string
	ClaimRoles          []string
	Granted             []roleChoice
	LastLogin           string
}

type roleChoice struct {
	Value, Label string
}

// adminUsers lists people with their roles, and forms to grant and revoke.
func (s *Server) adminUsers(c echo.Context) error {
	v := adminUsersView{Page: s.page(c, "admin.users.title"), Query: c.QueryParam("q")}
	list, err := s.Users.List(c.Request().Context(), v.Query, 200)
	if err != nil {
		return err
	}
	for _, r := range user.Roles {
		v.Roles = append(v.Roles, roleChoice{string(r), roleLabel(s.bundle, v.Lang, r)})
	}
	for _, u := range list {
		row := adminUserRow{ID: u.ID, Name: u.Name, Email: u.Email, Issuer: u.Issuer, LastLogin: v.T("admin.users.never")}
		if u.LastLoginAt != nil {
			row.LastLogin = v.When(*u.LastLoginAt)
		}
		for _, r := range u.ClaimRoleList {
			row.ClaimRoles = append(row.ClaimRoles, roleLabel(s.bundle, v.Lang, r))
		}
		for _, r := range u.Granted {
			row.Granted = append(row.Granted, roleChoice{string(r), roleLabel(s.bundle, v.Lang, r)})
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render.render(c, http.StatusOK, pageAdminUsers, v)
}

func (s *Server) adminGrant(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	role, ok := user.ParseRole(c.FormValue("role"))
	if !ok {
		return apperr.New(apperr.Invalid, "user.role.unknown", c.FormValue("role"))
	}
	admin := visitorOf(c).User
	if err := s.Users.Grant(c.Request().Context(), id, role, admin.ID, meta(c)); err != nil {
		return err
	}
	s.setFlash(c, "role_granted")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

func (s *Server) adminRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	role, ok := user.ParseRole(c.Param("role"))
	if !ok {
		return apperr.New(apperr.Invalid, "user.role.unknown", c.Param("role"))
	}
	admin := visitorOf(c).User
	if err := s.Users.Revoke(c.Request().Context(), id, role, admin.ID, meta(c)); err != nil {
		return err
	}
	s.setFlash(c, "role_revoked")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}
