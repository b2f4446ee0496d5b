package catalog

import (
	"context"
	"time"
)

// Today is the catalog's calendar day, by the same clock as its rules, so
// that the pages count days remaining the way the service checks deadlines.
func (s *Service) Today() time.Time { return s.today() }

// InstitutionCards returns the live electives of an institution, both
// directions, as search cards with their seats: two queries, whatever the
// number of electives.
func (s *Service) InstitutionCards(ctx context.Context, institutionID int64) ([]Card, error) {
	var cards []Card
	err := s.db.WithContext(ctx).Table("electives AS e").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("e.retired_at IS NULL AND e.institution_id = ?", institutionID).
		Select(`e.id AS elective_id, e.title_en, e.title_zh, e.kind, e.specialty, e.language, e.duration_weeks,
			e.fee_amount, e.fee_currency, e.opens_on, e.closes_on, i.id AS institution_id,
			i.name_en AS institution_name_en, i.name_local AS institution_name_local, i.country, i.city`).
		Order("e.title_en, e.id").
		Scan(&cards).Error
	if err != nil {
		return nil, wrap(err, "electives of institution")
	}
	return cards, s.fillSeats(ctx, cards, s.today())
}
