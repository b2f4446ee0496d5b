package bench

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
)

// RoundSizes is a selection round to publish (issue 14's figure: 5,000
// applicants with 3 choices over 600 periods).
type RoundSizes struct {
	Applicants, Choices, Periods int
}

// RoundData is what GenerateRound added: the round's periods and the
// applications that chose them.
type RoundData struct {
	PeriodIDs      []int64
	ApplicationIDs []int64
}

// GenerateRound adds a round's worth of applicants to a database Generate
// filled: sizes.Periods new periods on its live outgoing electives, and
// one application per student, approved by its department (the stage a
// publication nominates from) with sizes.Choices distinct choices among
// them. The periods are new so that no application generated before
// joins the round: its applicants are exactly these.
func GenerateRound(ctx context.Context, d *db.DB, sizes RoundSizes, seed uint64, now time.Time) (RoundData, error) {
	var out RoundData
	tx := d.WithContext(ctx)
	var students []int64
	if err := tx.Table("users").Where("claim_roles = ?", "student").Order("id DESC").Limit(sizes.Applicants).
		Pluck("id", &students).Error; err != nil {
		return out, err
	}
	var electives []catalog.Elective
	if err := tx.Where("direction = ? AND retired_at IS NULL", catalog.Outgoing).Order("id").
		Limit(sizes.Periods).Find(&electives).Error; err != nil {
		return out, err
	}
	if len(students) < sizes.Applicants || len(electives) == 0 || sizes.Periods < sizes.Choices {
		return out, fmt.Errorf("bench: a round of %d needs as many students (have %d) and live outgoing electives (have %d)",
			sizes.Applicants, len(students), len(electives))
	}
	rng := newRand(seed + 14)
	// Each period starts well after every period Generate made, so none
	// overlaps a placement the student might hold.
	day := time.Date(now.Year()+2, 1, 4, 0, 0, 0, 0, time.UTC)
	periods := make([]catalog.Period, sizes.Periods)
	for i := range periods {
		e := electives[i%len(electives)]
		start := day.AddDate(0, 0, 7*rng.IntN(40))
		periods[i] = catalog.Period{
			ElectiveID: e.ID, StartsOn: start, EndsOn: start.AddDate(0, 0, 7*max(e.DurationWeeks, 1)-1),
			Capacity: 1 + rng.IntN(4), CreatedAt: now, UpdatedAt: now,
		}
	}
	err := tx.Transaction(func(tx *gorm.DB) error {
		if err := insert(tx, "round periods", periods); err != nil {
			return err
		}
		// Generate's yearly quotas (1 to 10 students per agreement) would
		// let a few hundred of the 5,000 through: a round this size is a
		// school with agreements to match, where the seats decide.
		ids := make([]int64, 0, len(electives))
		for _, e := range electives {
			if e.AgreementID != nil {
				ids = append(ids, *e.AgreementID)
			}
		}
		if len(ids) > 0 {
			if err := tx.Table("agreements").Where("id IN ?", ids).
				Update("quota_out", sizes.Applicants).Error; err != nil {
				return err
			}
		}
		apps := make([]application.Application, sizes.Applicants)
		picks := make([][]catalog.Period, len(apps))
		since := now.Add(-48 * time.Hour)
		for i := range apps {
			for len(picks[i]) < sizes.Choices {
				p := periods[rng.IntN(len(periods))]
				dup := false
				for _, q := range picks[i] {
					dup = dup || q.ID == p.ID
				}
				if !dup {
					picks[i] = append(picks[i], p)
				}
			}
			submitted := since.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
			apps[i] = application.Application{
				ApplicantID: students[i], Direction: "outgoing", Status: application.OfficeReview, Version: 4,
				Statement: "I would like to see how medicine is practised abroad.", CurrentChoice: 1,
				StageSince: since, SubmittedAt: &submitted, CreatedAt: submitted.Add(-time.Hour), UpdatedAt: since,
			}
		}
		if err := insert(tx, "round applications", apps); err != nil {
			return err
		}
		var choices []application.Choice
		var events []application.Event
		for i, a := range apps {
			for r, p := range picks[i] {
				choices = append(choices, application.Choice{ApplicationID: a.ID, Rank: r + 1, ElectiveID: p.ElectiveID, PeriodID: p.ID})
			}
			from := application.Draft
			for k, st := range mainPath[:3] {
				e := application.Event{ApplicationID: a.ID, Role: st.by, FromStage: from, ToStage: st.to, Action: st.action,
					At: a.SubmittedAt.Add(time.Duration(k) * time.Hour)}
				if st.by == application.Applicant {
					e.ActorID = &apps[i].ApplicantID
				}
				events, from = append(events, e), st.to
			}
			out.ApplicationIDs = append(out.ApplicationIDs, a.ID)
		}
		if err := insert(tx, "round choices", choices); err != nil {
			return err
		}
		return insert(tx, "round events", events)
	})
	if err != nil {
		return out, err
	}
	for _, p := range periods {
		out.PeriodIDs = append(out.PeriodIDs, p.ID)
	}
	if err := tx.Exec("ANALYZE").Error; err != nil {
		return out, err
	}
	return out, nil
}
