package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/letter"
	"portal/internal/rotation"
)

type rotationShowView struct {
	Page
	ID                      int64
	Ref, Stage, StageClass  string
	Turn                    string
	Error                   string // why the last action was refused
	Tracker                 []rotationStep
	Applicant               string // for the staff
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
	Letters                 []rotationLink
	Events                  []rotationEventRow
	IsApplicant, IsReviewer bool
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
	}
	msg := func(field string) string {
		if m, ok := fields[field]; ok {
			return v.T(m.Key, m.Args...)
		}
		return ""
	}
	v.CanAccept = d.Has(rotation.Accept)
	for _, ch := range d.Choices {
		v.Choices = append(v.Choices, rotationChoiceRow{Rank: ch.Rank, Department: rotationDeptName(v.Lang, ch.NameEN, ch.NameZH),
			Dates:    v.T("rotation.dates", ch.StartsOn.Format(time.DateOnly), ch.EndsOn.Format(time.DateOnly), ch.Weeks),
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
	if v.IsApplicant && (d.Status == rotation.Draft || d.Status == rotation.Returned) {
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
	}
	v.CanSubmit = d.Has(rotation.Submit) || d.Has(rotation.Resubmit)
	v.CanWithdraw = d.Has(rotation.Withdraw)
	v.CanConfirm = d.Has(rotation.Confirm)
	for _, a := range []rotation.Action{rotation.StartReview, rotation.Forward, rotation.Waitlist, rotation.Complete, rotation.Return, rotation.Reject} {
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
	if ob := d.Onboarding; ob != nil {
		o := &rotationOnboardingView{Editable: v.IsApplicant && d.Status == rotation.Accepted,
			ArriveFrom: ob.ArriveFrom.Format(time.DateOnly), ArriveUntil: ob.StartsOn.Format(time.DateOnly)}
		o.ArrivalHint = v.T("rotation.onboarding.arrival.hint", o.ArriveFrom, o.ArriveUntil)
		for _, it := range ob.Items {
			o.Items = append(o.Items, rotationItem{Label: v.T("rotation.onboarding." + it.Name), Text: v.T(it.Key, it.Args...), Done: it.Done})
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
			rq := rotationQuestion{Name: q.name, Label: v.T("rotation.onboarding.question." + q.name), Error: msg(q.name)}
			for _, opt := range []string{"yes", "no"} {
				rq.Options = append(rq.Options, rotationOption{Value: opt, Label: v.T("rotation." + opt), Selected: q.value == opt})
			}
			o.Questions = append(o.Questions, rq)
		}
		v.Onboarding = o
	}
	if s.Letters != nil {
		switch d.Status {
		case rotation.Completed:
			v.Letters = append(v.Letters, rotationLink{v.T("rotation.letter.completion"), rotation.Link(d.ID) + "/letters/completion"})
			fallthrough
		case rotation.Accepted, rotation.Confirmed:
			v.Letters = append([]rotationLink{{v.T("rotation.letter.acceptance"), rotation.Link(d.ID) + "/letters/acceptance"}}, v.Letters...)
		}
	}
	for _, e := range d.Events {
		row := rotationEventRow{When: e.At.UTC().Format("2006-01-02 15:04"), Who: e.ActorName,
			What: v.T("rotation.event." + string(e.Action)), Comment: e.Comment}
		if e.Choice > 0 {
			row.What += " · " + v.T("rotation.form.choice", e.Choice)
		}
		v.Events = append(v.Events, row)
	}
	return s.render.render(c, status, "rotation", v)
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

// rotationRefused re-renders the request with the refusal of an action,
// or passes an error that is no refusal on to the error page.
func (s *Server) rotationRefused(c echo.Context, id int64, err error, at *rotationAttempt) error {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.Forbidden:
		if at == nil {
			at = &rotationAttempt{}
		}
		at.err = err
		status := statusOf[apperr.CodeOf(err)]
		return s.rotationPage(c, status, id, at)
	}
	return err
}

func (s *Server) rotationDone(c echo.Context, id int64, flash string) error {
	s.setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, rotation.Link(id))
}

func rotationVersion(c echo.Context) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

// rotationSave saves the applicant's changes to a draft or returned request.
func (s *Server) rotationSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	in := rotationInput(form)
	_, err = s.Rotations.SaveDraft(c.Request().Context(), visitorOf(c).User, id, in)
	if err != nil {
		return s.rotationRefused(c, id, err, &rotationAttempt{draft: &in})
	}
	return s.rotationDone(c, id, "rotation_saved")
}

func (s *Server) rotationSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Rotations.Submit(c.Request().Context(), visitorOf(c).User, id, rotation.SubmitInput{Version: rotationVersion(c), Key: c.FormValue("key")})
	if err != nil {
		return s.rotationRefused(c, id, err, nil)
	}
	return s.rotationDone(c, id, "rotation_submitted")
}

func (s *Server) rotationWithdraw(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Rotations.Withdraw(c.Request().Context(), visitorOf(c).User, id, rotationVersion(c)); err != nil {
		return s.rotationRefused(c, id, err, nil)
	}
	return s.rotationDone(c, id, "rotation_withdrawn")
}

// rotationReview runs a coordinator's or the office's action named by the
// button pressed.
func (s *Server) rotationReview(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.ReviewInput{Version: rotationVersion(c), Comment: c.FormValue("comment")}
	ctx, u := c.Request().Context(), visitorOf(c).User
	ops := map[string]func() (*rotation.Request, error){
		string(rotation.StartReview): func() (*rotation.Request, error) { return s.Rotations.StartReview(ctx, u, id, in) },
		string(rotation.Forward):     func() (*rotation.Request, error) { return s.Rotations.Forward(ctx, u, id, in) },
		string(rotation.Return):      func() (*rotation.Request, error) { return s.Rotations.ReturnForChanges(ctx, u, id, in) },
		string(rotation.Reject):      func() (*rotation.Request, error) { return s.Rotations.Reject(ctx, u, id, in) },
		string(rotation.Waitlist):    func() (*rotation.Request, error) { return s.Rotations.Waitlist(ctx, u, id, in) },
		string(rotation.Complete):    func() (*rotation.Request, error) { return s.Rotations.Complete(ctx, u, id, in) },
	}
	action := c.FormValue("action")
	op, ok := ops[action]
	if !ok {
		// Who may not see the request must not learn it exists.
		if _, err := s.Rotations.Get(ctx, u, id); err != nil {
			return err
		}
		return s.rotationRefused(c, id, apperr.New(apperr.Invalid, "rotation.err.unknown"), nil)
	}
	if _, err := op(); err != nil {
		return s.rotationRefused(c, id, err, &rotationAttempt{comment: in.Comment})
	}
	return s.rotationDone(c, id, "rotation_"+action)
}

func (s *Server) rotationAccept(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rank, _ := strconv.Atoi(c.FormValue("rank"))
	in := rotation.AcceptInput{Version: rotationVersion(c), Rank: rank, Comment: c.FormValue("comment")}
	if _, err := s.Rotations.Accept(c.Request().Context(), visitorOf(c).User, id, in); err != nil {
		return s.rotationRefused(c, id, err, &rotationAttempt{comment: in.Comment})
	}
	return s.rotationDone(c, id, "rotation_accept")
}

func (s *Server) rotationOnboarding(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.OnboardingInput{Version: rotationVersion(c), ArrivalOn: c.FormValue("arrival_on"),
		VisaLetter: c.FormValue("visa_letter"), Housing: c.FormValue("housing")}
	if _, err := s.Rotations.SaveOnboarding(c.Request().Context(), visitorOf(c).User, id, in); err != nil {
		return s.rotationRefused(c, id, err, &rotationAttempt{onboarding: &in})
	}
	return s.rotationDone(c, id, "rotation_onboarding")
}

func (s *Server) rotationConfirm(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Rotations.Confirm(c.Request().Context(), visitorOf(c).User, id, rotationVersion(c)); err != nil {
		return s.rotationRefused(c, id, err, nil)
	}
	return s.rotationDone(c, id, "rotation_confirm")
}

// rotationLetter issues a letter of the request as a PDF: the acceptance
// letter once accepted, the certificate of completion once completed. The
// names are the applicant's profile's (their account's name without one).
func (s *Server) rotationLetter(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d, err := s.Rotations.Get(ctx, visitorOf(c).User, id)
	if err != nil {
		return err
	}
	kind := letter.Kind(c.Param("kind"))
	ok := (kind == letter.KindAcceptance && (d.Status == rotation.Accepted || d.Status == rotation.Confirmed || d.Status == rotation.Completed)) ||
		(kind == letter.KindCompletion && d.Status == rotation.Completed)
	ch := d.Accepted()
	if !ok || ch == nil || s.Letters == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	subj := letter.Subject{RequestID: d.ID, HolderID: d.ApplicantID, NameLatin: d.ApplicantName,
		DepartmentEN: ch.NameEN, DepartmentZH: ch.NameZH, StartsOn: ch.StartsOn, EndsOn: ch.EndsOn}
	if s.Incoming != nil {
		if p, err := s.Incoming.Get(ctx, d.ApplicantID); err == nil {
			subj.NameLatin, subj.NameNative, subj.HomeInstitution = p.NameLatin, p.NameNative, p.HomeInstitutionName
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
	}
	l, pdf, err := s.Letters.Issue(ctx, kind, subj, langOf(c))
	if err != nil {
		return err
	}
	return sendLetter(c, l, pdf)
}
