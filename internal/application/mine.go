package application

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
)

// Summary is one application on its applicant's dashboard: where it
// stands, whose turn it is, and what it asks for.
type Summary struct {
	Application
	Choices []ChoiceDetail
	Turn    Party
}

// DaysInStage is how many whole days an application has been at its
// stage as of now.
func (a Application) DaysInStage(now time.Time) int {
	d := now.Sub(a.StageSince)
	if d < 0 {
		return 0
	}
	return int(d / (24 * time.Hour))
}

// Path is the main line of the outgoing workflow, the steps a progress
// tracker draws.
var Path = []Stage{Draft, Submitted, DepartmentReview, OfficeReview, Nominated, HostAccepted, Confirmed, Completed}

// PathStep is where stage stands on Path: a returned application is back
// before review, a waitlist or a host's refusal waits at the nomination.
// ok is false for an application that ended off the path (rejected,
// withdrawn, declined, expired).
func PathStep(stage Stage) (step int, ok bool) {
	switch stage {
	case Returned:
		return slices.Index(Path, Draft), true
	case Waitlisted, HostRejected:
		return slices.Index(Path, Nominated), true
	}
	i := slices.Index(Path, stage)
	return i, i >= 0
}

// Mine lists u's own applications, newest first, with their choices, in
// two queries whatever their number.
func (s *Service) Mine(ctx context.Context, u *user.User) ([]Summary, error) {
	if u == nil {
		return nil, nil
	}
	tx := s.db.WithContext(ctx)
	var apps []Application
	if err := tx.Where("applicant_id = ? AND direction = ?", u.ID, catalog.Outgoing).
		Order("created_at DESC, id DESC").Find(&apps).Error; err != nil {
		return nil, wrap(err, "my applications")
	}
	if len(apps) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	var cs []ChoiceDetail
	if err := choiceQuery(tx).Where("c.application_id IN ?", ids).Order("c.application_id, c.rank").Scan(&cs).Error; err != nil {
		return nil, wrap(err, "my applications' choices")
	}
	by := map[int64][]ChoiceDetail{}
	for _, c := range cs {
		by[c.ApplicationID] = append(by[c.ApplicationID], c)
	}
	out := make([]Summary, len(apps))
	for i, a := range apps {
		out[i] = Summary{Application: a, Choices: by[a.ID], Turn: Turn(a.Status)}
	}
	return out, nil
}

// Option is an elective and period a student may choose now: a live
// outgoing elective whose window is open, and one of its live periods not
// yet started.
type Option struct {
	ElectiveID, PeriodID int64
	ElectiveTitleEN      string
	ElectiveTitleZH      string
	InstitutionNameEN    string
	InstitutionNameLocal string
	StartsOn, EndsOn     time.Time
	Capacity, Taken      int
}

// SeatsLeft is how many seats the period still has.
func (o Option) SeatsLeft() int { return max(o.Capacity-o.Taken, 0) }

// Options lists what a student may choose today, by institution, elective
// and period start, in one query.
func (s *Service) Options(ctx context.Context) ([]Option, error) {
	today := s.today()
	var out []Option
	err := s.db.WithContext(ctx).Table("periods AS p").
		Select("e.id AS elective_id, p.id AS period_id, e.title_en AS elective_title_en, e.title_zh AS elective_title_zh, "+
			"i.name_en AS institution_name_en, i.name_local AS institution_name_local, p.starts_on, p.ends_on, p.capacity, p.taken").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("e.direction = ? AND e.retired_at IS NULL AND p.retired_at IS NULL", catalog.Outgoing).
		Where("e.opens_on <= ? AND e.closes_on >= ? AND p.starts_on > ?", today, today, today).
		Order("i.name_en, e.title_en, e.id, p.starts_on, p.id").Scan(&out).Error
	return out, wrap(err, "choice options")
}

// Attached returns the document versions with ids, in their order, as a
// page lists an application's documents. Call it with the ids of a Detail:
// Get has decided who may see them.
func (s *Service) Attached(ctx context.Context, ids []int64) ([]document.Document, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []document.Document
	err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("type, id").Find(&out).Error
	return out, wrap(err, "attached documents")
}

// choiceQuery selects choices with what a page shows of them, as
// choiceDetails does for one application.
func choiceQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("application_choices AS c").
		Select("c.*, e.title_en AS elective_title_en, e.title_zh AS elective_title_zh, e.specialty, e.agreement_id, " +
			"i.name_en AS institution_name_en, i.name_local AS institution_name_local, p.starts_on, p.ends_on, p.capacity, p.taken, " +
			"e.retired_at IS NOT NULL AS elective_retired, p.retired_at IS NOT NULL AS period_retired").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("JOIN periods AS p ON p.id = c.period_id")
}
