package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/rotation"
	"portal/internal/user"
)

// The coordinators' side: their departments' calendars and the review
// queue. The office and admins see every department.

// calendarWeeks is how many weeks the calendar page shows at once.
const calendarWeeks = 20

type calendarView struct {
	Page
	Departments []rotationOption
	None        bool // the visitor coordinates no department yet
	DeptID      int64
	DeptName    string
	Rules       string
	From        string // the first week shown, as forms send it back
	FromText    string // ...and as people read it
	Prev, Next  string
	Rows        []calendarRow
	Error       string
	Confirm     *calendarConfirm // the question before seats are lowered
	Publish     calendarForm
	Blackout    calendarForm
	RulesForm   calendarForm
	// For the office: who coordinates the department, and who could.
	Office       bool
	Coordinators []calendarPerson
	Candidates   []rotationOption
	GrantError   string
}

// calendarConfirm asks before a publication lowers seats: what it would
// change, and the same publication again, confirmed.
type calendarConfirm struct {
	Text            string
	From, To, Seats string
	Keep            string // back to the calendar, changing nothing
}

type calendarPerson struct {
	Label, Revoke string
}

type calendarRow struct {
	Week                        string
	Seats, Used, Reserved, Free int
	Status, Class               string
	Cells                       []string // one class per seat: used, reserved, free
	Summary                     string   // the cells in words
}

// calendarField is one input of a calendar form.
type calendarField struct {
	ID, Name, Type, Label, Value, Error string
}

// Field describes input name of form f for the template.
func (v calendarView) Field(f calendarForm, name, typ, label string) calendarField {
	return calendarField{ID: f.Prefix + "-" + name, Name: name, Type: typ, Label: v.T(label), Value: f.Values[name], Error: f.Errors[name]}
}

// calendarForm holds one form's values and messages.
type calendarForm struct {
	Prefix         string // of its inputs' ids
	Values, Errors map[string]string
}

func newCalendarForm(prefix string) calendarForm {
	return calendarForm{Prefix: prefix, Values: map[string]string{}, Errors: map[string]string{}}
}

// calendarAttempt is a refused form, to show again.
type calendarAttempt struct {
	form   string // publish, blackout or rules
	values map[string]string
	err    error
}

func (s *Server) calendarShow(c echo.Context) error {
	dep, _ := strconv.ParseInt(c.QueryParam("department"), 10, 64)
	return s.calendarPage(c, http.StatusOK, dep, c.QueryParam("from"), nil)
}

func (s *Server) calendarPage(c echo.Context, status int, dep int64, from string, at *calendarAttempt) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	v := calendarView{Page: s.page(c, "rotation.calendar.title"), Publish: newCalendarForm("publish"),
		Blackout: newCalendarForm("blackout"), RulesForm: newCalendarForm("rules")}
	deps, err := s.Rotations.Managed(ctx, u)
	if err != nil {
		return err
	}
	if len(deps) == 0 {
		if dep != 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		v.None = true
		return s.render.render(c, status, pageCalendar, v)
	}
	if dep == 0 {
		// The first department that takes rotations, else the first.
		dep = deps[0].ID
		for i := len(deps) - 1; i >= 0; i-- {
			if deps[i].Open {
				dep = deps[i].ID
			}
		}
	}
	found := false
	for _, d := range deps {
		label := rotationDeptName(v.Lang, d.NameEN, d.NameZH)
		if !d.Open {
			label = v.T("rotation.calendar.not_open", label)
		}
		v.Departments = append(v.Departments, rotationOption{Value: strconv.FormatInt(d.ID, 10), Label: label, Selected: d.ID == dep})
		found = found || d.ID == dep
	}
	if !found {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	// The weeks just past stay in view: who is on the ward now, and what
	// was completed.
	start := s.Rotations.Today().AddDate(0, 0, -21)
	if t, err := time.Parse(time.DateOnly, from); err == nil {
		start = t
	}
	cal, err := s.Rotations.Calendar(ctx, u, dep, start, calendarWeeks)
	if err != nil {
		return err
	}
	d := cal.Department
	v.DeptID, v.DeptName = d.ID, rotationDeptName(v.Lang, d.NameEN, d.NameZH)
	v.Rules = v.T("rotation.form.rules", d.Rules.MinWeeks, d.Rules.MaxWeeks, d.Rules.LeadDays)
	v.From, v.FromText = cal.From.Format(time.DateOnly), v.Day(cal.From)
	link := func(t time.Time) string {
		return "/calendar?" + url.Values{"department": {strconv.FormatInt(dep, 10)}, "from": {t.Format(time.DateOnly)}}.Encode()
	}
	v.Prev, v.Next = link(cal.From.AddDate(0, 0, -7*calendarWeeks)), link(cal.From.AddDate(0, 0, 7*calendarWeeks))
	for _, w := range cal.Weeks {
		r := calendarRow{Week: v.Day(w.Week), Seats: w.Seats, Used: w.Used, Reserved: w.Reserved, Free: w.Free}
		switch {
		case !w.Published:
			r.Status, r.Class = v.T("rotation.calendar.unpublished"), "unpublished"
		case w.Blackout:
			r.Status, r.Class = v.T("rotation.calendar.blackout"), "blackout"
		case w.Past:
			r.Status, r.Class = v.T("rotation.calendar.past"), "past"
		case w.Free == 0:
			r.Status, r.Class = v.T("rotation.calendar.full"), "full"
		default:
			r.Status, r.Class = v.T("rotation.calendar.open"), "open"
		}
		for i := 0; i < w.Used; i++ {
			r.Cells = append(r.Cells, "used")
		}
		for i := 0; i < w.Reserved; i++ {
			r.Cells = append(r.Cells, "reserved")
		}
		for i := 0; i < w.Free && !w.Blackout; i++ {
			r.Cells = append(r.Cells, "free")
		}
		r.Summary = v.N("rotation.calendar.summary", w.Seats, w.Used, w.Reserved, w.Free, w.Seats)
		v.Rows = append(v.Rows, r)
	}
	// The publish and blackout forms start empty: any value put there
	// would change the calendar with one click (issue 13, point 4).
	v.RulesForm.Values["min_weeks"] = strconv.Itoa(d.Rules.MinWeeks)
	v.RulesForm.Values["max_weeks"] = strconv.Itoa(d.Rules.MaxWeeks)
	v.RulesForm.Values["lead_days"] = strconv.Itoa(d.Rules.LeadDays)
	if u.Has(user.Office, user.Admin) {
		v.Office = true
		cur, cand, err := s.Rotations.Coordinators(ctx, u, dep)
		if err != nil {
			return err
		}
		for _, c := range cur {
			v.Coordinators = append(v.Coordinators, calendarPerson{Label: personLabel(c),
				Revoke: fmt.Sprintf("/calendar/%d/coordinators/%d/revoke", dep, c.ID)})
		}
		v.Candidates = append(v.Candidates, rotationOption{Value: "", Label: v.T("rotation.coordinators.choose")})
		for _, c := range cand {
			v.Candidates = append(v.Candidates, rotationOption{Value: strconv.FormatInt(c.ID, 10), Label: personLabel(c)})
		}
	}
	if at != nil && at.form == "coordinators" {
		if m, ok := apperr.FieldsOf(at.err)["user"]; ok {
			v.GrantError = v.T(m.Key, m.Args...)
		}
		v.Error = v.T(rotationErrKey(at.err), rotationErrArgs(at.err)...)
		at = nil
	}
	if at != nil && rotationErrKey(at.err) == rotation.KeyConfirmLower {
		args := rotationErrArgs(at.err)
		v.Confirm = &calendarConfirm{Text: v.T(rotation.KeyConfirmLower, args...),
			From: at.values["from"], To: at.values["to"], Seats: at.values["seats"], Keep: link(cal.From)}
		v.Publish.Values = at.values
		at = nil
	}
	if at != nil {
		f := map[string]*calendarForm{"publish": &v.Publish, "blackout": &v.Blackout, "rules": &v.RulesForm}[at.form]
		for k, val := range at.values {
			f.Values[k] = val
		}
		for k, m := range apperr.FieldsOf(at.err) {
			f.Errors[k] = v.T(m.Key, m.Args...)
		}
		v.Error = v.T(rotationErrKey(at.err), rotationErrArgs(at.err)...)
	}
	return s.render.render(c, status, pageCalendar, v)
}

// calendarDone answers a calendar form: the calendar again with a
// refusal, or a redirect to it with a flash.
func (s *Server) calendarDone(c echo.Context, dep int64, form string, values map[string]string, err error, flash string) error {
	if err != nil {
		if rotationErrKey(err) == rotation.KeyConfirmLower {
			// A question, not a failure: the page asks, nothing changed.
			return s.calendarPage(c, http.StatusOK, dep, c.FormValue("shown_from"), &calendarAttempt{form: form, values: values, err: err})
		}
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Conflict:
			return s.calendarPage(c, statusOf[apperr.CodeOf(err)], dep, c.FormValue("shown_from"), &calendarAttempt{form: form, values: values, err: err})
		}
		return err
	}
	s.setFlash(c, flash)
	q := url.Values{"department": {strconv.FormatInt(dep, 10)}}
	if f := c.FormValue("shown_from"); f != "" {
		q.Set("from", f)
	}
	return c.Redirect(http.StatusSeeOther, "/calendar?"+q.Encode())
}

func (s *Server) calendarPublish(c echo.Context) error {
	dep, err := idParam(c, "dept")
	if err != nil {
		return err
	}
	in := rotation.PublishInput{RangeInput: rotation.RangeInput{From: c.FormValue("from"), To: c.FormValue("to")}, Seats: c.FormValue("seats"),
		Confirm: c.FormValue("confirm") == "yes"}
	_, err = s.Rotations.Publish(c.Request().Context(), visitorOf(c).User, dep, in)
	return s.calendarDone(c, dep, "publish", map[string]string{"from": in.From, "to": in.To, "seats": in.Seats}, err, "calendar_published")
}

func (s *Server) calendarBlackout(c echo.Context) error {
	dep, err := idParam(c, "dept")
	if err != nil {
		return err
	}
	// The form's two buttons send close or reopen; anything else closes
	// nothing, and the page says which choice was wrong (the buttons have
	// no field of their own to mark).
	closing, known := map[string]bool{"close": true, "reopen": false}[c.FormValue("blackout")]
	in := rotation.BlackoutInput{RangeInput: rotation.RangeInput{From: c.FormValue("from"), To: c.FormValue("to")}, Blackout: closing}
	if known {
		_, err = s.Rotations.SetBlackout(c.Request().Context(), visitorOf(c).User, dep, in)
	} else {
		err = &apperr.Error{Code: apperr.Invalid, Key: "form.not_a_choice", Fields: apperr.Fields{"blackout": {Key: "form.not_a_choice"}}}
	}
	flash := "calendar_blackout"
	if !in.Blackout {
		flash = "calendar_reopened"
	}
	return s.calendarDone(c, dep, "blackout", map[string]string{"from": in.From, "to": in.To}, err, flash)
}

func (s *Server) calendarRules(c echo.Context) error {
	dep, err := idParam(c, "dept")
	if err != nil {
		return err
	}
	in := rotation.RulesInput{MinWeeks: c.FormValue("min_weeks"), MaxWeeks: c.FormValue("max_weeks"), LeadDays: c.FormValue("lead_days")}
	err = s.Rotations.SetRules(c.Request().Context(), visitorOf(c).User, dep, in)
	return s.calendarDone(c, dep, "rules", map[string]string{"min_weeks": in.MinWeeks, "max_weeks": in.MaxWeeks, "lead_days": in.LeadDays}, err, "calendar_rules")
}

func personLabel(p rotation.Person) string {
	if p.Email == "" {
		return p.Name
	}
	return p.Name + " · " + p.Email
}

// calendarGrant makes someone with the coordinator role a coordinator of
// the department (the office only).
func (s *Server) calendarGrant(c echo.Context) error {
	dep, err := idParam(c, "dept")
	if err != nil {
		return err
	}
	who, _ := strconv.ParseInt(c.FormValue("user"), 10, 64)
	err = s.Rotations.Grant(c.Request().Context(), visitorOf(c).User, who, dep, meta(c))
	return s.calendarDone(c, dep, "coordinators", nil, err, "calendar_granted")
}

func (s *Server) calendarRevoke(c echo.Context) error {
	dep, err := idParam(c, "dept")
	if err != nil {
		return err
	}
	who, err := idParam(c, "user")
	if err != nil {
		return err
	}
	err = s.Rotations.Revoke(c.Request().Context(), visitorOf(c).User, who, dep, meta(c))
	return s.calendarDone(c, dep, "coordinators", nil, err, "calendar_revoked")
}

type calendarQueueView struct {
	Page
	Stages        []rotationOption
	Rows          []rotationRow
	ShowApplicant bool
	Home          string // the partner the list is narrowed to, kept by the stage form
}

// calendarQueue lists the requests the visitor reviews, filtered by stage.
func (s *Server) calendarQueue(c echo.Context) error {
	v := calendarQueueView{Page: s.page(c, "rotation.queue.title"), ShowApplicant: true}
	st, _ := rotation.ParseStage(c.QueryParam("stage"))
	if st == rotation.Draft {
		st = ""
	}
	v.Stages = append(v.Stages, rotationOption{Value: "", Label: v.T("rotation.queue.all"), Selected: st == ""})
	for _, x := range rotation.Stages[1:] {
		v.Stages = append(v.Stages, rotationOption{Value: string(x), Label: v.T("rotation.stage." + string(x)), Selected: x == st})
	}
	f := rotation.QueueFilter{Stage: st}
	if v.Home = c.QueryParam("home"); v.Home != "" {
		id, err := strconv.ParseInt(v.Home, 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.Invalid, "form.not_a_choice")
		}
		f.Home = id
	}
	list, err := s.Rotations.Queue(c.Request().Context(), visitorOf(c).User, f)
	if err != nil {
		return err
	}
	v.Rows = s.rotationRows(v.Page, list)
	return s.render.render(c, http.StatusOK, pageCalendarRequests, v)
}
