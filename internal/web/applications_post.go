package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
)

// applicationPost runs one action on an application. Each action reads
// only its own fields: a forged stage, applicant or reviewer field in the
// form is never read. Bad input re-renders the page with what was typed
// (422); a stale version shows the fresh page with what changed (409);
// anything not the reader's is not found.
func (s *Server) applicationPost(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := visitorOf(c).User
	action := c.Param("action")
	form, err := c.FormParams()
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "error.bad_request")
	}
	version, _ := strconv.Atoi(form.Get("version"))
	comment := form.Get("comment")
	internal := form.Get("internal") == "1"
	review := application.ReviewInput{Version: version, Comment: comment, Internal: internal}
	answer := application.AnswerInput{Version: version, Comment: comment}
	docID, _ := strconv.ParseInt(form.Get("document"), 10, 64)
	svc := s.Applications
	switch action {
	case "save":
		in := application.DraftInput{Version: version, Statement: form.Get("statement")}
		for i := range application.MaxChoices {
			in.Choices = append(in.Choices, applicationChoiceInput(form.Get(fmt.Sprintf("choice_%d", i+1))))
		}
		_, err = svc.SaveDraft(ctx, u, id, in)
	case "attach":
		err = svc.AttachDocument(ctx, u, id, docID)
	case "detach":
		err = svc.DetachDocument(ctx, u, id, docID)
	case "submit":
		_, err = svc.Submit(ctx, u, id, application.SubmitInput{Version: version, Key: form.Get("key")})
	case "start_review":
		_, err = svc.StartReview(ctx, u, id, review)
	case "approve":
		_, err = svc.Approve(ctx, u, id, review)
	case "return":
		_, err = svc.ReturnForChanges(ctx, u, id, review)
	case "reject":
		_, err = svc.Reject(ctx, u, id, review)
	case "nominate":
		_, err = svc.Nominate(ctx, u, id, review)
	case "promote":
		_, err = svc.PromoteFromWaitlist(ctx, u, id, review)
	case "host_decision":
		rank, _ := strconv.Atoi(form.Get("rank"))
		_, err = svc.RecordHostDecision(ctx, u, id, application.HostDecisionInput{
			Version: version, Rank: rank, Decision: form.Get("decision"), Comment: comment, Internal: internal})
		if err == nil {
			action += "_" + form.Get("decision")
		}
	case "accept_offer":
		_, err = svc.AcceptOffer(ctx, u, id, answer)
	case "decline_offer":
		_, err = svc.DeclineOffer(ctx, u, id, answer)
	case "file_report":
		_, err = svc.FileReport(ctx, u, id, answer)
	case "withdraw":
		_, err = svc.Withdraw(ctx, u, id, answer)
	case "note":
		_, err = svc.AddNote(ctx, u, id, application.NoteInput{Comment: comment, Internal: internal})
	default:
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	if err == nil {
		s.setFlash(c, "application_"+action)
		to := application.Link(id)
		if action == "attach" || action == "detach" {
			to += "#documents"
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		return s.applicationPage(c, http.StatusUnprocessableEntity, id, &applicationAttempt{action: action, form: form, err: err})
	case apperr.Conflict:
		return s.applicationPage(c, http.StatusConflict, id, &applicationAttempt{action: action, form: form, err: err})
	}
	return err
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
