package evaluation

import (
	"context"
	"time"

	"portal/internal/application"
	"portal/internal/user"
)

// HostRow is one placement over, with its host evaluation or how long it
// has been outstanding: a row of the office's list and of its export.
type HostRow struct {
	ApplicationID int64
	StudentName   string
	ElectiveEn    string
	ElectiveZh    string
	Host          string
	PlacedUntil   time.Time
	Days          int             // since the last day
	AskedAt       *time.Time      `gorm:"-"` // the first link, nil while nobody was asked
	Evaluation    *HostEvaluation `gorm:"-"`
}

// hostListDays is how far back the list reaches for placements already
// completed; confirmed ones (still open) are listed however old.
const hostListDays = 365

// HostEvaluations lists, for the office, every placement whose last day
// has come and that is still confirmed or was completed in the last year:
// outstanding ones first, longest waiting first, then the evaluated ones,
// newest first.
func (s *Service) HostEvaluations(ctx context.Context, u *user.User) ([]HostRow, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	today := s.today()
	var rows []HostRow
	q := s.db.WithContext(ctx)
	err := q.Table("applications AS a").
		Select("a.id AS application_id, u.name AS student_name, e.title_en AS elective_en, e.title_zh AS elective_zh, i.name_en AS host, a.placed_until").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("a.direction = ? AND a.placed_until <= ?", "outgoing", today).
		Where("a.status = ? OR (a.status = ? AND a.placed_until >= ?)", application.Confirmed, application.Completed, today.AddDate(0, 0, -hostListDays)).
		Order("a.placed_until, a.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "list host evaluations")
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ApplicationID
	}
	var evs []HostEvaluation
	if len(ids) > 0 {
		if err := q.Where("application_id IN ?", ids).Find(&evs).Error; err != nil {
			return nil, wrap(err, "read host evaluations")
		}
	}
	var links []SupervisorLink
	if len(ids) > 0 {
		if err := q.Where("application_id IN ?", ids).Order("id").Find(&links).Error; err != nil {
			return nil, wrap(err, "read supervisor links")
		}
	}
	asked := map[int64]*time.Time{}
	for i := range links {
		if asked[links[i].ApplicationID] == nil {
			asked[links[i].ApplicationID] = &links[i].CreatedAt
		}
	}
	by := map[int64]*HostEvaluation{}
	for i := range evs {
		by[evs[i].ApplicationID] = &evs[i]
	}
	var open, done []HostRow
	for _, r := range rows {
		r.Days, r.AskedAt = days(r.PlacedUntil, today), asked[r.ApplicationID]
		if r.Evaluation = by[r.ApplicationID]; r.Evaluation == nil {
			open = append(open, r)
		} else {
			done = append([]HostRow{r}, done...)
		}
	}
	return append(open, done...), nil
}
