package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// browseElectives is the catalog: a search form and a page of result cards.
// An htmx request from the form gets only the results; everything else,
// the form submitted without JavaScript included, gets the whole page.
func (s *Server) browseElectives(c echo.Context) error {
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
	// Caches and the browser's back button must not mix up the fragment
	// and the page of the same URL.
	c.Response().Header().Add("Vary", "HX-Request")
	h := c.Request().Header
	// A history restore asks for the whole page although it comes from htmx.
	fragment := h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true"
	p := s.page(c, "browse.title")
	if p.Person != nil || p.Flash != "" {
		var buf bytes.Buffer
		if err := s.catalogPage(c, p, res, fragment, &buf); err != nil {
			return err
		}
		return blob(c, http.StatusOK, buf.Bytes())
	}
	// Visitors who are not signed in all see the same page of a query, but
	// for their CSRF token: it is kept by query, language and the stamp of
	// the results, and each visitor's token laid in (catalog_cards.go).
	token := p.CSRF
	p.CSRF = csrfMarker
	k := pageKey{query: c.Request().URL.RawQuery, lang: p.Lang, stamp: res.Stamp, fragment: fragment}
	kp, err := s.catalogParts.pages.get(k, func() (*keptPage, error) {
		var buf bytes.Buffer
		if err := s.catalogPage(c, p, res, fragment, &buf); err != nil {
			return nil, err
		}
		return keepPage(buf.String())
	})
	if err != nil {
		return err
	}
	return kp.serve(c, token)
}

// catalogPage renders the results res as page p shows them: the whole
// page, or only the results for htmx.
func (s *Server) catalogPage(c echo.Context, p Page, res catalog.Results, fragment bool, w *bytes.Buffer) error {
	v := browseCatalogView{Page: p}
	today := s.Catalog.Today()
	card := func(cd catalog.Card) (browseCard, error) { return s.catalogParts.card(s.render, v.Page, cd, today) }
	if err := v.results(res, card); err != nil {
		return err
	}
	if err := s.starCards(c, v.Page, v.Cards); err != nil { // stars.go
		return err
	}
	v.SaveSearch = s.saveSearchOf(c, v.Page, res.Query)
	if fragment {
		return s.render.execute(w, fragCatalogResults, v)
	}
	countries, err := s.Catalog.CountriesInUse(c.Request().Context())
	if err != nil {
		return err
	}
	if v.Filters, err = s.catalogParts.filters(s.render, v.Page, res.Query, countries); err != nil {
		return err
	}
	return s.render.executePage(w, pageCatalog, v)
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
	// What the student already has here comes before any offer to start
	// another application.
	u := visitorOf(c).User
	h, err := s.Applications.HeldFor(c.Request().Context(), u, d.Elective.ID, d.Periods)
	if err != nil {
		return err
	}
	v.Held = electiveHeldOf(v.Page, h)
	if v.Cutoffs, err = s.roundCutoffs(c, v.Page, d.Elective.ID); err != nil {
		return err
	}
	if v.Feedback, err = s.electiveFeedback(c, v.Page, d.Elective.ID); err != nil { // evaluation.go
		return err
	}
	v.Apply = applyForm(v.Page, u, d, s.Catalog.Today(), h)
	if v.Star, err = s.starOfElective(c, v.Page, d.Elective.ID, v.Retired); err != nil { // stars.go
		return err
	}
	return s.render.render(c, http.StatusOK, pageCatalogElective, v)
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
	return s.render.render(c, http.StatusOK, pageCatalogInstitution, v)
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
