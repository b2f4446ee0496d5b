package report

import (
	"context"
	"time"

	"portal/internal/user"
)

// AgreementRow is one live agreement's health on the report's day.
type AgreementRow struct {
	ID, InstitutionID               int64
	Title, Kind                     string
	InstitutionEN, InstitutionLocal string
	ValidFrom, ValidUntil           time.Time
	QuotaOut, QuotaIn               int
	UsedOut                         int // outgoing nominations holding the year's quota
	InEffect                        bool
	MonthsLeft                      int // whole months to expiry; 0 once expired
	YearsLeft                       int // whole years to expiry
	LastMobility                    int // the last year a placement started under it; 0 for none
}

// QuotaPercent is the share of the year's outgoing quota in use.
func (r AgreementRow) QuotaPercent() int {
	if r.QuotaOut == 0 {
		return 0
	}
	return r.UsedOut * 100 / r.QuotaOut
}

// Agreements reports every live agreement, soonest to expire first: two
// aggregates, the agreements with their year's quota use, and the start
// days of their confirmed placements.
func (s *Service) Agreements(ctx context.Context, u *user.User, f Filter) ([]AgreementRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	year := s.Year(f)
	q := s.read(ctx).Table("agreements AS g").Joins("JOIN institutions AS i ON i.id = g.institution_id").
		Where("g.retired_at IS NULL")
	if f.InstitutionID != 0 {
		q = q.Where("g.institution_id = ?", f.InstitutionID)
	}
	var rows []AgreementRow
	err := q.Select(`g.id, i.id AS institution_id, g.title, g.kind, i.name_en AS institution_en, i.name_local AS institution_local,
		g.valid_from, g.valid_until, g.quota_out, g.quota_in`).
		Order("g.valid_until, g.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "agreement health")
	}
	// The quota places taken this year, in one pass over the choices that
	// hold one (application_choices_quota), not a probe per agreement.
	var used []struct {
		AgreementID int64
		N           int
	}
	err = s.read(ctx).Table("application_choices").Where("quota_agreement_id IS NOT NULL AND quota_year = ?", year).
		Select("quota_agreement_id AS agreement_id, COUNT(*) AS n").Group("quota_agreement_id").Scan(&used).Error
	if err != nil {
		return nil, wrap(err, "agreement quota use")
	}
	usedBy := map[int64]int{}
	for _, x := range used {
		usedBy[x.AgreementID] = x.N
	}
	// Placements under each agreement, one row per start day (few: a
	// period's days), so that the latest year is read here on both dialects.
	// The per-period counters (migration 00088) say which periods hold a
	// confirmed or completed application as its current choice.
	var starts []struct {
		AgreementID int64
		StartsOn    sqlDate // SQLite's MAX gives the text it stored
	}
	err = s.read(ctx).Table("period_application_counts AS k").
		Joins("JOIN periods AS p ON p.id = k.period_id").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Where("e.agreement_id IS NOT NULL AND k.status IN ? AND k.current_n > 0", mobilityStatuses).
		Select("e.agreement_id, MAX(p.starts_on) AS starts_on").Group("e.agreement_id").Scan(&starts).Error
	if err != nil {
		return nil, wrap(err, "agreement mobilities")
	}
	last := map[int64]int{}
	for _, st := range starts {
		if y := st.StartsOn.t.Year(); y > last[st.AgreementID] {
			last[st.AgreementID] = y
		}
	}
	today := s.zone.Day(s.now())
	for i := range rows {
		r := &rows[i]
		from, until := day(r.ValidFrom), day(r.ValidUntil)
		r.InEffect = !today.Before(from) && !today.After(until)
		r.MonthsLeft = MonthsBetween(today, until)
		r.YearsLeft = r.MonthsLeft / 12
		r.LastMobility, r.UsedOut = last[r.ID], usedBy[r.ID]
	}
	return rows, nil
}

// day is a DATE column's calendar day at midnight UTC, whatever location
// the driver read it in.
func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// MonthsBetween counts the whole months from one calendar day to a later
// one; 0 when to is not after from.
func MonthsBetween(from, to time.Time) int {
	from, to = day(from), day(to)
	if !to.After(from) {
		return 0
	}
	m := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
	if to.Day() < from.Day() {
		m--
	}
	return m
}
