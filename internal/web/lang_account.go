package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/user"
)

// accountLang carries a signed-in person's language to a device that has
// none: when the request has no language cookie and their account
// remembers a choice (users.chosen_lang, written by the switch), the page
// follows the account rather than Accept-Language, and the cookie is set
// so that the device remembers it from now on. A cookie, once there,
// wins: it is the latest choice made on this device. The choice comes
// with the session's user, in the request's one statement.
func (s *Server) accountLang(c echo.Context, u *user.User) error {
	if _, err := c.Cookie(langCookie); err == nil || u.ChosenLang == "" {
		return nil
	}
	lang, ok := s.bundle.Parse(u.ChosenLang)
	if !ok {
		return nil
	}
	c.Set(ctxLang, lang)
	c.Response().Header().Set("Content-Language", string(lang))
	s.setCookie(c, langCookie, string(lang), 365*24*3600)
	c.Request().AddCookie(&http.Cookie{Name: langCookie, Value: string(lang)})
	return nil
}
