package selection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/user"
)

// The demo's cohort (issue 14): the few demo applications alone make no
// competition, so `portal dev` adds a cohort of students, approved by
// their department, each with three ranked choices over the round's
// periods and a score, until the round has DemoApplicants. The office
// then sees real cutoffs and explanations in the dry run. The rows go in
// by batch, not one workflow transaction each: the demo is seeded in many
// tests, and the workflow's operations are tested elsewhere. Their
// histories lie in the past, as the rest of the demo's.

// DemoApplicants is how many applicants the demo round has.
const DemoApplicants = 60

var (
	cohortFamily = []string{"Chen 陳", "Lin 林", "Huang 黃", "Chang 張", "Lee 李", "Wang 王", "Wu 吳", "Liu 劉", "Tsai 蔡", "Yang 楊",
		"Hsu 許", "Cheng 鄭", "Hsieh 謝", "Kuo 郭", "Hung 洪"}
	cohortGiven = []string{"Yi-Chen 怡真", "Chih-Hao 志豪", "Ya-Ting 雅婷", "Chun-Chieh 俊傑", "Shu-Fen 淑芬", "Kuan-Ting 冠廷",
		"Hsin-Yu 欣妤", "Po-Han 柏翰", "Pei-Yu 佩玉", "Tzu-Yang 子揚", "Wan-Ju 婉如", "Yu-Hsuan 宇軒"}
)

// seedCohort adds students to round f until it has DemoApplicants, each
// at office_review with three choices over its periods (the first few
// periods more wanted, as a famous partner is) and values for every
// component, drawn from rng. It reports how many it added.
func (s *Service) seedCohort(ctx context.Context, office *user.User, f *Full, have int, rng *rand.Rand) (int, error) {
	n := DemoApplicants - have
	if n <= 0 || len(f.Periods) < 3 || len(f.Components) == 0 {
		return 0, nil
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var specialties []struct {
			ID        int64
			Specialty string
		}
		electives := make([]int64, 0, len(f.Periods))
		for _, p := range f.Periods {
			electives = append(electives, p.ElectiveID)
		}
		if err := tx.Table("electives").Select("id, specialty").Where("id IN ?", uniq(electives)).Scan(&specialties).Error; err != nil {
			return err
		}
		specialty := map[int64]string{}
		for _, e := range specialties {
			specialty[e.ID] = e.Specialty
		}
		// Popularity falls with a period's place: the first ones draw the crowd.
		weights := make([]float64, len(f.Periods))
		total := 0.0
		for i := range weights {
			weights[i] = 1 / (1 + 0.25*float64(i))
			total += weights[i]
		}
		pick := func(taken []int) int {
			for {
				x := rng.Float64() * total
				for i, w := range weights {
					if x < w {
						if !slices.Contains(taken, i) {
							return i
						}
						break
					}
					x -= w
				}
			}
		}
		now := s.clock()
		users := make([]user.User, n)
		for i := range users {
			year := 4 + rng.IntN(4)
			users[i] = user.User{Issuer: office.Issuer, Subject: fmt.Sprintf("demo-cohort-%02d", i+1),
				// 15 families and 12 given names, stepped so that 60 names differ.
				Name:  cohortFamily[i%len(cohortFamily)] + " " + cohortGiven[(i*7)%len(cohortGiven)],
				Email: fmt.Sprintf("cohort%02d@student.example.edu.tw", i+1), Locale: []string{"zh-Hant", "en"}[i%2],
				StudentNumber: ptr(fmt.Sprintf("B11001%03d", i+1)), YearOfStudy: &year, CreatedAt: now.AddDate(0, 0, -60), UpdatedAt: now.AddDate(0, 0, -60)}
		}
		if err := tx.CreateInBatches(&users, 100).Error; err != nil {
			return err
		}
		apps := make([]application.Application, n)
		picks := make([][]int, n)
		for i := range apps {
			picks[i] = nil
			for range 3 {
				picks[i] = append(picks[i], pick(picks[i]))
			}
			created := now.AddDate(0, 0, -40+rng.IntN(10))
			submitted := created.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
			approved := submitted.AddDate(0, 0, 3+rng.IntN(10))
			first := f.Periods[picks[i][0]]
			apps[i] = application.Application{ApplicantID: users[i].ID, Direction: "outgoing", Status: application.OfficeReview, Version: 3,
				Statement: "I would like to train abroad in this specialty.", Specialty: specialty[first.ElectiveID], CurrentChoice: 1,
				StageSince: approved, SubmittedAt: &submitted, ApprovedAt: &approved, CreatedAt: created, UpdatedAt: approved}
		}
		if err := tx.CreateInBatches(&apps, 100).Error; err != nil {
			return err
		}
		// Each history as the workflow would have written it: submitted,
		// taken up by the department's reviewer, approved.
		var reviewer *int64
		var rid int64
		if err := tx.Table("users").Select("id").Where("subject = ?", "demo-reviewer").Limit(1).Scan(&rid).Error; err != nil {
			return err
		}
		if rid != 0 {
			reviewer = &rid
		}
		var events []application.Event
		var choices []application.Choice
		var scores []Score
		for i, a := range apps {
			student := a.ApplicantID
			events = append(events,
				application.Event{ApplicationID: a.ID, ActorID: &student, Role: application.Applicant, FromStage: application.Draft,
					ToStage: application.Submitted, Action: application.Submit, At: *a.SubmittedAt},
				application.Event{ApplicationID: a.ID, ActorID: reviewer, Role: application.Reviewer, FromStage: application.Submitted,
					ToStage: application.DepartmentReview, Action: application.StartReview, At: a.SubmittedAt.Add(20 * time.Hour)},
				application.Event{ApplicationID: a.ID, ActorID: reviewer, Role: application.Reviewer, FromStage: application.DepartmentReview,
					ToStage: application.OfficeReview, Action: application.Approve, At: *a.ApprovedAt})
			for r, k := range picks[i] {
				p := f.Periods[k]
				choices = append(choices, application.Choice{ApplicationID: a.ID, Rank: r + 1, ElectiveID: p.ElectiveID, PeriodID: p.PeriodID})
			}
			for _, c := range f.Components {
				// Values spread over the upper part of each range, in
				// hundredths: a grade of 60 to 99, an oral exam of 4 to 10.
				lo := c.MinValue*100 + (c.MaxValue-c.MinValue)*100*55/100
				v := lo + rng.IntN(c.MaxValue*100-lo+1)
				if c.MaxValue-c.MinValue <= 10 {
					v = v / 100 * 100 // an oral exam is marked in whole points
				}
				scores = append(scores, Score{RoundID: f.ID, ApplicationID: a.ID, ComponentID: c.ID, ValueCenti: v, UpdatedBy: office.ID, UpdatedAt: now})
			}
		}
		if err := tx.CreateInBatches(&events, 200).Error; err != nil {
			return err
		}
		if err := tx.CreateInBatches(&choices, 200).Error; err != nil {
			return err
		}
		if err := tx.CreateInBatches(&scores, 200).Error; err != nil {
			return err
		}
		return s.record(tx, office, "selection.score.set", f.ID, map[string]any{"demo_cohort": n, "values": len(scores)})
	})
	if err != nil {
		return 0, wrap(err, "demo cohort")
	}
	return n, nil
}

func ptr[T any](v T) *T { return &v }

// demoAppeal files one appeal of the cohort in round id, so that the
// office finds an open appeal on the round's page.
func (s *Service) demoAppeal(ctx context.Context, id int64) error {
	var a struct {
		ID, ApplicantID int64
	}
	err := s.db.WithContext(ctx).Table("applications AS a").Select("a.id, a.applicant_id").
		Joins("JOIN users AS u ON u.id = a.applicant_id").Where("u.subject = ?", "demo-cohort-03").Take(&a).Error
	if err != nil {
		return wrap(err, "demo appeal")
	}
	_, err = s.FileAppeal(ctx, &user.User{ID: a.ApplicantID, Roles: []user.Role{user.Student}}, a.ID,
		"My oral exam was marked "+strconv.Itoa(6)+", but the examiner told me 8 at the end of it. Could the sheet be checked?")
	return err
}
