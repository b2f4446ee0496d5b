// Package rotation runs incoming rotations: foreign students request weeks
// at a home-hospital department from the seats its coordinator publishes,
// the department's coordinator and then the international office review the
// request, and an accepted request holds a seat in every one of its weeks
// until it is completed or withdrawn. As in the outgoing workflow, the
// stages and who may move a request between them are data (workflow.go);
// every change is an optimistic `UPDATE ... WHERE id = ? AND version = ?`
// with its event in the same transaction.
package rotation

import (
	"time"

	"portal/internal/user"
	"portal/internal/workflow"
)

// Stage is where a request stands. It is stored in rotation_requests.status.
type Stage string

// The stages of the incoming workflow (docs/architecture.md), in display order.
const (
	Draft            Stage = "draft"
	Submitted        Stage = "submitted"         // waiting for the department's coordinator
	DepartmentReview Stage = "department_review" // the coordinator is on it
	OfficeReview     Stage = "office_review"
	Waitlisted       Stage = "waitlisted"
	Accepted         Stage = "accepted"  // seats reserved; onboarding under way
	Confirmed        Stage = "confirmed" // the applicant confirmed, onboarding complete
	Completed        Stage = "completed" // the rotation took place
	Returned         Stage = "returned"  // changes requested
	Rejected         Stage = "rejected"
	Withdrawn        Stage = "withdrawn"
)

// Stages lists every stage in display order.
var Stages = []Stage{Draft, Submitted, DepartmentReview, OfficeReview, Waitlisted, Accepted, Confirmed, Completed,
	Returned, Rejected, Withdrawn}

// ParseStage returns the stage named s.
func ParseStage(s string) (Stage, bool) { return workflow.Parse(Stages, s) }

// Action is what someone does to a request.
type Action string

// The actions of the transition table, plus Onboard, which changes no stage.
const (
	Submit      Action = "submit"
	Resubmit    Action = "resubmit"
	StartReview Action = "start_review"
	Forward     Action = "forward" // the coordinator passes it to the office
	Return      Action = "return"
	Reject      Action = "reject"
	Accept      Action = "accept"
	Waitlist    Action = "waitlist"
	Confirm     Action = "confirm"
	Complete    Action = "complete"
	Withdraw    Action = "withdraw"
	Onboard     Action = "onboard" // onboarding answers saved; not a transition
)

// Actions lists every transition action in display order.
var Actions = []Action{Submit, Resubmit, StartReview, Forward, Accept, Waitlist, Confirm, Complete, Return, Reject, Withdraw}

// Party is who someone is to one request.
type Party string

// The parties of the workflow.
const (
	Applicant   Party = "applicant"   // the incoming student who owns it
	Coordinator Party = "coordinator" // a host coordinator of a department the request asks for
	Office      Party = "office"      // the international office (and admins)
)

// Parties lists the parties in display order.
var Parties = []Party{Applicant, Coordinator, Office}

// PartyRoles are the user roles that make a person each party. A
// coordinator also needs one of the request's departments in their scope
// (rotation_coordinators).
var PartyRoles = map[Party][]user.Role{
	Applicant:   {user.Incoming},
	Coordinator: {user.Coordinator},
	Office:      {user.Office, user.Admin},
}

// Limits of a request.
const (
	MaxChoices   = 3
	MaxStatement = 4000
	MaxComment   = 2000
	MaxWeeks     = 52 // the most weeks any rule, publication or calendar spans
	// ArrivalDaysBefore is how many days before the first day an applicant
	// may plan to arrive; arriving after the first day is refused.
	ArrivalDaysBefore = 14
	// CalendarWeeks is how far ahead the calendars show.
	CalendarWeeks = 26
)

// RequiredDocs are the wallet document types a request must carry to be
// submitted; OptionalDocs may be attached too.
var (
	RequiredDocs = []string{"nomination_letter", "immunization_record", "insurance"}
	OptionalDocs = []string{"transcript", "language_certificate", "passport", "cv"}
)

// Request is one applicant's rotation request. Status and Version change
// only through the workflow's named operations.
type Request struct {
	ID             int64
	ApplicantID    int64
	Status         Stage
	Version        int
	Statement      string
	AcceptedChoice int // the rank holding seats; 0 before acceptance
	CreateKey      *string
	SubmitKey      *string
	ArrivalOn      *time.Time
	VisaLetter     *bool
	Housing        *bool
	StageSince     time.Time
	SubmittedAt    *time.Time
	DecidedAt      *time.Time
	ConfirmedAt    *time.Time
	CompletedAt    *time.Time
	ClosedAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName is the table of requests.
func (Request) TableName() string { return "rotation_requests" }

// Choice is one ranked department and run of weeks.
type Choice struct {
	RequestID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Rank         int   `gorm:"primaryKey;autoIncrement:false"`
	DepartmentID int64
	StartsOn     time.Time // a Monday
	Weeks        int
}

// TableName is the table of choices.
func (Choice) TableName() string { return "rotation_choices" }

// EndsOn is the last day of the choice: the Sunday of its last week.
func (c Choice) EndsOn() time.Time { return EndOf(c.StartsOn, c.Weeks) }

// EndOf is the last day of weeks weeks from the Monday start.
func EndOf(start time.Time, weeks int) time.Time { return start.AddDate(0, 0, 7*weeks-1) }

// Event is one append-only entry of a request's history.
type Event struct {
	ID        int64
	RequestID int64
	ActorID   *int64
	Role      Party
	FromStage Stage
	ToStage   Stage
	Action    Action
	Choice    int
	Comment   string
	At        time.Time
}

// TableName is the table of events.
func (Event) TableName() string { return "rotation_events" }

// Rules are a department's limits on requests.
type Rules struct {
	DepartmentID int64 `gorm:"primaryKey;autoIncrement:false"`
	MinWeeks     int
	MaxWeeks     int
	LeadDays     int // the least days between a submission and the first day
	UpdatedAt    time.Time
}

// TableName is the table of rules.
func (Rules) TableName() string { return "rotation_rules" }

// Block is one published week of a department.
type Block struct {
	DepartmentID int64     `gorm:"primaryKey;autoIncrement:false"`
	Week         time.Time `gorm:"primaryKey;autoIncrement:false"` // its Monday
	Seats        int
	Taken        int
	Blackout     bool
	UpdatedAt    time.Time
}

// TableName is the table of blocks.
func (Block) TableName() string { return "rotation_blocks" }

// Free is how many seats of the week a new request could still get.
func (b Block) Free() int {
	if b.Blackout || b.Taken >= b.Seats {
		return 0
	}
	return b.Seats - b.Taken
}

type coordinatorRow struct {
	UserID       int64
	DepartmentID int64
	GrantedAt    time.Time
}

func (coordinatorRow) TableName() string { return "rotation_coordinators" }

type attachment struct {
	RequestID  int64 `gorm:"primaryKey;autoIncrement:false"`
	DocumentID int64 `gorm:"primaryKey;autoIncrement:false"`
	AttachedAt time.Time
}

func (attachment) TableName() string { return "rotation_request_documents" }

// Day is the calendar day of t in UTC, like the catalog's dates.
func Day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Monday is the Monday of the week of t.
func Monday(t time.Time) time.Time {
	d := Day(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// weeksOf lists the Mondays of weeks weeks from start.
func weeksOf(start time.Time, weeks int) []time.Time {
	out := make([]time.Time, weeks)
	for i := range out {
		out[i] = start.AddDate(0, 0, 7*i)
	}
	return out
}
