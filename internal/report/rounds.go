package report

import (
	"context"
	"time"

	"portal/internal/user"
)

// publishedRounds are the states of a selection round whose outcomes the
// students were told (internal/selection's Published and Closed).
var publishedRounds = []string{"published", "closed"}

// RoundRow is one published selection round: how its applicants came
// out. Placed[0] is placed at their first choice, and so on.
type RoundRow struct {
	ID          int64
	Name, Term  string
	PublishedAt time.Time
	Applicants  int
	Placed      [3]int
	Waitlisted  int
	Unplaced    int
}

// PlacedAll is every placement of the round, whatever the choice.
func (r RoundRow) PlacedAll() int { return r.Placed[0] + r.Placed[1] + r.Placed[2] }

// CutoffRow is one period of a published round: the seats it placed and
// the lowest score placed there (the cutoff, in hundredths); HasCutoff is
// false when nobody was placed there.
type CutoffRow struct {
	RoundID                         int64
	Round                           string
	PeriodID, ElectiveID            int64
	TitleEN, TitleZH                string
	InstitutionEN, InstitutionLocal string
	StartsOn, EndsOn                time.Time
	Placed                          int
	CutoffCenti                     int
	HasCutoff                       bool
}

// Rounds is report 6: the rounds published in the year and the cutoffs
// of their periods.
type Rounds struct {
	Rows    []RoundRow
	Cutoffs []CutoffRow
}

// Rounds reports the selection rounds published in the filter's year (in
// the portal's zone). The outcomes are one row per round and application,
// so both tables are single aggregates. A partner filter keeps the rounds
// that took in a period of the partner, and its periods only; a specialty
// filter counts the applications of that specialty and its periods.
func (s *Service) Rounds(ctx context.Context, u *user.User, f Filter) (*Rounds, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	from, to := s.yearSpan(s.Year(f))
	q := s.read(ctx).Table("selection_rounds AS r").
		Joins("JOIN selection_outcomes AS o ON o.round_id = r.id").
		Joins("JOIN applications AS a ON a.id = o.application_id").
		Where("r.state IN ? AND r.published_at >= ? AND r.published_at < ?", publishedRounds, from, to)
	if f.InstitutionID != 0 {
		q = q.Where(`EXISTS (SELECT 1 FROM selection_round_periods AS rp JOIN periods AS p ON p.id = rp.period_id
			JOIN electives AS e ON e.id = p.elective_id WHERE rp.round_id = r.id AND e.institution_id = ?)`, f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("a.specialty = ?", f.Specialty)
	}
	var rows []struct {
		ID                  int64
		Name, Term          string
		PublishedAt         time.Time
		N, P1, P2, P3, W, U int
	}
	err := q.Select(`r.id, r.name, r.term, r.published_at, COUNT(*) AS n,
		SUM(CASE WHEN o.outcome = 'placed' AND o.rank_given = 1 THEN 1 ELSE 0 END) AS p1,
		SUM(CASE WHEN o.outcome = 'placed' AND o.rank_given = 2 THEN 1 ELSE 0 END) AS p2,
		SUM(CASE WHEN o.outcome = 'placed' AND o.rank_given = 3 THEN 1 ELSE 0 END) AS p3,
		SUM(CASE WHEN o.outcome = 'waitlisted' THEN 1 ELSE 0 END) AS w,
		SUM(CASE WHEN o.outcome = 'unplaced' THEN 1 ELSE 0 END) AS u`).
		Group("r.id, r.name, r.term, r.published_at").Order("r.published_at DESC, r.id DESC").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "rounds")
	}
	out := &Rounds{}
	for _, r := range rows {
		out.Rows = append(out.Rows, RoundRow{ID: r.ID, Name: r.Name, Term: r.Term, PublishedAt: r.PublishedAt, Applicants: r.N,
			Placed: [3]int{r.P1, r.P2, r.P3}, Waitlisted: r.W, Unplaced: r.U})
	}
	c := s.read(ctx).Table("selection_rounds AS r").
		Joins("JOIN selection_round_periods AS rp ON rp.round_id = r.id").
		Joins("JOIN periods AS p ON p.id = rp.period_id").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN selection_outcomes AS o ON o.round_id = r.id AND o.period_id = p.id AND o.outcome = 'placed'").
		Where("r.state IN ? AND r.published_at >= ? AND r.published_at < ?", publishedRounds, from, to)
	if f.InstitutionID != 0 {
		c = c.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		c = c.Where("e.specialty = ?", f.Specialty)
	}
	var cuts []struct {
		CutoffRow
		Cut *int
	}
	err = c.Select(`r.id AS round_id, r.name AS round, p.id AS period_id, e.id AS elective_id, e.title_en, e.title_zh,
		i.name_en AS institution_en, i.name_local AS institution_local, p.starts_on, p.ends_on,
		COUNT(o.application_id) AS placed, MIN(o.score_centi) AS cut`).
		Group("r.id, r.name, r.published_at, p.id, e.id, e.title_en, e.title_zh, i.name_en, i.name_local, p.starts_on, p.ends_on").
		Order("r.published_at DESC, r.id DESC, i.name_en, e.title_en, p.starts_on, p.id").Scan(&cuts).Error
	if err != nil {
		return nil, wrap(err, "round cutoffs")
	}
	for _, x := range cuts {
		row := x.CutoffRow
		if x.Cut != nil {
			row.CutoffCenti, row.HasCutoff = *x.Cut, true
		}
		out.Cutoffs = append(out.Cutoffs, row)
	}
	return out, nil
}

// seatCutoffs fills each seat row's round and cutoff from the last
// published round that took its period in: one aggregate per period and
// round over the outcomes, the latest round kept here.
func (s *Service) seatCutoffs(ctx context.Context, rows []SeatRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PeriodID
	}
	var cuts []struct {
		PeriodID, RoundID int64
		Name              string
		PublishedAt       time.Time
		Cut               *int
	}
	err := s.read(ctx).Table("selection_round_periods AS rp").
		Joins("JOIN selection_rounds AS r ON r.id = rp.round_id").
		Joins("LEFT JOIN selection_outcomes AS o ON o.round_id = r.id AND o.period_id = rp.period_id AND o.outcome = 'placed'").
		Where("rp.period_id IN ? AND r.state IN ? AND r.published_at IS NOT NULL", ids, publishedRounds).
		Select("rp.period_id, r.id AS round_id, r.name, r.published_at, MIN(o.score_centi) AS cut").
		Group("rp.period_id, r.id, r.name, r.published_at").Scan(&cuts).Error
	if err != nil {
		return wrap(err, "seat cutoffs")
	}
	type latest struct {
		at    time.Time
		round int64
		name  string
		cut   *int
	}
	last := map[int64]latest{}
	for _, c := range cuts {
		l, ok := last[c.PeriodID]
		if !ok || c.PublishedAt.After(l.at) || (c.PublishedAt.Equal(l.at) && c.RoundID > l.round) {
			last[c.PeriodID] = latest{at: c.PublishedAt, round: c.RoundID, name: c.Name, cut: c.Cut}
		}
	}
	for i := range rows {
		if l, ok := last[rows[i].PeriodID]; ok {
			rows[i].Round = l.name
			if l.cut != nil {
				rows[i].CutoffCenti, rows[i].HasCutoff = *l.cut, true
			}
		}
	}
	return nil
}
