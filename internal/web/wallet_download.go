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
	h.Set(echo.HeaderContentDisposition, walletContentDisposition(doc.FileName))
	h.Set(echo.HeaderContentLength, strconv.FormatInt(doc.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// Opened directly in a tab anyway, the file runs nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
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
