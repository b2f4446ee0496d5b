package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/mentor"
	"portal/internal/rotation"
	"portal/internal/user"
)

// Mentors (issue 19): people of the university sign up at /mentors/signup;
// an incoming student opts in from their request's page; the coordinator
// or the office confirms the proposals at /mentors (or overrides them with
// a reason); both sides give feedback on the match's page after the
// rotation's last day.

// mentorables are who may sign up as mentors: everyone of the university.
var mentorables = guard{name: "mentorables", roles: []user.Role{user.Student, user.Reviewer, user.Coordinator, user.Office, user.Admin}}

// mentorRoutes lists the mentors' routes (one line in pageRoutes).
func (s *Server) mentorRoutes(r router) {
	if s.Mentors == nil {
		return
	}
	r.get("/mentors", staff, s.mentorBoard)
	r.post("/mentors/confirm", staff, s.mentorConfirm)
	r.post("/mentors/confirm-all", staff, s.mentorConfirmAll)
	r.post("/mentors/override", staff, s.mentorOverride)
	r.get("/mentors/signup", mentorables, s.mentorSignup)
	r.post("/mentors/signup", mentorables, s.mentorSignupSave)
	r.get("/mentors/matches/:id", signedIn, s.mentorMatch)
	r.post("/mentors/matches/:id/feedback", signedIn, s.mentorFeedback)
	r.post("/rotations/:id/mentor", incomers, s.mentorOptIn)
	r.post("/rotations/:id/mentor/withdraw", incomers, s.mentorOptOut)
}

// langChoice is a checkbox of a spoken language.
type langChoice struct {
	Code, Label string
	Checked     bool
}

func mentorLangs(p Page, chosen []string) []langChoice {
	out := make([]langChoice, len(mentor.Languages))
	for i, code := range mentor.Languages {
		out[i] = langChoice{Code: code, Label: p.T("mentors.lang." + code), Checked: containsString(chosen, code)}
	}
	return out
}

// langNames writes language codes in the page's language.
func langNames(p Page, codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = p.T("mentors.lang." + c)
	}
	return strings.Join(names, p.T("mentors.separator"))
}

// fieldErrors translates a refusal: its message and one per field.
func fieldErrors(p Page, err error) (string, map[string]string) {
	out := map[string]string{}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return "", out
	}
	for f, m := range ae.Fields {
		out[f] = p.T(m.Key, m.Args...)
	}
	return p.T(ae.Key, ae.Args...), out
}

// ---- the sign-up

type mentorSignupView struct {
	Page
	In          mentor.SignupInput
	Existing    bool
	Kinds       []mentorKindChoice
	Departments []fundingChoice
	Spoken      []langChoice
	Partners    []fundingChoice
	Refusal     string
	Errors      map[string]string
	Mentoring   []mentorMatchRow
}

func (s *Server) mentorSignup(c echo.Context) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	p, err := s.Mentors.Mine(ctx, u)
	if err != nil {
		return err
	}
	today := s.Mentors.Today()
	in := mentor.SignupInput{Kind: "staff", Capacity: "1", AvailableFrom: today.Format(time.DateOnly),
		AvailableUntil: today.AddDate(0, 6, 0).Format(time.DateOnly), Active: true}
	if p != nil {
		in = p.Input()
	}
	return s.mentorSignupPage(c, http.StatusOK, in, p != nil, nil)
}

func (s *Server) mentorSignupSave(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	in := mentor.SignupInput{Kind: form.Get("kind"), Languages: form["languages"], Interests: form.Get("interests"),
		Capacity: form.Get("capacity"), AvailableFrom: form.Get("available_from"), AvailableUntil: form.Get("available_until"),
		Active: form.Get("active") == "1"}
	in.Version, _ = strconv.Atoi(form.Get("version"))
	in.ExchangeID, _ = strconv.ParseInt(form.Get("exchange"), 10, 64)
	for _, d := range form["departments"] {
		if id, err := strconv.ParseInt(d, 10, 64); err == nil {
			in.Departments = append(in.Departments, id)
		}
	}
	_, err = s.Mentors.SignUp(c.Request().Context(), visitorOf(c).User, in)
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict {
		return s.mentorSignupPage(c, statusOf[code], in, in.Version > 0, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "mentors_signed_up", "/mentors/signup")
}

func (s *Server) mentorSignupPage(c echo.Context, status int, in mentor.SignupInput, existing bool, refused error) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	v := mentorSignupView{Page: s.page(c, "mentors.signup.title"), In: in, Existing: existing}
	v.Refusal, v.Errors = fieldErrors(v.Page, refused)
	for _, k := range mentor.Kinds {
		v.Kinds = append(v.Kinds, mentorKindChoice{Value: string(k), Label: v.T("mentors.kind." + string(k)), Selected: string(k) == in.Kind})
	}
	deps, err := s.Mentors.Departments(ctx)
	if err != nil {
		return err
	}
	for _, d := range deps {
		v.Departments = append(v.Departments, fundingChoice{ID: d.ID, Label: rotationDeptName(v.Lang, d.NameEN, d.NameOther),
			Selected: containsID(in.Departments, d.ID)})
	}
	v.Spoken = mentorLangs(v.Page, in.Languages)
	partners, err := s.Mentors.Partners(ctx)
	if err != nil {
		return err
	}
	for _, p := range partners {
		label := p.NameEN
		if p.NameOther != "" && v.Lang != i18n.English {
			label = p.NameOther
		}
		v.Partners = append(v.Partners, fundingChoice{ID: p.ID, Label: label, Selected: p.ID == in.ExchangeID})
	}
	mine, err := s.Mentors.Mentoring(ctx, u)
	if err != nil {
		return err
	}
	v.Mentoring = mentorMatchRows(v.Page, mine, s.Mentors.Today())
	return s.render.render(c, status, pageMentorsSignup, v)
}

// mentorKindChoice is an option of the kind of mentor.
type mentorKindChoice struct {
	Value, Label string
	Selected     bool
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// ---- the board

type mentorBoardView struct {
	Page
	Refusal    string
	Errors     map[string]string
	Refused    int64 // the request whose override was refused
	Reason     string
	Proposals  []mentorProposalRow
	Unmatched  []mentorProposalRow
	Mentors    []fundingChoice // the override's choice
	AtCapacity []string
	Matches    []mentorMatchRow
}

type mentorProposalRow struct {
	RequestID, MentorID         int64
	Student, Request            string
	Department, Dates, Home     string
	Mentor, Score, Why, Missing string
}

type mentorMatchRow struct {
	Link, Student, Mentor, Department, Dates string
	Manual, Reason                           string
	MentorRating, StudentRating              string
	Ended                                    bool
}

func (s *Server) mentorBoard(c echo.Context) error {
	return s.mentorBoardPage(c, http.StatusOK, nil, 0, "")
}

func (s *Server) mentorBoardPage(c echo.Context, status int, refused error, req int64, reason string) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	b, err := s.Mentors.Board(ctx, u)
	if err != nil {
		return err
	}
	v := mentorBoardView{Page: s.page(c, "mentors.title"), Refused: req, Reason: reason}
	v.Refusal, v.Errors = fieldErrors(v.Page, refused)
	for _, p := range b.Proposals {
		v.Proposals = append(v.Proposals, s.mentorProposal(v.Page, p))
	}
	for _, p := range b.Unmatched {
		v.Unmatched = append(v.Unmatched, s.mentorProposal(v.Page, p))
	}
	for _, m := range b.Candidates {
		if m.Active {
			v.Mentors = append(v.Mentors, fundingChoice{ID: m.ID, Label: v.T("mentors.board.mentor_choice", m.Name, m.Load, m.Capacity)})
		}
	}
	for _, m := range b.AtCapacity {
		v.AtCapacity = append(v.AtCapacity, v.T("mentors.board.at_capacity_row", m.Name, m.Load, m.Capacity))
	}
	ms, err := s.Mentors.Matches(ctx, u)
	if err != nil {
		return err
	}
	v.Matches = mentorMatchRows(v.Page, ms, s.Mentors.Today())
	return s.render.render(c, status, pageMentors, v)
}

func (s *Server) mentorProposal(p Page, pr mentor.Proposal) mentorProposalRow {
	row := mentorProposalRow{RequestID: pr.RequestID, Student: pr.Name, Request: rotation.Ref(pr.RequestID), Home: pr.HomeName}
	if pr.DepartmentID > 0 {
		row.Department = rotationDeptName(p.Lang, pr.DepartmentEN, pr.DepartmentZH)
		row.Dates = p.T("mentors.dates", p.Day(pr.StartsOn), p.Day(pr.EndsOn))
	}
	if pr.Mentor != nil {
		row.MentorID, row.Mentor, row.Score = pr.Mentor.ID, pr.Mentor.Name, strconv.Itoa(pr.Score)
		var why []string
		for _, part := range pr.Parts {
			shared := strings.Join(part.Shared, p.T("mentors.separator"))
			if part.Code == "languages" {
				shared = langNames(p, part.Shared)
			}
			why = append(why, p.T("mentors.why."+part.Code, part.Points, shared))
		}
		if len(why) == 0 {
			why = append(why, p.T("mentors.why.filters_only"))
		}
		row.Why = strings.Join(why, p.T("mentors.separator"))
	} else {
		row.Missing = p.T("mentors.none." + pr.None)
	}
	return row
}

func mentorMatchRows(p Page, ms []mentor.MatchView, today time.Time) []mentorMatchRow {
	var out []mentorMatchRow
	rating := func(r *int) string {
		if r == nil {
			return p.T("mentors.feedback.none")
		}
		return p.T("mentors.feedback.stars", *r)
	}
	for _, m := range ms {
		row := mentorMatchRow{Link: mentor.MatchLink(m.ID), Student: m.StudentName, Mentor: m.MentorName,
			Department: rotationDeptName(p.Lang, m.DepartmentEN, m.DepartmentZH), Dates: p.T("mentors.dates", p.Day(m.StartsOn), p.Day(m.EndsOn)),
			MentorRating: rating(m.MentorRating), StudentRating: rating(m.StudentRating), Ended: m.Ended(today)}
		if m.Manual {
			row.Manual, row.Reason = p.T("mentors.board.manual"), m.Reason
		}
		out = append(out, row)
	}
	return out
}

// formInt64 reads a form's id; anything else is 0.
func formInt64(c echo.Context, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(c.FormValue(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (s *Server) mentorConfirm(c echo.Context) error {
	req := formInt64(c, "request")
	_, err := s.Mentors.Confirm(c.Request().Context(), visitorOf(c).User, req, formInt64(c, "mentor"))
	return s.finish(c, err, outcome{flash: "mentors_confirmed", to: "/mentors", shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.mentorBoardPage(c, status, err, req, "") }})
}

func (s *Server) mentorConfirmAll(c echo.Context) error {
	n, err := s.Mentors.ConfirmAll(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.done(c, "mentors_confirmed_none", "/mentors")
	}
	return s.done(c, "mentors_confirmed_all", "/mentors")
}

func (s *Server) mentorOverride(c echo.Context) error {
	req, reason := formInt64(c, "request"), c.FormValue("reason")
	_, err := s.Mentors.Override(c.Request().Context(), visitorOf(c).User, req, formInt64(c, "mentor"), reason)
	return s.finish(c, err, outcome{flash: "mentors_overridden", to: "/mentors", shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.mentorBoardPage(c, status, err, req, reason) }})
}

// ---- the match's page and its feedback

type mentorMatchView struct {
	Page
	ID                                 int64
	Student, Mentor, Department, Dates string
	Other, OtherEmail                  string
	Side                               string // mentor, student or "" (staff)
	Manual, Reason                     string
	Open                               bool // feedback may be given now
	Opens                              string
	Rating, Comment                    string
	Refusal                            string
	Errors                             map[string]string
	Feedback                           []mentorFeedbackRow
	Stars                              []fundingChoice
}

type mentorFeedbackRow struct {
	Who, Rating, Comment string
}

func (s *Server) mentorMatch(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.mentorMatchPage(c, http.StatusOK, id, nil, nil)
}

func (s *Server) mentorMatchPage(c echo.Context, status int, id int64, in *mentor.FeedbackInput, refused error) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	m, err := s.Mentors.MatchOf(ctx, u, id)
	if err != nil {
		return err
	}
	v := mentorMatchView{Page: s.page(c, "mentors.match.title"), ID: id, Student: m.StudentName, Mentor: m.MentorName, Side: m.Side(u)}
	v.Department = rotationDeptName(v.Lang, m.DepartmentEN, m.DepartmentZH)
	v.Dates = v.T("mentors.dates", v.Day(m.StartsOn), v.Day(m.EndsOn))
	v.Refusal, v.Errors = fieldErrors(v.Page, refused)
	if m.Manual {
		v.Manual, v.Reason = v.T("mentors.board.manual"), m.Reason
	}
	today := s.Mentors.Today()
	v.Open, v.Opens = v.Side != "" && m.Ended(today), v.Day(m.EndsOn.AddDate(0, 0, 1))
	mine := func(r *int, comment string) {
		if r != nil {
			v.Rating, v.Comment = strconv.Itoa(*r), comment
		}
	}
	switch v.Side {
	case "mentor":
		v.Other, v.OtherEmail = m.StudentName, m.StudentEmail
		mine(m.MentorRating, m.MentorComment)
	case "student":
		v.Other, v.OtherEmail = m.MentorName, m.MentorEmail
		mine(m.StudentRating, m.StudentComment)
	default:
		for _, f := range []struct {
			who     string
			r       *int
			comment string
		}{{m.MentorName, m.MentorRating, m.MentorComment}, {m.StudentName, m.StudentRating, m.StudentComment}} {
			if f.r != nil {
				v.Feedback = append(v.Feedback, mentorFeedbackRow{Who: f.who, Rating: v.T("mentors.feedback.stars", *f.r), Comment: f.comment})
			}
		}
	}
	if in != nil {
		v.Rating, v.Comment = in.Rating, in.Comment
	}
	for n := 5; n >= 1; n-- {
		v.Stars = append(v.Stars, fundingChoice{ID: int64(n), Label: v.T("mentors.feedback.stars", n), Selected: strconv.Itoa(n) == v.Rating})
	}
	return s.render.render(c, status, pageMentorsMatch, v)
}

func (s *Server) mentorFeedback(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := mentor.FeedbackInput{Rating: c.FormValue("rating"), Comment: c.FormValue("comment")}
	err = s.Mentors.Feedback(c.Request().Context(), visitorOf(c).User, id, in)
	return s.finish(c, err, outcome{flash: "mentors_feedback", to: mentor.MatchLink(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.mentorMatchPage(c, status, id, &in, err) }})
}

// ---- the student's box on their request's page

// mentorBoxView is the mentor part of a request's page, for its applicant.
type mentorBoxView struct {
	Page
	ID                  int64
	OptedIn             bool
	Spoken              []langChoice
	Interests           string
	Chosen              string // what they asked for, in words
	Mentor, MentorEmail string
	Link                string
	Errors              map[string]string
}

// ctxMentorAttempt holds a refused opt-in's form for the page shown again.
const ctxMentorAttempt = "mentor_attempt"

type mentorAttempt struct {
	in  mentor.OptInInput
	err error
}

// mentorBox fills the request page's mentor part for its applicant; nil
// for anyone else, or a request that can no longer have one.
func (s *Server) mentorBox(c echo.Context, p Page, d *rotation.Detail) (*mentorBoxView, error) {
	if s.Mentors == nil || !d.Is(rotation.Applicant) {
		return nil, nil
	}
	w, err := s.Mentors.WishOf(c.Request().Context(), visitorOf(c).User, d.ID)
	if err != nil || w == nil {
		return nil, err
	}
	v := &mentorBoxView{Page: p, ID: d.ID, OptedIn: w.OptedIn, Interests: strings.Join(w.Interests, ", "), Errors: map[string]string{}}
	if w.Match != nil {
		v.Mentor, v.MentorEmail, v.Link = w.Match.MentorName, w.Match.MentorEmail, mentor.MatchLink(w.Match.ID)
		return v, nil
	}
	switch d.Status {
	case rotation.Rejected, rotation.Withdrawn, rotation.Completed:
		return nil, nil
	}
	langs := w.Languages
	if w.OptedIn {
		v.Chosen = langNames(p, w.Languages)
	}
	if at, ok := c.Get(ctxMentorAttempt).(*mentorAttempt); ok {
		langs, v.Interests = at.in.Languages, at.in.Interests
		_, v.Errors = fieldErrors(p, at.err)
	}
	v.Spoken = mentorLangs(p, langs)
	return v, nil
}

func (s *Server) mentorOptIn(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	in := mentor.OptInInput{Languages: form["languages"], Interests: form.Get("interests")}
	err = s.Mentors.OptIn(c.Request().Context(), visitorOf(c).User, id, in)
	return s.finish(c, err, outcome{flash: "mentors_opted_in", to: rotation.Link(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error {
			c.Set(ctxMentorAttempt, &mentorAttempt{in: in, err: err})
			return s.rotationPage(c, status, id, &rotationAttempt{err: err})
		}})
}

func (s *Server) mentorOptOut(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = s.Mentors.OptOut(c.Request().Context(), visitorOf(c).User, id)
	return s.finish(c, err, outcome{flash: "mentors_opted_out", to: rotation.Link(id), shown: []apperr.Code{apperr.Conflict, apperr.Invalid},
		again: func(status int, err error) error { return s.rotationPage(c, status, id, &rotationAttempt{err: err}) }})
}
