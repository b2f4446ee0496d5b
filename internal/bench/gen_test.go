package bench

import (
	"context"
	"testing"
	"time"

	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/db/dbtest"
	"portal/internal/user"
)

func TestGenerate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now()
		ds, err := Generate(ctx, d, "http://idp.test", Sizes{Users: 40, Audit: 2500}, 7, now)
		if err != nil {
			t.Fatal(err)
		}
		var users, events, emails, sessions, grants int64
		d.Model(&user.User{}).Count(&users)
		d.Model(&audit.Event{}).Count(&events)
		d.Model(&user.User{}).Distinct("email").Count(&emails)
		d.Table("sessions").Count(&sessions)
		d.Table("user_roles").Count(&grants)
		if users != 40 || events != 2500 || emails != 40 {
			t.Errorf("got %d users (%d emails), %d events; want 40 distinct, 2500", users, emails, events)
		}
		if sessions != 8 || int(sessions) != ds.Sessions || int(grants) != ds.Grants {
			t.Errorf("got %d sessions and %d grants, dataset says %d and %d, want 8 sessions", sessions, grants, ds.Sessions, ds.Grants)
		}
		for _, role := range []user.Role{user.Student, user.Reviewer, user.Office} {
			p, ok := ds.Personas[role]
			if !ok {
				t.Fatalf("no %s persona", role)
			}
			// The persona must be a stored user who signs in with its role.
			got, err := user.NewStore(d).Find(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != p.Subject || got.Issuer != "http://idp.test" || !got.Has(role) || got.Name == "" {
				t.Errorf("%s persona %+v stored as %+v", role, p, got)
			}
		}
		var orphans int64
		d.Model(&audit.Event{}).Where("actor_id IS NOT NULL AND actor_id NOT IN (SELECT id FROM users)").Count(&orphans)
		if orphans != 0 {
			t.Errorf("%d events name an actor who does not exist", orphans)
		}
	})
}

func TestGenerateIsRepeatable(t *testing.T) {
	now := time.Now()
	a := makeUsers(newRand(3), "i", 50, now)
	b := makeUsers(newRand(3), "i", 50, now)
	for i := range a {
		if a[i].Subject != b[i].Subject || a[i].Email != b[i].Email || a[i].Name != b[i].Name {
			t.Fatalf("user %d differs between runs with the same seed: %+v, %+v", i, a[i], b[i])
		}
	}
}
