// Package testutil holds the helpers that tests across the portal share, so
// that each is written once: polling with a deadline instead of sleeping,
// a settable clock for services that take Options{Now}, and fresh databases
// of each dialect (SQLite and PostgreSQL) created and dropped by the test.
//
// Import it from _test.go files only. It depends on internal/db and the
// standard library alone, so any package's tests may use it.
//
// A service test on both dialects, with a clock the test moves:
//
//	func TestOfferExpires(t *testing.T) {
//		testutil.EachDB(t, func(t *testing.T, d *db.DB) {
//			clk := testutil.NewClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
//			s := application.NewService(d, application.Options{Now: clk.Now})
//			// ... make an offer ...
//			clk.Advance(15 * 24 * time.Hour)
//			// ... the offer has expired ...
//		})
//	}
//
// A whole portal on each dialect, from a configuration:
//
//	testutil.EachDialect(t, func(t *testing.T, dialect string) {
//		t.Parallel() // if the subtests may run side by side
//		cfg := config.Defaults(config.ModeDev)
//		cfg.DatabaseURL = testutil.DatabaseURL(t, dialect)
//		// ... app.Open(ctx, cfg, o) ...
//	})
//
// Waiting for something another goroutine or process does:
//
//	testutil.Eventually(t, 10*time.Second, "every mail marked sent", func() bool {
//		return sent(t, d) == 40
//	})
//	testutil.EventuallyNil(t, 5*time.Second, func() error {
//		if n := sink.count(); n < 40 {
//			return fmt.Errorf("the sink holds %d mails, want 40", n)
//		}
//		return nil
//	})
//
// Databases with data: SeededDatabaseURL runs a seed function once per key
// and dialect in a test process and gives each test a copy (a file copy on
// SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), its files too. A
// dev portal's catalog and demo are seeded so (wiring/wiringtest.Seed):
// seeding one costs tens of seconds under the race detector.
//
// PostgreSQL is the server at PostgresAdminURL (PORTAL_TEST_POSTGRES_URL
// overrides it); each test gets a database of its own there. Without a
// server the PostgreSQL subtests are skipped, except under CI=true, where
// they fail.
package testutil
