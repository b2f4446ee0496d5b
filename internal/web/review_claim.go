package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/user"
)

// Claiming and assigning (application/claim.go): a reviewer takes an
// application waiting for them ("I'll take it") or lets it go; the office,
// or whoever may take it, gives it to a named person whose turn it is. The
// application page shows who holds it, with the buttons its reader may
// use; the queue shows the holder on every row (review_view.go).

// reviewClaimView is the application page's "who has it" box.
type reviewClaimView struct {
	Heading string
	Status  string // who holds it, or that nobody does
	// Since is when the holder took it, for the <time> element.
	Since, Datetime string
	CSRF, Queue     string
	Holder          int64 // the holder shown, sent back so that a moved claim is refused
	Claim, Release  *reviewClaimButton
	Assign          *reviewAssignForm
}

type reviewClaimButton struct {
	Path, Label string
}

// reviewAssignForm is the choice of whom to give the application to.
type reviewAssignForm struct {
	Path, Label, Button, Error string
	Options                    []option
}

// reviewClaimOf fills the application page's claim box for a reviewer
// or the office; at is the refused request, if it was one of these.
func (s *Server) reviewClaimOf(ctx context.Context, v *applicationView, u *user.User, at *applicationAttempt, fields apperr.Fields) error {
	if !v.IsReviewer {
		return nil
	}
	st, err := s.Applications.ClaimOf(ctx, u, v.ID)
	if err != nil || !st.Open {
		return err
	}
	p := v.Page
	base := "/review/" + strconv.FormatInt(v.ID, 10) + "/"
	cv := &reviewClaimView{Heading: p.T("claim.title"), CSRF: p.CSRF, Status: p.T("claim.nobody")}
	if h := st.Holder; h != nil {
		cv.Holder = h.UserID
		cv.Since, cv.Datetime = p.When(h.Since), h.Since.UTC().Format(time.RFC3339)
		switch {
		case st.Mine && h.AssignedBy != "":
			cv.Status = p.T("claim.yours_assigned", h.AssignedBy)
		case st.Mine:
			cv.Status = p.T("claim.yours")
		case h.AssignedBy != "":
			cv.Status = p.T("claim.held_assigned", h.Name, h.AssignedBy)
		default:
			cv.Status = p.T("claim.held", h.Name)
		}
	}
	if st.CanClaim {
		cv.Claim = &reviewClaimButton{Path: base + "claim", Label: p.T("claim.take")}
	}
	if st.CanRelease {
		label := p.T("claim.release")
		if !st.Mine {
			label = p.T("claim.release_other", st.Holder.Name)
		}
		cv.Release = &reviewClaimButton{Path: base + "release", Label: label}
	}
	if st.CanAssign && len(st.Assignees) > 0 {
		a := &reviewAssignForm{Path: base + "assign", Label: p.T("claim.assign_to"), Button: p.T("claim.assign")}
		chosen := ""
		if at != nil && at.action == "assign" {
			chosen = at.form.Get("assignee")
			if m, ok := fields["assignee"]; ok {
				a.Error = p.T(m.Key, m.Args...)
			}
		}
		a.Options = append(a.Options, option{Value: "", Label: p.T("claim.assign_choose")})
		for _, who := range st.Assignees {
			id := strconv.FormatInt(who.ID, 10)
			a.Options = append(a.Options, option{Value: id, Label: who.Name, Selected: id == chosen})
		}
		cv.Assign = a
	}
	if v.Queue != nil {
		cv.Queue = v.Queue.Back
	}
	v.Claim = cv
	// Deciding on what someone else holds asks to take it over: a box in
	// each decision form, ticked knowingly (application.ReviewInput.TakeOver).
	if st.Holder != nil && !st.Mine {
		for i := range v.Forms {
			f := &v.Forms[i]
			if f.Join != "" {
				continue
			}
			f.TakeOver = &field{ID: f.Action + "-takeover", Name: "takeover", Kind: "checkbox",
				Label: p.T("claim.take_over", st.Holder.Name)}
			if at != nil && at.action == f.Action && at.form.Get("takeover") == "1" {
				f.TakeOver.Value = "1"
			}
		}
	}
	return nil
}

// reviewClaimAct ends a claim action like the workflow's: back to the
// application (within its queue) with a flash, or the page again with
// the refusal.
func (s *Server) reviewClaimAct(c echo.Context, action string, run func(ctx context.Context, u *user.User, id int64, form url.Values) error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "error.bad_request")
	}
	err = run(c.Request().Context(), visitorOf(c).User, id, form)
	to := application.Link(id)
	if queue := reviewQueueOf(form.Get("queue")); queue != "" {
		to = reviewQueueLink(id, queue)
	}
	return s.finish(c, err, outcome{flash: "claim_" + action, to: to,
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict, apperr.Forbidden},
		again: func(status int, err error) error {
			return s.applicationPage(c, status, id, &applicationAttempt{action: action, form: form, err: err})
		}})
}

// claim takes the application for the reader.
func (rv *reviewer) claim(c echo.Context) error {
	return rv.reviewClaimAct(c, "take", func(ctx context.Context, u *user.User, id int64, _ url.Values) error {
		return rv.Applications.Claim(ctx, u, id, meta(c))
	})
}

// release lets the application go.
func (rv *reviewer) release(c echo.Context) error {
	return rv.reviewClaimAct(c, "release", func(ctx context.Context, u *user.User, id int64, _ url.Values) error {
		return rv.Applications.Release(ctx, u, id, meta(c))
	})
}

// assign gives the application to the person chosen.
func (rv *reviewer) assign(c echo.Context) error {
	return rv.reviewClaimAct(c, "assign", func(ctx context.Context, u *user.User, id int64, form url.Values) error {
		to, err := strconv.ParseInt(form.Get("assignee"), 10, 64)
		if err != nil || to <= 0 {
			f := apperr.Fields{}
			f.Add("assignee", "claim.err.assignee_missing")
			return f.Err()
		}
		holder, _ := strconv.ParseInt(form.Get("holder"), 10, 64)
		return rv.Applications.Assign(ctx, u, id, to, application.ClaimInput{Holder: holder}, meta(c))
	})
}
