package application

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
)

// Audit actions of scope grants.
const (
	ScopeGranted = "application.scope_granted"
	ScopeRevoked = "application.scope_revoked"
)

// scopeRow is one specialty a department reviewer reviews.
type scopeRow struct {
	UserID    int64
	Specialty string
	GrantedBy *int64
	GrantedAt time.Time
}

func (scopeRow) TableName() string { return "reviewer_scopes" }

// Scope lists the specialties a department reviewer reviews, in the
// catalog's order. The office and admins see everything and need none.
func (s *Service) Scope(ctx context.Context, userID int64) ([]string, error) {
	var have []string
	err := s.db.WithContext(ctx).Model(&scopeRow{}).Where("user_id = ?", userID).Pluck("specialty", &have).Error
	if err != nil {
		return nil, wrap(err, "reviewer scope")
	}
	var out []string
	for _, sp := range catalog.Specialties {
		if slices.Contains(have, sp) {
			out = append(out, sp)
		}
	}
	return out, nil
}

// GrantScope lets a department reviewer review applications of specialty,
// audited in the same transaction; by is the admin who granted it.
func (s *Service) GrantScope(ctx context.Context, userID int64, specialty string, by int64, m audit.Meta) error {
	if !slices.Contains(catalog.Specialties, specialty) {
		f := apperr.Fields{}
		f.Add("specialty", "form.not_a_choice")
		return f.Err()
	}
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Take(&user.User{}, userID).Error; err != nil {
			return err
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&scopeRow{UserID: userID, Specialty: specialty, GrantedBy: &by, GrantedAt: now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return audit.Write(tx, audit.New(now, &by, ScopeGranted, m, map[string]any{"user_id": userID, "specialty": specialty}).On("user", userID))
	}), "grant scope")
}

// RevokeScope takes a specialty back from a reviewer, audited.
func (s *Service) RevokeScope(ctx context.Context, userID int64, specialty string, by int64, m audit.Meta) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ? AND specialty = ?", userID, specialty).Delete(&scopeRow{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return audit.Write(tx, audit.New(now, &by, ScopeRevoked, m, map[string]any{"user_id": userID, "specialty": specialty}).On("user", userID))
	}), "revoke scope")
}

func inScope(tx *gorm.DB, userID int64, specialty string) (bool, error) {
	var n int64
	err := tx.Model(&scopeRow{}).Where("user_id = ? AND specialty = ?", userID, specialty).Count(&n).Error
	return n > 0, err
}

// DocumentScope is the wallet's document.Scope once applications exist: a
// reader may open a document version attached to an application they may
// see as a reviewer in scope or as the office (never a draft). Pass it as
// document.Options.Scope.
func (s *Service) DocumentScope(_ context.Context, tx *gorm.DB, reader *user.User, doc *document.Document) (bool, error) {
	var apps []Application
	err := tx.Table("applications").Select("applications.*").
		Joins("JOIN document_attachments AS da ON da.application_id = applications.id").
		Where("da.document_id = ? AND applications.status <> ?", doc.ID, Draft).Find(&apps).Error
	if err != nil {
		return false, err
	}
	for i := range apps {
		parties, err := partiesOf(tx, reader, &apps[i])
		if err != nil {
			return false, err
		}
		if slices.Contains(parties, Reviewer) || slices.Contains(parties, Office) {
			return true, nil
		}
	}
	return false, nil
}

var _ document.Scope = (*Service)(nil).DocumentScope
