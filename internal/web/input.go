package web

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/text"
)

// checkInput refuses a request whose query or form holds text that is not
// text.Readable (bytes that are not UTF-8, NUL, other control characters),
// before any handler can store it: PostgreSQL would answer the insert with
// an error (a 500), SQLite would keep the bytes and serve them back. A bad
// query is a 400 page and a bad form a 422, both naming the field.
//
// The uploads are left to their handlers, which stream the body and check
// their few fields themselves (a document type from a list, a date).
func (s *Server) checkInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if name, bad := unreadable(c.Request().URL.Query()); bad {
			return s.refuseQuery(c, name)
		}
		switch c.Path() {
		case walletUploadPath, walletReplacePath, importPath, hostEvalPaperPath:
			return next(c)
		}
		form, err := postedForm(c.Request())
		if err != nil {
			return err
		}
		if name, bad := unreadable(form); bad {
			return apperr.New(apperr.Invalid, "input.bad_field", name)
		}
		return next(c)
	}
}

// postedForm parses the body of a form post (within the body limit the
// request already has) and returns its values; nil for other requests.
func postedForm(r *http.Request) (url.Values, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	var err error
	switch ct {
	case echo.MIMEApplicationForm:
		err = r.ParseForm()
	case echo.MIMEMultipartForm:
		err = r.ParseMultipartForm(32 << 20) // Echo's own FormValue uses the same
	default:
		return nil, nil
	}
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he // the body limit's 413
		}
		return nil, echo.ErrBadRequest
	}
	if r.MultipartForm != nil {
		return r.MultipartForm.Value, nil
	}
	return r.PostForm, nil
}

// unreadable returns the name of the first field whose name or values are
// not readable text.
func unreadable(v url.Values) (string, bool) {
	for k, vals := range v {
		if !text.Readable(k) {
			return shownName(k), true
		}
		for _, s := range vals {
			if !text.Readable(s) {
				return shownName(k), true
			}
		}
	}
	return "", false
}

// shownName is a field's name as the message may show it: cleaned and
// short, since the name itself can be what is wrong.
func shownName(k string) string {
	k = text.Clean(k)
	if r := []rune(k); len(r) > 40 {
		k = string(r[:40]) + "…"
	}
	if k == "" {
		k = "?"
	}
	return k
}

// refuseQuery answers a query that cannot be read with the error page and
// a 400: the address is wrong, not a form the person can correct.
func (s *Server) refuseQuery(c echo.Context, name string) error {
	slog.Info("request refused", "reason", "unreadable query parameter", "field", name, "path", c.Request().URL.Path)
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusBadRequest)
	}
	p := s.page(c, "error.title")
	v := errorView{Page: p, Status: http.StatusBadRequest, Heading: p.T("error.heading.invalid"), Message: p.T("input.bad_query", name)}
	return s.render.render(c, http.StatusBadRequest, "error", v)
}

// cleanHeaders rewrites, before anything reads them, the request headers
// the portal keeps: the User-Agent goes into the audit log at sign-in and
// the X-Request-ID is adopted as the request's id. They are cleaned, not
// refused: a browser (or a proxy on the way) sends them on its own, and a
// person refused sign-in for their browser's header could do nothing about
// it; the audit copy still tells one device from another.
func cleanHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if ua := h.Get("User-Agent"); ua != "" {
			if clean := text.Clean(ua); clean != ua {
				h.Set("User-Agent", clean)
			}
		}
		if id := h.Get(echo.HeaderXRequestID); id != "" && !printableASCII(id, 128) {
			h.Del(echo.HeaderXRequestID) // a fresh id is made instead
		}
		return next(c)
	}
}

func printableASCII(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
