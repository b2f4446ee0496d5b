package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/rotation"
)

type rotationShowView struct {
	Page
	ID                      int64
	Ref, Stage, StageClass  string
	Turn                    string
	Error                   string // why the last action was refused
	Problems                []rotationProblem
	Tracker                 []rotationStep
	Applicant               string // for the staff
	FromPartner             string // "from the partner portal of ..." for the staff (p2p.go)
	Version                 int
	Statement               string
	Choices                 []rotationChoiceRow
	Docs                    []rotationDocRow
	Missing                 []string
	Form                    *rotationFormView
	SubmitKey               string
	CanSubmit, CanWithdraw  bool
	Review                  []rotationButton
	Comment, CommentError   string
	CanAccept               bool
	Onboarding              *rotationOnboardingView
	CanConfirm              bool
	Letters                 []letterItem
	Events                  []rotationEventRow
	IsApplicant, IsReviewer bool
	Mentor                  *mentorBoxView // mentors.go
	Close                   string         // the close's page (rotation_close.go)
}

type rotationStep struct {
	Label, State string // done, current, todo
}

type rotationChoiceRow struct {
	Rank                 int
	Department, Dates    string
	Accepted, CanAccept  bool
	DepartmentAcceptNote string
}

type rotationDocRow struct {
	Label, Link string
	Deleted     bool
}

type rotationButton struct {
	Action, Label, Class string
}

type rotationLink struct {
	Label, Href string
}

type rotationEventRow struct {
	When, Who, What, Comment string
	Datetime                 string // When for machines (RFC 3339), the <time> element's datetime
}

type rotationOnboardingView struct {
	Items                   []rotationItem
	Editable                bool
	Arrival, Visa, Housing  string
	ArrivalError            string
	ArriveFrom, ArriveUntil string
	ArrivalHint             string
	Questions               []rotationQuestion
}

// rotationQuestion is a yes/no question of the onboarding form.
type rotationQuestion struct {
	Name, Label, Error string
	Options            []rotationOption
}

type rotationItem struct {
	Label, Text string
	Done        bool
}

// rotationAttempt is what a refused action sent, to show again.
type rotationAttempt struct {
	err        error
	draft      *rotation.DraftInput
	comment    string
	onboarding *rotation.OnboardingInput
}

// rotationReviewSteps are the review form's buttons, in their order; each
// posts to its own route (routes.go).
var rotationReviewSteps = []rotation.Action{rotation.StartReview, rotation.Forward, rotation.Waitlist,
	rotation.Complete, rotation.Return, rotation.Reject}

// rotationTrack is where each stage stands on the tracker.
var rotationTrack = []rotation.Stage{rotation.Submitted, rotation.DepartmentReview, rotation.OfficeReview,
	rotation.Accepted, rotation.Confirmed, rotation.Completed}

func rotationTracker(p Page, st rotation.Stage) []rotationStep {
	pos := map[rotation.Stage]int{rotation.Draft: -1, rotation.Returned: 0, rotation.Submitted: 0, rotation.DepartmentReview: 1,
		rotation.OfficeReview: 2, rotation.Waitlisted: 2, rotation.Accepted: 3, rotation.Confirmed: 4, rotation.Completed: 5}
	at, ok := pos[st]
	if !ok {
		return nil // rejected or withdrawn: the stage says it all
	}
	out := make([]rotationStep, len(rotationTrack))
	for i, s := range rotationTrack {
		out[i] = rotationStep{Label: p.T("rotation.stage." + string(s)), State: "todo"}
		switch {
		case i < at || (i == at && st == rotation.Completed):
			out[i].State = "done"
		case i == at:
			out[i].State = "current"
			if st != s {
				out[i].Label = p.T("rotation.stage." + string(st))
			}
		}
	}
	return out
}

func (s *Server) rotationShow(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var at *rotationAttempt
	if q := c.QueryParams(); q.Has("choice_1_department") {
		// The no-JavaScript "show weeks" of the edit form comes back here.
		in := rotationInput(q)
		at = &rotationAttempt{draft: &in}
	}
	return s.rotationPage(c, http.StatusOK, id, at)
}

// rotationPage renders request id for the visitor, with what a refused
// action sent.
func (s *Server) rotationPage(c echo.Context, status int, id int64, at *rotationAttempt) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	d, err := s.Rotations.Get(ctx, u, id)
	if err != nil {
		return err
	}
	v := rotationShowView{Page: s.page(c, "rotation.show.title"), ID: d.ID, Ref: rotation.Ref(d.ID),
		Stage: "", StageClass: string(d.Status), Version: d.Version, Statement: d.Statement,
		IsApplicant: d.Is(rotation.Applicant), IsReviewer: d.Is(rotation.Coordinator) || d.Is(rotation.Office)}
	v.Title = v.T("rotation.show.title", v.Ref)
	v.Stage = v.T("rotation.stage." + string(d.Status))
	if d.Turn != "" {
		v.Turn = v.T("rotation.turn." + string(d.Turn))
	}
	v.Tracker = rotationTracker(v.Page, d.Status)
	if v.IsReviewer {
		v.Applicant = d.ApplicantName
		if d.ApplicantEmail != "" {
			v.Applicant += " · " + d.ApplicantEmail
		}
	}
	fields := apperr.Fields{}
	if at != nil && at.err != nil {
		v.Error = v.T(rotationErrKey(at.err), rotationErrArgs(at.err)...)
		fields = apperr.FieldsOf(at.err)
		v.Problems = rotationProblems(v.Page, at.err)
	}
	msg := func(field string) string {
		if m, ok := fields[field]; ok {
			return v.T(m.Key, m.Args...)
		}
		return ""
	}
	v.request(d)
	if err := s.p2pOrigin(c, &v); err != nil { // p2p.go
		return err
	}
	if v.IsApplicant && (d.Status == rotation.Draft || d.Status == rotation.Returned) {
		if err := s.rotationEdit(c, &v, d, at); err != nil {
			return err
		}
	}
	v.actions(d, at, msg)
	if d.Onboarding != nil {
		v.Onboarding = rotationOnboardingOf(v.Page, d, at, msg, v.IsApplicant)
	}
	if s.Letters != nil {
		if v.Letters, err = s.rotationLetters(c, v.Page, d, v.IsApplicant); err != nil {
			return err
		}
	}
	if v.Mentor, err = s.mentorBox(c, v.Page, d); err != nil { // mentors.go
		return err
	}
	if d.Status == rotation.Confirmed || d.Status == rotation.Completed {
		v.Close = rotation.CloseLink(d.ID) // rotation_close.go
	}
	v.events(d)
	return s.render.render(c, status, pageRotation, v)
}

// The sections of a request's page, in the page's order.

// request is what was asked: the choices, the documents, what is missing.
func (v *rotationShowView) request(d *rotation.Detail) {
	v.CanAccept = d.Has(rotation.Accept)
	for _, ch := range d.Choices {
		v.Choices = append(v.Choices, rotationChoiceRow{Rank: ch.Rank, Department: rotationDeptName(v.Lang, ch.NameEN, ch.NameZH),
			Dates:    v.T("rotation.dates", v.Day(ch.StartsOn), v.Day(ch.EndsOn), ch.Weeks),
			Accepted: ch.Rank == d.AcceptedChoice && d.AcceptedChoice > 0, CanAccept: v.CanAccept})
	}
	for _, doc := range d.Documents {
		row := rotationDocRow{Label: v.T("doc."+doc.Type) + " · " + doc.FileName, Deleted: doc.Deleted}
		if !doc.Deleted {
			row.Link = "/documents/" + strconv.FormatInt(doc.ID, 10) + "/download"
		}
		v.Docs = append(v.Docs, row)
	}
	for _, t := range d.Missing {
		v.Missing = append(v.Missing, v.T("doc."+t))
	}
}

// rotationEdit is the applicant's form on a draft or returned request:
// as saved, or as last sent when refused.
func (s *Server) rotationEdit(c echo.Context, v *rotationShowView, d *rotation.Detail, at *rotationAttempt) error {
	in := rotation.DraftInput{Version: d.Version, Statement: d.Statement}
	for _, ch := range d.Choices {
		in.Choices = append(in.Choices, rotation.ChoiceInput{DepartmentID: ch.DepartmentID,
			StartsOn: ch.StartsOn.Format(time.DateOnly), Weeks: strconv.Itoa(ch.Weeks)})
	}
	for _, doc := range d.Documents {
		in.Documents = append(in.Documents, doc.ID)
	}
	var ferr error
	if at != nil && at.draft != nil {
		in, ferr = *at.draft, at.err
		in.Version = d.Version
	}
	f, err := s.rotationForm(c, v.Page, in, ferr)
	if err != nil {
		return err
	}
	f.Action, f.Back, f.Save = rotation.Link(d.ID), rotation.Link(d.ID), v.T("rotation.form.save_changes")
	v.Form = &f
	v.SubmitKey = rotationFormKey()
	return nil
}

// actions are the buttons the reader may press now, and the review form's
// comment as last sent.
func (v *rotationShowView) actions(d *rotation.Detail, at *rotationAttempt, msg func(string) string) {
	v.CanSubmit = d.Has(rotation.Submit) || d.Has(rotation.Resubmit)
	v.CanWithdraw = d.Has(rotation.Withdraw)
	v.CanConfirm = d.Has(rotation.Confirm)
	for _, a := range rotationReviewSteps {
		if d.Has(a) {
			class := ""
			if a == rotation.Reject {
				class = "danger"
			}
			v.Review = append(v.Review, rotationButton{Action: string(a), Label: v.T("rotation.action." + string(a)), Class: class})
		}
	}
	if at != nil {
		v.Comment = at.comment
	}
	v.CommentError = msg("comment")
}

// rotationOnboardingOf is the checklist after acceptance, and the
// applicant's arrival form while it can change.
func rotationOnboardingOf(p Page, d *rotation.Detail, at *rotationAttempt, msg func(string) string, applicant bool) *rotationOnboardingView {
	ob := d.Onboarding
	o := &rotationOnboardingView{Editable: applicant && d.Status == rotation.Accepted,
		ArriveFrom: ob.ArriveFrom.Format(time.DateOnly), ArriveUntil: ob.StartsOn.Format(time.DateOnly)}
	o.ArrivalHint = p.T("rotation.onboarding.arrival.hint", o.ArriveFrom, o.ArriveUntil)
	for _, it := range ob.Items {
		o.Items = append(o.Items, rotationItem{Label: p.T("rotation.onboarding." + it.Name), Text: p.T(it.Key, it.Args...), Done: it.Done})
	}
	if ob.ArrivalOn != nil {
		o.Arrival = ob.ArrivalOn.UTC().Format(time.DateOnly)
	}
	o.Visa, o.Housing = rotationYesNo(ob.VisaLetter), rotationYesNo(ob.Housing)
	if at != nil && at.onboarding != nil {
		o.Arrival, o.Visa, o.Housing = at.onboarding.ArrivalOn, at.onboarding.VisaLetter, at.onboarding.Housing
	}
	o.ArrivalError = msg("arrival_on")
	for _, q := range []struct{ name, value string }{{"visa_letter", o.Visa}, {"housing", o.Housing}} {
		rq := rotationQuestion{Name: q.name, Label: p.T("rotation.onboarding.question." + q.name), Error: msg(q.name)}
		for _, opt := range []string{"yes", "no"} {
			rq.Options = append(rq.Options, rotationOption{Value: opt, Label: p.T("rotation." + opt), Selected: q.value == opt})
		}
		o.Questions = append(o.Questions, rq)
	}
	return o
}

// events is the request's history, oldest first.
func (v *rotationShowView) events(d *rotation.Detail) {
	for _, e := range d.Events {
		row := rotationEventRow{When: v.When(e.At), Datetime: e.At.UTC().Format(time.RFC3339), Who: e.ActorName,
			What: v.T("rotation.event." + string(e.Action)), Comment: e.Comment}
		if e.Choice > 0 {
			row.What += " · " + v.T("rotation.form.choice", e.Choice)
		}
		v.Events = append(v.Events, row)
	}
}

func rotationYesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

// errArgs are the message arguments of a coded error.
func rotationErrArgs(err error) []any {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Args
	}
	return nil
}
