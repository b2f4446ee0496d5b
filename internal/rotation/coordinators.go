package rotation

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/user"
)

// Audit actions of coordinator scopes.
const (
	CoordinatorGranted = "rotation.coordinator_granted"
	CoordinatorRevoked = "rotation.coordinator_revoked"
)

// Person is someone a page lists by name.
type Person struct {
	ID          int64
	Name, Email string
}

// Coordinators lists the coordinators of department dep, and the people
// holding the coordinator role who could become one, for the office.
func (s *Service) Coordinators(ctx context.Context, u *user.User, dep int64) (current, candidates []Person, err error) {
	if u == nil || !u.Has(PartyRoles[Office]...) {
		return nil, nil, errNotFound
	}
	q := s.db.WithContext(ctx)
	err = q.Table("users AS u").Select("u.id, u.name, u.email").
		Joins("JOIN rotation_coordinators AS k ON k.user_id = u.id").Where("k.department_id = ?", dep).
		Order("u.name, u.id").Scan(&current).Error
	if err != nil {
		return nil, nil, wrap(err, "coordinators")
	}
	// The role comes from the identity provider's claims or from a grant.
	err = q.Table("users AS u").Select("u.id, u.name, u.email").
		Where("(',' || u.claim_roles || ',' LIKE ? OR u.id IN (SELECT user_id FROM user_roles WHERE role = ?))", "%,"+string(user.Coordinator)+",%", user.Coordinator).
		Where("u.id NOT IN (SELECT user_id FROM rotation_coordinators WHERE department_id = ?)", dep).
		Order("u.name, u.id").Limit(200).Scan(&candidates).Error
	return current, candidates, wrap(err, "coordinator candidates")
}

// Grant makes userID, who must hold the coordinator role, a coordinator of
// department dep; by, of the office, is audited in the same transaction.
func (s *Service) Grant(ctx context.Context, by *user.User, userID, dep int64, m audit.Meta) error {
	if by == nil || !by.Has(PartyRoles[Office]...) {
		return errNotFound
	}
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.mayManage(tx, by, dep); err != nil {
			return err
		}
		var n int64
		err := tx.Table("users AS u").Where("u.id = ? AND (',' || u.claim_roles || ',' LIKE ? OR u.id IN (SELECT user_id FROM user_roles WHERE role = ?))",
			userID, "%,"+string(user.Coordinator)+",%", user.Coordinator).Count(&n).Error
		if err != nil {
			return err
		}
		if n == 0 {
			f := apperr.Fields{}
			f.Add("user", "rotation.err.not_coordinator")
			return f.Err()
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&coordinatorRow{UserID: userID, DepartmentID: dep, GrantedAt: now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return audit.Write(tx, audit.New(now, &by.ID, CoordinatorGranted, m, map[string]any{"user_id": userID, "department_id": dep}).On("user", userID))
	}), "grant coordinator")
}

// Revoke takes department dep from coordinator userID, audited.
func (s *Service) Revoke(ctx context.Context, by *user.User, userID, dep int64, m audit.Meta) error {
	if by == nil || !by.Has(PartyRoles[Office]...) {
		return errNotFound
	}
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ? AND department_id = ?", userID, dep).Delete(&coordinatorRow{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return audit.Write(tx, audit.New(now, &by.ID, CoordinatorRevoked, m, map[string]any{"user_id": userID, "department_id": dep}).On("user", userID))
	}), "revoke coordinator")
}
