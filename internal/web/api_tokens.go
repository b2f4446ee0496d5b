package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/api"
	"portal/internal/apperr"
)

// The office's and admins' personal API tokens (issue 15): make one (its
// secret is shown on the answer to the POST, once, and never again), see
// when each was last used, revoke one.

func (s *Server) apiTokenRoutes(r router) {
	if s.API == nil {
		return
	}
	ref, err := readAPIReference(openAPIDocument)
	if err != nil {
		panic(err) // the embedded document: a bad one is met by every test
	}
	r.get("/api/reference", public, s.apiReferencePage(ref)) // api_reference.go
	r.get("/api/tokens", office, s.apiTokens)
	r.post("/api/tokens", office, s.apiTokenCreate)
	r.post("/api/tokens/:id/revoke", office, s.apiTokenRevoke)
}

type apiTokensView struct {
	Page
	Tokens []apiTokenRow
	Secret string // the new token, shown once
	Form   api.CreateInput
	Errors map[string]string
	Error  string
}

type apiTokenRow struct {
	ID                         int64
	Name, Scope, Expires, Used string
	Active                     bool
}

func (s *Server) apiTokensPage(c echo.Context, status int, v apiTokensView) error {
	ts, err := s.API.Mine(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v.Page = s.page(c, "api.tokens.title")
	for _, t := range ts {
		row := apiTokenRow{ID: t.ID, Name: t.Name, Scope: v.T("api.tokens.scope." + string(t.Scope)), Expires: v.When(t.ExpiresAt),
			Used: v.T("api.tokens.never"), Active: t.RevokedAt == nil && s.API.Live(t)}
		if t.LastUsedAt != nil {
			row.Used = v.When(*t.LastUsedAt)
		}
		v.Tokens = append(v.Tokens, row)
	}
	return s.render.render(c, status, pageAPITokens, v)
}

func (s *Server) apiTokens(c echo.Context) error {
	return s.apiTokensPage(c, http.StatusOK, apiTokensView{Form: api.CreateInput{Scope: string(api.Read), Days: 90}})
}

func (s *Server) apiTokenCreate(c echo.Context) error {
	days, _ := strconv.Atoi(c.FormValue("days"))
	in := api.CreateInput{Name: c.FormValue("name"), Scope: c.FormValue("scope"), Days: days}
	plain, _, err := s.API.Create(c.Request().Context(), visitorOf(c).User, 0, in, meta(c))
	if err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			return err
		}
		v := apiTokensView{Form: in, Errors: map[string]string{}}
		p := s.page(c, "api.tokens.title")
		for f, m := range apperr.FieldsOf(err) {
			v.Errors[f] = p.T(m.Key, m.Args...)
		}
		v.Error = p.T("api.tokens.refused")
		return s.apiTokensPage(c, http.StatusUnprocessableEntity, v)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.apiTokensPage(c, http.StatusOK, apiTokensView{Secret: plain, Form: api.CreateInput{Scope: string(api.Read), Days: 90}})
}

func (s *Server) apiTokenRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.API.Revoke(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "api_token_revoked", "/api/tokens")
}
