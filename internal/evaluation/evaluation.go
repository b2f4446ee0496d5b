// Package evaluation closes an outgoing placement (issue 16): the
// student's structured report on the host, drafted until submitted and
// reminded after 7 and 21 days; the office's recognition of the placement
// at home, which completes the application through its workflow; the
// staff's lists of what is outstanding; and what the next students see on
// an elective's page, aggregated from three reports up, quoted only with
// consent and never named. It knows nothing of HTTP.
package evaluation

import (
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/storage"
	"portal/internal/user"
)

// Options are what the portal sets; tests set Now.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // "today" and the days waiting are the portal's
	// Applications completes an application when it is recognised,
	// through the workflow's own transition (event, mail).
	Applications *application.Service
	// Files keeps the host supervisors' paper forms (hosteval.go).
	Files storage.Storage
}

// Service keeps reports and recognitions. Each method owns its transaction.
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

func (s *Service) now() time.Time   { return s.o.Now().UTC() }
func (s *Service) today() time.Time { return s.o.Zone.Day(s.now()) }

// MinResponses is how many submitted reports an elective needs before its
// page shows any of them: fewer could name their author by elimination.
const MinResponses = 3

// MaxText is the length of each free-text answer.
const MaxText = 4000

// Reminders are the days after the placement's last day at which a
// student without a submitted report is reminded.
var Reminders = []int{7, 21}

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

func office(u *user.User) error {
	if u == nil || !u.Has(user.Office, user.Admin) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

func wrap(err error, what string) error { return apperr.Or(err, "evaluation: "+what) }

// days counts calendar days from a to b (both portal days).
func days(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }
