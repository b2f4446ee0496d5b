package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

func TestGenerateApplications(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now()
		ds, err := Generate(ctx, d, "http://idp.test", Sizes{Users: 200, Electives: 100}, 3, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := GenerateApplications(ctx, d, AppSizes{Applications: 600, Students: 150, Electives: 60}, 3, now)
		if err != nil {
			t.Fatal(err)
		}
		var apps, choices, events int64
		d.Table("applications").Count(&apps)
		d.Table("application_choices").Count(&choices)
		d.Table("review_events").Count(&events)
		if apps != 600 || int(choices) != got.Choices || int(events) != got.Events || choices < apps {
			t.Fatalf("stored %d applications, %d choices, %d events; reported %+v", apps, choices, events, got)
		}
		// Every stage is there, and every history ends where its
		// application stands, one event per version after the first.
		var stages []string
		d.Table("applications").Distinct("status").Pluck("status", &stages)
		for _, s := range application.Stages {
			if !slices.Contains(stages, string(s)) {
				t.Errorf("no application at stage %s", s)
			}
		}
		var broken int64
		d.Table("applications AS a").Where("a.version - 1 <> (SELECT COUNT(*) FROM review_events e WHERE e.application_id = a.id)").Count(&broken)
		if broken != 0 {
			t.Errorf("%d applications whose history does not match their version", broken)
		}
		d.Table("applications AS a").Where("a.status <> 'draft' AND a.status <> (SELECT e.to_stage FROM review_events e WHERE e.application_id = a.id ORDER BY e.id DESC LIMIT 1)").Count(&broken)
		if broken != 0 {
			t.Errorf("%d applications whose last event does not lead to their stage", broken)
		}
		// The workflow reads a generated application as it reads its own:
		// the office may nominate one waiting for it.
		var id int64
		d.Table("applications").Where("status = ?", application.OfficeReview).Limit(1).Pluck("id", &id)
		office, err := user.NewStore(d).Find(ctx, ds.Personas[user.Office].ID)
		if err != nil {
			t.Fatal(err)
		}
		det, err := application.NewService(d, application.Options{}).Get(ctx, office, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(det.Actions, application.Nominate) || len(det.Events) != det.Version-1 {
			t.Errorf("office sees actions %v and %d events on application at version %d", det.Actions, len(det.Events), det.Version)
		}
		// A second call adds to the first.
		if _, err := GenerateApplications(ctx, d, AppSizes{Applications: 100, Students: 150, Electives: 60}, 4, now); err != nil {
			t.Fatal(err)
		}
		d.Table("applications").Count(&apps)
		if apps != 700 {
			t.Errorf("after adding 100: %d applications", apps)
		}
	})
}
