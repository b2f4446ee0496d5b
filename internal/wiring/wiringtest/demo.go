// Package wiringtest gives tests that start a whole portal in dev mode its
// data already seeded: a copy of a database seeded once per test process
// and dialect instead of seeding each portal's (wiring.Open seeds the
// catalog of every dev portal, and with Options.DemoApplications the demo
// workflows too, which costs tens of seconds under the race detector).
// The seeders see the data there and skip, as at a second `portal dev`.
//
// Import it from _test.go files only.
package wiringtest

import (
	"context"
	"testing"

	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// seedBaseURL is the BaseURL of the portal that seeds: the people it
// creates sign in with the providers under it, moved to the copy's
// BaseURL by Seed. .invalid never resolves, so that nothing reaches it.
const seedBaseURL = "http://seed.portal.invalid"

// Seed points cfg, a dev mode configuration with its BaseURL and an empty
// DataDir set, at a copy of the data of a dev portal opened on dialect
// with the defaults' configuration: the demo catalog, and with
// o.DemoApplications the demo workflows too. cfg.DatabaseURL is the copy,
// the stored files are copied into cfg.DataDir, and the people the
// seeding created are moved to cfg.BaseURL's providers (users.issuer
// holds the dev provider's URL, whose port is each portal's own).
//
// Without o.DemoApplications no person is seeded, so any o.DevUsers may
// sign in; with it, the demo is the default demo users' only.
func Seed(t testing.TB, dialect string, cfg *config.Config, o wiring.Options) {
	t.Helper()
	key, seedOpts := "catalog", wiring.Options{}
	if o.DemoApplications {
		if o.DevUsers != nil {
			t.Fatalf("wiringtest.Seed: the demo is seeded for the default dev users only")
		}
		key, seedOpts = "demo", wiring.Options{DemoApplications: true}
	}
	cfg.DatabaseURL = testutil.SeededDatabaseURL(t, dialect, key, cfg.DataDir, func(url, dataDir string) error {
		c := config.Defaults(config.ModeDev)
		c.BaseURL, c.DataDir, c.DatabaseURL = seedBaseURL, dataDir, url
		testutil.LongDatabaseTimeouts(&c.Ops)
		a, err := wiring.Open(context.Background(), c, seedOpts)
		if err != nil {
			return err
		}
		return a.Close()
	})
	d, err := db.Open(context.Background(), cfg.DatabaseURL, db.Pool{MaxOpen: 1, MaxIdle: 1, Timeouts: testutil.Timeouts})
	if err != nil {
		t.Fatalf("open the seeded copy: %v", err)
	}
	defer d.Close()
	// The dev provider's, the partner provider's and e-mail sign-in's
	// issuers all start with the BaseURL.
	err = d.Exec("UPDATE users SET issuer = ? || SUBSTR(issuer, ?) WHERE issuer LIKE ?",
		cfg.BaseURL, len(seedBaseURL)+1, seedBaseURL+"/%").Error
	if err != nil {
		t.Fatalf("move the seeded people to %s: %v", cfg.BaseURL, err)
	}
}
