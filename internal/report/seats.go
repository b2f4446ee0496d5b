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

// periodSeatCounts sums each period's rows of period_application_counts
// (migration 00088) into the figures of a SeatRow: a few rows per period,
// whatever the number of applications. Summed before the join, so that
// the periods are neither multiplied by their statuses nor grouped by
// their titles.
const periodSeatCounts = `SELECT period_id,
	SUM(CASE WHEN status = 'nominated' THEN current_n ELSE 0 END) AS nominated,
	SUM(CASE WHEN status = 'host_accepted' THEN current_n ELSE 0 END) AS accepted,
	SUM(CASE WHEN status IN ('confirmed', 'completed') THEN current_n ELSE 0 END) AS confirmed,
	SUM(CASE WHEN status = 'waitlisted' THEN current_n ELSE 0 END) AS waitlisted,
	SUM(first_n) AS first_choice
	FROM period_application_counts GROUP BY period_id`

// Seats reports every live period of the outgoing electives that start in
// the filter's year, with its counts from periodSeatCounts.
func (s *Service) Seats(ctx context.Context, u *user.User, f Filter) ([]SeatRow, error) {
	if err := s.allowKind(u, KindSeats); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	q := s.read(ctx).Table("periods AS p").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN ("+periodSeatCounts+") AS k ON k.period_id = p.id").
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
		COALESCE(k.nominated, 0) AS nominated, COALESCE(k.accepted, 0) AS accepted, COALESCE(k.confirmed, 0) AS confirmed,
		COALESCE(k.waitlisted, 0) AS waitlisted, COALESCE(k.first_choice, 0) AS first_choice`).
		Order("i.name_en, e.title_en, p.starts_on, p.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "seat fill")
	}
	if err := s.seatCutoffs(ctx, rows); err != nil {
		return nil, err
	}
	return rows, nil
}
