package rotation

import (
	"context"
	"time"

	"portal/internal/user"
)

// Waiting lists the requests that wait for coordinator or office u to
// move, oldest in their stage first: the home page's "waiting for you". A
// confirmed rotation waits for its coordinator only once it has ended
// (then it is completed).
func (s *Service) Waiting(ctx context.Context, u *user.User) ([]Summary, error) {
	all, err := s.Queue(ctx, u, QueueFilter{})
	if err != nil || u == nil {
		return nil, err
	}
	party := Coordinator
	if u.Has(PartyRoles[Office]...) {
		party = Office
	}
	today := s.Today()
	var out []Summary
	for _, r := range all {
		if Turn(r.Status) != party {
			continue
		}
		if ch := r.Shown(); r.Status == Confirmed && (ch == nil || !ch.EndsOn.Before(today)) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// FillingWeeks is how far ahead a coordinator's home looks for weeks
// filling up, and how few free seats make a week "filling up".
const (
	FillingWeeksAhead = 12
	FillingFreeSeats  = 1
)

// FillingWeek is a published week of a department with few seats left.
type FillingWeek struct {
	DepartmentID int64
	DepartmentEN string
	DepartmentZH string
	Week         time.Time
	Seats, Free  int
}

// Filling lists, for coordinator u's own departments, the coming weeks
// with seats published and at most FillingFreeSeats free, soonest first.
func (s *Service) Filling(ctx context.Context, u *user.User) ([]FillingWeek, error) {
	if u == nil || !u.Has(PartyRoles[Coordinator]...) {
		return nil, nil
	}
	deps, err := s.CoordinatorOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var out []FillingWeek
	for _, dep := range deps {
		cal, err := s.Calendar(ctx, u, dep, s.Today(), FillingWeeksAhead)
		if err != nil {
			return nil, err
		}
		for _, w := range cal.Weeks {
			if w.Published && !w.Past && !w.Blackout && w.Seats > 0 && w.Free <= FillingFreeSeats {
				out = append(out, FillingWeek{DepartmentID: dep, DepartmentEN: cal.Department.NameEN, DepartmentZH: cal.Department.NameZH,
					Week: w.Week, Seats: w.Seats, Free: w.Free})
			}
		}
	}
	return out, nil
}
