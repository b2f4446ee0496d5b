package rotation

import (
	"context"
	"time"

	"portal/internal/user"
)

// Outstanding is a rotation under way or over whose certificate waits
// for attendance or the evaluation, as the staff's list shows it.
type Outstanding struct {
	ID                         int64
	ApplicantName              string
	DepartmentEN, DepartmentZH string
	StartsOn                   time.Time
	Weeks                      int
	Attendance, Evaluation     bool // recorded already
	// DaysWaiting counts the days since the last day; 0 while the
	// rotation runs.
	DaysWaiting int
}

// EndsOn is the rotation's last day.
func (o Outstanding) EndsOn() time.Time { return EndOf(o.StartsOn, o.Weeks) }

// OutstandingCloses lists the confirmed rotations that have begun and
// still lack confirmed attendance or the evaluation: for the office all,
// for a coordinator those of their departments; longest waiting first.
func (s *Service) OutstandingCloses(ctx context.Context, u *user.User) ([]Outstanding, error) {
	if u == nil || !u.Has(append(PartyRoles[Coordinator], PartyRoles[Office]...)...) {
		return nil, errNotFound
	}
	today := s.Today()
	var rows []struct {
		ID                         int64
		ApplicantName              string
		DepartmentEN, DepartmentZH string
		StartsOn                   time.Time
		Weeks                      int
		Confirmed, Evaluated       *time.Time
	}
	q := s.db.WithContext(ctx).Table("rotation_requests AS r").
		Select("r.id, COALESCE(u.name, '') AS applicant_name, d.name_en AS department_en, d.name_zh AS department_zh, c.starts_on, c.weeks, "+
			"a.attendance_confirmed_at AS confirmed, a.evaluated_at AS evaluated").
		Joins("JOIN rotation_choices AS c ON c.request_id = r.id AND c.rank = r.accepted_choice").
		Joins("JOIN departments AS d ON d.id = c.department_id").
		Joins("LEFT JOIN users AS u ON u.id = r.applicant_id").
		Joins("LEFT JOIN rotation_assessments AS a ON a.request_id = r.id").
		Where("r.status = ? AND c.starts_on <= ?", Confirmed, today).
		Where("(a.attendance_confirmed_at IS NULL OR a.evaluated_at IS NULL)")
	if !u.Has(PartyRoles[Office]...) {
		q = q.Where("c.department_id IN (SELECT department_id FROM rotation_coordinators WHERE user_id = ?)", u.ID)
	}
	if err := q.Order("c.starts_on, r.id").Limit(500).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "outstanding closes")
	}
	out := make([]Outstanding, 0, len(rows))
	for _, r := range rows {
		o := Outstanding{ID: r.ID, ApplicantName: r.ApplicantName, DepartmentEN: r.DepartmentEN, DepartmentZH: r.DepartmentZH,
			StartsOn: Day(r.StartsOn), Weeks: r.Weeks, Attendance: r.Confirmed != nil, Evaluation: r.Evaluated != nil}
		if end := o.EndsOn(); today.After(end) {
			o.DaysWaiting = int(today.Sub(end).Hours() / 24)
		}
		out = append(out, o)
	}
	return out, nil
}
