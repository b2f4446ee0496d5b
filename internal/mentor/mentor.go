// Package mentor matches incoming students with mentors (issue 19): staff,
// residents and senior students sign up (departments, languages,
// interests, how many students at once, when they are available, their own
// exchange school); an incoming student opts in from their rotation
// request; the coordinator or the office sees proposals computed with hard
// filters and soft scores (match.go), confirms them or overrides them with
// a reason; both sides get an introduction mail in their own language and,
// after the rotation's last day, give short feedback. Every change is
// audited in its own transaction.
package mentor

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Kind is who a mentor is at the university.
type Kind string

// The kinds of mentor.
const (
	Staff    Kind = "staff"
	Resident Kind = "resident"
	Senior   Kind = "student" // a senior student
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Staff, Resident, Senior}

// Languages are the language codes a mentor or a student may speak, in
// display order (mentors.lang.<code>).
var Languages = []string{"en", "zh", "ja", "ko", "fr", "de", "es", "th", "vi", "id"}

// Limits of the forms.
const (
	MaxCapacity  = 10
	MaxInterests = 10
	MaxInterest  = 40 // characters of one interest
	MaxReason    = 1000
	MaxComment   = 2000
)

// Mentor is one signed-up mentor.
type Mentor struct {
	ID                    int64
	UserID                int64
	Kind                  Kind
	Languages             string // comma separated codes
	Interests             string // comma separated lower-case words
	Capacity              int
	AvailableFrom         time.Time // a date
	AvailableUntil        time.Time // a date
	ExchangeInstitutionID *int64
	Active                bool
	Version               int
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// TableName is the table of mentors.
func (Mentor) TableName() string { return "mentors" }

type mentorDepartment struct {
	MentorID     int64 `gorm:"primaryKey;autoIncrement:false"`
	DepartmentID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (mentorDepartment) TableName() string { return "mentor_departments" }

// OptIn is an incoming student's wish for a mentor on one request.
type OptIn struct {
	RequestID int64 `gorm:"primaryKey;autoIncrement:false"`
	StudentID int64
	Languages string
	Interests string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName is the table of opt-ins.
func (OptIn) TableName() string { return "mentor_optins" }

// Match is a confirmed mentor for one request.
type Match struct {
	ID             int64
	MentorID       int64
	RequestID      int64
	StudentID      int64
	DepartmentID   int64
	StartsOn       time.Time
	EndsOn         time.Time // the rotation's last day; the match counts against capacity until then
	Score          int
	Manual         bool
	Reason         string
	ConfirmedBy    *int64
	ConfirmedAt    time.Time
	MentorRating   *int
	MentorComment  string
	MentorRatedAt  *time.Time
	StudentRating  *int
	StudentComment string
	StudentRatedAt *time.Time
}

// TableName is the table of matches.
func (Match) TableName() string { return "mentor_matches" }

// Options tune a Service.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // "today" is the portal's day
}

// Service keeps mentors, opt-ins and matches. Each method owns its
// transaction.
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone clock.Zone
}

// NewService returns the mentors on d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, zone: o.Zone}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// today is the portal's calendar day, as dates are stored (midnight UTC).
func (s *Service) today() time.Time { return s.zone.Day(s.clock()) }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

func wrap(err error, what string) error { return workflow.Wrap(err, what) }

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

func (s *Service) record(tx *gorm.DB, u *user.User, action, obj string, id int64, detail map[string]any) error {
	var actor *int64
	if u != nil {
		actor = &u.ID
	}
	return audit.Write(tx, audit.New(s.clock(), actor, action, audit.Meta{}, detail).On(obj, id))
}

// isOffice reports whether u sees every department's students.
func isOffice(u *user.User) bool { return u != nil && u.Has(user.Office, user.Admin) }

// isMatcher reports whether u may see the proposals at all: the office,
// or a coordinator (for their departments).
func isMatcher(u *user.User) bool {
	return u != nil && u.Has(user.Office, user.Admin, user.Coordinator)
}

// MayMentor reports whether u may sign up: anyone of the university, that
// is anyone signed in with a role other than an incoming student's.
func MayMentor(u *user.User) bool {
	return u != nil && u.Has(user.Student, user.Reviewer, user.Coordinator, user.Office, user.Admin)
}

// scope is the departments u matches for; nil means every department.
func scope(tx *gorm.DB, u *user.User) ([]int64, error) {
	if isOffice(u) {
		return nil, nil
	}
	deps := []int64{}
	err := tx.Table("rotation_coordinators").Where("user_id = ?", u.ID).Pluck("department_id", &deps).Error
	return deps, err
}

// inScope reports whether dep is in scope deps (nil: all).
func inScope(deps []int64, dep int64) bool { return deps == nil || slices.Contains(deps, dep) }

// split reads a comma-separated list.
func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkLanguages keeps the known codes of in, in display order.
func checkLanguages(f apperr.Fields, field string, in []string, required bool) string {
	var out []string
	for _, code := range Languages {
		if slices.Contains(in, code) {
			out = append(out, code)
		}
	}
	for _, c := range in {
		if !slices.Contains(Languages, c) {
			f.Add(field, "mentors.err.language")
			return ""
		}
	}
	if required && len(out) == 0 {
		f.Add(field, "mentors.err.languages_required")
	}
	return strings.Join(out, ",")
}

// checkInterests normalizes a typed list of interests: lower case, trimmed,
// each once.
func checkInterests(f apperr.Fields, field, in string) string {
	var out []string
	for _, p := range strings.FieldsFunc(in, func(r rune) bool { return r == ',' || r == '、' || r == '，' || r == '\n' }) {
		p = strings.ToLower(strings.Join(strings.Fields(p), " "))
		if p == "" || slices.Contains(out, p) {
			continue
		}
		if len([]rune(p)) > MaxInterest {
			f.Add(field, "mentors.err.interest_long", MaxInterest)
			return ""
		}
		out = append(out, p)
	}
	if len(out) > MaxInterests {
		f.Add(field, "mentors.err.interests_many", MaxInterests)
		return ""
	}
	return strings.Join(out, ", ")
}

// parseDay reads a form's date.
func parseDay(f apperr.Fields, field, v string) time.Time {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		f.Add(field, "mentors.err.date")
	}
	return d
}
