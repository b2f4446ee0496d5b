package report

import (
	"context"
	"time"

	"gorm.io/gorm"

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
const periodSeatCounts = `SELECT period_id, ` + seatSums + ` FROM period_application_counts GROUP BY period_id`

// seatSums are a period's figures from its counters.
const seatSums = `SUM(CASE WHEN status = 'nominated' THEN current_n ELSE 0 END) AS nominated,
	SUM(CASE WHEN status = 'host_accepted' THEN current_n ELSE 0 END) AS accepted,
	SUM(CASE WHEN status IN ('confirmed', 'completed') THEN current_n ELSE 0 END) AS confirmed,
	SUM(CASE WHEN status = 'waitlisted' THEN current_n ELSE 0 END) AS waitlisted,
	SUM(first_n) AS first_choice`

// seatOrder is the order of the seat fill, the same on every page and in
// the export: by first day, which the index on periods.starts_on gives a
// page without sorting the year, then partner, title and period.
const seatOrder = "p.starts_on, i.name_en, e.title_en, p.id"

// seatScope is the live periods of the outgoing electives that start in
// the filter's year, in the reader's scope, with their electives (e) and
// institutions (i).
func (s *Service) seatScope(ctx context.Context, u *user.User, f Filter) *gorm.DB {
	from, to := dateSpan(s.Year(f))
	q := s.read(ctx).Table("periods AS p").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("e.direction = ? AND p.retired_at IS NULL AND p.starts_on >= ? AND p.starts_on < ?", "outgoing", from, to)
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	return bySpecialty(q, u, "e.specialty")
}

const seatColumns = `p.id AS period_id, e.id AS elective_id, i.id AS institution_id, e.title_en, e.title_zh,
	i.name_en AS institution_en, i.name_local AS institution_local, p.starts_on, p.ends_on, p.capacity`

// Seats reports every live period of the outgoing electives that start in
// the filter's year, with its counts from periodSeatCounts: the export.
func (s *Service) Seats(ctx context.Context, u *user.User, f Filter) ([]SeatRow, error) {
	if err := s.allowKind(u, KindSeats); err != nil {
		return nil, err
	}
	var rows []SeatRow
	err := s.seatScope(ctx, u, f).Joins("LEFT JOIN (" + periodSeatCounts + ") AS k ON k.period_id = p.id").
		Select(seatColumns + `, COALESCE(k.nominated, 0) AS nominated, COALESCE(k.accepted, 0) AS accepted, COALESCE(k.confirmed, 0) AS confirmed,
		COALESCE(k.waitlisted, 0) AS waitlisted, COALESCE(k.first_choice, 0) AS first_choice`).
		Order(seatOrder).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "seat fill")
	}
	if err := s.seatCutoffs(ctx, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// SeatPageSize is how many periods a page of the seat fill shows: a large
// catalog starts tens of thousands of periods a year.
const SeatPageSize = 100

// SeatPage is one page of the seat fill and where it stands in the whole.
type SeatPage struct {
	Rows                       []SeatRow
	Page, Pages, Offset, Total int
}

// SeatsPage reports page n (from 1), of size periods, of the seat fill, in
// the export's order; a page past the last is the last. Only the page's
// periods are counted.
func (s *Service) SeatsPage(ctx context.Context, u *user.User, f Filter, n, size int) (SeatPage, error) {
	if err := s.allowKind(u, KindSeats); err != nil {
		return SeatPage{}, err
	}
	var total int64
	if err := s.seatScope(ctx, u, f).Count(&total).Error; err != nil {
		return SeatPage{}, wrap(err, "seat fill count")
	}
	var page SeatPage
	size = max(size, 1)
	page.Total = int(total)
	page.Pages = max(1, (page.Total+size-1)/size)
	page.Page = min(max(n, 1), page.Pages)
	page.Offset = (page.Page - 1) * size
	if err := s.seatScope(ctx, u, f).Select(seatColumns).Order(seatOrder).Limit(size).Offset(page.Offset).Scan(&page.Rows).Error; err != nil {
		return SeatPage{}, wrap(err, "seat fill page")
	}
	if len(page.Rows) == 0 {
		return page, nil
	}
	ids := make([]int64, len(page.Rows))
	at := map[int64]*SeatRow{}
	for i := range page.Rows {
		ids[i], at[page.Rows[i].PeriodID] = page.Rows[i].PeriodID, &page.Rows[i]
	}
	var counts []struct {
		PeriodID                                                int64
		Nominated, Accepted, Confirmed, Waitlisted, FirstChoice int
	}
	if err := s.read(ctx).Raw(`SELECT period_id, `+seatSums+` FROM period_application_counts WHERE period_id IN ? GROUP BY period_id`, ids).
		Scan(&counts).Error; err != nil {
		return SeatPage{}, wrap(err, "seat fill counts")
	}
	for _, c := range counts {
		r := at[c.PeriodID]
		r.Nominated, r.Accepted, r.Confirmed, r.Waitlisted, r.FirstChoice = c.Nominated, c.Accepted, c.Confirmed, c.Waitlisted, c.FirstChoice
	}
	if err := s.seatCutoffs(ctx, page.Rows); err != nil {
		return SeatPage{}, err
	}
	return page, nil
}
