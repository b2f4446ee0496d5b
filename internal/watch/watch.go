// Package watch is what a student keeps an eye on (issue 13): electives
// they starred, catalog searches they saved by name, the mails that tell
// them when a starred elective's application window opens and when it is
// about to close, and each person's private calendar feed of their dates.
// It knows nothing of HTTP: the web layer words and serves what it returns.
package watch

import (
	"time"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
)

// Options are what the portal sets; tests set Now.
type Options struct {
	// Now is the service's clock; time.Now when nil.
	Now func() time.Time
	// Zone is the portal's time zone: a window opens at the start of its
	// first day there and closes at the end of its last.
	Zone clock.Zone
	// Search runs saved searches for their mails; none are sent when nil.
	Search Searcher
}

// Service keeps stars, saved searches and calendar feeds, and sends the
// window mails.
type Service struct {
	db *db.DB
	o  Options
}

// NewService returns the service over d.
func NewService(d *db.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: d, o: o}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// star is a row of stars.
type star struct {
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	ElectiveID int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt  time.Time
}

func (star) TableName() string { return "stars" }

// errNotFound is what a missing elective or someone else's search is.
var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

// student refuses anyone but a signed-in student: stars and saved searches
// are theirs alone.
func student(u *user.User) error {
	if u == nil || !u.Has(user.Student) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

func wrap(err error, what string) error { return apperr.Or(err, "watch: "+what) }
