package privacy

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
)

// Disclosure is one entry of a person's disclosure log: someone other than
// the person saw, downloaded, exported or was refused their records.
type Disclosure struct {
	ID       int64
	PersonID int64
	ActorID  *int64
	Actor    string // name, address and roles then: the entry outlives the actor's account
	Action   string // document.opened, document.refused, export, transfer
	Object   string
	Basis    string // consent, purpose, purpose_not_asked, legal_duty, consent_revoked, request
	At       time.Time
}

// TableName is the disclosure log.
func (Disclosure) TableName() string { return "privacy_disclosures" }

// Disclose writes d through tx, so that an entry commits with the access it
// records.
func Disclose(tx *gorm.DB, d Disclosure) error {
	d.ID = 0
	if err := tx.Create(&d).Error; err != nil {
		return apperr.Internalf("write disclosure: %w", err)
	}
	return nil
}

// Disclosures lists person's disclosure log, newest first, at most limit.
func (s *Service) Disclosures(ctx context.Context, person int64, limit int) ([]Disclosure, error) {
	var out []Disclosure
	err := s.db.WithContext(ctx).Where("person_id = ?", person).Order("id DESC").Limit(limit).Find(&out).Error
	return out, wrap(err, "list disclosures")
}
