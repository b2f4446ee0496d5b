// Package application runs the outgoing applications workflow: a student
// applies for up to three ranked electives abroad, reviewers move the
// application through stages to a placement, and seats and quotas are
// never overbooked. The stages and who may move an application between
// them are data (workflow.go); every change is an optimistic
// `UPDATE ... WHERE id = ? AND version = ?` with its review event in the
// same transaction.
package application

import (
	"time"

	"portal/internal/user"
	"portal/internal/workflow"
)

// Stage is where an application stands. It is stored in applications.status.
type Stage string

// The stages of the outgoing workflow (docs/architecture.md), in display order.
const (
	Draft            Stage = "draft"
	Submitted        Stage = "submitted"         // waiting for a department reviewer to start
	DepartmentReview Stage = "department_review" // a department reviewer is on it
	OfficeReview     Stage = "office_review"
	Nominated        Stage = "nominated"     // sent to the host of the current choice
	HostAccepted     Stage = "host_accepted" // an offer: a seat is reserved until the student answers
	HostRejected     Stage = "host_rejected"
	Waitlisted       Stage = "waitlisted"
	Confirmed        Stage = "confirmed" // the student accepted the offer
	Declined         Stage = "declined"  // the student declined the offer
	Expired          Stage = "expired"   // the student let the offer lapse
	Completed        Stage = "completed" // recognised at home after the placement
	Returned         Stage = "returned"  // changes requested
	Rejected         Stage = "rejected"
	Withdrawn        Stage = "withdrawn"
)

// Stages lists every stage in display order.
var Stages = []Stage{Draft, Submitted, DepartmentReview, OfficeReview, Nominated, Waitlisted, HostAccepted,
	HostRejected, Confirmed, Completed, Returned, Declined, Expired, Rejected, Withdrawn}

// ParseStage returns the stage named s.
func ParseStage(s string) (Stage, bool) { return workflow.Parse(Stages, s) }

// Action is what someone does to an application.
type Action string

// The actions of the transition table, plus Note, which changes no stage.
const (
	Submit       Action = "submit"
	Resubmit     Action = "resubmit"
	StartReview  Action = "start_review"
	Approve      Action = "approve"
	Return       Action = "return"
	Reject       Action = "reject"
	Nominate     Action = "nominate"
	HostAccept   Action = "host_accept"
	HostReject   Action = "host_reject"
	HostWaitlist Action = "host_waitlist"
	Promote      Action = "promote"
	AcceptOffer  Action = "accept_offer"
	DeclineOffer Action = "decline_offer"
	Expire       Action = "expire"
	Recognise    Action = "recognise" // the office records how the placement counts at home
	Withdraw     Action = "withdraw"
	Note         Action = "note" // a comment or internal note; not a transition
)

// Actions lists every transition action in display order.
var Actions = []Action{Submit, Resubmit, StartReview, Approve, Nominate, HostAccept, HostWaitlist, HostReject,
	Promote, AcceptOffer, DeclineOffer, Expire, Recognise, Return, Reject, Withdraw}

// ParseAction returns the transition action named s.
func ParseAction(s string) (Action, bool) { return workflow.Parse(Actions, s) }

// Party is who someone is to one application: the same person may be the
// applicant of one application and a reviewer of another.
type Party string

// The parties of the workflow.
const (
	Applicant Party = "applicant" // the student who owns it
	Reviewer  Party = "reviewer"  // a department reviewer whose scope holds its specialty
	Office    Party = "office"    // the international office (and admins)
	System    Party = "system"    // the portal itself: offer expiry
	Host      Party = "host"      // the host's contact, answering through a dossier link (internal/host)
)

// PartyRoles are the user roles that make a person each party. A reviewer
// also needs the application's specialty in their scope (reviewer_scopes).
var PartyRoles = map[Party][]user.Role{
	Applicant: {user.Student},
	Reviewer:  {user.Reviewer},
	Office:    {user.Office, user.Admin},
}

// Host decisions recorded per choice.
const (
	HostDecisionAccepted   = "accepted"
	HostDecisionRejected   = "rejected"
	HostDecisionWaitlisted = "waitlisted"
)

// HostDecisions are the answers a host can give, in display order.
var HostDecisions = []string{HostDecisionAccepted, HostDecisionWaitlisted, HostDecisionRejected}

// MaxChoices is how many ranked choices an application holds.
const MaxChoices = 3

// DefaultOfferDays is how long a student has to answer an offer.
const DefaultOfferDays = 14

// Application is one student's application. Status and Version change only
// through the workflow's named operations.
type Application struct {
	ID             int64
	ApplicantID    int64
	Direction      string
	Status         Stage
	Version        int
	Statement      string
	Specialty      string // of the first choice's elective: decides the reviewers' scope
	CurrentChoice  int    // rank of the choice being nominated or decided
	Report         string // filed after the placement
	CreateKey      *string
	SubmitKey      *string
	OfferExpiresAt *time.Time
	StageSince     time.Time // when Status was entered: days in stage, queue order
	SubmittedAt    *time.Time
	ApprovedAt     *time.Time
	NominatedAt    *time.Time
	DecidedAt      *time.Time
	ConfirmedAt    *time.Time
	CompletedAt    *time.Time
	ClosedAt       *time.Time // withdrawn, rejected, declined or expired
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Choice is one ranked elective and period of an application.
type Choice struct {
	ApplicationID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Rank             int   `gorm:"primaryKey;autoIncrement:false"`
	ElectiveID       int64
	PeriodID         int64
	HostDecision     string // "" until the host answers
	SeatReserved     bool   // holds one of the period's taken seats
	QuotaAgreementID *int64 // the agreement whose yearly quota the nomination holds
	QuotaYear        *int   // the academic year it holds it in
	NominatedAt      *time.Time
	DecidedAt        *time.Time
}

// TableName is the table of choices.
func (Choice) TableName() string { return "application_choices" }

// Event is one append-only entry of an application's history: a
// transition, or a note when FromStage equals ToStage and Action is Note.
type Event struct {
	ID            int64
	ApplicationID int64
	ActorID       *int64 // nil for the system
	Role          Party
	FromStage     Stage
	ToStage       Stage
	Action        Action
	Choice        int // the choice a host decision or nomination is about; 0 otherwise
	Comment       string
	Internal      bool   // never shown to the applicant
	Via           string // the host contact who answered through a dossier link; "" otherwise
	At            time.Time
}

// TableName is the table of review events.
func (Event) TableName() string { return "review_events" }
