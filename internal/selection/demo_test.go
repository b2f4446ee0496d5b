package selection_test

import (
	"context"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/selection"
	"portal/internal/testutil"
	"portal/internal/user"
)

// `portal dev`'s round in dry run has sixty applicants over the demo
// electives' periods, each with three ranked choices and a score, and a
// dry run with real competition: some placed at their first choice, some
// lower, some not at all. Applicants see their scores, one has appealed.
func TestTheDemoRoundHasSixtyApplicantsAndADryRunWithCompetition(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		b, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := catalog.NewService(d, b, time.Now).SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		office := &user.User{Issuer: "test", Subject: "demo-office", Name: "Office", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := d.Create(office).Error; err != nil {
			t.Fatal(err)
		}
		office.Roles = []user.Role{user.Office}
		sel := selection.NewService(d, selection.Options{})
		start := time.Now()
		if seeded, err := sel.SeedDemo(ctx, office); err != nil || !seeded {
			t.Fatalf("SeedDemo = %v, %v", seeded, err)
		}
		t.Logf("the demo rounds seeded in %v", time.Since(start).Round(time.Millisecond))
		rounds, err := sel.List(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		var dry *selection.RoundRow
		for i := range rounds {
			if rounds[i].State == selection.DryRun {
				dry = &rounds[i]
			}
		}
		if dry == nil || dry.Applicants != selection.DemoApplicants || dry.Periods != 20 {
			t.Fatalf("the demo's rounds %+v, want one in dry run with 60 applicants over 20 periods", rounds)
		}
		run, err := sel.DryRun(ctx, office, dry.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		byRank := map[int]int{}
		for _, o := range run.Result.Outcomes {
			byRank[o.RankGiven]++
		}
		t.Logf("placed by rank (0: unplaced): %v; seats left %v", byRank, run.Result.SeatsLeft)
		if len(run.Applicants) != 60 || byRank[1] == 0 || byRank[2]+byRank[3] == 0 || byRank[0] == 0 {
			t.Fatalf("the demo's dry run: %d applicants, placed by rank %v (0: unplaced); want some at each", len(run.Applicants), byRank)
		}
		if len(run.Result.Cutoff) == 0 {
			t.Fatal("the demo's dry run has no cutoff to show")
		}
		appeals, err := sel.Appeals(ctx, office, dry.ID)
		if err != nil || len(appeals) != 1 || appeals[0].State != selection.AppealOpen {
			t.Fatalf("the demo's appeals: %+v, %v", appeals, err)
		}
		// Publication would take this dry run: nothing changed after it.
		f, err := sel.Get(ctx, office, dry.ID)
		if err != nil || f.ScoresShownAt == nil || f.UpdatedAt.After(run.CreatedAt) {
			t.Fatalf("the demo round: %+v, %v", f, err)
		}
	})
}
