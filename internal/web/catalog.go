package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// catalogRoutes are the pages where students browse electives abroad. They
// are public: a student may look before signing in.
func (s *Server) catalogRoutes(g *echo.Group) {
	// The results fragment answers htmx requests without the layout. The
	// page renderer always executes the layout, so the fragment gets its own
	// set of the catalog partials, parsed once here; a parse error is a
	// programming error that New would already have met in the page sets.
	fragment := template.Must(template.New("catalog_fragment").
		Funcs(template.FuncMap{"static": s.assets.URL}).
		ParseFS(s.Templates, "templates/partials/catalog_*.html"))
	g.GET("/electives", func(c echo.Context) error { return s.browseElectives(c, fragment) })
	g.GET("/electives/:id", s.browseElective)
	g.GET("/institutions/:id", s.browseInstitution)
}

// browseElectives is the catalog: a search form and a page of result cards.
// An htmx request from the form gets only the results; everything else,
// the form submitted without JavaScript included, gets the whole page.
func (s *Server) browseElectives(c echo.Context, fragment *template.Template) error {
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	res, err := s.Catalog.Search(ctx, catalog.Query{
		Text:      c.QueryParam("q"),
		Country:   c.QueryParam("country"),
		Specialty: c.QueryParam("specialty"),
		Kind:      c.QueryParam("kind"),
		Language:  c.QueryParam("language"),
		Month:     c.QueryParam("month"),
		SeatsOnly: browseChecked(c.QueryParam("seats")),
		Page:      page,
	})
	if err != nil {
		return err
	}
	v := browseCatalogView{Page: s.page(c, "browse.title")}
	v.results(res, s.Catalog.Today())
	// Caches and the browser's back button must not mix up the fragment
	// and the page of the same URL.
	c.Response().Header().Add("Vary", "HX-Request")
	h := c.Request().Header
	// A history restore asks for the whole page although it comes from htmx.
	if h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true" {
		var buf bytes.Buffer
		if err := fragment.ExecuteTemplate(&buf, "catalog_fragment", v); err != nil {
			return fmt.Errorf("render catalog fragment: %w", err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	}
	countries, err := s.Catalog.CountriesInUse(ctx)
	if err != nil {
		return err
	}
	v.form(res.Query, countries)
	return s.render.render(c, http.StatusOK, "catalog", v)
}

// browseElective is one elective with its periods; a retired one is still
// shown, marked, because applications and links may point at it.
func (s *Server) browseElective(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Catalog.ElectiveDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := browseElectiveView{Page: s.page(c, "browse.elective.title")}
	v.fill(d, s.Catalog.Today())
	v.Title = v.Heading.Text
	// A signed-in student sees what their wallet still lacks for it.
	if v.Checklist, err = s.walletChecklist(c, v.Page, d.Elective.RequiredDocList(), d.Periods); err != nil {
		return err
	}
	v.Apply = applyForm(v.Page, visitorOf(c).User, d, s.Catalog.Today())
	return s.render.render(c, http.StatusOK, "catalog_elective", v)
}

// browseInstitution is a partner's page: its names, agreements in force and
// electives.
func (s *Server) browseInstitution(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d, err := s.Catalog.InstitutionDetail(ctx, id)
	if err != nil {
		return err
	}
	cards, err := s.Catalog.InstitutionCards(ctx, id)
	if err != nil {
		return err
	}
	v := browseInstitutionView{Page: s.page(c, "browse.institution.title")}
	v.fill(d, cards, s.Catalog.Today())
	v.Title = d.Institution.NameEN
	return s.render.render(c, http.StatusOK, "catalog_institution", v)
}

// checked reads a checkbox sent by a form or typed in a link.
func browseChecked(v string) bool { return v == "1" || v == "on" || v == "true" }

// catalogLink is the catalog's address for q at page; it keeps only the
// filters the search understood.
func browseLink(q catalog.Query, page int) string {
	v := url.Values{}
	for _, f := range []struct{ name, value string }{
		{"q", q.Text}, {"country", q.Country}, {"specialty", q.Specialty},
		{"kind", q.Kind}, {"language", q.Language}, {"month", q.Month},
	} {
		if f.value != "" {
			v.Set(f.name, f.value)
		}
	}
	if q.SeatsOnly {
		v.Set("seats", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/electives"
	}
	return "/electives?" + v.Encode()
}
