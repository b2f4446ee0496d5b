package catalog

import "context"

// ExpiringAgreement is an agreement in force that ends soon, with its
// partner's name: the office's home lists them so that renewals start in
// time.
type ExpiringAgreement struct {
	Agreement
	InstitutionNameEN string
}

// AgreementsExpiring lists the live agreements whose last day falls within
// days from today, soonest first.
func (s *Service) AgreementsExpiring(ctx context.Context, days int) ([]ExpiringAgreement, error) {
	today := s.Today()
	var out []ExpiringAgreement
	err := s.db.WithContext(ctx).Table("agreements AS a").Select("a.*, i.name_en AS institution_name_en").
		Joins("JOIN institutions AS i ON i.id = a.institution_id").
		Where("a.retired_at IS NULL AND i.retired_at IS NULL AND a.valid_until >= ? AND a.valid_until <= ?", today, today.AddDate(0, 0, days)).
		Order("a.valid_until, a.id").Scan(&out).Error
	if err != nil {
		return nil, wrap(err, "agreements expiring")
	}
	return out, nil
}

// AgreementExpiryDays is how far ahead the office's home looks for
// agreements ending: a renewal takes months.
const AgreementExpiryDays = 90
