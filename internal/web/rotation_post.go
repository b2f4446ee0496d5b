package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/rotation"
	"portal/internal/user"
)

// The actions on an incoming request, one handler and one route each
// (routes.go), all ending in rotationAct: the request's page with a flash,
// or the page again with the refusal.

// rotationAct ends an action on request id: the request's page with a
// flash when done; the page again with the refusal and what was sent
// (at) when refused.
func (s *Server) rotationAct(c echo.Context, id int64, err error, flash string, at *rotationAttempt) error {
	return s.finish(c, err, outcome{flash: flash, to: rotation.Link(id),
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict, apperr.Forbidden},
		again: func(status int, err error) error {
			if at == nil {
				at = &rotationAttempt{}
			}
			at.err = err
			return s.rotationPage(c, status, id, at)
		}})
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
	return s.rotationAct(c, id, err, "rotation_saved", &rotationAttempt{draft: &in})
}

func (s *Server) rotationSubmit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Rotations.Submit(c.Request().Context(), visitorOf(c).User, id, rotation.SubmitInput{Version: rotationVersion(c), Key: c.FormValue("key")})
	return s.rotationAct(c, id, err, "rotation_submitted", nil)
}

func (s *Server) rotationWithdraw(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Rotations.Withdraw(c.Request().Context(), visitorOf(c).User, id, rotationVersion(c))
	return s.rotationAct(c, id, err, "rotation_withdrawn", nil)
}

// rotationReviewStep runs a coordinator's or the office's step a with
// its comment.
func (s *Server) rotationReviewStep(c echo.Context, a rotation.Action, step func(context.Context, *user.User, int64, rotation.ReviewInput) (*rotation.Request, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.ReviewInput{Version: rotationVersion(c), Comment: c.FormValue("comment")}
	_, err = step(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationAct(c, id, err, "rotation_"+string(a), &rotationAttempt{comment: in.Comment})
}

func (s *Server) rotationStartReview(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.StartReview, s.Rotations.StartReview)
}

func (s *Server) rotationForward(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.Forward, s.Rotations.Forward)
}

func (s *Server) rotationWaitlist(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.Waitlist, s.Rotations.Waitlist)
}

func (s *Server) rotationComplete(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.Complete, s.Rotations.Complete)
}

func (s *Server) rotationReturn(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.Return, s.Rotations.ReturnForChanges)
}

func (s *Server) rotationReject(c echo.Context) error {
	return s.rotationReviewStep(c, rotation.Reject, s.Rotations.Reject)
}

// rotationReviewNamed keeps the review form's older address, which names
// the step in its action field: it sends the same POST on to the step's
// own route (307 keeps the method and the body).
func (s *Server) rotationReviewNamed(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a := rotation.Action(c.FormValue("action"))
	if !slices.Contains(rotationReviewSteps, a) {
		// Who may not see the request must not learn it exists.
		if _, err := s.Rotations.Get(c.Request().Context(), visitorOf(c).User, id); err != nil {
			return err
		}
		return s.rotationAct(c, id, apperr.New(apperr.Invalid, "rotation.err.unknown"), "", nil)
	}
	return c.Redirect(http.StatusTemporaryRedirect, rotation.Link(id)+"/"+string(a))
}

func (s *Server) rotationAccept(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rank, _ := strconv.Atoi(c.FormValue("rank"))
	in := rotation.AcceptInput{Version: rotationVersion(c), Rank: rank, Comment: c.FormValue("comment")}
	_, err = s.Rotations.Accept(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationAct(c, id, err, "rotation_accept", &rotationAttempt{comment: in.Comment})
}

func (s *Server) rotationOnboarding(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := rotation.OnboardingInput{Version: rotationVersion(c), ArrivalOn: c.FormValue("arrival_on"),
		VisaLetter: c.FormValue("visa_letter"), Housing: c.FormValue("housing")}
	_, err = s.Rotations.SaveOnboarding(c.Request().Context(), visitorOf(c).User, id, in)
	return s.rotationAct(c, id, err, "rotation_onboarding", &rotationAttempt{onboarding: &in})
}

func (s *Server) rotationConfirm(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Rotations.Confirm(c.Request().Context(), visitorOf(c).User, id, rotationVersion(c))
	return s.rotationAct(c, id, err, "rotation_confirm", nil)
}
