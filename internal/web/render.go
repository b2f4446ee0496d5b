package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/i18n"
	"portal/internal/user"
)

// renderer holds every page's template set, parsed once at boot: each page
// is the layout plus the partials plus its own file.
type renderer struct {
	pages  map[string]*template.Template
	bundle *i18n.Bundle
}

func newRenderer(tfs fs.FS, a *assets, b *i18n.Bundle) (*renderer, error) {
	funcs := template.FuncMap{"static": a.URL}
	partials, err := fs.Glob(tfs, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(tfs, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}, bundle: b}
	for _, p := range pages {
		files := append([]string{"templates/layout.html"}, partials...)
		files = append(files, p)
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(tfs, files...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		r.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return r, nil
}

// render executes into a buffer first, so that a template error becomes a
// proper error page instead of half a page with a 200 status.
func (r *renderer) render(c echo.Context, status int, page string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("no template for page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// Page is what the layout needs; every page's view embeds it. Nothing in it
// is a database model: templates see only what they show.
type Page struct {
	Lang    i18n.Lang
	bundle  *i18n.Bundle
	Title   string
	Person  *Person
	Nav     []NavItem
	CSRF    string
	Flash   string
	Path    string
	Here    string // path and query, to come back to after switching language
	Langs   []LangChoice
	Dev     bool
	Signout bool
	Bell    *Bell // notifications: the header's bell; nil when signed out
}

// T translates key into the page's language.
func (p Page) T(key string, args ...any) string { return p.bundle.T(p.Lang, key, args...) }

// Person is the signed-in user as the layout shows them.
type Person struct {
	Name, Email string
	Roles       []string // translated role names
}

// NavItem is a link of the main navigation.
type NavItem struct {
	Label, Path string
	Current     bool
}

// LangChoice is one button of the language switch.
type LangChoice struct {
	Code    string
	Name    string
	Current bool
}

// navigation lists, per role, the sections of the portal that exist. It is
// data so that a new section is one line here.
var navigation = []struct {
	key, path string
	roles     []user.Role // nil: everyone signed in
}{
	{"nav.home", "/", nil},
	{"nav.catalog", "/electives", nil},
	{"nav.wallet", "/wallet", []user.Role{user.Student, user.Incoming}},
	{"nav.rotations", "/rotations", []user.Role{user.Incoming}},
	{"nav.calendar", "/calendar", []user.Role{user.Coordinator, user.Office, user.Admin}},
	{"nav.incoming_profile", "/incoming/profile", []user.Role{user.Incoming}},
	{"nav.applications", "/applications", []user.Role{user.Student}},
	{"nav.review", "/review", []user.Role{user.Reviewer, user.Office, user.Admin}},
	{"nav.manage", "/manage", []user.Role{user.Office, user.Admin}},
	{"nav.admin_users", "/admin/users", []user.Role{user.Admin}},
	{"nav.admin_audit", "/admin/audit", []user.Role{user.Admin}},
}

func roleLabel(b *i18n.Bundle, l i18n.Lang, r user.Role) string {
	return b.T(l, "role."+string(r))
}
