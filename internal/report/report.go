// Package report computes the international office's reports (issue 17):
// the pipeline and time in stage, seat fill per period, agreement health
// and nomination outcomes per host. Each report is one or a few SQL
// aggregates over the workflow's own tables; the figures are plain values,
// and the web layer draws, translates and exports them.
package report

import (
	"context"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Filter narrows a report. Zero values mean "all"; Year 0 means the
// current year in the portal's zone for the reports that need a year.
type Filter struct {
	Year          int
	InstitutionID int64
	Specialty     string
}

// Options tune a Service.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // years and days are the portal's
	// Targets are the days an application should stay at most in each
	// stage; DefaultTargets when nil.
	Targets map[string]int
}

// DefaultTargets are the office's usual service levels, in days per stage.
var DefaultTargets = map[string]int{
	"submitted": 7, "department_review": 14, "office_review": 14,
	"nominated": 30, "waitlisted": 60, "host_accepted": 14,
}

// Service computes the reports. It only reads, but for the office's
// agreement expiry mails (expiry.go), which it records as it sends them.
type Service struct {
	db      *db.DB
	now     func() time.Time
	zone    clock.Zone
	targets map[string]int
	trends  *trendCache // the home's figures, kept a few minutes (trends.go)
}

// NewService returns the reports over d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, zone: o.Zone, targets: o.Targets, trends: &trendCache{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.targets == nil {
		s.targets = DefaultTargets
	}
	return s
}

// Now is the service's clock, for file names and "as of" lines.
func (s *Service) Now() time.Time { return s.now() }

// Year is the year a filter means: its own, or the current one in the
// portal's zone.
func (s *Service) Year(f Filter) int {
	if f.Year != 0 {
		return f.Year
	}
	return s.zone.In(s.now()).Year()
}

// yearSpan is the first instant of year and of the next, in the portal's zone.
func (s *Service) yearSpan(year int) (time.Time, time.Time) {
	loc := s.zone.Location()
	return time.Date(year, time.January, 1, 0, 0, 0, 0, loc).UTC(), time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc).UTC()
}

// dateSpan is year as calendar days, the way DATE columns are compared.
func dateSpan(year int) (time.Time, time.Time) {
	return time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, time.January, 1, 0, 0, 0, 0, time.UTC)
}

// Reports are for the office and admins; everyone else is told the page
// does not exist for them.
func (s *Service) allow(u *user.User) error {
	if u == nil || !u.Has(user.Office, user.Admin) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

func (s *Service) read(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func wrap(err error, what string) error { return workflow.Wrap(err, what) }

// Percentile is the nearest-rank percentile of sorted values (ascending):
// the smallest value with at least p of the values at or below it, the
// same definition as PostgreSQL's percentile_disc. 0 for no values.
func Percentile(sorted []int, p float64) int {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

// Days counts the whole days from since to now.
func Days(now, since time.Time) int {
	if now.Before(since) {
		return 0
	}
	return int(now.Sub(since) / (24 * time.Hour))
}

func sortedInts(v []int) []int { sort.Ints(v); return v }
