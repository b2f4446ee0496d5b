package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/letter"
)

// The public check of a letter's verification code: a visa officer or a
// home school types the code printed on a letter and sees whether the
// hospital issued it, and to whom. No sign-in: they have no account.

type letterVerifyView struct {
	Page
	Code      string // as typed, to keep in the field
	CodeError string
	Found     *verifiedLetter
}

// verifiedLetter is what a verifier needs to compare with the paper, and
// no more: not the home institution, not the holder's account.
type verifiedLetter struct {
	Verdict    string // genuine, with the kind and the issue date
	Superseded string // set when a newer letter replaced this one
	Name       string
	Department string
	Period     string
}

// letterVerify shows the form, and with ?code= the verdict. An unknown
// code and a malformed one get the same answer.
func (s *Server) letterVerify(c echo.Context) error {
	v := letterVerifyView{Page: s.page(c, "letter.verify.title"), Code: strings.TrimSpace(c.QueryParam("code"))}
	if v.Code == "" {
		return s.render.render(c, http.StatusOK, pageVerify, v)
	}
	if len(v.Code) > 64 {
		v.Code = v.Code[:64]
	}
	l, err := s.Letters.Verify(c.Request().Context(), v.Code)
	if apperr.CodeOf(err) == apperr.NotFound {
		v.CodeError = v.T("letter.verify.unknown")
		return s.render.render(c, http.StatusNotFound, pageVerify, v)
	}
	if err != nil {
		return err
	}
	v.Code = l.DisplayCode()
	subj := l.Subject
	both := func(a, b string) string {
		if b == "" || a == "" {
			return a + b
		}
		return v.T("letter.both", a, b)
	}
	f := &verifiedLetter{
		Verdict:    v.T("letter.verify.genuine."+string(l.Kind), v.Date(l.IssuedAt)),
		Name:       both(subj.NameLatin, subj.NameNative),
		Department: both(subj.DepartmentEN, subj.DepartmentZH),
		Period:     v.T("letter.period", v.Day(subj.StartsOn), v.Day(subj.EndsOn)),
	}
	if l.SupersededAt != nil {
		f.Superseded = v.T("letter.verify.superseded", v.Date(*l.SupersededAt))
	}
	v.Found = f
	return s.render.render(c, http.StatusOK, pageVerify, v)
}

// sendLetter answers with a letter's PDF as a download named after its
// kind and code, for the pages that issue letters.
func sendLetter(c echo.Context, l *letter.Letter, pdf []byte) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.pdf"`, l.Kind, l.DisplayCode()))
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
