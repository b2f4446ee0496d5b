package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/auth"
	"portal/internal/privacy"
)

// The general privacy notice at first sign-in (issue 18): a signed-in
// person who has not acknowledged its current version is sent to
// /account/notice before any page, then back to where they were going.
// API clients (api.go) carry no session and are not affected. The health
// notice is asked on the wallet's upload form (wallet_post.go).

// noticeFree are the paths a person reaches before acknowledging: the
// notice itself, signing in and out, the language.
var noticeFree = []string{"/account", "/account/notice", "/account/notices/", "/logout", "/lang", "/login", "/auth/", "/signin/"}

// noticeGate is the middleware of the pages' group, after authenticate.
func (s *Server) noticeGate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := visitorOf(c).User
		if !s.Config.NoticeAtSignIn || s.Privacy == nil || u == nil {
			return next(c)
		}
		path := c.Request().URL.Path
		for _, p := range noticeFree {
			if path == p || strings.HasPrefix(path, p) && strings.HasSuffix(p, "/") {
				return next(c)
			}
		}
		pending, err := s.Privacy.Pending(c.Request().Context(), u.ID, privacy.GeneralNotice.Kind)
		if err != nil {
			return err
		}
		if !pending {
			return next(c)
		}
		back := "/"
		if c.Request().Method == http.MethodGet {
			back = c.Request().URL.RequestURI()
		}
		to := "/account/notice?next=" + url.QueryEscape(back)
		if c.Request().Header.Get("HX-Request") != "" {
			c.Response().Header().Set("HX-Redirect", to)
			return c.NoContent(http.StatusNoContent)
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
}

// noticeView is /account/notice: the general notice, and one button.
type noticeView struct {
	Page
	Notice accountNotice
	Next   string
}

func (s *Server) accountNotice(c echo.Context) error {
	p := s.page(c, "privacy.notice.page_title")
	n := privacy.GeneralNotice
	v := noticeView{Page: p, Next: auth.SafeReturn(c.QueryParam("next")),
		Notice: accountNotice{Kind: n.Kind, Version: n.Version, Title: p.T("privacy.notice." + n.Kind + ".title"),
			Action: "/account/notices/" + n.Kind}}
	for _, part := range []string{"what", "why", "who", "how_long", "rights"} {
		v.Notice.Body = append(v.Notice.Body, p.T("privacy.notice."+n.Kind+"."+part))
	}
	return s.render.render(c, http.StatusOK, pagePrivacyNotice, v)
}
