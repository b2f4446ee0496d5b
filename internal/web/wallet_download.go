package web

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// ---- download

// documentDownload serves a document to someone allowed to open it, as an
// attachment under its normalised name and the type its content showed,
// never rendered inline and never cached. Openings by anyone but the owner
// are in the audit log before the first byte leaves.
func (s *Server) documentDownload(c echo.Context) error {
	return s.documentServe(c, false)
}

// documentView shows a PDF or an image in the browser, in a tab beside
// the application, so that a reviewer reads it without saving it. It is
// the download in every other way: the same service call decides who may
// open it and writes the opening in the audit log; any other type is sent
// as an attachment, as the download does.
func (s *Server) documentView(c echo.Context) error {
	return s.documentServe(c, true)
}

// viewable are the types a browser shows by itself, with the policy each
// needs to show: the PDF viewer does not run in a sandbox, and an image
// document styles itself inline. Neither runs a script of the file's.
var viewable = map[string]string{
	"application/pdf": "default-src 'none'; object-src 'self'",
	"image/png":       "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
	"image/jpeg":      "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
}

// documentViewPath is where a document is read in the browser, "" for a
// type the browser cannot show (the download is the only way then).
func documentViewPath(id int64, mediaType string) string {
	if _, ok := viewable[mediaType]; !ok {
		return ""
	}
	return "/documents/" + strconv.FormatInt(id, 10) + "/view"
}

func (s *Server) documentServe(c echo.Context, inline bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, rc, err := s.Documents.Open(c.Request().Context(), visitorOf(c).User, id, meta(c))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, doc.MediaType)
	disposition := walletContentDisposition(doc.FileName)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(doc.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// Opened directly in a tab anyway, the file runs nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if policy, ok := viewable[doc.MediaType]; ok && inline {
		disposition = "inline" + strings.TrimPrefix(disposition, "attachment")
		h.Set("Content-Security-Policy", policy)
	}
	h.Set(echo.HeaderContentDisposition, disposition)
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), rc); err != nil {
		slog.Info("document download cut short", "document", doc.ID, "err", err)
	}
	return nil
}

// walletContentDisposition says "attachment" with the name twice: an ASCII
// fallback for old clients, and the exact UTF-8 name in RFC 5987 form.
func walletContentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		ascii.WriteRune(r)
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}
