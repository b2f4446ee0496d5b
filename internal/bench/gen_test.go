package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

func TestGenerate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
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

func TestGenerateCatalog(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now()
		ds, err := Generate(ctx, d, "http://idp.test", Sizes{Users: 3, Electives: 400}, 5, now)
		if err != nil {
			t.Fatal(err)
		}
		var insts, homes, electives, periods, fewer, more int64
		d.Model(&catalog.Institution{}).Count(&insts)
		d.Model(&catalog.Institution{}).Where("is_home").Count(&homes)
		d.Model(&catalog.Elective{}).Count(&electives)
		d.Model(&catalog.Period{}).Count(&periods)
		perElective := d.Model(&catalog.Period{}).Select("elective_id").Group("elective_id")
		d.Table("(?) AS x", perElective.Session(&gorm.Session{}).Having("COUNT(*) < 2")).Count(&fewer)
		d.Table("(?) AS x", perElective.Session(&gorm.Session{}).Having("COUNT(*) > 4")).Count(&more)
		if insts != 9 || homes != 1 || electives != 400 || int(periods) != ds.Catalog.Periods || fewer != 0 || more != 0 {
			t.Errorf("%d institutions (%d home), %d electives, %d periods (dataset %d), %d electives with under 2 periods, %d with over 4; want 1 home + 8 partners, 400 electives, 2-4 periods each",
				insts, homes, electives, periods, ds.Catalog.Periods, fewer, more)
		}
		if n := len(ds.Catalog.Electives); n < 370 || n == 400 {
			t.Errorf("%d of 400 electives live; want about one in fifty retired", n)
		}

		// What the scenarios expect is what the service finds: the stored
		// search text is the service's, and Expect orders as Search does.
		s := catalog.NewService(d, mustBundle(t), func() time.Time { return now })
		for _, q := range append([]string{""}, CatalogQueries...) {
			for _, country := range []string{"", "JP"} {
				total, first := ds.Catalog.Expect(q, country)
				res, err := s.Search(ctx, catalog.Query{Text: q, Country: country})
				if err != nil {
					t.Fatal(err)
				}
				var got string
				if len(res.Cards) > 0 {
					got = res.Cards[0].TitleEN
				}
				if int(res.Total) != total || got != first {
					t.Errorf("search %q in %q: service found %d, first %q; generator expects %d, first %q", q, country, res.Total, got, total, first)
				}
			}
		}
		var stale int64
		for _, e := range ds.Catalog.Electives[:20] {
			var stored catalog.Elective
			d.Take(&stored, e.ID)
			var inst catalog.Institution
			d.Take(&inst, stored.InstitutionID)
			if stored.SearchText != catalog.SearchText(mustBundle(t), stored, inst) {
				stale++
			}
		}
		if stale > 0 {
			t.Errorf("%d electives store a search text other than the service's", stale)
		}
	})
}

// TestCatalogQueriesAreSelective keeps the search scenario honest: each
// word it looks for matches a small share of the electives, as a real
// student's word would, neither nothing nor everything.
func TestCatalogQueriesAreSelective(t *testing.T) {
	now := time.Now()
	rng := newRand(1)
	insts := makeInstitutions(rng, partnersFor(10000), now)
	for i := range insts {
		insts[i].ID = int64(i + 1)
	}
	agreements := makeAgreements(rng, insts[1:], now)
	electives := makeElectives(rng, mustBundle(t), insts[1:], agreements, 10000, now)
	if len(insts) != 201 {
		t.Errorf("%d institutions for 10,000 electives, want home + 200 partners", len(insts))
	}
	for _, q := range CatalogQueries {
		live, hits := 0, 0
		for _, e := range electives {
			if e.RetiredAt == nil {
				live++
				if strings.Contains(e.SearchText, strings.ToLower(q)) {
					hits++
				}
			}
		}
		if share := float64(hits) / float64(live); share < 0.01 || share > 0.05 {
			t.Errorf("%q matches %.1f%% of the electives, want 1-5%%", q, 100*share)
		}
	}
}

func mustBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
