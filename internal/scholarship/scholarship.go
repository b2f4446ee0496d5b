// Package scholarship runs the funding calls of issue 14 ("scholarships the
// same way"): the office opens a call on a funding opportunity of the
// catalog with a budget and a rubric; students holding a nomination or a
// placement request funding tied to it; the office scores the requests and
// awards them with the selection engine (selection/match.Award) within the
// budget, after a dry run that explains who is funded and the cutoff. Each
// award carries a letter with a verification code, a mail in the student's
// language, and a disbursement status (awarded, paid, returned) kept in the
// register. Every change is audited in its own transaction.
package scholarship

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// CallState is where a call stands.
type CallState string

// The states of a call: requests come in while open; an award run moves
// it to awarded (and may be repeated there, for money a returned award
// gave back); closed ends it.
const (
	Open    CallState = "open"
	Awarded CallState = "awarded"
	Closed  CallState = "closed"
)

// RequestState is where a student's request stands.
type RequestState string

// The states of a request.
const (
	Draft     RequestState = "draft"
	Submitted RequestState = "submitted"
	Withdrawn RequestState = "withdrawn"
)

// Status is an award's disbursement.
type Status string

// The disbursement statuses, in order.
const (
	StatusAwarded  Status = "awarded"
	StatusPaid     Status = "paid"
	StatusReturned Status = "returned"
)

// next is the one disbursement move from each status.
var next = map[Status]Status{StatusAwarded: StatusPaid, StatusPaid: StatusReturned}

// Call is one funding call.
type Call struct {
	ID            int64
	FundingID     int64
	Name          string
	Year          int // the academic year the register files it under
	Deadline      time.Time
	PerAward      int64 // fixed amount of each award; 0: each student asks an amount
	MaxAwards     int   // 0: no limit
	Total         int64 // 0: no limit
	Currency      string
	NeedPlacement bool // only a placement (host accepted or beyond) qualifies, not a nomination
	State         CallState
	Version       int
	Seed          int64
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the table of calls.
func (Call) TableName() string { return "scholarship_calls" }

// Component is one part of a call's rubric, a value from 0 to MaxValue.
type Component struct {
	ID       int64
	CallID   int64
	Ordinal  int
	NameEN   string
	NameZH   string
	Weight   int
	MaxValue int
}

// TableName is the table of components.
func (Component) TableName() string { return "scholarship_components" }

// Request is a student's request in a call.
type Request struct {
	ID            int64
	CallID        int64
	StudentID     int64
	ApplicationID int64
	Motivation    string
	Amount        int64
	State         RequestState
	Version       int
	SubmittedAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the table of requests.
func (Request) TableName() string { return "scholarship_requests" }

type score struct {
	RequestID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ComponentID int64 `gorm:"primaryKey;autoIncrement:false"`
	ValueCenti  int
	UpdatedBy   int64
	UpdatedAt   time.Time
}

func (score) TableName() string { return "scholarship_scores" }

// Award is one row of the register.
type Award struct {
	ID         int64
	CallID     int64
	RequestID  int64
	StudentID  int64
	Amount     int64
	Currency   string
	ScoreCenti int
	Code       string // the award letter's verification code, normalized
	Status     Status
	Version    int
	AwardedBy  int64
	AwardedAt  time.Time
	PaidAt     *time.Time
	ReturnedAt *time.Time
}

// TableName is the table of awards.
func (Award) TableName() string { return "scholarship_awards" }

// Options tune a Service.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // a deadline ends with the portal's day
}

// Service keeps the calls. Each method owns its transaction.
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone clock.Zone
}

// NewService returns the calls on d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, zone: o.Zone}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

func isOffice(u *user.User) bool { return u != nil && u.Has(user.Office, user.Admin) }

func isStudent(u *user.User) bool { return u != nil && u.Has(user.Student) }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

func wrap(err error, what string) error { return workflow.Wrap(err, what) }

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// record writes an audit event about an object of kind obj by u in tx.
func (s *Service) record(tx *gorm.DB, u *user.User, action, obj string, id int64, detail map[string]any) error {
	var actor *int64
	if u != nil {
		actor = &u.ID
	}
	return audit.Write(tx, audit.New(s.clock(), actor, action, audit.Meta{}, detail).On(obj, id))
}

// qualifying are the application stages that may ask for funding: a
// nomination or a placement; placed are those of a placement alone.
var (
	qualifying = []application.Stage{application.Nominated, application.HostAccepted, application.Confirmed, application.Completed}
	placed     = []application.Stage{application.HostAccepted, application.Confirmed, application.Completed}
)

// stages is what call c accepts.
func (c *Call) stages() []application.Stage {
	if c.NeedPlacement {
		return placed
	}
	return qualifying
}
