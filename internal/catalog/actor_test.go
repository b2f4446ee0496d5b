package catalog_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// TestAChangeBySomeoneIsAuditedWithIt: a change made By an actor writes
// its audit entry, with the actor, the request's address and the entry,
// in its own transaction; a refused change writes none; the service
// alone (seeding, demo data) writes none.
func TestAChangeBySomeoneIsAuditedWithIt(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.home()
		admin, err := user.NewStore(d).SignIn(context.Background(), user.Identity{Issuer: "https://idp.test", Subject: "admin"}, time.Now())
		w.must(err, "sign in")
		by := w.s.By(catalog.Actor{UserID: admin.ID, Meta: audit.Meta{IP: "192.0.2.7"}})
		events := func(action string) (n int64) {
			w.must(d.Table("audit_events").Where("action = ? AND actor_id = ? AND ip = ?", action, admin.ID, "192.0.2.7").Count(&n).Error, "count")
			return n
		}

		inst, err := by.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kyoto University", Kind: "university", Country: "JP", City: "Kyoto"})
		w.must(err, "create")
		w.must(by.Retire(w.ctx, catalog.KindInstitution, inst.ID), "retire")
		if got := events("catalog.institution.create") + events("catalog.institution.retire"); got != 2 {
			t.Errorf("create and retire by the admin wrote %d audit entries, want 2", got)
		}
		var objectID string
		w.must(d.Table("audit_events").Select("object_id").Where("action = ?", "catalog.institution.create").Scan(&objectID).Error, "object")
		if objectID != strconv.FormatInt(inst.ID, 10) {
			t.Errorf("the entry names object %q, want the institution %d", objectID, inst.ID)
		}

		_, err = by.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Second home", Kind: "university", Country: "TW", City: "Taipei", IsHome: true})
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a second home institution: %v, want refused", err)
		}
		_, err = w.s.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Seeded", Kind: "university", Country: "JP", City: "Osaka"})
		w.must(err, "seed")
		if n := w.count("audit_events"); n != 2 {
			t.Errorf("%d audit entries after a refused and an unaudited change, want still 2", n)
		}
	})
}
