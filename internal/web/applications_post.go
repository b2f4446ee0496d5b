package web

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/user"
)

// One handler per action on an outgoing application, each its own route
// (routes.go). Each reads only its own fields: a forged stage, applicant
// or reviewer field in the form is never read. Bad input re-renders the
// page with what was typed (422); a stale version shows the fresh page
// with what changed (409); anything not the reader's is not found.

// applicationAct is what every action shares: the id, the form, the
// service call run, and the outcome. flash names the success message;
// run may refine it (a host's decision says which).
func (s *Server) applicationAct(c echo.Context, action string, run func(ctx context.Context, u *user.User, id int64, f applicationFields) (flash string, err error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "error.bad_request")
	}
	flash, err := run(c.Request().Context(), visitorOf(c).User, id, applicationFields{form})
	to := application.Link(id)
	if action == "attach" || action == "detach" {
		to += "#documents"
	}
	if queue := reviewQueueOf(form.Get("queue")); queue != "" {
		to = reviewNextPath(id, queue, false) // on along the reviewer's queue (review_next.go)
	}
	return s.finish(c, err, outcome{flash: "application_" + flash, to: to,
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error {
			return s.applicationPage(c, status, id, &applicationAttempt{action: action, form: form, err: err})
		}})
}

// applicationFields reads the fields the actions share.
type applicationFields struct{ url.Values }

func (f applicationFields) version() int {
	v, _ := strconv.Atoi(f.Get("version"))
	return v
}

func (f applicationFields) document() int64 {
	id, _ := strconv.ParseInt(f.Get("document"), 10, 64)
	return id
}

// draft reads the draft form: the choices and the statement. ok is false
// when the request does not carry the form (a bare submit, attach or detach
// from a page without it), and then nothing is saved before the action.
func (f applicationFields) draft() (in application.DraftInput, ok bool) {
	_, ok = f.Values["statement"]
	in = application.DraftInput{Version: f.version(), Statement: f.Get("statement")}
	for i := range application.MaxChoices {
		name := fmt.Sprintf("choice_%d", i+1)
		ok = ok || f.Has(name)
		in.Choices = append(in.Choices, applicationChoiceInput(f.Get(name)))
	}
	return in, ok
}

func (f applicationFields) review() application.ReviewInput {
	return application.ReviewInput{Version: f.version(), Comment: f.Get("comment"), Internal: f.Get("internal") == "1",
		TakeOver: f.Get("takeover") == "1"} // someone else holds it (review_claim.go)
}

func (f applicationFields) answer() application.AnswerInput {
	return application.AnswerInput{Version: f.version(), Comment: f.Get("comment")}
}

// applicationReviewStep runs a reviewer's or the office's step that takes a comment.
func (s *Server) applicationReviewStep(c echo.Context, action string, step func(context.Context, *user.User, int64, application.ReviewInput) (*application.Application, error)) error {
	return s.applicationAct(c, action, func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		_, err := step(ctx, u, id, f.review())
		return action, err
	})
}

// applicationAnswer runs the student's answer to an offer, report or withdrawal.
func (s *Server) applicationAnswer(c echo.Context, action string, step func(context.Context, *user.User, int64, application.AnswerInput) (*application.Application, error)) error {
	return s.applicationAct(c, action, func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		_, err := step(ctx, u, id, f.answer())
		return action, err
	})
}

func (s *Server) applicationSave(c echo.Context) error {
	return s.applicationAct(c, "save", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		in, _ := f.draft()
		_, err := s.Applications.SaveDraft(ctx, u, id, in)
		return "save", err
	})
}

func (s *Server) applicationAttach(c echo.Context) error {
	return s.applicationAct(c, "attach", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		if in, ok := f.draft(); ok {
			return "attach", s.Applications.AttachWithDraft(ctx, u, id, in, f.document())
		}
		return "attach", s.Applications.AttachDocument(ctx, u, id, f.document())
	})
}

func (s *Server) applicationDetach(c echo.Context) error {
	return s.applicationAct(c, "detach", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		if in, ok := f.draft(); ok {
			return "detach", s.Applications.DetachWithDraft(ctx, u, id, in, f.document())
		}
		return "detach", s.Applications.DetachDocument(ctx, u, id, f.document())
	})
}

func (s *Server) applicationSubmit(c echo.Context) error {
	return s.applicationAct(c, "submit", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		// Submit pressed on the draft form saves what was typed first.
		if in, ok := f.draft(); ok {
			_, err := s.Applications.SubmitDraft(ctx, u, id, in, f.Get("key"))
			return "submit", err
		}
		_, err := s.Applications.Submit(ctx, u, id, application.SubmitInput{Version: f.version(), Key: f.Get("key")})
		return "submit", err
	})
}

func (s *Server) applicationStartReview(c echo.Context) error {
	return s.applicationReviewStep(c, "start_review", s.Applications.StartReview)
}

func (s *Server) applicationApprove(c echo.Context) error {
	return s.applicationReviewStep(c, "approve", s.Applications.Approve)
}

func (s *Server) applicationReturn(c echo.Context) error {
	return s.applicationReviewStep(c, "return", s.Applications.ReturnForChanges)
}

func (s *Server) applicationReject(c echo.Context) error {
	return s.applicationReviewStep(c, "reject", s.Applications.Reject)
}

func (s *Server) applicationNominate(c echo.Context) error {
	return s.applicationReviewStep(c, "nominate", s.Applications.Nominate)
}

func (s *Server) applicationPromote(c echo.Context) error {
	return s.applicationReviewStep(c, "promote", s.Applications.PromoteFromWaitlist)
}

// applicationHostDecision records the host's answer; the flash says which
// (application_host_decision_accept, ..._reject, ...).
func (s *Server) applicationHostDecision(c echo.Context) error {
	return s.applicationAct(c, "host_decision", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		rank, _ := strconv.Atoi(f.Get("rank"))
		r := f.review()
		_, err := s.Applications.RecordHostDecision(ctx, u, id, application.HostDecisionInput{
			Version: r.Version, Rank: rank, Decision: f.Get("decision"), Comment: r.Comment, Internal: r.Internal, TakeOver: r.TakeOver})
		return "host_decision_" + f.Get("decision"), err
	})
}

func (s *Server) applicationAcceptOffer(c echo.Context) error {
	return s.applicationAnswer(c, "accept_offer", s.Applications.AcceptOffer)
}

func (s *Server) applicationDeclineOffer(c echo.Context) error {
	return s.applicationAnswer(c, "decline_offer", s.Applications.DeclineOffer)
}

func (s *Server) applicationWithdraw(c echo.Context) error {
	return s.applicationAnswer(c, "withdraw", s.Applications.Withdraw)
}

func (s *Server) applicationNote(c echo.Context) error {
	return s.applicationAct(c, "note", func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		r := f.review()
		_, err := s.Applications.AddNote(ctx, u, id, application.NoteInput{Comment: r.Comment, Internal: r.Internal})
		return "note", err
	})
}

// applicationChoiceInput reads a choice select's "elective:period"; an
// empty one is an empty slot, anything unreadable a choice that exists
// nowhere (and is refused as such).
func applicationChoiceInput(v string) application.ChoiceInput {
	if v == "" {
		return application.ChoiceInput{}
	}
	e, p, ok := strings.Cut(v, ":")
	ei, err1 := strconv.ParseInt(e, 10, 64)
	pi, err2 := strconv.ParseInt(p, 10, 64)
	if !ok || err1 != nil || err2 != nil || ei <= 0 || pi <= 0 {
		return application.ChoiceInput{ElectiveID: -1, PeriodID: -1}
	}
	return application.ChoiceInput{ElectiveID: ei, PeriodID: pi}
}
