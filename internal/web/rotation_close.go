package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/rotation"
)

// The close of an incoming rotation (issue 16): the department's
// coordinator records attendance, the evaluation and mid-rotation
// feedback; the student evaluates the department and sends the evaluation
// to their home school; the staff list what is outstanding. The rules are
// internal/rotation/assessment.go's; this file only words them.

// rotationCloseRoutes are the close's pages, one line in pageRoutes.
func (s *Server) rotationCloseRoutes(r router) {
	if s.Rotations == nil {
		return
	}
	r.get("/rotations/outstanding", staff, s.rotationOutstanding)
	r.get("/rotations/outstanding.csv", staff, s.rotationOutstandingExport("csv")) // rotation_outstanding_export.go
	r.get("/rotations/outstanding.xlsx", staff, s.rotationOutstandingExport("xlsx"))
	r.get("/rotations/:id/close", signedIn, s.rotationClose)
	r.post("/rotations/:id/close/attendance", signedIn, s.rotationCloseAttendance)
	r.post("/rotations/:id/close/evaluation", signedIn, s.rotationCloseEvaluation)
	r.post("/rotations/:id/close/midterm", signedIn, s.rotationCloseMidterm)
	r.post("/rotations/:id/close/review", signedIn, s.rotationCloseReview)
	r.post("/rotations/:id/close/home", signedIn, s.rotationCloseHome)
	r.get("/rotations/:id/close/evaluation.pdf", signedIn, s.rotationCloseEvaluationPDF)
	r.post("/rotations/:id/close/supervisor", signedIn, s.rotationCloseInvite)
	// The supervisor has no account either: their link is their key.
	r.get("/rotation-supervisor/:token", public, s.rotationSupervisor)
	r.post("/rotation-supervisor/:token", public, s.rotationSupervisorSave)
	// The home school has no account: the link's secret is the key.
	r.get("/rotation-evaluations/:token", public, s.rotationHomeEvaluationPDF)
}

// closeField is one question of a close form: what was typed, the
// choices when it has some, the refusal.
type closeField struct {
	Name, Label, Value, Error string
	Options                   []option
}

// closeFact is one recorded answer, read only.
type closeFact struct {
	Label, Value string
}

type rotationCloseView struct {
	Page
	ID                          int64
	Ref, Applicant, Department  string
	Dates, Back                 string
	Error                       string // why the last form was refused
	Missing                     []string
	IsStaff, IsApplicant        bool
	Attendance                  *closeAttendanceForm
	AttendanceFacts             []closeFact
	Evaluation                  *closeEvaluationForm
	EvaluationFacts             []closeFact
	Midterm                     *closeField
	MidtermText, MidtermRefusal string
	Review                      *closeReviewForm
	ReviewFacts                 []closeFact
	Home                        *closeHomeForm
	HomeSent                    string
	PDF                         string
	// The coordinator's invitation of the supervisor, and the page the
	// supervisor's link opens (SupervisorAction: where its form posts).
	Supervisor       *closeHomeForm
	SupervisorSent   string
	SupervisorAction string
}

type closeAttendanceForm struct {
	Fields       []closeField // days present, days expected
	Confirmed    bool
	ConfirmLabel string
}

type closeEvaluationForm struct {
	Help, GradePick string
	Ratings         []closeField
	Grade           closeField
	Comments        closeField
}

type closeReviewForm struct {
	Ratings []closeField
	Body    closeField
}

type closeHomeForm struct {
	Email, Lang closeField
}

// closeAttempt is what a refused form sent, to show again with the
// refusal.
type closeAttempt struct {
	err        error
	attendance *rotation.AttendanceInput
	evaluation *rotation.EvaluationInput
	midterm    *string
	review     *rotation.StudentReviewInput
	home       *rotation.HomeInput
	invite     *rotation.SupervisorInput
	token      string // the supervisor's page, when set
}

func (s *Server) rotationClose(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.rotationClosePage(c, http.StatusOK, id, &closeAttempt{})
}

// ratingOptions are the five levels of a rating, value selected.
func ratingOptions(p Page, value string) []option {
	out := make([]option, 0, 5)
	for n := 1; n <= 5; n++ {
		v := strconv.Itoa(n)
		out = append(out, option{Value: v, Label: p.T("rotation.close.level", n), Selected: v == value})
	}
	return out
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// rotationClosePage renders the close of rotation id for the visitor,
// with what a refused form sent.
func (s *Server) rotationClosePage(c echo.Context, status int, id int64, at *closeAttempt) error {
	var cl *rotation.Close
	var err error
	if at.token != "" {
		cl, err = s.Rotations.SupervisorClose(c.Request().Context(), at.token)
	} else {
		cl, err = s.Rotations.CloseOf(c.Request().Context(), visitorOf(c).User, id)
	}
	if err != nil {
		return err
	}
	id = cl.RequestID
	v := rotationCloseView{Page: s.page(c, "rotation.close.title"), ID: id, Ref: rotation.Ref(id), Applicant: cl.ApplicantName,
		Department: rotationDeptName(langOf(c), cl.DepartmentEN, cl.DepartmentZH), Back: rotation.Link(id),
		IsStaff: cl.Staff, IsApplicant: cl.Applicant}
	v.Title = v.T("rotation.close.title", v.Ref)
	v.Dates = v.T("rotation.dates", v.Day(cl.StartsOn), v.Day(cl.EndsOn), cl.Weeks)
	fields := apperr.FieldsOf(at.err)
	if at.err != nil {
		if fields != nil {
			v.Error = v.T("rotation.close.refused")
		} else {
			v.Error = v.T(rotationErrKey(at.err), rotationErrArgs(at.err)...)
		}
	}
	msg := func(name string) string {
		if m, ok := fields[name]; ok {
			return v.T(m.Key, m.Args...)
		}
		return ""
	}
	for _, k := range cl.Missing {
		v.Missing = append(v.Missing, v.T(k))
	}
	a := cl.Assessment
	if at.token != "" {
		// The supervisor's page: their one form, nothing else of the
		// student's.
		v.SupervisorAction = rotation.SupervisorLink(at.token)
		v.staffSections(cl, at, msg)
		return s.render.render(c, status, pageRotationClose, v)
	}
	if cl.Staff {
		v.staffSections(cl, at, msg)
	}
	if a.Evaluated() {
		for _, name := range rotation.Ratings {
			v.EvaluationFacts = append(v.EvaluationFacts, closeFact{Label: v.T("rotation.close.rating." + name), Value: intText(a.Rating(name))})
		}
		v.EvaluationFacts = append(v.EvaluationFacts, closeFact{Label: v.T("rotation.close.grade"), Value: v.T("rotation.close.grade." + a.Grade)},
			closeFact{Label: v.T("rotation.close.comments"), Value: a.Comments})
		v.PDF = rotation.CloseLink(id) + "/evaluation.pdf"
	}
	if a.DaysPresent != nil && a.DaysExpected != nil {
		line := v.T("rotation.close.days", *a.DaysPresent, *a.DaysExpected)
		if a.AttendanceConfirmed() {
			line += " · " + v.T("rotation.close.attendance_confirmed", v.When(*a.AttendanceConfirmedAt))
		}
		v.AttendanceFacts = []closeFact{{Label: v.T("rotation.close.attendance"), Value: line}}
	}
	v.MidtermText = a.Midterm
	if cl.Review != nil {
		for _, name := range rotation.DepartmentRatings {
			v.ReviewFacts = append(v.ReviewFacts, closeFact{Label: v.T("rotation.close.review." + name), Value: strconv.Itoa(cl.Review.Rating(name))})
		}
		v.ReviewFacts = append(v.ReviewFacts, closeFact{Label: v.T("rotation.close.review.body"), Value: cl.Review.Body})
	}
	if cl.CanReview {
		in := rotation.StudentReviewInput{Ratings: map[string]string{}}
		if at.review != nil {
			in = *at.review
		}
		f := &closeReviewForm{Body: closeField{Name: "body", Label: v.T("rotation.close.review.body"), Value: in.Body, Error: msg("body")}}
		for _, name := range rotation.DepartmentRatings {
			f.Ratings = append(f.Ratings, closeField{Name: name, Label: v.T("rotation.close.review." + name), Error: msg(name),
				Options: ratingOptions(v.Page, in.Ratings[name])})
		}
		v.Review = f
	}
	if cl.CanSendHome {
		in := rotation.HomeInput{Email: a.HomeEmail, Lang: a.HomeLang}
		if at.home != nil {
			in = *at.home
		}
		f := &closeHomeForm{Email: closeField{Name: "home_email", Label: v.T("rotation.close.home.email"), Value: in.Email, Error: msg("home_email")},
			Lang: closeField{Name: "home_lang", Label: v.T("rotation.close.home.lang"), Error: msg("home_lang")}}
		for _, l := range rotation.HomeLangs {
			f.Lang.Options = append(f.Lang.Options, option{Value: l, Label: v.T("rotation.close.home.lang." + l), Selected: l == in.Lang})
		}
		v.Home = f
		if a.HomeSentAt != nil {
			v.HomeSent = v.T("rotation.close.home.sent", a.HomeEmail, v.When(*a.HomeSentAt))
		}
	}
	return s.render.render(c, status, pageRotationClose, v)
}

// staffSections are the coordinator's forms while they may record, with
// what was recorded or typed.
func (v *rotationCloseView) staffSections(cl *rotation.Close, at *closeAttempt, msg func(string) string) {
	a := cl.Assessment
	if !cl.CanAssess {
		return
	}
	att := rotation.AttendanceInput{DaysPresent: intText(a.DaysPresent), DaysExpected: intText(a.DaysExpected)}
	if att.DaysExpected == "" {
		att.DaysExpected = strconv.Itoa(5 * cl.Weeks) // weekdays, the usual
	}
	if at.attendance != nil {
		att = *at.attendance
	}
	v.Attendance = &closeAttendanceForm{Confirmed: a.AttendanceConfirmed(), ConfirmLabel: v.T("rotation.close.confirm"),
		Fields: []closeField{
			{Name: "days_present", Label: v.T("rotation.close.days_present"), Value: att.DaysPresent, Error: msg("days_present")},
			{Name: "days_expected", Label: v.T("rotation.close.days_expected"), Value: att.DaysExpected, Error: msg("days_expected")}}}
	ev := rotation.EvaluationInput{Ratings: map[string]string{}, Grade: a.Grade, Comments: a.Comments}
	for _, name := range rotation.Ratings {
		ev.Ratings[name] = intText(a.Rating(name))
	}
	if at.evaluation != nil {
		ev = *at.evaluation
	}
	f := &closeEvaluationForm{Help: v.T("rotation.close.evaluation_help"), GradePick: v.T("rotation.close.grade_pick"),
		Grade:    closeField{Name: "grade", Label: v.T("rotation.close.grade"), Error: msg("grade")},
		Comments: closeField{Name: "comments", Label: v.T("rotation.close.comments"), Value: ev.Comments, Error: msg("comments")}}
	for _, name := range rotation.Ratings {
		f.Ratings = append(f.Ratings, closeField{Name: name, Label: v.T("rotation.close.rating." + name), Error: msg(name),
			Options: ratingOptions(v.Page, ev.Ratings[name])})
	}
	for _, g := range rotation.Grades {
		f.Grade.Options = append(f.Grade.Options, option{Value: g, Label: v.T("rotation.close.grade." + g), Selected: g == ev.Grade})
	}
	v.Evaluation = f
	if v.SupervisorAction != "" {
		return
	}
	inv := rotation.SupervisorInput{Email: a.SupervisorEmail}
	if at.invite != nil {
		inv = *at.invite
	}
	v.Supervisor = &closeHomeForm{Email: closeField{Name: "supervisor_email", Label: v.T("rotation.close.supervisor.email"), Value: inv.Email, Error: msg("supervisor_email")},
		Lang: closeField{Name: "supervisor_lang", Label: v.T("rotation.close.supervisor.lang"), Error: msg("supervisor_lang")}}
	for _, l := range rotation.HomeLangs {
		v.Supervisor.Lang.Options = append(v.Supervisor.Lang.Options, option{Value: l, Label: v.T("rotation.close.home.lang." + l), Selected: l == inv.Lang})
	}
	if a.SupervisorUntil != nil {
		v.SupervisorSent = v.T("rotation.close.supervisor.sent", a.SupervisorEmail, v.Date(*a.SupervisorUntil))
	}
	if cl.CanMidterm {
		text := a.Midterm
		if at.midterm != nil {
			text = *at.midterm
		}
		v.Midterm = &closeField{Name: "midterm", Label: v.T("rotation.close.midterm"), Value: text, Error: msg("midterm")}
	} else if cl.MidtermRefusal != "" {
		v.MidtermRefusal = v.T(cl.MidtermRefusal, cl.Weeks, rotation.MidtermWeeks)
	}
}

// rotationCloseAct ends a close form: the close's page with a flash, or
// the page again with the refusal and what was typed.
func (s *Server) rotationCloseAct(c echo.Context, id int64, err error, flash string, at *closeAttempt) error {
	return s.finish(c, err, outcome{flash: flash, to: rotation.CloseLink(id),
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict, apperr.Forbidden},
		again: func(status int, err error) error {
			at.err = err
			return s.rotationClosePage(c, status, id, at)
		}})
}

func (s *Server) rotationCloseAttendance(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.AttendanceInput{DaysPresent: c.FormValue("days_present"), DaysExpected: c.FormValue("days_expected"), Confirm: c.FormValue("confirm") == "1"}
	err = s.Rotations.RecordAttendance(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationCloseAct(c, id, err, "rotation_attendance", &closeAttempt{attendance: &in})
}

func (s *Server) rotationCloseEvaluation(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.EvaluationInput{Ratings: map[string]string{}, Grade: c.FormValue("grade"), Comments: c.FormValue("comments")}
	for _, name := range rotation.Ratings {
		in.Ratings[name] = c.FormValue(name)
	}
	err = s.Rotations.RecordEvaluation(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationCloseAct(c, id, err, "rotation_evaluation", &closeAttempt{evaluation: &in})
}

func (s *Server) rotationCloseMidterm(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	text := c.FormValue("midterm")
	err = s.Rotations.RecordMidterm(c.Request().Context(), visitorOf(c).User, id, text)
	return s.rotationCloseAct(c, id, err, "rotation_midterm", &closeAttempt{midterm: &text})
}

func (s *Server) rotationCloseReview(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.StudentReviewInput{Ratings: map[string]string{}, Body: c.FormValue("body")}
	for _, name := range rotation.DepartmentRatings {
		in.Ratings[name] = c.FormValue(name)
	}
	err = s.Rotations.ReviewDepartment(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationCloseAct(c, id, err, "rotation_review", &closeAttempt{review: &in})
}

func (s *Server) rotationCloseHome(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.HomeInput{Email: c.FormValue("home_email"), Lang: c.FormValue("home_lang")}
	err = s.Rotations.SendHome(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationCloseAct(c, id, err, "rotation_home", &closeAttempt{home: &in})
}

// rotationCloseInvite mails the supervisor a link to the close's form.
func (s *Server) rotationCloseInvite(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.SupervisorInput{Email: c.FormValue("supervisor_email"), Lang: c.FormValue("supervisor_lang")}
	err = s.Rotations.InviteSupervisor(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationCloseAct(c, id, err, "rotation_supervisor_invited", &closeAttempt{invite: &in})
}

// rotationSupervisor is the form the supervisor's link opens.
func (s *Server) rotationSupervisor(c echo.Context) error {
	return s.rotationClosePage(c, http.StatusOK, 0, &closeAttempt{token: c.Param("token")})
}

// rotationSupervisorSave records what the supervisor sent: attendance
// and the evaluation at once.
func (s *Server) rotationSupervisorSave(c echo.Context) error {
	token := c.Param("token")
	att := rotation.AttendanceInput{DaysPresent: c.FormValue("days_present"), DaysExpected: c.FormValue("days_expected"), Confirm: c.FormValue("confirm") == "1"}
	ev := rotation.EvaluationInput{Ratings: map[string]string{}, Grade: c.FormValue("grade"), Comments: c.FormValue("comments")}
	for _, name := range rotation.Ratings {
		ev.Ratings[name] = c.FormValue(name)
	}
	err := s.Rotations.SupervisorRecord(c.Request().Context(), token, rotation.SupervisorInputs{Attendance: att, Evaluation: ev})
	return s.finish(c, err, outcome{flash: "rotation_supervisor_recorded", to: rotation.SupervisorLink(token),
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error {
			return s.rotationClosePage(c, status, 0, &closeAttempt{err: err, token: token, attendance: &att, evaluation: &ev})
		}})
}

// rotationCloseEvaluationPDF is the evaluation as a PDF for its student
// and the department's staff, in the reader's language.
func (s *Server) rotationCloseEvaluationPDF(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.Rotations.EvaluationOf(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return s.sendEvaluationPDF(c, e, langOf(c))
}

// rotationHomeEvaluationPDF is the evaluation as the home school's link
// opens it, in the language the student said the school reads.
func (s *Server) rotationHomeEvaluationPDF(c echo.Context) error {
	e, err := s.Rotations.EvaluationByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	lang, ok := s.bundle.Parse(e.Lang)
	if !ok {
		lang = i18n.English
	}
	return s.sendEvaluationPDF(c, e, lang)
}

// sendEvaluationPDF words the evaluation e in lang on the hospital's
// letterhead, with its verification code.
func (s *Server) sendEvaluationPDF(c echo.Context, e *rotation.Evaluation, lang i18n.Lang) error {
	if s.Letters == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	t := func(key string, args ...any) string { return s.bundle.T(lang, key, args...) }
	dept := e.DepartmentEN
	if lang != i18n.English && e.DepartmentZH != "" {
		dept = e.DepartmentZH
	}
	a := e.Assessment
	period := t("rotation.close.pdf.period", letter.FormatDate(e.StartsOn, lang), letter.FormatDate(e.EndsOn, lang), e.Weeks)
	facts := [][2]string{{t("rotation.close.pdf.student"), e.ApplicantName}}
	if e.HomeInstitution != "" {
		facts = append(facts, [2]string{t("rotation.close.pdf.home"), e.HomeInstitution})
	}
	facts = append(facts, [2]string{t("rotation.close.pdf.department"), dept}, [2]string{t("rotation.close.pdf.dates"), period})
	if a.DaysPresent != nil && a.DaysExpected != nil {
		facts = append(facts, [2]string{t("rotation.close.attendance"), t("rotation.close.days", *a.DaysPresent, *a.DaysExpected)})
	}
	for _, name := range rotation.Ratings {
		facts = append(facts, [2]string{t("rotation.close.rating." + name), t("rotation.close.pdf.rating", intText(a.Rating(name)))})
	}
	facts = append(facts, [2]string{t("rotation.close.grade"), t("rotation.close.grade." + a.Grade)})
	paras := []string{t("rotation.close.pdf.body", e.ApplicantName, dept, period)}
	if a.Comments != "" {
		paras = append(paras, t("rotation.close.pdf.comments", a.Comments))
	}
	pdf, err := s.Letters.RenderCustom(letter.Custom{Title: t("rotation.close.pdf.title"), Paragraphs: paras, Facts: facts,
		Code: e.Code, IssuedAt: e.IssuedAt, Lang: lang})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evaluation-%s.pdf"`, rotation.Ref(e.RequestID)))
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// rotationEvaluationVerify answers /verify for the code of an
// evaluation's PDF: the student, the department and the weeks.
func (s *Server) rotationEvaluationVerify(c echo.Context, v *letterVerifyView) (bool, error) {
	code, ok := letter.NormalizeCode(v.Code)
	if !ok || s.Rotations == nil {
		return false, nil
	}
	e, err := s.Rotations.EvaluationByCode(c.Request().Context(), code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v.Code = letter.FormatCode(code)
	v.Found = &verifiedLetter{Verdict: v.T("rotation.close.verify.genuine", v.Date(e.IssuedAt)), Name: e.ApplicantName,
		Department: rotationDeptName(v.Lang, e.DepartmentEN, e.DepartmentZH),
		Period:     v.T("rotation.dates", v.Day(e.StartsOn), v.Day(e.EndsOn), e.Weeks)}
	return true, s.render.render(c, http.StatusOK, pageVerify, *v)
}

// ---- the staff's list

type rotationOutstandingView struct {
	Page
	Rows []rotationOutstandingRow
}

type rotationOutstandingRow struct {
	Link, Ref, Applicant, Department, Dates string
	Missing                                 string
	Waiting                                 string
	Days                                    int
}

// rotationOutstanding lists the rotations whose certificate waits for
// attendance or the evaluation, longest waiting first.
func (s *Server) rotationOutstanding(c echo.Context) error {
	list, err := s.Rotations.OutstandingCloses(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v := rotationOutstandingView{Page: s.page(c, "rotation.outstanding.title")}
	for _, o := range list {
		var missing []string
		if !o.Attendance {
			missing = append(missing, v.T("rotation.assess.missing.attendance"))
		}
		if !o.Evaluation {
			missing = append(missing, v.T("rotation.assess.missing.evaluation"))
		}
		row := rotationOutstandingRow{Link: rotation.CloseLink(o.ID), Ref: rotation.Ref(o.ID), Applicant: o.ApplicantName,
			Department: rotationDeptName(v.Lang, o.DepartmentEN, o.DepartmentZH),
			Dates:      v.T("rotation.dates", v.Day(o.StartsOn), v.Day(o.EndsOn()), o.Weeks), Days: o.DaysWaiting}
		for i, m := range missing {
			if i > 0 {
				row.Missing += v.T("wallet.list_sep")
			}
			row.Missing += m
		}
		if o.DaysWaiting > 0 {
			row.Waiting = strconv.Itoa(o.DaysWaiting)
		} else {
			row.Waiting = v.T("rotation.outstanding.running")
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render.render(c, http.StatusOK, pageRotationOutstanding, v)
}
