package catalog

import (
	"context"
	"time"
)

// QuotaUse is how much of an agreement's yearly quota one academic year uses.
type QuotaUse struct {
	AgreementID  int64
	AcademicYear int // the year it starts; 2026 is 2026-08-01 to 2027-07-31
	QuotaOut     int
	UsedOut      int // placements taken in outgoing periods starting that year
	QuotaIn      int
	UsedIn       int
}

// Overview is what the office sees on the catalog's admin page.
type Overview struct {
	Today    time.Time
	Expiring []AgreementRow // live agreements ending within 90 days
	Expired  []AgreementRow // live agreements already ended
	Years    []int          // the academic years shown: this one and the next
	Quotas   []AgreementQuota
}

// AgreementQuota is an agreement with its use per academic year.
type AgreementQuota struct {
	AgreementRow
	Use []QuotaUse // one per year of Overview.Years
}

// Overview flags expiring agreements and sums, per agreement and academic
// year, the seats taken in periods of its electives. Taken stays 0 until
// the application workflow reserves seats; the figures come from the real
// periods all the same. Two queries, whatever the number of agreements.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	today := s.today()
	o := &Overview{Today: today}
	rows, err := s.Agreements(ctx, 0, false)
	if err != nil {
		return nil, err
	}
	y := AcademicYear(today)
	o.Years = []int{y, y + 1}
	from := time.Date(y, time.August, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(2, 0, -1)
	var taken []struct {
		AgreementID int64
		Direction   string
		StartsOn    time.Time
		Taken       int
	}
	err = s.db.WithContext(ctx).Table("periods AS p").
		Select("e.agreement_id, e.direction, p.starts_on, p.taken").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Where("e.agreement_id IS NOT NULL AND p.taken > 0 AND p.starts_on BETWEEN ? AND ?", from, to).
		Scan(&taken).Error
	if err != nil {
		return nil, wrap(err, "quota use")
	}
	type key struct {
		id   int64
		year int
	}
	out, in := map[key]int{}, map[key]int{}
	for _, t := range taken {
		k := key{t.AgreementID, AcademicYear(t.StartsOn)}
		if t.Direction == Incoming {
			in[k] += t.Taken
		} else {
			out[k] += t.Taken
		}
	}
	soon := today.AddDate(0, 0, 90)
	for _, a := range rows {
		switch {
		case a.ValidUntil.Before(today):
			o.Expired = append(o.Expired, a)
		case !a.ValidUntil.After(soon):
			o.Expiring = append(o.Expiring, a)
		}
		q := AgreementQuota{AgreementRow: a}
		for _, year := range o.Years {
			k := key{a.ID, year}
			q.Use = append(q.Use, QuotaUse{AgreementID: a.ID, AcademicYear: year, QuotaOut: a.QuotaOut, UsedOut: out[k], QuotaIn: a.QuotaIn, UsedIn: in[k]})
		}
		o.Quotas = append(o.Quotas, q)
	}
	return o, nil
}
