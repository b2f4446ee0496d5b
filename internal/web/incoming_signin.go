package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
)

// Sign-in for people without a university account: an emailed one-time
// link, and the partner universities' providers.

type signinEmailView struct {
	Page
	Email      string
	EmailError string
}

// signinEmail asks for the address to mail a sign-in link to.
func (s *Server) signinEmail(c echo.Context) error {
	return s.render.render(c, http.StatusOK, pageSigninEmail, signinEmailView{Page: s.page(c, "incoming.signin.title")})
}

// signinEmailSend mails a link, or does not (a rate limit), and answers
// the same either way: the answer must not tell who has an account or
// who was mailed. Only a malformed address is sent back to be fixed.
func (s *Server) signinEmailSend(c echo.Context) error {
	email := c.FormValue("email")
	err := s.Auth.RequestLink(c.Request().Context(), email, string(langOf(c)), meta(c))
	if f := apperr.FieldsOf(err); f != nil {
		v := signinEmailView{Page: s.page(c, "incoming.signin.title"), Email: email}
		m := f["email"]
		v.EmailError = v.T(m.Key, m.Args...)
		return s.render.render(c, http.StatusUnprocessableEntity, pageSigninEmail, v)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/signin/email/sent")
}

func (s *Server) signinEmailSent(c echo.Context) error {
	return s.render.render(c, http.StatusOK, pageSigninEmailSent, s.page(c, "incoming.signin.sent.title"))
}

type signinLinkView struct {
	Page
	Token   string
	Refused string // why the link did not sign anyone in
}

// signinLink shows a button and nothing more: mail scanners open links
// ahead of their reader, so opening one must not use it up. The POST does.
func (s *Server) signinLink(c echo.Context) error {
	v := signinLinkView{Page: s.page(c, "incoming.link.title"), Token: c.QueryParam("token")}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render.render(c, http.StatusOK, pageSigninLink, v)
}

// signinLinkUse uses the link: a new session, a new id, audited. Someone
// signed in here already is signed out first, so a browser holds one
// person's session.
func (s *Server) signinLinkUse(c echo.Context) error {
	ctx := c.Request().Context()
	if v := visitorOf(c); v.User != nil {
		if _, err := s.Auth.Logout(ctx, v.SessionID, meta(c)); err != nil {
			return err
		}
		clearCookie(c, s.cookie)
	}
	session, err := s.Auth.ConsumeLink(ctx, c.FormValue("token"), meta(c))
	if apperr.CodeOf(err) == apperr.Unauthorized {
		v := signinLinkView{Page: s.page(c, "incoming.link.refused.title")}
		v.Refused = v.T("auth.refused.link")
		return s.render.render(c, http.StatusUnauthorized, pageSigninLink, v)
	}
	if err != nil {
		return err
	}
	s.setCookie(c, s.cookie, session, 0)
	s.setFlash(c, "signed_in")
	// A first sign-in lands on the profile (its page welcomes them), not
	// on a home page that could only greet them by their address.
	who, _, err := s.Auth.Authenticate(ctx, session)
	if err != nil {
		return err
	}
	to, err := s.profileLanding(c, who.User, "/")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// partnerLogin starts a sign-in at a partner university's provider. The
// pending login remembers which one; the callback is the university's.
func (s *Server) partnerLogin(c echo.Context) error {
	returnTo := auth.SafeReturn(c.QueryParam("return_to"))
	if visitorOf(c).User != nil {
		return c.Redirect(http.StatusSeeOther, returnTo)
	}
	hint := ""
	if s.DevProvider != nil {
		hint = c.QueryParam("as")
	}
	raw, authURL, err := s.Auth.BeginLoginWith(c.Request().Context(), c.Param("provider"), returnTo, hint)
	if err != nil {
		return err
	}
	s.setCookie(c, s.cookie, raw, 0)
	return c.Redirect(http.StatusSeeOther, authURL)
}

// partnerLoginPath is the sign-in path of a partner provider.
func partnerLoginPath(name string) string { return "/login/" + url.PathEscape(name) }
