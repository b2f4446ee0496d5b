package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"time"

	"portal/internal/application"
	"portal/internal/bench"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/selection"
	"portal/internal/user"
	"portal/internal/wiring"
)

// publishRound is issue 14's figure of a publication: a round of 5,000
// applicants with 3 choices over 600 periods, on the run's PostgreSQL
// database, through the rounds' own service: the dry run as the office
// runs it (reading the inputs, matching, storing the explanation), then
// Publish, which nominates every placed application through the
// workflow, each its own transition, review event and mail in the outbox.
type publishRound struct {
	name  string
	sizes bench.RoundSizes
	limit time.Duration // the bound on the publication
}

var publishRounds = []publishRound{
	{"round-publish-5000", bench.RoundSizes{Applicants: 5000, Choices: 3, Periods: 600}, 30 * time.Second},
}

func selectedPublishRounds(filter *regexp.Regexp) []publishRound {
	var out []publishRound
	for _, r := range publishRounds {
		if filter.MatchString(r.name) {
			out = append(out, r)
		}
	}
	return out
}

// runPublish measures each round once (a publication cannot be repeated:
// publishing again changes nothing). It runs after the portal's
// scenarios, in the bench process; the round's applications are added
// then, so no scenario before sees them.
func runPublish(ctx context.Context, o options, databaseURL string, rounds []publishRound, logf func(string, ...any)) ([]bench.Result, error) {
	pool, err := db.Open(ctx, databaseURL, db.Pool{MaxOpen: 4, MaxIdle: 4, Timeouts: db.MigrationTimeouts})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	zone, err := clock.Load("Asia/Taipei")
	if err != nil {
		return nil, err
	}
	// The workflow's outbox without the hosts' dossier links: the
	// nomination mail to the student is enqueued as in the portal.
	apps := application.NewService(pool, application.Options{Outbox: wiring.WorkflowOutbox{}, OfferDays: 14, Zone: zone})
	service := selection.NewService(pool, selection.Options{Applications: apps, Zone: zone})
	var officeID int64
	if err := pool.WithContext(ctx).Table("users").Where("claim_roles = ?", "office").Order("id").Limit(1).
		Pluck("id", &officeID).Error; err != nil || officeID == 0 {
		return nil, fmt.Errorf("publish: no office user: %v", err)
	}
	office, err := user.NewStore(pool).Find(ctx, officeID)
	if err != nil {
		return nil, err
	}
	var results []bench.Result
	for i, r := range rounds {
		res, err := publishOnce(ctx, pool, service, office, r, o.seed+uint64(i), logf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		results = append(results, res)
	}
	return results, nil
}

func publishOnce(ctx context.Context, pool *db.DB, s *selection.Service, office *user.User, r publishRound, seed uint64, logf func(string, ...any)) (bench.Result, error) {
	t0 := time.Now()
	data, err := bench.GenerateRound(ctx, pool, r.sizes, seed, time.Now())
	if err != nil {
		return bench.Result{}, err
	}
	deadline := time.Now().AddDate(0, 0, 30).Format("2006-01-02")
	round, err := s.Create(ctx, office, selection.RoundInput{
		Name: r.name, Term: "bench", Deadline: deadline, AppealDays: "7", PeriodIDs: data.PeriodIDs,
		Components: []selection.ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "100", MinValue: "0", MaxVal: "100"}},
		Tiebreaks:  []string{selection.TieSubmitted},
	})
	if err != nil {
		return bench.Result{}, err
	}
	full, list, err := s.Applicants(ctx, office, round.ID)
	if err != nil {
		return bench.Result{}, err
	}
	if len(list) != r.sizes.Applicants {
		return bench.Result{}, fmt.Errorf("the round has %d applicants, not %d", len(list), r.sizes.Applicants)
	}
	// Scores go in as one insert: typing 5,000 of them is not the figure.
	rng := rand.New(rand.NewPCG(seed, 14))
	at := time.Now().Add(-time.Minute)
	scores := make([]selection.Score, len(list))
	for i, a := range list {
		scores[i] = selection.Score{RoundID: round.ID, ApplicationID: a.ApplicationID, ComponentID: full.Components[0].ID,
			ValueCenti: 5000 + rng.IntN(5000), UpdatedBy: office.ID, UpdatedAt: at}
	}
	if err := pool.WithContext(ctx).CreateInBatches(scores, 500).Error; err != nil {
		return bench.Result{}, err
	}
	if round, err = s.Act(ctx, office, round.ID, selection.StartScoring, round.Version); err != nil {
		return bench.Result{}, err
	}
	logf("%s: %d applications, %d periods and their scores made in %s", r.name, len(list), len(data.PeriodIDs),
		time.Since(t0).Round(time.Millisecond))

	t1 := time.Now()
	run, err := s.RunDryRun(ctx, office, round.ID, round.Version)
	if err != nil {
		return bench.Result{}, err
	}
	dry := time.Since(t1)
	f, err := s.Get(ctx, office, round.ID)
	if err != nil {
		return bench.Result{}, err
	}
	t2 := time.Now()
	rep, err := s.Publish(ctx, office, round.ID, f.Round.Version)
	if err != nil {
		return bench.Result{}, err
	}
	took := time.Since(t2)

	// What a publication must leave: every placed application nominated,
	// once, each with its mail.
	var nominated, mails int64
	if err := pool.WithContext(ctx).Table("applications").Where("id IN ? AND status = ?", data.ApplicationIDs, application.Nominated).
		Count(&nominated).Error; err != nil {
		return bench.Result{}, err
	}
	placed := run.Result.PlacedAt[1] + run.Result.PlacedAt[2] + run.Result.PlacedAt[3]
	res := bench.Result{
		Scenario: r.name, Connections: 1, Seconds: took.Seconds(), Requests: 1, RPS: float64(rep.Nominated) / took.Seconds(),
		P50Ms: msOf(took), P99Ms: msOf(took), MaxMs: msOf(took),
	}
	switch {
	case took > r.limit:
		res.Errors, res.FirstError = 1, fmt.Sprintf("the publication took %s, over %s", took.Round(time.Millisecond), r.limit)
	case int(nominated) != placed || rep.Nominated != placed:
		res.Errors, res.FirstError = 1, fmt.Sprintf("%d placed, %d nominated (report: %d)", placed, nominated, rep.Nominated)
	}
	if err := pool.WithContext(ctx).Table("outbox").Where("kind = ?", notify.ApplicationNominated).Count(&mails).Error; err != nil {
		logf("%s: counting the mails: %v", r.name, err)
	}
	logf("%s: dry run %s; publish %s (limit %s): %d nominated (%.0f per second), %d waitlisted, %d unplaced, %d nomination mails queued",
		r.name, dry.Round(time.Millisecond), took.Round(time.Millisecond), r.limit, rep.Nominated, res.RPS, rep.Waitlisted,
		run.Result.PlacedAt[0], mails)
	return res, nil
}
