package selection

import (
	"context"
	"math/rand/v2"
	"strconv"

	"portal/internal/user"
)

// SeedDemo gives `portal dev` its rounds, once: one in dry run over the
// upcoming periods the demo applications chose, filled up to
// DemoApplicants by a cohort with ranked choices (demo_cohort.go), scores
// drawn from a fixed seed so every start looks the same, scores shown to
// the applicants and one appeal open; and one round still open. It
// reports whether it seeded anything.
func (s *Service) SeedDemo(ctx context.Context, office *user.User) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Round{}).Count(&n).Error; err != nil || n > 0 {
		return false, wrap(err, "demo rounds")
	}
	opts, err := s.PeriodOptions(ctx, office)
	if err != nil || len(opts) == 0 {
		return false, err
	}
	var chosen []int64
	err = s.db.WithContext(ctx).Table("application_choices AS c").Distinct("c.period_id").
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Where("a.status IN ?", roundStages).Pluck("c.period_id", &chosen).Error
	if err != nil {
		return false, wrap(err, "demo rounds")
	}
	open := map[int64]bool{}
	for _, o := range opts {
		open[o.PeriodID] = true
	}
	var periods []int64
	for _, id := range chosen {
		if open[id] && len(periods) < 20 {
			periods = append(periods, id)
		}
	}
	for _, o := range opts {
		if len(periods) >= 20 {
			break
		}
		if !containsID(periods, o.PeriodID) {
			periods = append(periods, o.PeriodID)
		}
	}
	deadline := s.zone.Day(s.clock()).AddDate(0, 0, 30).Format("2006-01-02")
	in := RoundInput{Name: "2027 spring exchange", Term: "2027 spring", Deadline: deadline, AppealDays: "7",
		AutoPromote: true, RuleMinYear: true, RuleLanguage: true, RulePrior: true, PeriodIDs: periods,
		Components: []ComponentInput{
			{NameEN: "Grade average", NameZH: "學業成績", Weight: "60", MinValue: "0", MaxVal: "100"},
			{NameEN: "Oral exam", NameZH: "口試", Weight: "25", MinValue: "0", MaxVal: "10"},
			{NameEN: "Language test", NameZH: "語言測驗", Weight: "15", MinValue: "0", MaxVal: "100"},
		}, Tiebreaks: []string{"component:2", TieSubmitted}}
	r, err := s.Create(ctx, office, in)
	if err != nil {
		return false, err
	}
	f, list, err := s.Applicants(ctx, office, r.ID)
	if err != nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(2027, 14))
	if _, err := s.seedCohort(ctx, office, f, len(list), rng); err != nil { // demo_cohort.go
		return false, err
	}
	for _, a := range list {
		typed := map[int64]string{
			f.Components[0].ID: strconv.FormatFloat(float64(6000+rng.IntN(3900))/100, 'f', 2, 64),
			f.Components[1].ID: strconv.Itoa(4 + rng.IntN(7)),
			f.Components[2].ID: strconv.Itoa(55 + rng.IntN(46)),
		}
		if err := s.SetScores(ctx, office, r.ID, a.ApplicationID, typed); err != nil {
			return false, err
		}
	}
	if r, err = s.Act(ctx, office, r.ID, StartScoring, r.Version); err != nil {
		return false, err
	}
	// Applicants see their scores and may appeal; one of the cohort has.
	if err := s.ShowScores(ctx, office, r.ID, r.Version); err != nil {
		return false, err
	}
	if err := s.demoAppeal(ctx, r.ID); err != nil {
		return false, err
	}
	if _, err := s.RunDryRun(ctx, office, r.ID, r.Version+1); err != nil {
		return false, err
	}
	in.Name, in.Term = "2027 autumn exchange", "2027 autumn"
	if _, err := s.Create(ctx, office, in); err != nil {
		return false, err
	}
	return true, nil
}
