package rotation

import (
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

// Transitions is the incoming workflow (docs/architecture.md), the only moves there
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

// table is the workflow Allowed, ActionsAt, Turn and Final read; its
// refusals are the rotation.err.* messages.
var table = workflow.NewTable("rotation", Stages, Actions, workflow.Rows[Transition, Stage, Action, Party](Transitions))

var errNotNow = table.NotNow

// Allowed says whether party by may take action at stage from, and where
// it leads; ActionsAt what any of parties may do at stage (the service
// narrows it with what the table cannot know).
func Allowed(from Stage, action Action, by Party) (Stage, error) {
	return table.Allowed(from, action, by)
}
func ActionsAt(stage Stage, parties ...Party) []Action { return table.ActionsAt(stage, parties...) }

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
