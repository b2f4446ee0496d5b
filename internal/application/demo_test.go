package application_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
)

const demoIssuer = "http://portal.test/dev/oidc"

// seedDemo loads the demo catalog and the demo applications on d.
func seedDemo(t *testing.T, d *db.DB) (*application.Service, *user.Store, application.Demo) {
	t.Helper()
	ctx := context.Background()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(d, b, nil)
	if _, err := cat.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := application.NewService(d, application.Options{})
	users := user.NewStore(d)
	demo := application.Demo{
		Issuer: demoIssuer, Files: files, Bundle: b,
		Student:  application.DemoPerson{Subject: "demo-student", Name: "Lin Mei-Hua 林美華", Email: "student@demo.portal.test", Locale: "zh-Hant", Roles: []user.Role{user.Student}},
		Reviewer: application.DemoPerson{Subject: "demo-reviewer", Name: "Chen Chih-Ming 陳志明", Email: "reviewer@demo.portal.test", Roles: []user.Role{user.Reviewer}},
		Office:   application.DemoPerson{Subject: "demo-office", Name: "Emily Huang 黃怡君", Email: "office@demo.portal.test", Roles: []user.Role{user.Office}},
		Admin:    application.DemoPerson{Subject: "demo-admin", Name: "David Wu 吳大衛", Email: "admin@demo.portal.test", Roles: []user.Role{user.Admin}},
	}
	start := time.Now()
	seeded, err := s.SeedDemo(ctx, demo)
	if err != nil || !seeded {
		t.Fatalf("demo applications: %v, %v", seeded, err)
	}
	t.Logf("demo applications seeded in %v", time.Since(start).Round(time.Millisecond))
	return s, users, demo
}

// signIn signs p in as the development provider would, later.
func signIn(t *testing.T, users *user.Store, p application.DemoPerson) *user.User {
	t.Helper()
	u, err := users.SignIn(context.Background(), user.Identity{Issuer: demoIssuer, Subject: p.Subject, Email: p.Email, Name: p.Name, Roles: p.Roles}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The demo fills every stage through the real workflow: the demo people
// find their applications and queues when they first sign in, histories
// and seats agree, and a second start adds nothing.
func TestDemoApplicationsFillEveryStage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, users, demo := seedDemo(t, d)
		var apps []application.Application
		if err := d.Order("id").Find(&apps).Error; err != nil {
			t.Fatal(err)
		}
		if len(apps) < 24 {
			t.Fatalf("%d demo applications, want a few dozen", len(apps))
		}
		student := signIn(t, users, demo.Student)
		reviewer := signIn(t, users, demo.Reviewer)
		office := signIn(t, users, demo.Office)
		stages := map[application.Stage]int{}
		mine := map[application.Stage]bool{}
		waitingLong := 0
		now := time.Now()
		for _, a := range apps {
			stages[a.Status]++
			if a.ApplicantID == student.ID {
				mine[a.Status] = true
			}
			turn := application.Turn(a.Status)
			if (turn == application.Reviewer || turn == application.Office) && now.Sub(a.StageSince) > 7*24*time.Hour {
				waitingLong++
			}
			if a.StageSince.After(now) || a.CreatedAt.After(a.StageSince) {
				t.Errorf("application %d: created %v, in stage since %v", a.ID, a.CreatedAt, a.StageSince)
			}
		}
		for _, st := range application.Stages {
			if stages[st] == 0 {
				t.Errorf("no demo application at %s (%v)", st, stages)
			}
		}
		if len(mine) < 4 {
			t.Errorf("the demo student has applications at %d stages, want 4 or more", len(mine))
		}
		if waitingLong == 0 {
			t.Error("no application waits more than 7 days for a reviewer or the office")
		}

		// The queues: the demo reviewer's scope and the office's.
		waiting, err := s.WaitingForReview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int{}
		for _, w := range waiting {
			got[w.UserID] += w.Count
		}
		if got[reviewer.ID] == 0 || got[office.ID] == 0 {
			t.Errorf("waiting for the reviewer %d, for the office %d; want some for both", got[reviewer.ID], got[office.ID])
		}
		open := 0
		for _, a := range apps {
			detail, err := s.Get(ctx, reviewer, a.ID)
			if a.Status == application.Submitted || a.Status == application.DepartmentReview {
				if err == nil && slices.Contains(detail.Actions, application.Approve) || err == nil && slices.Contains(detail.Actions, application.StartReview) {
					open++
				}
			}
		}
		if open == 0 {
			t.Error("the demo reviewer can act on none of the applications waiting for review")
		}

		// Every history ends where its application stands, each event in
		// the past and in order.
		for _, a := range apps {
			var events []application.Event
			if err := d.Where("application_id = ? AND action <> ?", a.ID, application.Note).Order("id").Find(&events).Error; err != nil {
				t.Fatal(err)
			}
			if a.Status == application.Draft {
				if len(events) != 0 {
					t.Errorf("draft %d has %d events", a.ID, len(events))
				}
				continue
			}
			if len(events) == 0 || events[len(events)-1].ToStage != a.Status || !events[len(events)-1].At.Equal(a.StageSince) {
				t.Errorf("application %d at %s since %v: history %+v", a.ID, a.Status, a.StageSince, events)
				continue
			}
			for i := 1; i < len(events); i++ {
				if events[i].At.Before(events[i-1].At) || events[i].FromStage != events[i-1].ToStage {
					t.Errorf("application %d: event %d out of order: %+v", a.ID, i, events)
				}
			}
		}

		// Seats: never over capacity, and exactly the placements held.
		var periods []catalog.Period
		if err := d.Find(&periods).Error; err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, p := range periods {
			var n int64
			if err := d.Model(&application.Choice{}).Where("period_id = ? AND seat_reserved", p.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if p.Taken > p.Capacity || int64(p.Taken) != n {
				t.Errorf("period %d: %d taken of %d, %d seats held", p.ID, p.Taken, p.Capacity, n)
			}
			held += p.Taken
		}
		if want := stages[application.HostAccepted] + stages[application.Confirmed] + stages[application.Completed]; held != want {
			t.Errorf("%d seats taken, want %d", held, want)
		}

		// A fresh start reminds nobody yet: every offer has days left.
		if due, err := s.OffersExpiring(ctx, time.Now(), 48*time.Hour); err != nil || len(due) != 0 {
			t.Errorf("offers due for a reminder at the start: %v, %v", due, err)
		}

		// Once only.
		again, err := s.SeedDemo(ctx, demo)
		var n int64
		d.Model(&application.Application{}).Count(&n)
		if err != nil || again || int(n) != len(apps) {
			t.Errorf("second seed: %v, %v, %d applications (was %d)", again, err, n, len(apps))
		}
	})
}
