package rotation

import (
	"portal/internal/apperr"
	"portal/internal/workflow"
)

// Transition is one row of the workflow: from a stage, by an action, a
// party moves a request to another stage.
type Transition struct {
	From   Stage
	Action Action
	To     Stage
	By     Party
}

// Transitions is the incoming workflow of DESIGN.md, the only moves there
// are. As for outgoing applications, submitted is its own stage ("nobody
// has looked yet") until a coordinator starts the review. The office may
// accept a waitlisted request when a seat frees up. Completion is the
// coordinator's, or the office's when the department has no coordinator.
var Transitions = []Transition{
	{Draft, Submit, Submitted, Applicant},
	{Returned, Resubmit, Submitted, Applicant},

	{Submitted, StartReview, DepartmentReview, Coordinator},
	{DepartmentReview, Forward, OfficeReview, Coordinator},
	{OfficeReview, Accept, Accepted, Office},
	{OfficeReview, Waitlist, Waitlisted, Office},
	{Waitlisted, Accept, Accepted, Office},

	{Accepted, Confirm, Confirmed, Applicant},
	{Confirmed, Complete, Completed, Coordinator},
	{Confirmed, Complete, Completed, Office},

	{Submitted, Return, Returned, Coordinator},
	{DepartmentReview, Return, Returned, Coordinator},
	{OfficeReview, Return, Returned, Office},
	{Submitted, Reject, Rejected, Coordinator},
	{DepartmentReview, Reject, Rejected, Coordinator},
	{OfficeReview, Reject, Rejected, Office},
	{Waitlisted, Reject, Rejected, Office},

	{Draft, Withdraw, Withdrawn, Applicant},
	{Returned, Withdraw, Withdrawn, Applicant},
	{Submitted, Withdraw, Withdrawn, Applicant},
	{DepartmentReview, Withdraw, Withdrawn, Applicant},
	{OfficeReview, Withdraw, Withdrawn, Applicant},
	{Waitlisted, Withdraw, Withdrawn, Applicant},
	{Accepted, Withdraw, Withdrawn, Applicant},
	{Confirmed, Withdraw, Withdrawn, Applicant},
}

// The refusals of Allowed.
var (
	errUnknown  = apperr.New(apperr.Invalid, "rotation.err.unknown")
	errNotNow   = apperr.New(apperr.Invalid, "rotation.err.not_now")
	errNotYours = apperr.New(apperr.Forbidden, "rotation.err.not_yours")
)

// table is the workflow Allowed, ActionsAt, Turn and Final read.
var table = workflow.Table[Stage, Action, Party]{
	Stages: Stages, Actions: Actions, Transitions: rows(),
	Unknown: errUnknown, NotNow: errNotNow, NotYours: errNotYours,
}

func rows() []workflow.Transition[Stage, Action, Party] {
	out := make([]workflow.Transition[Stage, Action, Party], len(Transitions))
	for i, t := range Transitions {
		out[i] = workflow.Transition[Stage, Action, Party](t)
	}
	return out
}

// Allowed answers whether party by may take action on a request at stage
// from, and where it goes: an unknown stage or action is invalid, an
// action nobody may take now is "not now", one someone else may take is
// forbidden.
func Allowed(from Stage, action Action, by Party) (Stage, error) {
	return table.Allowed(from, action, by)
}

// ActionsAt lists the actions any of parties may take at stage, in the
// order of Actions, each once.
func ActionsAt(stage Stage, parties ...Party) []Action {
	return table.ActionsAt(stage, parties...)
}

// Turn is whose move a request at stage waits for: the first party with
// an action there other than withdrawing. Final stages are nobody's ("").
func Turn(stage Stage) Party {
	return table.Turn(stage, func(t workflow.Transition[Stage, Action, Party]) bool { return t.Action != Withdraw })
}

// Final reports whether nothing more can happen at stage.
func Final(stage Stage) bool { return table.Final(stage) }

// holdsSeats reports whether a request at stage holds seats in its
// accepted choice's weeks.
func holdsSeats(stage Stage) bool {
	return stage == Accepted || stage == Confirmed || stage == Completed
}
