package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/rotation"
)

// ---- the applicant's list

type rotationListView struct {
	Page
	Rows          []rotationRow
	ShowApplicant bool
}

// rotationRow is a request in a list.
type rotationRow struct {
	Ref, Link, Stage, StageClass string
	Applicant                    string
	Department, Dates            string
	Since                        string
	More                         string // "and 2 more choices"
}

func (s *Server) rotationRows(p Page, list []rotation.Summary) []rotationRow {
	out := make([]rotationRow, 0, len(list))
	for _, r := range list {
		row := rotationRow{Ref: rotation.Ref(r.ID), Link: rotation.Link(r.ID), Stage: p.T("rotation.stage." + string(r.Status)),
			StageClass: string(r.Status), Applicant: r.ApplicantName, Since: p.Date(r.StageSince)}
		if c := r.Shown(); c != nil {
			row.Department = rotationDeptName(p.Lang, c.NameEN, c.NameZH)
			row.Dates = p.T("rotation.dates", p.Day(c.StartsOn), p.Day(c.EndsOn), c.Weeks)
		}
		if n := len(r.Choices) - 1; n > 0 && r.AcceptedChoice == 0 {
			row.More = p.T("rotation.more_choices", n)
		}
		out = append(out, row)
	}
	return out
}

func rotationDeptName(l i18n.Lang, en, zh string) string {
	if l == i18n.English || zh == "" {
		return en
	}
	return zh
}

func (s *Server) rotationList(c echo.Context) error {
	list, err := s.Rotations.Mine(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v := rotationListView{Page: s.page(c, "rotation.list.title")}
	v.Rows = s.rotationRows(v.Page, list)
	return s.render.render(c, http.StatusOK, pageRotations, v)
}

// ---- the request form

type rotationFormView struct {
	Action    string // where the form posts
	Back      string // the no-JavaScript "show weeks" target (GET)
	Key       string
	Version   int
	Slots     []rotationSlot
	Statement string
	StmtError string
	Docs      []rotationDocChoice
	DocsError string
	NoDocs    bool
	Save      string // the button's label
}

// rotationSlot is one ranked choice of the form.
type rotationSlot struct {
	N           int
	Legend      string
	Departments []rotationOption
	Weeks       rotationWeeksView
	Error       string
}

// rotationWeeksView is a slot's span picker: the number of weeks, and the
// department's calendar with a radio button on each week that can start a
// span of that many weeks and, on every other week, why not. Rendered in
// the form, and alone for htmx when the department, the length or the
// first week changes.
type rotationWeeksView struct {
	N          int
	Label      string // the calendar's legend
	Hint       string
	Empty      string // no department chosen, or no open week
	Rules      string
	WeeksLabel string
	WeeksValue string // kept as typed while no department is chosen
	Lengths    []rotationOption
	Caption    string
	Head       [3]string
	FreeUnit   string // "free", after the count where the head is hidden (phones)
	Rows       []rotationSpanRow
}

// rotationSpanRow is one week of the span picker.
type rotationSpanRow struct {
	ID, Value, Label, Free, Status, Class string
	Checked, Disabled, InSpan             bool
}

type rotationOption struct {
	Value, Label       string
	Selected, Disabled bool
}

type rotationWeekCell struct {
	Week, Free, Class string
}

type rotationDocChoice struct {
	ID              int64
	Label, Type     string
	Checked, Needed bool
}

// rotationInput reads the request form (or the same fields of a query).
func rotationInput(v url.Values) rotation.DraftInput {
	in := rotation.DraftInput{Key: v.Get("key"), Statement: v.Get("statement")}
	in.Version, _ = strconv.Atoi(v.Get("version"))
	for n := 1; n <= rotation.MaxChoices; n++ {
		p := fmt.Sprintf("choice_%d_", n)
		dep, _ := strconv.ParseInt(v.Get(p+"department"), 10, 64)
		in.Choices = append(in.Choices, rotation.ChoiceInput{DepartmentID: dep, StartsOn: v.Get(p + "start"), Weeks: v.Get(p + "weeks")})
	}
	for _, d := range v["documents"] {
		if id, err := strconv.ParseInt(d, 10, 64); err == nil {
			in.Documents = append(in.Documents, id)
		}
	}
	return in
}

// rotationForm builds the form view for in, with the messages of err.
func (s *Server) rotationForm(c echo.Context, p Page, in rotation.DraftInput, err error) (rotationFormView, error) {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	deps, derr := s.Rotations.Departments(ctx)
	if derr != nil {
		return rotationFormView{}, derr
	}
	f := apperr.FieldsOf(err)
	msg := func(field string) string {
		if m, ok := f[field]; ok {
			return p.T(m.Key, m.Args...)
		}
		return ""
	}
	v := rotationFormView{Key: in.Key, Version: in.Version, Statement: in.Statement, StmtError: msg("statement"), DocsError: msg("documents")}
	for i := 0; i < rotation.MaxChoices; i++ {
		var ci rotation.ChoiceInput
		if i < len(in.Choices) {
			ci = in.Choices[i]
		}
		n := i + 1
		slot := rotationSlot{N: n, Legend: p.T("rotation.form.choice", n), Error: msg(fmt.Sprintf("choice_%d", n))}
		slot.Departments = append(slot.Departments, rotationOption{Value: "", Label: p.T("rotation.form.department_none")})
		for _, d := range deps {
			slot.Departments = append(slot.Departments, rotationOption{Value: strconv.FormatInt(d.ID, 10),
				Label: rotationDeptName(p.Lang, d.NameEN, d.NameZH), Selected: d.ID == ci.DepartmentID})
		}
		wv, werr := s.rotationWeeksFor(c, p, n, ci.DepartmentID, ci.Weeks, ci.StartsOn)
		if werr != nil {
			return v, werr
		}
		slot.Weeks = wv
		if i == 0 && msg("choices") != "" && slot.Error == "" {
			slot.Error = msg("choices")
		}
		v.Slots = append(v.Slots, slot)
	}
	docs, derr := s.Documents.Current(ctx, u.ID)
	if derr != nil {
		return v, derr
	}
	chosen := map[int64]bool{}
	for _, id := range in.Documents {
		chosen[id] = true
	}
	for _, d := range docs {
		label := p.T("doc."+d.Type) + " · " + d.FileName
		if d.ExpiresOn != nil {
			label += " · " + p.T("rotation.doc.expires", p.Day(d.ExpiresOn.UTC()))
		}
		v.Docs = append(v.Docs, rotationDocChoice{ID: d.ID, Label: label, Type: d.Type, Checked: chosen[d.ID], Needed: slices.Contains(rotation.RequiredDocs, d.Type)})
	}
	v.NoDocs = len(v.Docs) == 0
	return v, nil
}

// rotationWeeksFor is the span picker of slot n for department dep, with
// the length and first week chosen so far.
func (s *Server) rotationWeeksFor(c echo.Context, p Page, n int, dep int64, weeks, selected string) (rotationWeeksView, error) {
	v := rotationWeeksView{N: n, Label: p.T("rotation.form.start"), WeeksLabel: p.T("rotation.form.weeks"), WeeksValue: weeks,
		Head: [3]string{p.T("rotation.calendar.week"), p.T("rotation.calendar.free"), p.T("rotation.calendar.status")}}
	if dep == 0 {
		v.Empty = p.T("rotation.form.pick_department")
		return v, nil
	}
	length, _ := strconv.Atoi(weeks)
	span, err := s.Rotations.SpanWeeks(c.Request().Context(), visitorOf(c).User, dep, length)
	if apperr.CodeOf(err) == apperr.NotFound {
		v.Empty = p.T("rotation.form.pick_department")
		return v, nil
	}
	if err != nil {
		return v, err
	}
	r := span.Department.Rules
	v.Rules = p.T("rotation.form.rules", r.MinWeeks, r.MaxWeeks, r.LeadDays)
	for w := r.MinWeeks; w <= r.MaxWeeks; w++ {
		v.Lengths = append(v.Lengths, rotationOption{Value: strconv.Itoa(w), Label: strconv.Itoa(w), Selected: w == span.Weeks})
	}
	v.Hint = p.T("calendar.span.hint")
	v.FreeUnit = p.T("calendar.span.free_unit")
	v.Caption = p.T("calendar.span.caption", rotationDeptName(p.Lang, span.Department.NameEN, span.Department.NameZH), span.Weeks)
	// The weeks of the span chosen, marked on the calendar.
	var from, until time.Time
	if t, err := time.Parse(time.DateOnly, selected); err == nil {
		from, until = t, t.AddDate(0, 0, 7*span.Weeks)
	}
	for _, w := range span.List {
		day := w.Week.Format(time.DateOnly)
		row := rotationSpanRow{ID: fmt.Sprintf("choice-%d-start-%s", n, day), Value: day, Label: p.Day(w.Week),
			Free: strconv.Itoa(w.Free), Checked: day == selected, InSpan: !w.Week.Before(from) && w.Week.Before(until)}
		switch {
		case w.CanStart:
			row.Status, row.Class = p.T("calendar.span.can_start", p.Day(rotation.EndOf(w.Week, span.Weeks))), "span-ok"
		case w.Reason != rotation.WeekOK:
			row.Status, row.Class = rotationWeekWhy(p, w.Reason, r.LeadDays), "span-out"
		case w.BlockReason == rotation.WeekBeyond:
			row.Status, row.Class = p.T("calendar.span.beyond"), "span-no"
		default:
			row.Status, row.Class = p.T("calendar.span.blocked."+w.BlockReason, p.Day(w.Blocker)), "span-no"
		}
		// A week chosen before stays chosen, possible or not, so that
		// nothing typed is lost; the row says why it cannot work.
		row.Disabled = !w.CanStart && !row.Checked
		v.Rows = append(v.Rows, row)
	}
	if len(v.Rows) == 0 {
		v.Empty = p.T("rotation.form.no_weeks")
	}
	return v, nil
}

// rotationWeekWhy says why a week cannot be part of a request.
func rotationWeekWhy(p Page, reason string, leadDays int) string {
	if reason == rotation.WeekSoon {
		return p.T("calendar.span.why.soon", leadDays)
	}
	return p.T("calendar.span.why." + reason)
}

// rotationWeeks answers the form's htmx request for one slot's weeks.
func (s *Server) rotationWeeks(c echo.Context) error {
	n, _ := strconv.Atoi(c.QueryParam("slot"))
	if n < 1 || n > rotation.MaxChoices {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	dep, _ := strconv.ParseInt(c.QueryParam(fmt.Sprintf("choice_%d_department", n)), 10, 64)
	p := s.page(c, "rotation.new.title")
	pre := fmt.Sprintf("choice_%d_", n)
	v, err := s.rotationWeeksFor(c, p, n, dep, c.QueryParam(pre+"weeks"), c.QueryParam(pre+"start"))
	if err != nil {
		return err
	}
	c.Response().Header().Add("Vary", "HX-Request")
	return s.render.fragment(c, http.StatusOK, fragRotationWeeks, v)
}

type rotationNewView struct {
	Page
	Form     rotationFormView
	Summary  string
	Problems []rotationProblem
}

// rotationProblem is a line of the error summary: a field's message,
// linking to the field.
type rotationProblem struct {
	Href, Text string
}

// rotationProblems lists the field messages of err in the form's order,
// each named by its field, for the error summary above the form.
func rotationProblems(p Page, err error) []rotationProblem {
	f := apperr.FieldsOf(err)
	var out []rotationProblem
	add := func(field, href, label string) {
		if m, ok := f[field]; ok {
			out = append(out, rotationProblem{Href: "#" + href, Text: p.T("calendar.problem", label, p.T(m.Key, m.Args...))})
		}
	}
	for n := 1; n <= rotation.MaxChoices; n++ {
		add(fmt.Sprintf("choice_%d", n), fmt.Sprintf("choice-%d", n), p.T("rotation.form.choice", n))
	}
	add("choices", "choice-1", p.T("rotation.form.choice", 1))
	add("documents", "documents", p.T("rotation.form.documents"))
	add("statement", "statement", p.T("rotation.form.statement"))
	return out
}

// rotationNew is the form of a new request. Without JavaScript, its "show
// weeks" button comes back here with what was chosen so far.
func (s *Server) rotationNew(c echo.Context) error {
	in := rotationInput(c.QueryParams())
	if in.Key == "" {
		in.Key = rotationFormKey()
	}
	if len(c.QueryParams()) == 0 {
		// A fresh form attaches the wallet's documents a request needs.
		docs, err := s.Documents.Current(c.Request().Context(), visitorOf(c).User.ID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if slices.Contains(rotation.RequiredDocs, d.Type) {
				in.Documents = append(in.Documents, d.ID)
			}
		}
	}
	return s.rotationNewPage(c, http.StatusOK, in, nil)
}

func (s *Server) rotationNewPage(c echo.Context, status int, in rotation.DraftInput, err error) error {
	v := rotationNewView{Page: s.page(c, "rotation.new.title")}
	f, ferr := s.rotationForm(c, v.Page, in, err)
	if ferr != nil {
		return ferr
	}
	f.Action, f.Back, f.Save = "/rotations", "/rotations/new", v.T("rotation.form.save")
	v.Form = f
	if err != nil {
		v.Summary = v.T(rotationErrKey(err))
		v.Problems = rotationProblems(v.Page, err)
	}
	return s.render.render(c, status, pageRotationNew, v)
}

// apperrKey is the message key of a coded error; "form.invalid" for
// anything else.
func rotationErrKey(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && e.Key != "" {
		return e.Key
	}
	return "form.invalid"
}

// rotationCreate saves a new request as a draft and shows it.
func (s *Server) rotationCreate(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	in := rotationInput(form)
	r, err := s.Rotations.CreateDraft(c.Request().Context(), visitorOf(c).User, in)
	if apperr.CodeOf(err) == apperr.Invalid {
		return s.rotationNewPage(c, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "rotation_saved")
	return c.Redirect(http.StatusSeeOther, rotation.Link(r.ID))
}

func rotationFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
