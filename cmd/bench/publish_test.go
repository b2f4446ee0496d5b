package main

import (
	"context"
	"regexp"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/bench"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/selection"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/wiring"
)

// The publication's figure is its own scenario, apart from the engine's
// (`-run selection` still measures only those, without a portal), and a
// small round published through it nominates every placed applicant once.
func TestPublishRoundNominatesEveryPlacedApplicant(t *testing.T) {
	if n := len(selectedPublishRounds(regexp.MustCompile("selection"))); n != 0 {
		t.Fatalf("-run selection selects %d publication rounds", n)
	}
	if got := selectedPublishRounds(regexp.MustCompile("publish")); len(got) != 1 || got[0].sizes.Applicants != 5000 || got[0].sizes.Periods != 600 {
		t.Fatalf("publication rounds %+v", got)
	}
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ds, err := bench.Generate(ctx, d, "http://idp.test", bench.Sizes{Users: 200, Electives: 40}, 5, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		office, err := user.NewStore(d).Find(ctx, ds.Personas[user.Office].ID)
		if err != nil {
			t.Fatal(err)
		}
		apps := application.NewService(d, application.Options{Outbox: wiring.WorkflowOutbox{}, Zone: clock.Zone{}})
		s := selection.NewService(d, selection.Options{Applications: apps, Zone: clock.Zone{}})
		r := publishRound{"small", bench.RoundSizes{Applicants: 60, Choices: 3, Periods: 12}, time.Hour}
		res, err := publishOnce(ctx, d, s, office, r, 5, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		var nominated int64
		d.Table("applications").Where("status = ?", application.Nominated).Count(&nominated)
		if res.Errors != 0 || nominated == 0 || nominated >= 60 {
			t.Fatalf("result %+v with %d nominated of 60 applicants over 12 periods", res, nominated)
		}
	})
}
