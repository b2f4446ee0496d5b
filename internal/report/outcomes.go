package report

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"portal/internal/db"
	"portal/internal/user"
)

// OutcomeRow is one host's answers to the year's nominations. A
// nomination is a choice the office sent (nominated_at set) in the year.
type OutcomeRow struct {
	InstitutionID                   int64
	InstitutionEN, InstitutionLocal string
	Nominations                     int
	Pending                         int // sent, not answered, still waiting
	Accepted, Waitlisted, Rejected  int // the host's answer
	Cancelled                       int // withdrawn or closed before the host answered
	MedianDays                      int // days from nomination to the host's answer
	Answered                        int // how many answers the median is over
}

// The outcomes of a nomination, as nomination_outcome_counts names them.
const (
	outcomePending   = "pending"
	outcomeCancelled = "cancelled"
)

// Outcomes reports the nominations sent in the filter's year per host.
// It reads nomination_outcome_counts (migration 00089), which triggers
// keep exact per elective, UTC year, outcome and days to the answer: a
// few thousand rows when hosts answer after a few usual delays, tens of
// thousands when their answers spread over months, where the choices of
// a year are hundreds of thousands at a million applications. The portal's year is not UTC's: the
// nominations of the hours between the two new years are read from the
// choices themselves and moved into or out of the year. The median is
// taken from the days' histogram.
func (s *Service) Outcomes(ctx context.Context, u *user.User, f Filter) ([]OutcomeRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	year := s.Year(f)
	from, to := s.yearSpan(year)
	utcFrom, utcTo := dateSpan(year)
	t := outcomeTally{}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		if err := t.addSummary(tx, year, f); err != nil {
			return err
		}
		// Each edge adds the nominations in the portal's year but not in
		// UTC's, or takes away those in UTC's but not in the portal's.
		if err := t.addSpan(tx, from, utcFrom, f); err != nil {
			return err
		}
		return t.addSpan(tx, utcTo, to, f)
	})
	if err != nil {
		return nil, wrap(err, "nomination outcomes")
	}
	return t.rows(), nil
}

// snapshot runs fn's reads on one snapshot, so that the summary and the
// edges' choices agree while nominations move: a read-only repeatable
// read transaction on PostgreSQL. SQLite's transactions take the write
// lock here (BEGIN IMMEDIATE), so there fn reads outside one.
func (s *Service) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.db.Dialect != db.Postgres {
		return fn(s.read(ctx))
	}
	return s.read(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// outcomeTally adds up one host's nominations by outcome and its answers
// by whole days.
type outcomeTally map[int64]*hostOutcomes

type hostOutcomes struct {
	row  OutcomeRow
	days map[int]int // answers by whole days from nomination
}

func (t outcomeTally) add(inst int64, en, local, outcome string, days, n int) {
	h := t[inst]
	if h == nil {
		h = &hostOutcomes{row: OutcomeRow{InstitutionID: inst, InstitutionEN: en, InstitutionLocal: local}, days: map[int]int{}}
		t[inst] = h
	}
	o := &h.row
	o.Nominations += n
	switch outcome {
	case "accepted":
		o.Accepted += n
	case "waitlisted":
		o.Waitlisted += n
	case "rejected":
		o.Rejected += n
	case outcomePending:
		o.Pending += n
	default:
		o.Cancelled += n
	}
	if days >= 0 {
		h.days[days] += n
		o.Answered += n
	}
}

// outcomeScope joins the electives (e) of from's elective_id and their
// institutions (i), and applies the filter through them.
func outcomeScope(q *gorm.DB, from string, f Filter) *gorm.DB {
	q = q.Joins("JOIN electives AS e ON e.id = " + from + ".elective_id").Joins("JOIN institutions AS i ON i.id = e.institution_id")
	return electiveFilter(q, f)
}

// electiveFilter applies the filter through the electives (e).
func electiveFilter(q *gorm.DB, f Filter) *gorm.DB {
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	return q
}

// addSummary adds the nominations of year, in UTC, from the summary.
func (t outcomeTally) addSummary(tx *gorm.DB, year int, f Filter) error {
	var rows []struct {
		InstitutionID                   int64
		InstitutionEN, InstitutionLocal string
		Outcome                         string
		AnswerDays                      int
		N                               int
	}
	// Summed per host before the hosts' names are joined: grouping by
	// numbers alone costs a fraction of grouping by names when answers
	// spread over many days (tens of thousands of rows).
	sums := electiveFilter(tx.Table("nomination_outcome_counts AS s").Joins("JOIN electives AS e ON e.id = s.elective_id"), f).
		Select("e.institution_id, s.outcome, s.answer_days, SUM(s.n) AS n").
		Where("s.nominated_year = ?", year).
		Group("e.institution_id, s.outcome, s.answer_days").Having("SUM(s.n) <> 0")
	err := tx.Table("(?) AS g", sums).Joins("JOIN institutions AS i ON i.id = g.institution_id").
		Select(`i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local,
			g.outcome, g.answer_days, g.n`).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.add(r.InstitutionID, r.InstitutionEN, r.InstitutionLocal, r.Outcome, r.AnswerDays, r.N)
	}
	return nil
}

// addSpan adds the nominations made from a to b, or takes away those made
// from b to a when b is earlier, reading the choices: the same rules as
// the summary's triggers.
func (t outcomeTally) addSpan(tx *gorm.DB, a, b time.Time, f Filter) error {
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	if !a.Before(b) {
		return nil
	}
	var rows []struct {
		InstitutionID                   int64
		InstitutionEN, InstitutionLocal string
		HostDecision                    string
		NominatedAt                     time.Time
		DecidedAt                       *time.Time
		Status                          string
		Current                         bool
	}
	err := outcomeScope(tx.Table("application_choices AS c"), "c", f).
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Select(`i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local,
			c.host_decision, c.nominated_at, c.decided_at, a.status, c.rank = a.current_choice AS current`).
		Where("c.nominated_at >= ? AND c.nominated_at < ?", a, b).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		outcome := r.HostDecision
		switch {
		case outcome == "accepted" || outcome == "waitlisted" || outcome == "rejected":
		case r.Current && r.Status == "nominated":
			outcome = outcomePending
		default:
			outcome = outcomeCancelled
		}
		days := -1
		if r.HostDecision != "" && r.DecidedAt != nil {
			days = Days(*r.DecidedAt, r.NominatedAt)
		}
		t.add(r.InstitutionID, r.InstitutionEN, r.InstitutionLocal, outcome, days, sign)
	}
	return nil
}

// rows are the hosts with nominations, by name, each with the median of
// its answers' days.
func (t outcomeTally) rows() []OutcomeRow {
	out := make([]OutcomeRow, 0, len(t))
	for _, h := range t {
		if h.row.Nominations == 0 {
			continue
		}
		o := h.row
		o.MedianDays = histogramPercentile(h.days, 0.5)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].InstitutionEN != out[j].InstitutionEN {
			return out[i].InstitutionEN < out[j].InstitutionEN
		}
		return out[i].InstitutionID < out[j].InstitutionID
	})
	return out
}

// histogramPercentile is Percentile over values given as counts by value.
func histogramPercentile(counts map[int]int, p float64) int {
	values, total := make([]int, 0, len(counts)), 0
	for v, n := range counts {
		if n > 0 {
			values = append(values, v)
			total += n
		}
	}
	if total == 0 {
		return 0
	}
	sort.Ints(values)
	rank := max(int(math.Ceil(p*float64(total)))-1, 0) // as Percentile
	for _, v := range values {
		if rank < counts[v] {
			return v
		}
		rank -= counts[v]
	}
	return 0
}
