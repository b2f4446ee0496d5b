package web

import (
	"net/http"
	"net/url"
	"strconv"

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
			row.LastLogin = u.LastLoginAt.Format("2006-01-02 15:04")
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

type adminAuditView struct {
	Page
	Rows []auditRow
	More string // link to the next, older page
}

type auditRow struct {
	At, Actor, Action, Object, IP, Detail string
}

// adminAudit shows the audit log, newest first, 100 at a time.
func (s *Server) adminAudit(c echo.Context) error {
	v := adminAuditView{Page: s.page(c, "admin.audit.title")}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	action := c.QueryParam("action")
	const pageSize = 100
	events, err := s.Audit.List(c.Request().Context(), action, before, pageSize)
	if err != nil {
		return err
	}
	for _, e := range events {
		actor := e.ActorName
		if actor == "" {
			actor = v.T("admin.audit.anonymous")
		}
		obj := ""
		if e.ObjectType != "" {
			obj = e.ObjectType + " " + e.ObjectID
		}
		v.Rows = append(v.Rows, auditRow{
			At: e.At.Local().Format("2006-01-02 15:04:05"), Actor: actor, Action: v.T("audit." + e.Action),
			Object: obj, IP: e.IP, Detail: e.Detail,
		})
	}
	if len(events) == pageSize {
		// The next page keeps the action filter of this one.
		q := url.Values{"before": {strconv.FormatInt(events[len(events)-1].ID, 10)}}
		if action != "" {
			q.Set("action", action)
		}
		v.More = "/admin/audit?" + q.Encode()
	}
	return s.render.render(c, http.StatusOK, pageAdminAudit, v)
}
