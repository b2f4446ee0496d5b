package mentor

import (
	"context"

	"gorm.io/gorm"

	"portal/internal/user"
)

// SeedDemo gives `portal dev` a few mentors (the given users, in order:
// staff, a resident, a senior student...) welcoming the departments the
// demo rotation requests ask for, and opts every demo request that holds
// or awaits seats in, so that /mentors has proposals to confirm; the
// first user, the office, confirms the first proposal, so that a match and
// its page exist too. It seeds once and reports whether it did.
func (s *Service) SeedDemo(ctx context.Context, users []int64) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Mentor{}).Count(&n).Error; err != nil || n > 0 || len(users) == 0 {
		return false, wrap(err, "demo mentors")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var deps []int64
		if err := tx.Table("rotation_choices").Distinct("department_id").Order("department_id").Pluck("department_id", &deps).Error; err != nil {
			return err
		}
		if len(deps) == 0 {
			return nil
		}
		var partner []int64
		if err := tx.Table("institutions").Where("identifier = ?", "kyoto-u.ac.jp").Limit(1).Pluck("id", &partner).Error; err != nil {
			return err
		}
		today, now := s.today(), s.clock()
		specs := []struct {
			kind      Kind
			langs     string
			interests string
			capacity  int
			exchange  bool
		}{
			{Staff, "en,zh,ja", "global health, surgery", 2, true},
			{Resident, "en,zh", "emergency medicine, research", 1, false},
			{Senior, "en,zh,ko", "pediatrics, hiking", 1, false},
			{Staff, "en,zh,fr", "internal medicine, teaching", 2, false},
		}
		for i, uid := range users {
			if i >= len(specs) {
				break
			}
			sp := specs[i]
			m := Mentor{UserID: uid, Kind: sp.kind, Languages: sp.langs, Interests: sp.interests, Capacity: sp.capacity,
				AvailableFrom: today, AvailableUntil: today.AddDate(1, 0, 0), Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
			if sp.exchange && len(partner) > 0 {
				m.ExchangeInstitutionID = &partner[0]
			}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
			var rows []mentorDepartment
			for j, d := range deps {
				if i == 0 || j%len(specs) == i%len(specs) || j == i {
					rows = append(rows, mentorDepartment{MentorID: m.ID, DepartmentID: d})
				}
			}
			if len(rows) == 0 {
				rows = append(rows, mentorDepartment{MentorID: m.ID, DepartmentID: deps[0]})
			}
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		var reqs []struct{ ID, ApplicantID int64 }
		if err := tx.Table("rotation_requests").Select("id, applicant_id").
			Where("status IN ('submitted', 'department_review', 'office_review', 'accepted', 'confirmed')").Order("id").Scan(&reqs).Error; err != nil {
			return err
		}
		interests := []string{"surgery, global health", "pediatrics", "research", "emergency medicine, hiking"}
		for i, r := range reqs {
			o := OptIn{RequestID: r.ID, StudentID: r.ApplicantID, Languages: "en,ja", Interests: interests[i%len(interests)], CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&o).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, wrap(err, "demo mentors")
	}
	office := &user.User{ID: users[0], Roles: []user.Role{user.Office}}
	b, err := s.Board(ctx, office)
	if err != nil || len(b.Proposals) == 0 {
		return true, err
	}
	_, err = s.Confirm(ctx, office, b.Proposals[0].RequestID, b.Proposals[0].Mentor.ID)
	return true, err
}
