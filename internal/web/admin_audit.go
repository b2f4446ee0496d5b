package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/audit"
	"portal/internal/i18n"
	"portal/internal/sheet"
)

// The audit page: the audit events and every workflow decision
// (audit/list.go says why they are read together), translated, filtered,
// paged, and downloadable as CSV.

const (
	auditPageSize = 50
	auditCSVMax   = 50_000 // rows in one download; narrow the filters for more
)

// auditGroups are the kinds of event the "what" filter offers.
var auditGroups = []string{"auth", "user", "document", "catalog", "notify", "application", "rotation", "selection"}

// auditObjects are the kinds of object the "about" filter offers.
var auditObjects = []string{"application", "rotation_request", "document", "user", "institution", "agreement", "elective", "department", "funding", "period", "catalog_import", "selection_round"}

// auditObjectPages are the pages an object of a kind has, by id.
var auditObjectPages = map[string]string{
	"application":      "/applications/",
	"rotation_request": "/rotations/",
	"institution":      "/manage/institutions/",
	"agreement":        "/manage/agreements/",
	"elective":         "/manage/electives/",
	"department":       "/manage/departments/",
	"funding":          "/manage/funding/",
	"catalog_import":   "/manage/import/",
	"selection_round":  "/rounds/",
}

type adminAuditView struct {
	Page
	Form          auditForm
	Groups        []auditOption
	Objects       []auditOption
	Rows          []auditRow
	Newer, Older  string // links to the neighbouring pages, "" at either end
	CSV           string // the download of what the filters admit
	PageNo        int
	FilterInvalid string
}

type auditForm struct {
	Who, Action, Object, ObjectID, From, Until string
	Page                                       int
}

type auditOption struct {
	Value, Label string
	Selected     bool
}

type auditRow struct {
	At, Actor, ActorEmail, Action, Object, ObjectURL, IP string
	Detail                                               []auditDetail
}

type auditDetail struct{ Label, Value string }

// readAuditForm reads the filters of the query; a date that does not parse
// is reported and left out rather than failing the page.
func readAuditForm(c echo.Context) (auditForm, audit.Filter, bool) {
	f := auditForm{
		Who: strings.TrimSpace(c.QueryParam("who")), Action: c.QueryParam("action"), Object: c.QueryParam("object"),
		ObjectID: strings.TrimSpace(c.QueryParam("id")), From: c.QueryParam("from"), Until: c.QueryParam("until"),
	}
	f.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	q := audit.Filter{Who: f.Who, Action: f.Action, ObjectType: f.Object, ObjectID: f.ObjectID}
	ok := true
	// Days are the portal's local days; "until" includes its whole day.
	if f.From != "" {
		if d, err := time.ParseInLocation(time.DateOnly, f.From, time.Local); err == nil {
			q.From = d
		} else {
			ok = false
		}
	}
	if f.Until != "" {
		if d, err := time.ParseInLocation(time.DateOnly, f.Until, time.Local); err == nil {
			q.Until = d.AddDate(0, 0, 1)
		} else {
			ok = false
		}
	}
	return f, q, ok
}

// query is the form as a query string, on page n (0: no page).
func (f auditForm) query(n int) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"who": f.Who, "action": f.Action, "object": f.Object, "id": f.ObjectID, "from": f.From, "until": f.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	return q
}

// adminAudit shows the log, newest first, a page at a time.
func (s *Server) adminAudit(c echo.Context) error {
	v := adminAuditView{Page: s.page(c, "admin.audit.title")}
	form, filter, ok := readAuditForm(c)
	if !ok {
		v.FilterInvalid = v.T("admin.audit.bad_date")
	}
	v.Form, v.PageNo = form, form.Page
	for _, g := range auditGroups {
		v.Groups = append(v.Groups, auditOption{g, v.T("audit.group." + g), g == form.Action})
	}
	for _, o := range auditObjects {
		v.Objects = append(v.Objects, auditOption{o, v.T("audit.object." + o), o == form.Object})
	}
	// One more than a page tells whether an older page exists.
	entries, err := s.Audit.Entries(c.Request().Context(), filter, (form.Page-1)*auditPageSize, auditPageSize+1)
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		v.Older = "/admin/audit?" + form.query(form.Page+1).Encode()
	}
	if form.Page > 1 {
		v.Newer = "/admin/audit"
		if q := form.query(form.Page - 1).Encode(); q != "" {
			v.Newer += "?" + q
		}
	}
	v.CSV = "/admin/audit.csv"
	if q := form.query(0).Encode(); q != "" {
		v.CSV += "?" + q
	}
	t := auditText{s.bundle, v.Lang}
	for _, e := range entries {
		row := auditRow{At: v.When(e.At), Actor: e.ActorName, ActorEmail: e.ActorEmail,
			Action: t.action(e), IP: e.IP, Detail: t.details(e)}
		if row.Actor == "" {
			row.Actor = v.T("admin.audit.anonymous")
		}
		row.Object = t.object(e)
		if p, ok := auditObjectPages[e.ObjectType]; ok && e.ObjectID != "" {
			row.ObjectURL = p + e.ObjectID
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render.render(c, http.StatusOK, pageAdminAudit, v)
}

// adminAuditCSV downloads what the filters admit, in the reader's
// language, every cell defused against spreadsheet formulas.
func (s *Server) adminAuditCSV(c echo.Context) error {
	_, filter, _ := readAuditForm(c)
	entries, err := s.Audit.Entries(c.Request().Context(), filter, 0, auditCSVMax)
	if err != nil {
		return err
	}
	t := auditText{s.bundle, langOf(c)}
	tbl := sheet.Table{Columns: []string{"at", "actor", "actor_email", "action", "event", "object_type", "object_id", "object", "ip", "detail"}}
	for _, e := range entries {
		var d []string
		for _, x := range t.details(e) {
			d = append(d, x.Label+": "+x.Value)
		}
		tbl.Rows = append(tbl.Rows, []string{
			s.Zone.In(e.At).Format(time.RFC3339), e.ActorName, e.ActorEmail, e.Action, t.action(e),
			e.ObjectType, e.ObjectID, t.object(e), e.IP, strings.Join(d, "; "),
		})
	}
	var buf bytes.Buffer
	if err := sheet.WriteCSV(&buf, tbl); err != nil {
		return err
	}
	return importDownload(c, "audit-"+s.Zone.In(time.Now()).Format("20060102-1504")+".csv", "text/csv; charset=utf-8", buf.Bytes())
}

// auditText says entries in one language. A key the bundle lacks (an
// action added without its message) shows as the raw code, never as a
// missing-key marker.
type auditText struct {
	b    *i18n.Bundle
	lang i18n.Lang
}

func (t auditText) tr(key, raw string) string {
	if t.b.Has(key) {
		return t.b.T(t.lang, key)
	}
	return raw
}

// action is the event's name: its audit message, or for a decision the
// workflow's name of the action.
func (t auditText) action(e audit.Entry) string {
	if e.Source == audit.SourceAudit {
		return t.tr("audit."+e.Action, e.Action)
	}
	name := strings.TrimPrefix(e.Action, e.Source+".")
	return t.b.T(t.lang, "audit.decision", t.tr(e.Source+".action."+name, name))
}

// object names what the entry is about: its kind and number.
func (t auditText) object(e audit.Entry) string {
	if e.ObjectType == "" {
		return ""
	}
	return t.tr("audit.object."+e.ObjectType, e.ObjectType) + " #" + e.ObjectID
}

// details are the entry's particulars, labelled: a decision's stages and
// the actor's part, an event's JSON detail with its known values
// translated (roles, document types, reasons).
func (t auditText) details(e audit.Entry) []auditDetail {
	if e.Source != audit.SourceAudit {
		stage := func(s string) string { return t.tr(e.Source+".stage."+s, s) }
		out := []auditDetail{{t.b.T(t.lang, "audit.detail.stages"), stage(e.From) + " → " + stage(e.To)}}
		if e.Role != "" {
			out = append(out, auditDetail{t.b.T(t.lang, "audit.detail.as"), t.tr("audit.party."+e.Role, e.Role)})
		}
		return out
	}
	if e.Detail == "" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(e.Detail), &m) != nil {
		return []auditDetail{{t.b.T(t.lang, "admin.audit.detail"), e.Detail}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]auditDetail, 0, len(keys))
	for _, k := range keys {
		out = append(out, auditDetail{t.tr("audit.detail."+k, k), t.value(k, m[k])})
	}
	return out
}

func (t auditText) value(key string, v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, y := range x {
			parts[i] = t.value(key, y)
		}
		return strings.Join(parts, ", ")
	case string:
		switch key {
		case "role", "roles":
			return t.tr("role."+x, x)
		case "type":
			return t.tr("doc."+x, x)
		case "reason":
			return t.tr("audit.reason."+x, x)
		}
		return x
	case float64:
		if key == "user_id" || key == "owner_id" || key == "previous" || key == "department_id" {
			return "#" + strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return t.b.T(t.lang, "audit.yes")
		}
		return t.b.T(t.lang, "audit.no")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
