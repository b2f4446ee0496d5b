package report

import (
	"context"
	"time"

	"portal/internal/user"
)

// SeatRow is one period of an outgoing elective: its seats and who holds
// or wants them. The counts are of applications whose current choice is
// the period; the first-choice demand counts every submitted application
// that ranked it first.
type SeatRow struct {
	PeriodID, ElectiveID, InstitutionID int64
	TitleEN, TitleZH                    string
	InstitutionEN, InstitutionLocal     string
	StartsOn, EndsOn                    time.Time
	Capacity                            int
	Nominated, Accepted, Confirmed      int
	Waitlisted, FirstChoice             int
	// The last published selection round that took the period in, and
	// the lowest score it placed there (hundredths); HasCutoff is false
	// when it placed nobody there, Round empty when no round did.
	Round       string
	CutoffCenti int
	HasCutoff   bool
}

// FillPercent is the share of seats held by accepted and confirmed
// placements, in whole percent (rounded down); 0 for a period of no seats.
func (r SeatRow) FillPercent() int {
	if r.Capacity == 0 {
		return 0
	}
	return (r.Accepted + r.Confirmed) * 100 / r.Capacity
}

// DemandPerSeat is first-choice demand per seat, in hundredths.
func (r SeatRow) DemandPerSeat() float64 {
	if r.Capacity == 0 {
		return 0
	}
	return float64(r.FirstChoice*100/r.Capacity) / 100
}

// Seats reports every live period of the outgoing electives that start in
// the filter's year: one aggregate over the periods and their few rows of
// period_application_counts (migration 00088), whatever the number of
// applications.
func (s *Service) Seats(ctx context.Context, u *user.User, f Filter) ([]SeatRow, error) {
	if err := s.allowKind(u, KindSeats); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	q := s.read(ctx).Table("periods AS p").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN period_application_counts AS k ON k.period_id = p.id").
		Where("e.direction = ? AND p.retired_at IS NULL AND p.starts_on >= ? AND p.starts_on < ?", "outgoing", from, to)
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	q = bySpecialty(q, u, "e.specialty")
	var rows []SeatRow
	err := q.Select(`p.id AS period_id, e.id AS elective_id, i.id AS institution_id, e.title_en, e.title_zh,
		i.name_en AS institution_en, i.name_local AS institution_local, p.starts_on, p.ends_on, p.capacity,
		SUM(CASE WHEN k.status = 'nominated' THEN k.current_n ELSE 0 END) AS nominated,
		SUM(CASE WHEN k.status = 'host_accepted' THEN k.current_n ELSE 0 END) AS accepted,
		SUM(CASE WHEN k.status IN ('confirmed', 'completed') THEN k.current_n ELSE 0 END) AS confirmed,
		SUM(CASE WHEN k.status = 'waitlisted' THEN k.current_n ELSE 0 END) AS waitlisted,
		COALESCE(SUM(k.first_n), 0) AS first_choice`).
		Group("p.id, e.id, i.id, e.title_en, e.title_zh, i.name_en, i.name_local, p.starts_on, p.ends_on, p.capacity").
		Order("i.name_en, e.title_en, p.starts_on, p.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "seat fill")
	}
	if err := s.seatCutoffs(ctx, rows); err != nil {
		return nil, err
	}
	return rows, nil
}
