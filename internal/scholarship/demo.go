package scholarship

import (
	"context"

	"gorm.io/gorm"

	"portal/internal/user"
)

// SeedDemo gives `portal dev` one open call on the first funding
// opportunity with a few submitted, scored requests from the demo
// students' nominated or placed applications, inserted in batches. It
// reports whether it seeded anything; it seeds once.
func (s *Service) SeedDemo(ctx context.Context, office *user.User) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Call{}).Count(&n).Error; err != nil || n > 0 {
		return false, wrap(err, "demo calls")
	}
	var fund []struct{ ID int64 }
	if err := s.db.WithContext(ctx).Table("funding").Select("id").Where("retired_at IS NULL").Order("id").Limit(1).Scan(&fund).Error; err != nil || len(fund) == 0 {
		return false, wrap(err, "demo funding")
	}
	deadline := s.zone.Day(s.clock()).AddDate(0, 0, 21).Format("2006-01-02")
	c, err := s.Create(ctx, office, CallInput{FundingID: fund[0].ID, Name: "Study abroad scholarships " + s.zone.Day(s.clock()).AddDate(1, 0, 0).Format("2006"),
		Year: s.zone.Day(s.clock()).AddDate(1, 0, 0).Format("2006"), Deadline: deadline, PerAward: "60000", MaxAwards: "2",
		Components: []ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "70", MaxValue: "100"},
			{NameEN: "Interview", NameZH: "面談", Weight: "30", MaxValue: "10"}}})
	if err != nil {
		return false, err
	}
	var apps []struct{ ID, ApplicantID int64 }
	err = s.db.WithContext(ctx).Table("applications").Select("MIN(id) AS id, applicant_id").
		Where("direction = 'outgoing' AND status IN ?", qualifying).Group("applicant_id").Order("applicant_id").Limit(4).Scan(&apps).Error
	if err != nil || len(apps) == 0 {
		return true, wrap(err, "demo requests")
	}
	return true, wrap(s.tx(ctx, func(tx *gorm.DB) error {
		now := s.clock()
		reqs := make([]Request, len(apps))
		for i, a := range apps {
			reqs[i] = Request{CallID: c.ID, StudentID: a.ApplicantID, ApplicationID: a.ID, Amount: c.PerAward, State: Submitted, Version: 1,
				Motivation: "The elective's travel and housing cost more than my family can cover.", SubmittedAt: &now, CreatedAt: now, UpdatedAt: now}
		}
		if err := tx.Create(&reqs).Error; err != nil {
			return err
		}
		var comps []Component
		if err := tx.Where("call_id = ?", c.ID).Order("ordinal").Find(&comps).Error; err != nil {
			return err
		}
		grades, talks := []int{8650, 9120, 7880, 8990}, []int{800, 650, 900, 720}
		var scores []score
		for i, r := range reqs {
			scores = append(scores, score{RequestID: r.ID, ComponentID: comps[0].ID, ValueCenti: grades[i%4], UpdatedBy: office.ID, UpdatedAt: now},
				score{RequestID: r.ID, ComponentID: comps[1].ID, ValueCenti: talks[i%4], UpdatedBy: office.ID, UpdatedAt: now})
		}
		return tx.Create(&scores).Error
	}), "demo requests")
}
