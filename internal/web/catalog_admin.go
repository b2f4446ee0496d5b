package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// manageEntity is a kind of catalog entry as the management pages name it.
type manageEntity struct {
	kind    catalog.Kind
	name    string // in audit actions and object types: catalog.<name>.<verb>
	path    string // under /manage
	listKey string // the title of its list
}

var (
	entInstitution = manageEntity{catalog.KindInstitution, "institution", "/institutions", "manage.institutions.title"}
	entAgreement   = manageEntity{catalog.KindAgreement, "agreement", "/agreements", "manage.agreements.title"}
	entElective    = manageEntity{catalog.KindElective, "elective", "/electives", "manage.electives.title"}
	entDepartment  = manageEntity{catalog.KindDepartment, "department", "/departments", "manage.departments.title"}
	entFunding     = manageEntity{catalog.KindFunding, "funding", "/funding", "manage.funding.title"}
	entPeriod      = manageEntity{catalog.KindPeriod, "period", "/periods", ""}

	// manageEntities are the sections of the management pages, in the
	// order of their navigation; periods live on their elective's page.
	manageEntities = []manageEntity{entInstitution, entAgreement, entElective, entDepartment, entFunding}
)

func (e manageEntity) list() string            { return "/manage" + e.path }
func (e manageEntity) edit(id int64) string    { return fmt.Sprintf("/manage%s/%d", e.path, id) }
func (e manageEntity) retire(id int64) string  { return e.edit(id) + "/retire" }
func (e manageEntity) restore(id int64) string { return e.edit(id) + "/restore" }

// link is a link as the templates draw it.
type link struct {
	Path, Label string
	Current     bool
}

// sectionNav is the navigation between the sections, shown on every
// management page.
type sectionNav struct {
	Label string
	Links []link
}

func manageNav(p Page, current manageEntity) sectionNav {
	n := sectionNav{Label: p.T("manage.nav.label")}
	n.Links = append(n.Links, link{Path: "/manage", Label: p.T("manage.overview.title"), Current: current.name == ""})
	for _, e := range manageEntities {
		n.Links = append(n.Links, link{Path: e.list(), Label: p.T(e.listKey), Current: e.name == current.name})
	}
	// Import and export are sections too: this is the one list of them,
	// so the overview needs no second one.
	n.Links = append(n.Links,
		link{Path: "/manage/import", Label: p.T("manage.overview.import"), Current: current.name == "import"},
		link{Path: "/manage/export", Label: p.T("manage.overview.export"), Current: current.name == "export"})
	return n
}

// catalogBy is the catalog as the visitor changes it: every write is
// audited in its own transaction (catalog.Service.By).
func (s *Server) catalogBy(c echo.Context) *catalog.Service {
	return s.Catalog.By(catalog.Actor{UserID: visitorOf(c).User.ID, Meta: meta(c)})
}

// manageRetire retires an entry, keeping its row and whatever refers to it.
func (s *Server) manageRetire(e manageEntity) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		if err := s.catalogBy(c).Retire(c.Request().Context(), e.kind, id); err != nil {
			return err
		}
		return s.done(c, "manage.retired", backTo(c, e, id))
	}
}

// manageRestore puts a retired entry back into use.
func (s *Server) manageRestore(e manageEntity) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		if err := s.catalogBy(c).Restore(c.Request().Context(), e.kind, id); err != nil {
			return err
		}
		return s.done(c, "manage.restored", backTo(c, e, id))
	}
}

// backTo returns to the page the retire or restore button was on: the
// entry's own page, or its list.
func backTo(c echo.Context, e manageEntity, id int64) string {
	if c.FormValue("from") == "edit" {
		return e.edit(id)
	}
	return e.list()
}

// ---- lists

// manageListView is any of the five lists: a table with a name column
// linking to the edit page, some columns, and a retire or restore button.
type manageListView struct {
	Page
	Manage      sectionNav
	Heading     string
	New         link
	FilterPath  string
	HideRetired bool
	NameHead    string
	Columns     []string
	Rows        []listRow
	Empty       string
}

type listRow struct {
	Name, Sub, Path string
	Cells           []string
	Retired         bool
	Expired         bool   // an agreement past its last day: marked in words, listed last
	Action, Button  string // the retire or restore form
}

func (s *Server) newList(c echo.Context, e manageEntity, newKey, nameKey string, columns ...string) manageListView {
	p := s.page(c, e.listKey)
	v := manageListView{
		Page: p, Manage: manageNav(p, e), Heading: p.T(e.listKey),
		New:        link{Path: e.list() + "/new", Label: p.T(newKey)},
		FilterPath: e.list(), HideRetired: c.QueryParam("hide_retired") != "",
		NameHead: p.T(nameKey), Empty: p.T("manage.list.empty"),
	}
	for _, k := range columns {
		v.Columns = append(v.Columns, p.T(k))
	}
	return v
}

// row makes a list row with the button that fits its state.
func (v *manageListView) row(e manageEntity, id int64, name, sub string, retired *time.Time, cells ...string) {
	r := listRow{Name: name, Sub: sub, Path: e.edit(id), Cells: cells, Retired: retired != nil}
	if r.Retired {
		r.Action, r.Button = e.restore(id), v.T("manage.restore")
	} else {
		r.Action, r.Button = e.retire(id), v.T("manage.retire")
	}
	v.Rows = append(v.Rows, r)
}

// ---- edit pages

// manageFormView is the page of one entry: new or edit, with its form and,
// for an elective, its periods.
type manageFormView struct {
	Page
	Manage  sectionNav
	Heading string
	Summary *errorSummary
	Form    form
	State   *entryState
	Periods *periodsView
}

// entryState is the retired-or-not line of an edit page, with its button.
type entryState struct {
	Retired        bool
	Note           string
	Action, Button string
}

func (s *Server) newFormView(c echo.Context, e manageEntity, status int, headingKey string, args ...any) manageFormView {
	p := s.page(c, e.listKey)
	p.Title = p.T(headingKey, args...)
	heading := p.Title
	if status == http.StatusUnprocessableEntity {
		// The title is the first thing a screen reader says of the page.
		p.Title = p.T("manage.errors.page_title", p.Title)
	}
	return manageFormView{Page: p, Manage: manageNav(p, e), Heading: heading}
}

func (v *manageFormView) state(e manageEntity, id int64, retired *time.Time) {
	if retired != nil {
		v.State = &entryState{Retired: true, Note: v.T("manage.retired_on", v.Date(*retired)), Action: e.restore(id), Button: v.T("manage.restore")}
	} else {
		v.State = &entryState{Note: v.T("manage.live"), Action: e.retire(id), Button: v.T("manage.retire")}
	}
}

func (s *Server) renderForm(c echo.Context, status int, v manageFormView, err error) error {
	forms := []form{v.Form}
	if v.Periods != nil {
		forms = append(forms, v.Periods.Add)
		for _, r := range v.Periods.Rows {
			forms = append(forms, r.Form)
		}
	}
	v.Summary = summarize(v.Page, err, forms...)
	return s.render.render(c, status, pageManageForm, v)
}

// ---- overview

type overviewView struct {
	Page
	Manage   sectionNav
	Expiring []expiryRow
	Expired  []expiryRow
	Years    []string
	Quotas   []quotaRow
}

type expiryRow struct {
	Title, Institution, Path, Until, Days string
}

type quotaRow struct {
	Title, Institution, Path string
	Expired                  bool
	Cells                    []string // outgoing and incoming per year
}

// manageOverview flags agreements that expire within 90 days or have
// expired, and shows each agreement's quota and use per academic year.
func (s *Server) manageOverview(c echo.Context) error {
	o, err := s.Catalog.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	p := s.page(c, "manage.overview.title")
	v := overviewView{Page: p, Manage: manageNav(p, manageEntity{})}
	// Rounded, so that an hour of daylight saving time is not a day.
	days := func(a catalog.AgreementRow) int { return int(math.Round(a.ValidUntil.Sub(o.Today).Hours() / 24)) }
	for _, a := range o.Expiring {
		v.Expiring = append(v.Expiring, expiryRow{Title: a.Title, Institution: a.InstitutionNameEN, Path: entAgreement.edit(a.ID),
			Until: p.Day(a.ValidUntil), Days: p.T("manage.overview.days_left", days(a))})
	}
	for _, a := range o.Expired {
		v.Expired = append(v.Expired, expiryRow{Title: a.Title, Institution: a.InstitutionNameEN, Path: entAgreement.edit(a.ID),
			Until: p.Day(a.ValidUntil), Days: p.T("manage.overview.days_ago", -days(a))})
	}
	for _, y := range o.Years {
		v.Years = append(v.Years, p.T("manage.overview.year", y, (y+1)%100))
	}
	slices.SortStableFunc(o.Quotas, func(a, b catalog.AgreementQuota) int {
		return cmp.Compare(b2i(expired(a.Agreement, o.Today)), b2i(expired(b.Agreement, o.Today)))
	})
	for _, q := range o.Quotas {
		r := quotaRow{Title: q.Title, Institution: q.InstitutionNameEN, Path: entAgreement.edit(q.ID), Expired: expired(q.Agreement, o.Today)}
		for _, u := range q.Use {
			r.Cells = append(r.Cells, p.T("manage.overview.used_of", u.UsedOut, u.QuotaOut), p.T("manage.overview.used_of", u.UsedIn, u.QuotaIn))
		}
		v.Quotas = append(v.Quotas, r)
	}
	return s.render.render(c, http.StatusOK, pageManage, v)
}
