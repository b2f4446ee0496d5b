package web_test

import (
	"slices"
	"testing"
	"time"

	"portal/internal/wiring"
)

// historyColumns are the columns that say when something happened; a
// deadline or an expiry (offer_expires_at, expires_at, next_attempt_at)
// may lie ahead, these may not.
var historyColumns = []string{
	"created_at", "updated_at", "retired_at", "granted_at", "decided_at", "at", "superseded_at", "submitted_at",
	"stage_since", "nominated_at", "confirmed_at", "completed_at", "closed_at", "attached_at", "used_at", "uploaded_at",
	"sent_at", "read_at", "last_login_at", "issued_at", "deleted_at", "committed_at", "approved_at",
}

// The demo of `portal dev` tells a story that has happened: no history,
// timeline, notification or audit entry is dated after the moment the
// portal started.
func TestDemoHistoriesAreInThePast(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	now := time.Now().Add(time.Minute) // the seeding took a while; a minute's slack covers the test's own delay
	if p.count("SELECT COUNT(*) FROM applications") == 0 || p.count("SELECT COUNT(*) FROM rotation_requests") == 0 {
		t.Fatal("the demo seeded no applications or no rotation requests")
	}
	// Health documents open only with a consent (issue 18): the demo's
	// people gave theirs, or its reviewers could open no immunization record.
	health := p.count("SELECT COUNT(DISTINCT chain_id) FROM documents WHERE type IN ('immunization_record', 'background_check') AND superseded_at IS NULL AND deleted_at IS NULL")
	consented := p.count("SELECT COUNT(DISTINCT chain_id) FROM privacy_consents WHERE recipient = 'reviewers' AND revoked_at IS NULL")
	if health == 0 || consented != health {
		t.Errorf("%d of the demo's %d health documents have the reviewers' consent, want all", consented, health)
	}
	// Every live partner has a host contact, so a nomination made in the
	// demo mails its host a dossier link (issue 15).
	partners := p.count("SELECT COUNT(*) FROM institutions WHERE NOT is_home AND retired_at IS NULL")
	if n := p.count("SELECT COUNT(DISTINCT institution_id) FROM host_contacts"); partners == 0 || n != partners {
		t.Errorf("%d of the demo's %d partners have a host contact, want all", n, partners)
	}
	d := p.App.DB.DB
	tables, err := d.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, table := range tables {
		cols, err := d.Migrator().ColumnTypes(table)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if !slices.Contains(historyColumns, c.Name()) {
				continue
			}
			var at []time.Time
			if err := d.Table(table).Where(c.Name()+" IS NOT NULL").Pluck(c.Name(), &at).Error; err != nil {
				t.Fatalf("%s.%s: %v", table, c.Name(), err)
			}
			checked += len(at)
			future := 0
			var latest time.Time
			for _, x := range at {
				if x.After(now) {
					future++
					if x.After(latest) {
						latest = x
					}
				}
			}
			if future > 0 {
				t.Errorf("%s.%s: %d of %d times are in the future, the latest %s (now %s)", table, c.Name(), future, len(at), latest.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d times checked: the demo seems empty", checked)
	}
}
