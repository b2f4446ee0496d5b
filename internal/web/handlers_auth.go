package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
)

var errBadLang = apperr.New(apperr.Invalid, "error.bad_lang")

// login starts the OpenID Connect code flow. In dev mode ?as=<demo user>
// preselects that user at the development provider, so scripts and tests
// sign in with browser redirects only.
func (s *Server) login(c echo.Context) error {
	returnTo := auth.SafeReturn(c.QueryParam("return_to"))
	if visitorOf(c).User != nil {
		return c.Redirect(http.StatusSeeOther, returnTo)
	}
	hint := ""
	if s.DevProvider != nil {
		hint = c.QueryParam("as")
	}
	raw, authURL, err := s.Auth.BeginLogin(c.Request().Context(), returnTo, hint)
	if err != nil {
		return err
	}
	s.setCookie(c, s.cookie, raw, 0)
	return c.Redirect(http.StatusSeeOther, authURL)
}

// callback completes the sign-in. Whatever the outcome, the pending session
// is gone; on success a new session id replaces it.
func (s *Server) callback(c echo.Context) error {
	raw := ""
	if visitorOf(c).User == nil {
		// Only a sign-in under way is consumed here: a replayed or forged
		// callback must not end the session of someone signed in.
		if ck, err := c.Cookie(s.cookie); err == nil {
			raw = ck.Value
		}
		clearCookie(c, s.cookie)
	}
	q := c.QueryParams()
	cb := auth.Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDescription: q.Get("error_description"), Iss: q.Get("iss")}
	session, returnTo, err := s.Auth.CompleteLogin(c.Request().Context(), raw, cb, meta(c))
	if err != nil {
		return err
	}
	s.setCookie(c, s.cookie, session, 0)
	s.setFlash(c, "signed_in")
	return c.Redirect(http.StatusSeeOther, returnTo)
}

// logout ends the session here and, when the provider offers it, there.
func (s *Server) logout(c echo.Context) error {
	v := visitorOf(c)
	next, err := s.Auth.Logout(c.Request().Context(), v.SessionID, meta(c))
	if err != nil {
		return err
	}
	clearCookie(c, s.cookie)
	s.setFlash(c, "signed_out")
	return c.Redirect(http.StatusSeeOther, next)
}

// setLang remembers the chosen language for a year and returns to the page.
func (s *Server) setLang(c echo.Context) error {
	lang, ok := s.bundle.Parse(c.FormValue("lang"))
	if !ok {
		return errBadLang
	}
	s.setCookie(c, langCookie, string(lang), 365*24*3600)
	return c.Redirect(http.StatusSeeOther, auth.SafeReturn(c.FormValue("return_to")))
}
