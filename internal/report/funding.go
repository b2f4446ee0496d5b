package report

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"portal/internal/user"
)

// FundingRow is one student's mobility in the funding register: where,
// when, the scholarship money tied to it and whether the student's report
// is in. A mobility funded in two currencies has a row per currency, so
// that every amount is a plain number.
type FundingRow struct {
	Direction                       string // "outgoing" or "incoming"
	ID                              int64  // the application, or the rotation request
	StudentName                     string
	InstitutionID                   int64 // 0: an incoming student's home entered by name
	InstitutionEN, InstitutionLocal string
	StartsOn, EndsOn                time.Time
	Weeks                           int
	Currency                        string // "" when nothing was awarded
	Awarded                         int64  // awarded and not returned
	Paid                            int64
	ReportSubmitted                 bool // outgoing only: incoming students file none here
}

// Funding reports the register of the mobilities starting in the filter's
// year: outgoing placements with their scholarship awards (internal/
// scholarship) and report (internal/evaluation), and incoming rotations,
// which no scholarship of the portal funds. A specialty narrows it to the
// outgoing electives of that specialty.
func (s *Service) Funding(ctx context.Context, u *user.User, f Filter) ([]FundingRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	scope := s.read(ctx).Table("applications AS a").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN periods AS p ON p.id = c.period_id").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Where("a.direction = ? AND a.status IN ? AND p.starts_on >= ? AND p.starts_on < ?", "outgoing", mobilityStatuses, from, to)
	if f.InstitutionID != 0 {
		scope = scope.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		scope = scope.Where("e.specialty = ?", f.Specialty)
	}
	scope = scope.Session(&gorm.Session{}) // read twice below: each use starts from here
	var outs []FundingRow
	err := scope.Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Joins("LEFT JOIN student_reports AS r ON r.application_id = a.id").
		Select(`a.id, u.name AS student_name, i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local,
			p.starts_on, p.ends_on, r.submitted_at IS NOT NULL AS report_submitted`).Scan(&outs).Error
	if err != nil {
		return nil, wrap(err, "funding register")
	}
	var awards []struct {
		ApplicationID int64
		Currency      string
		Awarded, Paid int64
	}
	err = s.read(ctx).Table("scholarship_awards AS w").
		Joins("JOIN scholarship_requests AS q ON q.id = w.request_id").
		Where("q.application_id IN (?)", scope.Select("a.id")).
		Select(`q.application_id, w.currency,
			SUM(CASE WHEN w.status <> 'returned' THEN w.amount ELSE 0 END) AS awarded,
			SUM(CASE WHEN w.status = 'paid' THEN w.amount ELSE 0 END) AS paid`).
		Group("q.application_id, w.currency").Order("w.currency").Scan(&awards).Error
	if err != nil {
		return nil, wrap(err, "funding awards")
	}
	byApp := map[int64][]int{}
	for i, a := range awards {
		byApp[a.ApplicationID] = append(byApp[a.ApplicationID], i)
	}
	var rows []FundingRow
	for _, o := range outs {
		o.Direction, o.Weeks = "outgoing", weeksOf(o.StartsOn, o.EndsOn)
		if len(byApp[o.ID]) == 0 {
			rows = append(rows, o)
		}
		for _, i := range byApp[o.ID] {
			r := o
			r.Currency, r.Awarded, r.Paid = awards[i].Currency, awards[i].Awarded, awards[i].Paid
			rows = append(rows, r)
		}
	}
	if f.Specialty == "" {
		q := s.read(ctx).Table("rotation_requests AS r").
			Joins("JOIN rotation_choices AS rc ON rc.request_id = r.id AND rc.rank = r.accepted_choice").
			Joins("JOIN users AS u ON u.id = r.applicant_id").
			Joins("LEFT JOIN incoming_profiles AS ip ON ip.user_id = r.applicant_id").
			Joins("LEFT JOIN institutions AS i ON i.id = ip.home_institution_id").
			Where("r.status IN ? AND rc.starts_on >= ? AND rc.starts_on < ?", mobilityStatuses, from, to)
		if f.InstitutionID != 0 {
			q = q.Where("ip.home_institution_id = ?", f.InstitutionID)
		}
		var ins []struct {
			FundingRow
			HomeName string
		}
		err = q.Select(`r.id, u.name AS student_name, COALESCE(i.id, 0) AS institution_id, COALESCE(i.name_en, '') AS institution_en,
			COALESCE(i.name_local, '') AS institution_local, COALESCE(ip.home_institution_name, '') AS home_name, rc.starts_on, rc.weeks`).Scan(&ins).Error
		if err != nil {
			return nil, wrap(err, "funding register incoming")
		}
		for _, in := range ins {
			r := in.FundingRow
			r.Direction = "incoming"
			if r.InstitutionEN == "" {
				r.InstitutionEN = in.HomeName
			}
			r.StartsOn = day(r.StartsOn)
			r.EndsOn = r.StartsOn.AddDate(0, 0, 7*r.Weeks-1)
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.StartsOn.Equal(b.StartsOn) {
			return a.StartsOn.Before(b.StartsOn)
		}
		if a.Direction != b.Direction {
			return a.Direction > b.Direction // outgoing first
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Currency < b.Currency
	})
	return rows, nil
}
