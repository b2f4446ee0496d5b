package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

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

// callback completes the sign-in. Whatever the outcome, the pending
// sign-in's cookie is gone; on success a session id replaces it.
func (s *Server) callback(c echo.Context) error {
	if visitorOf(c).User != nil {
		// Already signed in: the Back button, or a replayed or forged
		// callback, which must not end the session of someone signed in.
		return c.Redirect(http.StatusSeeOther, "/")
	}
	raw := ""
	if ck, err := c.Cookie(s.cookie); err == nil {
		raw = ck.Value
	}
	clearCookie(c, s.cookie)
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

type signingOutView struct {
	Page
	Next string
}

// logout ends the session here and, when the provider offers it, there.
// The provider's end-session page may live on any origin (and hand the
// browser on to others), while CSP form-action governs every redirect that
// follows a form post: so the post is answered with a page of ours that
// leaves by a Refresh, a navigation form-action does not govern, with a
// plain link for browsers that ignore it.
func (s *Server) logout(c echo.Context) error {
	v := visitorOf(c)
	next, err := s.Auth.Logout(c.Request().Context(), v.SessionID, meta(c))
	if err != nil {
		return err
	}
	clearCookie(c, s.cookie)
	if next == "/" {
		s.setFlash(c, "signed_out")
		return c.Redirect(http.StatusSeeOther, next)
	}
	c.Set(ctxVisitor, auth.Visitor{}) // the page shows the person signed out
	view := signingOutView{Page: s.page(c, "signin.signing_out.title"), Next: next}
	s.setFlash(c, "signed_out") // after the page: for home, once back from the provider
	c.Response().Header().Set("Refresh", "0; url="+next)
	return s.render.render(c, http.StatusOK, pageSigningOut, view)
}

// backchannelLogout is the provider telling the portal, server to server,
// that someone signed out there (OpenID Connect Back-Channel Logout 1.0):
// their portal sessions end. It has no session and no CSRF token; the
// logout token's signature is what proves the provider sent it.
func (s *Server) backchannelLogout(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	n, err := s.Auth.BackchannelLogout(c.Request().Context(), c.FormValue("logout_token"), meta(c))
	switch {
	case errors.Is(err, auth.ErrLogoutToken):
		slog.Warn("back-channel logout refused", "err", err)
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "the logout token is not valid"})
	case err != nil:
		slog.Error("back-channel logout failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
	}
	slog.Info("back-channel logout", "sessions_ended", n)
	return c.NoContent(http.StatusOK)
}

// setLang remembers the chosen language for a year and returns to the page;
// a signed-in person's choice is kept on their account too, for their mails.
// A page shown in answer to a POST (a refused upload, a form sent back to
// be corrected) has the POST's address, which cannot be fetched again: the
// switch then returns to the page the form was sent from, else home.
func (s *Server) setLang(c echo.Context) error {
	lang, ok := s.bundle.Parse(c.FormValue("lang"))
	if !ok {
		return errBadLang
	}
	s.setCookie(c, langCookie, string(lang), 365*24*3600)
	if u := visitorOf(c).User; u != nil {
		if err := s.Users.SetLang(c.Request().Context(), u.ID, string(lang)); err != nil {
			return err
		}
	}
	back := auth.SafeReturn(c.FormValue("return_to"))
	if s.postOnly(back) {
		back = s.refererPage(c)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// here is the address the language switch returns to from the page being
// served: the page itself when it was fetched by GET; for a page answering
// a POST, the same-origin page it was sent from (the Referer), else home.
func (s *Server) here(c echo.Context) string {
	r := c.Request()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	return s.refererPage(c)
}

// refererPage is the path and query of the request's Referer when it is
// this portal's and a page that answers GET, else "/".
func (s *Server) refererPage(c echo.Context) string {
	ref, err := url.Parse(c.Request().Header.Get("Referer"))
	if err != nil || ref.Host != c.Request().Host || ref.User != nil {
		return "/"
	}
	p := auth.SafeReturn(ref.RequestURI())
	if !s.getRoute(p) {
		return "/"
	}
	return p
}

// getRoute reports whether path (with or without a query) is answered by a
// GET route of the portal, not by the not-found page.
func (s *Server) getRoute(p string) bool {
	return s.matches(http.MethodGet, p)
}

// postOnly reports whether path is an address only a POST route answers.
// An unknown path is not: its 404 page reloads as itself.
func (s *Server) postOnly(p string) bool {
	return !s.matches(http.MethodGet, p) && s.matches(http.MethodPost, p)
}

// matches reports whether the router finds a route of method for the path
// (the not-found routes, registered under their own method, do not count).
func (s *Server) matches(method, p string) bool {
	p, _, _ = strings.Cut(p, "?")
	c := s.e.NewContext(nil, nil) // Find reads only the path it is given
	s.e.Router().Find(method, p, c)
	for _, r := range s.e.Routes() {
		if r.Path == c.Path() && r.Method == method {
			return true
		}
	}
	return false
}

// providerDetail is a line per identity provider the portal has not
// reached, for /readyz: not a reason to take the pod out of service (the
// signed-in keep working), but what an operator must see.
func (s *Server) providerDetail() string {
	var b strings.Builder
	for _, p := range s.Auth.ProviderStatus() {
		if p.Err != nil {
			name := p.Name
			if name == "" {
				name = "university"
			}
			fmt.Fprintf(&b, "identity provider %s (%s) unreachable: %v\n", name, p.Issuer, p.Err)
		}
	}
	return b.String()
}
