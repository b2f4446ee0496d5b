package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/catalog"
	"portal/internal/user"
	"portal/internal/watch"
)

// Stars and saved searches (issue 13): a student stars electives from the
// catalog's cards and an elective's page, finds them on /starred, and keeps
// catalog searches by name on /searches. The rules are internal/watch's;
// this file only words them.

// starButton is the star toggle of one elective: a form that works without
// JavaScript (POST, then back where it was) and that htmx swaps in place.
type starButton struct {
	Action, Label, CSRF, ReturnTo string
	Starred                       bool
}

func (p Page) starButtonOf(id int64, starred bool, returnTo string) *starButton {
	b := &starButton{CSRF: p.CSRF, ReturnTo: returnTo, Starred: starred,
		Action: "/electives/" + strconv.FormatInt(id, 10) + "/star", Label: p.T("watch.star")}
	if starred {
		b.Action, b.Label = "/electives/"+strconv.FormatInt(id, 10)+"/unstar", p.T("watch.unstar")
	}
	return b
}

// canStar reports whether the visitor keeps stars.
func (s *Server) canStar(c echo.Context) (*user.User, bool) {
	u := visitorOf(c).User
	return u, s.Watch != nil && students.admits(u) && u != nil
}

// starCards gives each card its star button, for a student.
func (s *Server) starCards(c echo.Context, p Page, cards []browseCard) error {
	u, ok := s.canStar(c)
	if !ok || len(cards) == 0 {
		return nil
	}
	ids := make([]int64, len(cards))
	for i := range cards {
		ids[i] = cards[i].ID
	}
	on, err := s.Watch.StarredAmong(c.Request().Context(), u, ids)
	if err != nil {
		return err
	}
	back := auth.SafeReturn(c.Request().URL.RequestURI())
	for i := range cards {
		cards[i].Star = p.starButtonOf(cards[i].ID, on[cards[i].ID], back)
	}
	return nil
}

// starOfElective is an elective page's star button; nil for anyone but a
// student, and for a retired elective nobody can star.
func (s *Server) starOfElective(c echo.Context, p Page, id int64, retired bool) (*starButton, error) {
	u, ok := s.canStar(c)
	if !ok {
		return nil, nil
	}
	on, err := s.Watch.StarredAmong(c.Request().Context(), u, []int64{id})
	if err != nil || (retired && !on[id]) {
		return nil, err
	}
	return p.starButtonOf(id, on[id], "/electives/"+strconv.FormatInt(id, 10)), nil
}

func (s *Server) starAdd(c echo.Context) error    { return s.starSet(c, true) }
func (s *Server) starRemove(c echo.Context) error { return s.starSet(c, false) }

// starSet stars or unstars an elective; htmx gets the new button, a plain
// form goes back where it came from with a flash.
func (s *Server) starSet(c echo.Context, on bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	if on {
		err = s.Watch.Star(c.Request().Context(), u, id)
	} else {
		err = s.Watch.Unstar(c.Request().Context(), u, id)
	}
	if err != nil {
		return err
	}
	back := auth.SafeReturn(c.FormValue("return_to"))
	if c.Request().Header.Get("HX-Request") == "true" {
		return s.render.fragment(c, http.StatusOK, fragWatchStar, s.page(c, "watch.starred.title").starButtonOf(id, on, back))
	}
	flash := "watch_starred"
	if !on {
		flash = "watch_unstarred"
	}
	return s.done(c, flash, back)
}

// starredView is the page of a student's starred electives.
type starredView struct {
	Page
	Cards   []browseCard
	Retired []browseCard // retired since they were starred: only unstarring is left
}

func (s *Server) starredList(c echo.Context) error {
	u := visitorOf(c).User
	list, err := s.Watch.Starred(c.Request().Context(), u)
	if err != nil {
		return err
	}
	v := starredView{Page: s.page(c, "watch.starred.title")}
	today := s.Catalog.Today()
	for _, st := range list {
		card := v.browseCardOf(st.Card, today)
		card.Star = v.starButtonOf(st.ElectiveID, true, "/starred")
		if st.Retired {
			v.Retired = append(v.Retired, card)
		} else {
			v.Cards = append(v.Cards, card)
		}
	}
	return s.render.render(c, http.StatusOK, pageWatchStarred, v)
}

// ---- saved searches

// saveSearchForm is the "save this search" form under the catalog's
// results, or on the searches page when a name was refused.
type saveSearchForm struct {
	CSRF, Query, Summary   string
	Name, Error            string
	MaxName                int
	Heading, Label, Button string
}

func (p Page) saveSearchForm(query string) *saveSearchForm {
	return &saveSearchForm{CSRF: p.CSRF, Query: query, Summary: p.searchSummary(query), MaxName: watch.MaxSearchName,
		Heading: p.T("watch.save.heading"), Label: p.T("watch.save.name"), Button: p.T("watch.save.button")}
}

// saveSearchOf is the form for the search q, for a student; nil otherwise.
func (s *Server) saveSearchOf(c echo.Context, p Page, q catalog.Query) *saveSearchForm {
	if _, ok := s.canStar(c); !ok {
		return nil
	}
	link := browseLink(q, 1)
	_, query, _ := strings.Cut(link, "?")
	return p.saveSearchForm(query)
}

// searchSummary words a saved query: its words and filters, translated.
func (p Page) searchSummary(query string) string {
	v, _ := url.ParseQuery(query)
	var parts []string
	if t := v.Get("q"); t != "" {
		parts = append(parts, p.T("watch.summary.words", t))
	}
	for _, f := range []struct{ name, prefix string }{
		{"country", "country."}, {"specialty", "specialty."}, {"kind", "elective_kind."}, {"language", "language."},
	} {
		if val := v.Get(f.name); val != "" {
			parts = append(parts, p.T(f.prefix+val))
		}
	}
	if m := v.Get("month"); m != "" {
		parts = append(parts, p.T("watch.summary.month", m))
	}
	if browseChecked(v.Get("seats")) {
		parts = append(parts, p.T("browse.seats_only"))
	}
	if len(parts) == 0 {
		return p.T("watch.summary.all")
	}
	return strings.Join(parts, p.T("watch.summary.sep"))
}

// searchesView is the page of a student's saved searches.
type searchesView struct {
	Page
	Searches []savedSearchRow
	Save     *saveSearchForm // a refused save, as typed
}

type savedSearchRow struct {
	ID              int64
	Name, Link      string
	Summary, Delete string
}

func (s *Server) searchList(c echo.Context) error {
	return s.searchesPage(c, http.StatusOK, nil)
}

func (s *Server) searchesPage(c echo.Context, status int, save *saveSearchForm) error {
	list, err := s.Watch.Searches(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v := searchesView{Page: s.page(c, "watch.searches.title"), Save: save}
	for _, x := range list {
		link := "/electives"
		if x.Query != "" {
			link += "?" + x.Query
		}
		v.Searches = append(v.Searches, savedSearchRow{ID: x.ID, Name: x.Name, Link: link, Summary: v.searchSummary(x.Query),
			Delete: "/searches/" + strconv.FormatInt(x.ID, 10) + "/delete"})
	}
	return s.render.render(c, status, pageWatchSearches, v)
}

// searchSave keeps the catalog search the form carries under a name. The
// query is normalised through the catalog's own reading of it, so a crafted
// form saves nothing the catalog would not understand.
func (s *Server) searchSave(c echo.Context) error {
	_, query, _ := strings.Cut(browseLink(watch.QueryOf(c.FormValue("query")), 1), "?")
	name := c.FormValue("name")
	_, err := s.Watch.SaveSearch(c.Request().Context(), visitorOf(c).User, name, query)
	if f := apperr.FieldsOf(err); f != nil {
		p := s.page(c, "watch.searches.title")
		form := p.saveSearchForm(query)
		form.Name = name
		if m, ok := f["name"]; ok {
			form.Error = p.T(m.Key, m.Args...)
		}
		return s.searchesPage(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	return s.done(c, "watch_search_saved", "/searches")
}

func (s *Server) searchDelete(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Watch.DeleteSearch(c.Request().Context(), visitorOf(c).User, id); err != nil {
		return err
	}
	return s.done(c, "watch_search_deleted", "/searches")
}

// homeStars is the student's count of starred electives on the home page.
func (s *Server) homeStars(c echo.Context, p Page) ([]homeSection, error) {
	u, ok := s.canStar(c)
	if !ok {
		return nil, nil
	}
	n, err := s.Watch.StarCount(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	title := p.T("watch.home.count", n)
	if n == 1 {
		title = p.T("watch.home.count_one")
	}
	return []homeSection{{ID: "home-starred", Heading: p.T("watch.home.heading"),
		Items: []homeItem{{Title: title, Count: strconv.Itoa(n), Link: "/starred"}},
		More:  "/searches", MoreText: p.T("watch.home.searches")}}, nil
}
