package catalog_test

import (
	"context"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
)

// newService returns a catalog on d whose today is fixed, so that dates in
// tests do not depend on the day they run.
func newService(t *testing.T, d *db.DB, today time.Time) *catalog.Service {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewService(d, b, func() time.Time { return today })
}

var fixedToday = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

func TestDemoCatalogLoadsOnceOnBothDialects(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, fixedToday)
		seeded, err := s.SeedDemo(ctx)
		if err != nil || !seeded {
			t.Fatalf("SeedDemo = %v, %v", seeded, err)
		}
		again, err := s.SeedDemo(ctx)
		if err != nil || again {
			t.Fatalf("second SeedDemo = %v, %v; want nothing loaded", again, err)
		}
		res, err := s.Search(ctx, catalog.Query{Text: "熊本"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 {
			t.Fatalf("search 熊本 found %d electives, want Kumamoto's 2", res.Total)
		}
		for _, c := range res.Cards {
			if c.InstitutionNameLocal != "熊本大学" || c.SeatsLeft == 0 || c.NextStart == nil {
				t.Errorf("card %+v", c)
			}
		}
		o, err := s.Overview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Expiring) != 1 || o.Expiring[0].InstitutionNameEN != "Seoul National University" {
			t.Errorf("expiring agreements: %+v", o.Expiring)
		}
		if len(o.Expired) != 1 || o.Expired[0].InstitutionNameEN != "University of Washington" {
			t.Errorf("expired agreements: %+v", o.Expired)
		}
	})
}
