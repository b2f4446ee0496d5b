package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/i18n"
	"portal/internal/user"
)

const (
	langCookie  = "portal_lang"
	flashCookie = "portal_flash"
	ctxVisitor  = "visitor"
	ctxLang     = "lang"
	ctxFlash    = "flash" // a flash set during this request, which the page must not clear
)

var errCSRF = apperr.New(apperr.Forbidden, "error.csrf")

// recoverer turns a panic into a logged 500 page instead of a dropped
// connection.
func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				slog.Error("panic", "panic", r, "stack", string(debug.Stack()))
				err = apperr.Internalf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// requestLog writes one structured line per request. The query string is
// left out: it can carry authorization codes.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		attrs := []any{
			"method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "ip", c.RealIP(),
		}
		if u := visitorOf(c).User; u != nil {
			attrs = append(attrs, "user_id", u.ID)
		}
		if c.Request().URL.Path == "/healthz" || c.Request().URL.Path == "/readyz" {
			slog.Debug("request", attrs...)
		} else {
			slog.Info("request", attrs...)
		}
		return nil
	}
}

// compress gzips what the portal writes when the browser accepts it: pages,
// fragments, CSV. Skipped are the static files, gzipped once at start-up
// (static.go), and the responses that stream a file of known length to
// download (a document of the wallet, a letter, a workbook): those are
// compressed already or read by the byte, and must keep their
// Content-Length. Bodies under 1 KB are not worth the gzip header. The
// fastest level of klauspost/compress's gzip: a page of results compresses
// to about a fifth at it, and it costs about half the CPU of the standard
// library's fastest level, which was a quarter of a catalog search's time
// on a small machine serving 32 searches at once (issue 13).
func compress() echo.MiddlewareFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		panic(err) // constant options: a bad one is a programming error met by every test
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if strings.HasPrefix(c.Request().URL.Path, "/static/") || noCompress[c.Path()] {
				return next(c)
			}
			res := c.Response()
			plain := res.Writer
			var err error
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				err = next(c)
			})).ServeHTTP(plain, c.Request())
			// An error is answered by the error handler after this returns,
			// uncompressed: the wrapper is closed by then.
			res.Writer = plain
			return err
		}
	}
}

// noCompress are the routes (as registered) whose answers are downloads.
var noCompress = map[string]bool{
	"/documents/:id/download":      true,
	"/rotations/:id/letters/:kind": true,
	"/manage/export.xlsx":          true,
}

// securityHeaders sets, on every response, a CSP that allows no inline
// script or style, forbids framing, and the other headers of ASVS level 2.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	// Every form posts to the portal and is answered from it: sign-out
	// leaves for the provider by a Refresh, which form-action does not
	// govern (handlers_auth.go), so no provider's origin is needed here.
	formAction := "'self'"
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action " + formAction
	secure := s.Config.Secure()
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

func (s *Server) count(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.requests.Add(1)
		return next(c)
	}
}

// locale picks the page language: the remembered choice, else
// Accept-Language.
func (s *Server) locale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		chosen := ""
		if ck, err := c.Cookie(langCookie); err == nil {
			chosen = ck.Value
		}
		lang := s.bundle.Negotiate(chosen, c.Request().Header.Get("Accept-Language"))
		c.Set(ctxLang, lang)
		c.Response().Header().Set("Content-Language", string(lang))
		return next(c)
	}
}

func langOf(c echo.Context) i18n.Lang {
	if l, ok := c.Get(ctxLang).(i18n.Lang); ok {
		return l
	}
	return i18n.English
}

// authenticate finds the visitor of the session cookie.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw := ""
		if ck, err := c.Cookie(s.cookie); err == nil {
			raw = ck.Value
		}
		v, expired, err := s.Auth.Authenticate(c.Request().Context(), raw)
		if err != nil {
			return err
		}
		if expired {
			clearCookie(c, s.cookie)
			s.setFlash(c, "session_expired")
			_ = s.Audit.Record(c.Request().Context(), audit.New(time.Now(), nil, audit.SessionExpiry, meta(c), nil))
		}
		c.Set(ctxVisitor, v)
		if v.User != nil {
			if err := s.accountLang(c, v.User); err != nil { // lang_account.go
				return err
			}
		}
		return next(c)
	}
}

func visitorOf(c echo.Context) auth.Visitor {
	v, _ := c.Get(ctxVisitor).(auth.Visitor)
	return v
}

// RequireSignIn refuses anonymous visitors: pages send them to sign in and
// come back; other methods get 401.
func RequireSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if visitorOf(c).User == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/login?return_to="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			return apperr.New(apperr.Unauthorized, "error.unauthorized")
		}
		return next(c)
	}
}

// RequireRole guards a route group: the visitor must be signed in and hold
// at least one of roles.
func RequireRole(roles ...user.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return RequireSignIn(func(c echo.Context) error {
			if !visitorOf(c).User.Has(roles...) {
				return apperr.New(apperr.Forbidden, "error.forbidden")
			}
			return next(c)
		})
	}
}

func meta(c echo.Context) audit.Meta {
	return audit.Meta{IP: c.RealIP(), UserAgent: c.Request().UserAgent(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode,
	})
}

func clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: strings.HasPrefix(name, "__Host-") || c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
}

// headAsGet answers HEAD as GET: monitoring probes and link checkers use
// HEAD, and Echo routes GET only. The router matches on the method of the
// request Echo was given, not on one a middleware sets, so the request is
// served again as a GET copy; net/http, which still holds the HEAD request,
// sends the status and headers (Content-Length too, when the page fits its
// buffer) and drops the body.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		g := r.Clone(r.Context())
		g.Method = http.MethodGet
		c.Echo().ServeHTTP(c.Response().Writer, g)
		return nil
	}
}

// setFlash remembers a message key for the next page. Only keys travel, so a
// crafted cookie can show nothing but our own messages.
func (s *Server) setFlash(c echo.Context, key string) {
	s.setCookie(c, flashCookie, key, 60)
	c.Set(ctxFlash, key)
}

func idParam(c echo.Context, name string) (int64, error) {
	// ParseInt, unlike Sscan, refuses "12abc" instead of reading it as 12.
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	return id, nil
}

// anonymousToken is the CSRF token of a visitor who is not signed in: the
// random value of the cookie name, made and set when missing.
func (s *Server) anonymousToken(c echo.Context, name string) string {
	if ck, err := c.Cookie(name); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(c, name, tok, int((12 * time.Hour).Seconds()))
	return tok
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sentToken is the CSRF token a request carries: the X-CSRF-Token header,
// else the _csrf field. In a multipart body only a first part named _csrf
// counts, read without the file behind it (multipartToken).
func sentToken(c echo.Context) string {
	r := c.Request()
	if t := r.Header.Get(echo.HeaderXCSRFToken); t != "" {
		return t
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if ct == echo.MIMEMultipartForm {
		return multipartToken(r, params["boundary"])
	}
	return c.FormValue("_csrf")
}

// multipartToken reads the first part of a multipart body, where the
// portal's upload forms put _csrf, and puts the bytes it read back in front
// of the body: the handler still streams the whole upload, and a file is
// never read into memory before the token is known good.
func multipartToken(r *http.Request, boundary string) string {
	if boundary == "" || r.Body == nil {
		return ""
	}
	var seen bytes.Buffer
	body := r.Body
	defer func() {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(&seen, body), body}
	}()
	mr := multipart.NewReader(io.TeeReader(io.LimitReader(body, 16<<10), &seen), boundary)
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "_csrf" {
		return ""
	}
	tok, err := io.ReadAll(io.LimitReader(part, 256))
	if err != nil {
		return ""
	}
	return string(tok)
}
