package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/notify"
)

type devMailView struct {
	Page
	Keep  int
	Mails []devMailRow
}

type devMailRow struct {
	ID                int
	To, Subject, When string
}

// devMail lists the mail dev mode captured instead of sending, newest
// first. The route exists only in dev mode.
func (s *Server) devMail(c echo.Context) error {
	v := devMailView{Page: s.page(c, "notify.devmail.title"), Keep: s.MailCapture.Keep()}
	for _, m := range s.MailCapture.List() {
		v.Mails = append(v.Mails, devMailRow{ID: m.ID, To: addressText(m), Subject: m.Subject, When: m.At.Format("15:04:05")})
	}
	return s.render.render(c, http.StatusOK, pageDevMail, v)
}

type devMailMessageView struct {
	Page
	Mail       devMailRow
	MessageID  string
	Text, HTML string
	HTMLFrame  string // where the HTML part is served for the sandboxed frame
}

func (s *Server) devMailFind(c echo.Context) (notify.Captured, error) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return notify.Captured{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	m, ok := s.MailCapture.Get(id)
	if !ok {
		return m, apperr.New(apperr.NotFound, "error.not_found")
	}
	return m, nil
}

// devMailMessage shows one captured mail: its headers, its text, and its
// HTML part both rendered in a sandboxed frame and as source.
func (s *Server) devMailMessage(c echo.Context) error {
	m, err := s.devMailFind(c)
	if err != nil {
		return err
	}
	v := devMailMessageView{
		Page:      s.page(c, "notify.devmail.title"),
		Mail:      devMailRow{ID: m.ID, To: addressText(m), Subject: m.Subject, When: m.At.Format("2006-01-02 15:04:05")},
		MessageID: m.Message.ID, Text: m.Text, HTML: m.HTML, HTMLFrame: "/dev/mail/" + strconv.Itoa(m.ID) + "/html",
	}
	return s.render.render(c, http.StatusOK, pageDevMailMessage, v)
}

// devMailHTML serves a captured mail's HTML part for the frame of the
// message page, under a policy of its own: no script, no fetch, inline
// styles only (mail HTML has them), a sandbox, framed by the portal alone.
func (s *Server) devMailHTML(c echo.Context) error {
	m, err := s.devMailFind(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTML))
}

// addressText is the recipient as a person reads it, not MIME-encoded.
func addressText(m notify.Captured) string {
	if m.To.Name == "" {
		return m.To.Address
	}
	return m.To.Name + " <" + m.To.Address + ">"
}
