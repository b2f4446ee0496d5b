package report

import (
	"context"
	"sort"
	"time"

	"portal/internal/user"
)

// DepartmentRow is one home department in one month of incoming
// rotations. A request counts in the month its rotation starts, at the
// department of the choice that holds (or would hold) its seats: the
// accepted choice once there is one, the first before. Seats and Taken
// are seat-weeks: the month's published weeks (by their Monday) times
// their seats, blackout weeks left out.
// Outstanding counts the confirmed rotations under way or over whose
// close the department still owes: attendance not confirmed or the
// evaluation not in (the certificate waits for both), as the
// coordinators' list of outstanding closes counts them.
type DepartmentRow struct {
	DepartmentID   int64
	NameEN, NameZH string
	Month          time.Time // the first day of the month
	Requests       int       // submitted, whatever became of them
	Waiting        int       // submitted and not yet decided
	Accepted       int       // accepted, confirmed or completed
	Outstanding    int       // confirmed, started, and its attendance or evaluation not in
	Seats, Taken   int
}

// rotationWaiting and rotationPlaced are the request stages counted as
// waiting for a decision and as holding seats.
var (
	rotationWaiting = []string{"submitted", "department_review", "office_review", "waitlisted"}
	rotationPlaced  = []string{"accepted", "confirmed", "completed"}
)

// Departments reports the load of the departments taking incoming
// rotations, per month of the filter's year: two aggregates, requests per
// department and start day, and seats per department and week, folded
// into months here (a year has few days per department, and so both
// dialects agree on months without date functions).
func (s *Service) Departments(ctx context.Context, u *user.User, f Filter) ([]DepartmentRow, error) {
	if err := s.allowKind(u, KindDepartments); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	type key struct {
		dep   int64
		month time.Time
	}
	rows := map[key]*DepartmentRow{}
	at := func(dep int64, d time.Time) *DepartmentRow {
		d = day(d)
		k := key{dep, time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)}
		if rows[k] == nil {
			rows[k] = &DepartmentRow{DepartmentID: dep, Month: k.month}
		}
		return rows[k]
	}
	today := s.zone.Day(s.now())
	q := s.read(ctx).Table("rotation_requests AS r").
		Joins(`JOIN rotation_choices AS c ON c.request_id = r.id AND c.rank = (CASE WHEN r.accepted_choice > 0 THEN r.accepted_choice ELSE 1 END)`).
		Joins("LEFT JOIN rotation_assessments AS ra ON ra.request_id = r.id").
		Where("r.submitted_at IS NOT NULL AND c.starts_on >= ? AND c.starts_on < ?", from, to)
	var reqs []struct {
		DepartmentID                   int64
		StartsOn                       time.Time
		N, Waiting, Taken, Outstanding int
	}
	err := byDepartment(q, u, "c.department_id").
		Select(`c.department_id, c.starts_on, COUNT(*) AS n,
			SUM(CASE WHEN r.status IN ? THEN 1 ELSE 0 END) AS waiting,
			SUM(CASE WHEN r.status IN ? THEN 1 ELSE 0 END) AS taken,
			SUM(CASE WHEN r.status = 'confirmed' AND c.starts_on <= ?
				AND (ra.attendance_confirmed_at IS NULL OR ra.evaluated_at IS NULL) THEN 1 ELSE 0 END) AS outstanding`,
			rotationWaiting, rotationPlaced, today).
		Group("c.department_id, c.starts_on").Scan(&reqs).Error
	if err != nil {
		return nil, wrap(err, "department requests")
	}
	for _, r := range reqs {
		row := at(r.DepartmentID, r.StartsOn)
		row.Requests += r.N
		row.Waiting += r.Waiting
		row.Accepted += r.Taken
		row.Outstanding += r.Outstanding
	}
	var weeks []struct {
		DepartmentID int64
		Week         time.Time
		Seats, Taken int
	}
	w := s.read(ctx).Table("rotation_blocks AS b").Where("b.blackout = ? AND b.week >= ? AND b.week < ?", false, from, to)
	if err := byDepartment(w, u, "b.department_id").Select("b.department_id, b.week, b.seats, b.taken").Scan(&weeks).Error; err != nil {
		return nil, wrap(err, "department seats")
	}
	for _, wk := range weeks {
		row := at(wk.DepartmentID, wk.Week)
		row.Seats += wk.Seats
		row.Taken += wk.Taken
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var deps []struct {
		ID             int64
		NameEN, NameZH string
	}
	if err := s.read(ctx).Table("departments").Select("id, name_en, name_zh").Scan(&deps).Error; err != nil {
		return nil, wrap(err, "departments")
	}
	names := map[int64][2]string{}
	for _, d := range deps {
		names[d.ID] = [2]string{d.NameEN, d.NameZH}
	}
	out := make([]DepartmentRow, 0, len(rows))
	for _, r := range rows {
		r.NameEN, r.NameZH = names[r.DepartmentID][0], names[r.DepartmentID][1]
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NameEN != out[j].NameEN {
			return out[i].NameEN < out[j].NameEN
		}
		if out[i].DepartmentID != out[j].DepartmentID {
			return out[i].DepartmentID < out[j].DepartmentID
		}
		return out[i].Month.Before(out[j].Month)
	})
	return out, nil
}
