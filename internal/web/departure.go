package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/departure"
	"portal/internal/i18n"
	"portal/internal/sheet"
)

// Before an outgoing placement (issue 19): the student's pre-departure
// checklist, each item its own form, and the office's list of who is
// ready to leave. The rules are internal/departure's; this file only
// words them.

// departureRoutes are the checklist's pages, one line in pageRoutes.
func (s *Server) departureRoutes(r router) {
	if s.Departures == nil {
		return
	}
	r.get("/applications/:id/departure", signedIn, s.departureShow)
	r.post("/applications/:id/departure/:item", signedIn, s.departureSave)
	r.area("/departures", office)
	r.get("/departures", office, s.departureList)
	r.get("/departures.csv", office, s.departureCSV)
}

// departureView is one placement's checklist.
type departureView struct {
	Page
	Lede, Progress, Back string
	Ready, CanEdit       bool
	Items                []departureItem
}

// departureItem is one item: its form for the student, its answers for
// everyone else.
type departureItem struct {
	Name, Heading, State, Help, Action, Error string
	Done                                      bool
	Fields                                    []departureField
	Answers                                   []departureAnswer
}

// departureField is one input of an item's form. Kind is text, date,
// tel, textarea, select, radio or checkbox.
type departureField struct {
	ID, Name, Label, Kind, Value, Error string
	Checked                             bool
	Options                             []option
}

type departureAnswer struct{ Label, Value string }

// departureAttempt is a refused item with what was typed.
type departureAttempt struct {
	item departure.Item
	in   departure.Input
	err  error
}

func (s *Server) departureShow(c echo.Context) error {
	return s.departurePage(c, http.StatusOK, nil)
}

func (s *Server) departurePage(c echo.Context, status int, at *departureAttempt) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := visitorOf(c).User
	dv, err := s.Departures.Of(ctx, u, id)
	if err != nil {
		return err
	}
	p := dv.Placement
	v := departureView{Page: s.page(c, "departure.title"), Ready: dv.Ready(), CanEdit: dv.CanEdit, Back: application.Link(id)}
	elective := p.ElectiveEn
	if v.Lang != i18n.English && p.ElectiveZh != "" {
		elective = p.ElectiveZh
	}
	v.Lede = v.T("departure.lede", elective, p.Host, v.Day(p.PlacedFrom), v.Day(p.PlacedUntil))
	v.Progress = v.T("departure.progress", len(departure.Items)-len(dv.Missing), len(departure.Items))
	if v.Ready {
		v.Progress = v.T("departure.ready")
	}
	var docs []option
	if dv.CanEdit {
		wallet, err := s.Documents.Current(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, d := range wallet {
			docs = append(docs, option{Value: strconv.FormatInt(d.ID, 10), Label: v.T("doc."+d.Type) + " · " + d.FileName})
		}
	}
	stored := departureInputOf(&dv.Checklist)
	for _, it := range departure.Items {
		in, refused := stored, error(nil)
		if at != nil && at.item == it {
			in, refused = at.in, at.err
		}
		v.Items = append(v.Items, s.departureItemOf(v.Page, id, it, dv, in, refused, docs))
	}
	return s.render.render(c, status, pageDeparture, v)
}

// departureInputOf is a stored checklist as its forms show it.
func departureInputOf(c *departure.Checklist) departure.Input {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	in := departure.Input{InsuranceProvider: c.InsuranceProvider, InsurancePolicy: c.InsurancePolicy, InsuranceUntil: day(c.InsuranceUntil),
		Visa: c.Visa, VisaNote: c.VisaNote, ArriveOn: day(c.ArriveOn), LeaveOn: day(c.LeaveOn), Housing: c.Housing,
		EmergencyName: c.EmergencyName, EmergencyRelation: c.EmergencyRelation, EmergencyPhone: c.EmergencyPhone,
		OnboardingRead: c.OnboardingAt != nil, OnboardingNote: c.OnboardingNote}
	if c.InsuranceDocID != nil {
		in.InsuranceDocID = *c.InsuranceDocID
	}
	return in
}

func (s *Server) departureItemOf(p Page, id int64, it departure.Item, dv *departure.View, in departure.Input, refused error, docs []option) departureItem {
	name := string(it)
	c := &dv.Checklist
	out := departureItem{Name: name, Heading: p.T("departure.item." + name), Help: p.T("departure.help." + name),
		Action: departure.Link(id) + "/" + name, Done: c.Done(it, dv.Placement.PlacedUntil)}
	out.State = p.T("departure.state.todo")
	if out.Done {
		out.State = p.T("departure.state.done")
	}
	fields := apperr.FieldsOf(refused)
	if refused != nil {
		out.Error = p.T("departure.refused")
		if ae, ok := refused.(*apperr.Error); ok && fields == nil {
			out.Error = p.T(ae.Key, ae.Args...)
		}
	}
	f := func(field, kind, value string) departureField {
		df := departureField{ID: "departure-" + field, Name: field, Label: p.T("departure.field." + field), Kind: kind, Value: value}
		if m, ok := fields[field]; ok {
			df.Error = p.T(m.Key, m.Args...)
		}
		return df
	}
	switch it {
	case departure.Insurance:
		doc := f("insurance_doc", "select", strconv.FormatInt(in.InsuranceDocID, 10))
		doc.Options = append([]option{{Value: "", Label: p.T("departure.field.no_document")}}, docs...)
		for i := range doc.Options {
			doc.Options[i].Selected = doc.Options[i].Value == doc.Value
		}
		out.Fields = []departureField{f("insurance_provider", "text", in.InsuranceProvider), f("insurance_policy", "text", in.InsurancePolicy),
			f("insurance_until", "date", in.InsuranceUntil), doc}
	case departure.Visa:
		visa := f("visa", "radio", in.Visa)
		for _, a := range departure.VisaAnswers {
			visa.Options = append(visa.Options, option{Value: a, Label: p.T("departure.visa." + a), Selected: a == in.Visa})
		}
		out.Fields = []departureField{visa, f("visa_note", "textarea", in.VisaNote)}
	case departure.Travel:
		out.Fields = []departureField{f("arrive_on", "date", in.ArriveOn), f("leave_on", "date", in.LeaveOn)}
	case departure.Housing:
		out.Fields = []departureField{f("housing", "textarea", in.Housing)}
	case departure.Emergency:
		out.Fields = []departureField{f("emergency_name", "text", in.EmergencyName), f("emergency_relation", "text", in.EmergencyRelation),
			f("emergency_phone", "tel", in.EmergencyPhone)}
	case departure.Onboarding:
		read := f("onboarding_read", "checkbox", "1")
		read.Checked = in.OnboardingRead
		out.Fields = []departureField{read, f("onboarding_note", "textarea", in.OnboardingNote)}
	}
	for _, fl := range out.Fields {
		val := fl.Value
		switch fl.Kind {
		case "select", "radio":
			val = ""
			for _, o := range fl.Options {
				if o.Selected && o.Value != "" {
					val = o.Label
				}
			}
		case "checkbox":
			val = ""
			if fl.Checked {
				val = p.T("departure.yes")
			}
		case "date":
			if d, ok := parseDay(val); ok {
				val = p.Day(d)
			}
		}
		if fl.Name == "insurance_doc" && c.InsuranceDocID != nil && val == "" {
			val = p.T("departure.document_attached")
		}
		if val != "" {
			out.Answers = append(out.Answers, departureAnswer{Label: fl.Label, Value: val})
		}
	}
	return out
}

func parseDay(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}

func (s *Server) departureSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	item, ok := departure.ParseItem(c.Param("item"))
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	in := departure.Input{InsuranceProvider: c.FormValue("insurance_provider"), InsurancePolicy: c.FormValue("insurance_policy"),
		InsuranceUntil: c.FormValue("insurance_until"), Visa: c.FormValue("visa"), VisaNote: c.FormValue("visa_note"),
		ArriveOn: c.FormValue("arrive_on"), LeaveOn: c.FormValue("leave_on"), Housing: c.FormValue("housing"),
		EmergencyName: c.FormValue("emergency_name"), EmergencyRelation: c.FormValue("emergency_relation"),
		EmergencyPhone: c.FormValue("emergency_phone"), OnboardingRead: c.FormValue("onboarding_read") == "1",
		OnboardingNote: c.FormValue("onboarding_note")}
	if v := c.FormValue("insurance_doc"); v != "" {
		if in.InsuranceDocID, err = strconv.ParseInt(v, 10, 64); err != nil {
			in.InsuranceDocID = -1 // refused as not the student's
		}
	}
	_, err = s.Departures.Save(c.Request().Context(), visitorOf(c).User, id, item, in)
	return s.finish(c, err, outcome{flash: "departure_saved", to: departure.Link(id) + "#" + string(item), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error {
			return s.departurePage(c, status, &departureAttempt{item: item, in: in, err: err})
		}})
}

// departureListView is the office's list of departures.
type departureListView struct {
	Page
	Month, MonthError, CSV string
	Ready, NotReady        []departureRow
}

type departureRow struct {
	Student, Placement, Dates, Link, Missing string
}

func (s *Server) departureList(c echo.Context) error {
	month := c.QueryParam("month")
	v := departureListView{Page: s.page(c, "departure.list.title"), Month: month, CSV: "/departures.csv"}
	if month != "" {
		v.CSV += "?month=" + url.QueryEscape(month)
	}
	rows, err := s.Departures.Departures(c.Request().Context(), visitorOf(c).User, month)
	status := http.StatusOK
	if m, ok := apperr.FieldsOf(err)["month"]; ok {
		v.MonthError, status = v.T(m.Key, m.Args...), http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	for _, r := range rows {
		elective := r.ElectiveEn
		if v.Lang != i18n.English && r.ElectiveZh != "" {
			elective = r.ElectiveZh
		}
		row := departureRow{Student: r.StudentName, Placement: elective + " · " + r.Host,
			Dates: v.Day(r.PlacedFrom) + " – " + v.Day(r.PlacedUntil), Link: departure.Link(r.ApplicationID)}
		if r.Ready() {
			v.Ready = append(v.Ready, row)
			continue
		}
		for i, it := range r.Missing {
			if i > 0 {
				row.Missing += v.T("departure.list.sep")
			}
			row.Missing += v.T("departure.item." + string(it))
		}
		v.NotReady = append(v.NotReady, row)
	}
	return s.render.render(c, status, pageDepartureList, v)
}

// departureLink is the application page's way to the checklist.
type departureLink struct{ Path, Heading, State, Label string }

// departureLinkOf is the link on application d's page once it is
// confirmed, for whoever may read its checklist; nil otherwise.
func (s *Server) departureLinkOf(c echo.Context, p Page, d *application.Detail) (*departureLink, error) {
	if s.Departures == nil || d.Direction != "outgoing" || d.Status != application.Confirmed {
		return nil, nil
	}
	dv, err := s.Departures.Of(c.Request().Context(), visitorOf(c).User, d.ID)
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.NotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	l := &departureLink{Path: departure.Link(d.ID), Heading: p.T("departure.title"), Label: p.T("departure.open"),
		State: p.T("departure.progress", len(departure.Items)-len(dv.Missing), len(departure.Items))}
	if dv.Ready() {
		l.State = p.T("departure.ready")
	}
	return l, nil
}

// departureCSV is the office's list as a spreadsheet, departing soonest
// first: one row per placement, its missing items by their ids.
func (s *Server) departureCSV(c echo.Context) error {
	rows, err := s.Departures.Departures(c.Request().Context(), visitorOf(c).User, c.QueryParam("month"))
	if err != nil {
		return err
	}
	tbl := sheet.Table{Columns: []string{"application_id", "student", "elective", "host", "placed_from", "placed_until", "ready", "missing"}}
	for _, r := range rows {
		missing := make([]string, len(r.Missing))
		for i, it := range r.Missing {
			missing[i] = string(it)
		}
		tbl.Rows = append(tbl.Rows, []string{strconv.FormatInt(r.ApplicationID, 10), r.StudentName, r.ElectiveEn, r.Host,
			r.PlacedFrom.Format(time.DateOnly), r.PlacedUntil.Format(time.DateOnly), strconv.FormatBool(r.Ready()), strings.Join(missing, " ")})
	}
	var buf bytes.Buffer
	if err := sheet.WriteCSV(&buf, tbl); err != nil {
		return err
	}
	return importDownload(c, "departures.csv", "text/csv; charset=utf-8", buf.Bytes())
}
