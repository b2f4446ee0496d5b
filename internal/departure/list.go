package departure

import (
	"context"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/user"
)

// Row is one confirmed placement on the office's list of departures.
type Row struct {
	Placement
	Missing []Item // nothing when the student is ready to leave
}

// Ready reports whether every item of the row's checklist is done.
func (r Row) Ready() bool { return len(r.Missing) == 0 }

// Departures lists, for the office, the confirmed placements departing
// soonest first with what each student still misses: those not yet over
// when month is "", else those starting in month (YYYY-MM).
func (s *Service) Departures(ctx context.Context, u *user.User, month string) ([]Row, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	q := placements(s.db.WithContext(ctx)).Where("a.status = ?", application.Confirmed)
	if month == "" {
		q = q.Where("a.placed_until >= ?", s.today())
	} else {
		first, err := time.Parse("2006-01", month)
		if err != nil {
			return nil, (apperr.Fields{"month": {Key: "departure.err.month"}}).Err()
		}
		q = q.Where("a.placed_from >= ? AND a.placed_from < ?", first, first.AddDate(0, 1, 0))
	}
	var ps []Placement
	if err := q.Order("a.placed_from, a.id").Scan(&ps).Error; err != nil {
		return nil, wrap(err, "list departures")
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ApplicationID
	}
	var cs []Checklist
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("application_id IN ?", ids).Find(&cs).Error; err != nil {
			return nil, wrap(err, "read checklists")
		}
	}
	byID := make(map[int64]*Checklist, len(cs))
	for i := range cs {
		byID[cs[i].ApplicationID] = &cs[i]
	}
	out := make([]Row, len(ps))
	for i, p := range ps {
		p.PlacedFrom, p.PlacedUntil = catalog.Day(p.PlacedFrom), catalog.Day(p.PlacedUntil)
		c := byID[p.ApplicationID]
		if c == nil {
			c = &Checklist{}
		}
		out[i] = Row{Placement: p, Missing: c.Missing(p.PlacedUntil)}
	}
	return out, nil
}
