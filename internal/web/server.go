// Package web is the only package that knows HTTP and Echo: it routes
// requests to the domain services, renders their answers as pages, and
// wraps everything in the security and observability every route needs.
package web

import (
	"io/fs"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"portal/internal/api"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/departure"
	"portal/internal/document"
	"portal/internal/evaluation"
	"portal/internal/ewp"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/incoming"
	"portal/internal/letter"
	"portal/internal/mentor"
	"portal/internal/notify"
	"portal/internal/p2p"
	"portal/internal/privacy"
	"portal/internal/report"
	"portal/internal/rotation"
	"portal/internal/scholarship"
	"portal/internal/selection"
	"portal/internal/user"
	"portal/internal/watch"
)

// Deps are the services the web layer calls, built and injected by main.
type Deps struct {
	// Zone is the portal's time zone: every time a page shows is in it.
	Zone      clock.Zone
	Config    config.Config
	DB        *db.DB
	Auth      *auth.Service
	Users     *user.Store
	Audit     *audit.Log
	Catalog   *catalog.Service
	Documents *document.Service
	I18n      *i18n.Bundle
	Templates fs.FS // holds templates/
	Static    fs.FS // holds static/
	Version   string
	// DevProvider is the development OpenID provider, mounted at /dev/oidc
	// in dev mode and nil everywhere else.
	DevProvider http.Handler
	// DevPartner is dev mode's partner university provider, at
	// /dev/partner-oidc; nil everywhere else.
	DevPartner http.Handler
	// Incoming keeps incoming applicants' profiles.
	Incoming *incoming.Service
	// DemoUsers are offered as one-click sign-ins on the home page in dev mode.
	DemoUsers []DemoUser
	// notifications: the bell and the outbox; MailCapture is dev mode's
	// captured mail, shown at /dev/mail (nil otherwise).
	Notify      *notify.Service
	MailCapture *notify.Capture
	// Applications is the outgoing workflow.
	Applications *application.Service
	// Letters issues the incoming students' letters and checks their codes.
	Letters *letter.Service
	// Rotations is the incoming rotations' calendar and workflow.
	Rotations *rotation.Service
	// Watch keeps stars, saved searches and calendar feeds.
	Watch *watch.Service
	// Selection keeps the selection rounds; nil leaves /rounds out.
	Selection *selection.Service
	// Privacy keeps notices, consents, the disclosure log, export,
	// requests and retention; nil leaves /account out.
	Privacy *privacy.Service
	// Reports computes the office's reports; nil leaves /reports out.
	Reports *report.Service
	// Host is the partner's answer loop; nil leaves /dossier out (host*.go).
	Host *host.Service
	// P2P exchanges nominations with partner portals; nil leaves /p2p out (p2p.go).
	P2P *p2p.Service
	// Scholarships keeps the funding calls; nil leaves /scholarships out.
	Scholarships *scholarship.Service
	// EWP writes nominations and agreements as EWP documents, API keeps the
	// JSON API's tokens (api.go); nil leaves them out.
	EWP *ewp.Service
	API *api.Service
	// Evaluations keeps reports and recognitions; nil leaves them out (evaluation.go).
	Evaluations *evaluation.Service
	// Departures keeps the pre-departure checklists; nil leaves them out (departure.go).
	Departures *departure.Service
	// Mentors matches incoming students with mentors; nil leaves /mentors out (mentors.go).
	Mentors *mentor.Service
}

// DemoUser is a demo identity of the development provider.
type DemoUser struct {
	Username, Name string
	Role           user.Role
}

// Server is the portal's HTTP handler.
type Server struct {
	Deps
	e            *echo.Echo
	render       *renderer
	catalogParts catalogParts // the catalog's rendered cards and filters
	assets       *assets
	bundle       *i18n.Bundle
	cookie       string // session cookie name
	requests     atomic.Int64
	draining     atomic.Bool // set by Drain (handlers_health.go)
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	static, err := fs.Sub(d.Static, "static")
	if err != nil {
		return nil, err
	}
	a, err := newAssets(static)
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(d.Templates, a, d.I18n)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, e: echo.New(), render: r, catalogParts: newCatalogParts(), assets: a, bundle: d.I18n, cookie: "portal_session"}
	if d.Config.Secure() {
		// __Host- cookies must be Secure, host-only and Path=/: no
		// subdomain can set or shadow them.
		s.cookie = "__Host-portal_session"
	}
	s.e.HideBanner, s.e.HidePort = true, true
	s.e.HTTPErrorHandler = s.handleError
	s.e.IPExtractor = clientIP(d.Config.TrustedProxies)
	s.routes()
	return s, nil
}

// clientIP is who a request comes from: the peer, or behind trusted
// proxies the nearest untrusted address of X-Forwarded-For. Never a
// header the client could set itself past the proxies we run.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ServeHTTP lets the server be used as an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

func (s *Server) routes() {
	e := s.e
	// Security headers come first, so that even the trailing-slash
	// redirect, answered before routing, carries them; the kept headers are
	// cleaned before the request id middleware adopts X-Request-ID.
	e.Pre(s.securityHeaders, headAsGet, cleanHeaders, middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	// compress comes before requestLog, which renders the error pages, so
	// that those are compressed too.
	e.Use(s.recoverer, middleware.RequestID(), compress(), s.requestLog, s.count)
	e.Use(s.bodyLimits())

	s.plainRoutes(e) // routes.go
	s.apiRoutes(e)   // api.go: bearer tokens, no session or CSRF
	s.p2pRoutes(e)   // p2p.go: signed by partner portals, no session or CSRF

	app := e.Group("", s.locale, s.authenticate, s.noticeGate, s.csrf())
	s.pageRoutes(app) // routes.go

	// Anything else is a translated 404 page that knows the visitor.
	app.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound })
}

// bodyLimits caps every request body before anything reads it, the CSRF
// check included: forms get 1 MB, the catalog import 20 MB, and the wallet's
// uploads their own limit (prepareUpload).
func (s *Server) bodyLimits() echo.MiddlewareFunc {
	forms, imports := middleware.BodyLimit("1M"), middleware.BodyLimit(importBodyLimit)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		form, imp := forms(next), imports(next)
		return func(c echo.Context) error {
			switch c.Path() {
			case importPath, p2p.PathNominations: // a nomination carries its documents
				return imp(c)
			case walletUploadPath, walletReplacePath, hostEvalPaperPath:
				s.prepareUpload(c)
				return next(c)
			}
			return form(c)
		}
	}
}

// csrf protects every state change, then checks the text of the request
// (checkInput). A signed-in visitor's forms carry a token bound to their
// session (auth.Visitor.CSRFToken): a token taken from another account, or
// one from before sign-in, is refused, and signing in changes it. An
// anonymous visitor (the language switch, asking for a sign-in link) gets a
// random token in an HttpOnly cookie that the form must repeat. The token
// travels in the X-CSRF-Token header (htmx, the upload script) or the _csrf
// field, first in a multipart form; never in a URL, where logs, history and
// Referer would keep it. A form posted from another site is refused with the
// same message.
func (s *Server) csrf() echo.MiddlewareFunc {
	name := "portal_csrf"
	if s.Config.Secure() {
		name = "__Host-portal_csrf"
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		next = s.checkInput(next)
		return func(c echo.Context) error {
			want := visitorOf(c).CSRFToken()
			if want == "" {
				want = s.anonymousToken(c, name)
			} else if _, err := c.Cookie(name); err == nil {
				// Signed in: the token of before is done with, and a
				// fresh one is made after sign-out.
				clearCookie(c, name)
			}
			c.Set("csrf", want)
			c.Response().Header().Add(echo.HeaderVary, echo.HeaderCookie)
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				return next(c)
			}
			if c.Request().Header.Get(echo.HeaderSecFetchSite) == "cross-site" {
				return errCSRF
			}
			if !sameToken(sentToken(c), want) {
				return errCSRF
			}
			return next(c)
		}
	}
}

// page fills the layout's part of a view.
func (s *Server) page(c echo.Context, titleKey string) Page {
	lang := langOf(c)
	p := Page{Lang: lang, bundle: s.bundle, Path: c.Request().URL.Path, Here: s.here(c), Dev: s.DevProvider != nil, zone: s.Zone}
	p.Title = p.T(titleKey)
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	for _, o := range i18n.Options {
		p.Langs = append(p.Langs, LangChoice{Code: string(o.Lang), Name: o.Name, Current: o.Lang == lang})
	}
	// A flash set while serving this very page (an expired session) wins
	// over one carried from the previous response; either is shown once.
	key, _ := c.Get(ctxFlash).(string)
	if f, err := c.Cookie(flashCookie); err == nil && key == "" {
		key = f.Value
	}
	if key != "" {
		if s.bundle.Has("flash." + key) {
			p.Flash = p.T("flash." + key)
		}
		clearCookie(c, flashCookie)
	}
	if u := visitorOf(c).User; u != nil {
		p.Person = &Person{Name: u.Name, Email: u.Email}
		for _, r := range u.Roles {
			p.Person.Roles = append(p.Person.Roles, roleLabel(s.bundle, lang, r))
		}
		for _, n := range navigation {
			if n.who.admits(u) {
				p.Nav = append(p.Nav, NavItem{Label: p.T(n.key), Path: n.path, Current: n.path == p.Path})
			}
		}
		p.Bell = s.bell(c, u.ID, p)
	}
	return p
}
