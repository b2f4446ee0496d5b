package report

import (
	"context"
	"sort"
	"time"

	"portal/internal/user"
)

// Mobilities are placements that happened or will: an outgoing
// application the student confirmed (or that was completed), an incoming
// rotation the applicant confirmed (or that was completed). Offers not yet
// taken up do not weigh on an exchange's balance.
var mobilityStatuses = []string{"confirmed", "completed"}

// BalanceTolerance is how far, in percent of the larger side, the
// cumulative student-weeks may stray from the agreed ratio and still be
// "in balance": one four-week student more on one side of a long
// exchange should not flag it.
const BalanceTolerance = 10

// ReciprocityRow is one agreement's exchange in one year, and its balance
// since the agreement began. Weeks are student-weeks: an outgoing
// placement's period in whole weeks (a part week counts), an incoming
// rotation's booked weeks.
type ReciprocityRow struct {
	AgreementID, InstitutionID      int64
	Title                           string
	InstitutionEN, InstitutionLocal string
	ValidFrom, ValidUntil           time.Time
	Year                            int
	OutStudents, OutWeeks           int
	InStudents, InWeeks             int
	CumOutWeeks, CumInWeeks         int // every year up to and including Year
	RatioOut, RatioIn               int // agreed outgoing:incoming student-weeks
}

// NetStudents is the year's outgoing students less its incoming ones.
func (r ReciprocityRow) NetStudents() int { return r.OutStudents - r.InStudents }

// NetWeeks is the year's outgoing student-weeks less its incoming ones.
func (r ReciprocityRow) NetWeeks() int { return r.OutWeeks - r.InWeeks }

// Balance is the cumulative net student-weeks since the agreement began:
// positive when the university sent more than it received.
func (r ReciprocityRow) Balance() int { return r.CumOutWeeks - r.CumInWeeks }

// InBalance says whether the cumulative weeks keep the agreed ratio
// within BalanceTolerance: out*in_ratio and in*out_ratio are what the
// ratio says should be equal.
func (r ReciprocityRow) InBalance() bool {
	a, b := r.CumOutWeeks*r.RatioIn, r.CumInWeeks*r.RatioOut
	d, big := a-b, max(a, b)
	if d < 0 {
		d = -d
	}
	return d*100 <= big*BalanceTolerance
}

// weeksOf counts a placement's calendar days in whole weeks, a part week
// as one: a 28-day period is 4 weeks, a 10-day one 2.
func weeksOf(starts, ends time.Time) int {
	days := int(day(ends).Sub(day(starts))/(24*time.Hour)) + 1
	if days < 1 {
		return 0
	}
	return (days + 6) / 7
}

type reciprocityDeal struct {
	ReciprocityRow
	years map[int]*[4]int // out students, out weeks, in students, in weeks
}

// Reciprocity reports every live agreement in effect during the filter's
// year, or with a mobility in it: outgoing placements count under their
// elective's agreement; an incoming rotation counts under the agreement
// of the applicant's home institution in effect on its first day (the
// earliest begun when several are). Mobilities are grouped by agreement
// and dates in SQL, few rows whatever the number of applications, and
// sorted into years here, the same way on both dialects.
func (s *Service) Reciprocity(ctx context.Context, u *user.User, f Filter) ([]ReciprocityRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	year := s.Year(f)
	_, end := dateSpan(year)
	q := s.read(ctx).Table("agreements AS g").Joins("JOIN institutions AS i ON i.id = g.institution_id").
		Where("g.retired_at IS NULL")
	if f.InstitutionID != 0 {
		q = q.Where("g.institution_id = ?", f.InstitutionID)
	}
	var deals []ReciprocityRow
	err := q.Select(`g.id AS agreement_id, g.institution_id, g.title, i.name_en AS institution_en, i.name_local AS institution_local,
		g.valid_from, g.valid_until, g.ratio_out, g.ratio_in`).Order("g.valid_from, g.id").Scan(&deals).Error
	if err != nil {
		return nil, wrap(err, "reciprocity agreements")
	}
	byID := map[int64]*reciprocityDeal{}
	byInst := map[int64][]*reciprocityDeal{}
	for _, d := range deals {
		d.Year, d.RatioOut, d.RatioIn = year, max(d.RatioOut, 1), max(d.RatioIn, 1)
		rd := &reciprocityDeal{ReciprocityRow: d, years: map[int]*[4]int{}}
		byID[d.AgreementID] = rd
		byInst[d.InstitutionID] = append(byInst[d.InstitutionID], rd)
	}
	add := func(rd *reciprocityDeal, starts time.Time, side, n, weeks int) {
		y := rd.years[starts.Year()]
		if y == nil {
			y = &[4]int{}
			rd.years[starts.Year()] = y
		}
		y[side] += n
		y[side+1] += n * weeks
	}
	var out []struct {
		AgreementID      int64
		StartsOn, EndsOn time.Time
		N                int
	}
	// Outgoing placements from the per-period counters (migration 00088):
	// a period's applications in a mobility status whose current choice it
	// is. A choice's elective is its period's.
	oq := s.read(ctx).Table("period_application_counts AS k").
		Joins("JOIN periods AS p ON p.id = k.period_id").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Where("e.agreement_id IS NOT NULL AND k.status IN ? AND k.current_n > 0 AND p.starts_on < ?", mobilityStatuses, end)
	if f.InstitutionID != 0 {
		oq = oq.Where("e.institution_id = ?", f.InstitutionID)
	}
	err = oq.Select("e.agreement_id, p.starts_on, p.ends_on, SUM(k.current_n) AS n").Group("e.agreement_id, p.starts_on, p.ends_on").Scan(&out).Error
	if err != nil {
		return nil, wrap(err, "reciprocity outgoing")
	}
	for _, o := range out {
		if rd := byID[o.AgreementID]; rd != nil {
			add(rd, day(o.StartsOn), 0, o.N, weeksOf(o.StartsOn, o.EndsOn))
		}
	}
	var in []struct {
		InstitutionID int64
		StartsOn      time.Time
		Weeks, N      int
	}
	iq := s.read(ctx).Table("rotation_requests AS r").
		Joins("JOIN rotation_choices AS rc ON rc.request_id = r.id AND rc.rank = r.accepted_choice").
		Joins("JOIN incoming_profiles AS ip ON ip.user_id = r.applicant_id").
		Where("ip.home_institution_id IS NOT NULL AND r.status IN ? AND rc.starts_on < ?", mobilityStatuses, end)
	if f.InstitutionID != 0 {
		iq = iq.Where("ip.home_institution_id = ?", f.InstitutionID)
	}
	err = iq.Select("ip.home_institution_id AS institution_id, rc.starts_on, rc.weeks, COUNT(*) AS n").
		Group("ip.home_institution_id, rc.starts_on, rc.weeks").Scan(&in).Error
	if err != nil {
		return nil, wrap(err, "reciprocity incoming")
	}
	for _, r := range in {
		starts := day(r.StartsOn)
		for _, rd := range byInst[r.InstitutionID] { // earliest begun first
			if !starts.Before(day(rd.ValidFrom)) && !starts.After(day(rd.ValidUntil)) {
				add(rd, starts, 2, r.N, r.Weeks)
				break
			}
		}
	}
	first, last := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	var rows []ReciprocityRow
	for _, d := range deals {
		rd := byID[d.AgreementID]
		r := rd.ReciprocityRow
		for y, v := range rd.years {
			if y == year {
				r.OutStudents, r.OutWeeks, r.InStudents, r.InWeeks = v[0], v[1], v[2], v[3]
			}
			r.CumOutWeeks += v[1]
			r.CumInWeeks += v[3]
		}
		active := !day(r.ValidFrom).After(last) && !day(r.ValidUntil).Before(first)
		if active || r.OutStudents+r.InStudents > 0 {
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].InstitutionEN != rows[j].InstitutionEN {
			return rows[i].InstitutionEN < rows[j].InstitutionEN
		}
		return rows[i].AgreementID < rows[j].AgreementID
	})
	return rows, nil
}
