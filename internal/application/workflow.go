package application

import (
	"portal/internal/workflow"
)

// Transition is one row of the workflow: from a stage, by an action, a
// party moves the application to another stage.
type Transition struct {
	From   Stage
	Action Action
	To     Stage
	By     Party
}

// Transitions is the outgoing workflow (docs/architecture.md), the only moves there
// are. Two decisions beyond the design's sketch:
//   - Submitted stays a visible stage, "waiting for a reviewer"; a
//     department reviewer's start_review moves it to department_review. The
//     queue and the student's tracker then tell "nobody has looked yet"
//     from "under review", and two reviewers picking up the same
//     application at once get one success and one conflict.
//   - An offer nobody answers ends in its own stage, expired, by the
//     system: it frees the seat like a decline, but the history says the
//     student did not answer rather than that they said no.
//
// The office may nominate a host_rejected application again: the next
// ranked choice then goes to its host (the service refuses when there is
// none).
var Transitions = []Transition{
	{Draft, Submit, Submitted, Applicant},
	{Returned, Resubmit, Submitted, Applicant},

	{Submitted, StartReview, DepartmentReview, Reviewer},
	{DepartmentReview, Approve, OfficeReview, Reviewer},
	{OfficeReview, Nominate, Nominated, Office},

	{Nominated, HostAccept, HostAccepted, Office},
	{Nominated, HostWaitlist, Waitlisted, Office},
	{Nominated, HostReject, HostRejected, Office},
	{Waitlisted, Promote, HostAccepted, Office},
	{Waitlisted, HostReject, HostRejected, Office},
	{HostRejected, Nominate, Nominated, Office},

	{HostAccepted, AcceptOffer, Confirmed, Applicant},
	{HostAccepted, DeclineOffer, Declined, Applicant},
	{HostAccepted, Expire, Expired, System},
	{Confirmed, Recognise, Completed, Office},

	{Submitted, Return, Returned, Reviewer},
	{DepartmentReview, Return, Returned, Reviewer},
	{OfficeReview, Return, Returned, Office},
	{Submitted, Reject, Rejected, Reviewer},
	{DepartmentReview, Reject, Rejected, Reviewer},
	{OfficeReview, Reject, Rejected, Office},

	{Draft, Withdraw, Withdrawn, Applicant},
	{Returned, Withdraw, Withdrawn, Applicant},
	{Submitted, Withdraw, Withdrawn, Applicant},
	{DepartmentReview, Withdraw, Withdrawn, Applicant},
	{OfficeReview, Withdraw, Withdrawn, Applicant},
	{Nominated, Withdraw, Withdrawn, Applicant},
	{Waitlisted, Withdraw, Withdrawn, Applicant},
	{HostRejected, Withdraw, Withdrawn, Applicant},
	{HostAccepted, Withdraw, Withdrawn, Applicant},
	{Confirmed, Withdraw, Withdrawn, Applicant},

	// The host answers a nomination itself through its dossier link
	// (internal/host), with the same effects as the office recording it.
	{Nominated, HostAccept, HostAccepted, Host},
	{Nominated, HostWaitlist, Waitlisted, Host},
	{Nominated, HostReject, HostRejected, Host},

	// A published selection round nominates by its own published rule
	// (internal/selection/auto.go): a student rejected by a host gets
	// their next choice with a seat, and one who accepts the offer of a
	// freed seat is nominated to it; the same move as the office's.
	{OfficeReview, Nominate, Nominated, System},
	{HostRejected, Nominate, Nominated, System},
}

// table is the workflow Allowed, ActionsAt, Turn and Final read; its
// refusals are the application.err.* messages.
var table = workflow.NewTable("application", Stages, Actions, workflow.Rows[Transition, Stage, Action, Party](Transitions))

var errNotNow = table.NotNow

// Allowed says whether party by may take action at stage from, and where
// it leads; ActionsAt what any of parties may do at stage (the service
// narrows it with what the table cannot know).
func Allowed(from Stage, action Action, by Party) (Stage, error) {
	return table.Allowed(from, action, by)
}
func ActionsAt(stage Stage, parties ...Party) []Action { return table.ActionsAt(stage, parties...) }

// Turn is whose move an application at stage waits for: the party with an
// action there other than withdrawing (which the applicant can always do)
// and the system's expiry. Final stages are nobody's turn ("").
func Turn(stage Stage) Party {
	return table.Turn(stage, func(t workflow.Transition[Stage, Action, Party]) bool { return t.Action != Withdraw && t.By != System })
}

// Final reports whether nothing more can happen at stage.
func Final(stage Stage) bool { return table.Final(stage) }
