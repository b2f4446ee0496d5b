package db_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"portal/internal/db"
	"portal/internal/testutil"
)

// short are timeouts a test can wait out.
var short = db.Timeouts{Statement: 800 * time.Millisecond, Lock: 400 * time.Millisecond, Wait: time.Second, Transaction: 2 * time.Second}

// openTwice opens the same migrated database twice: one handle holds a lock,
// the other is the portal that meets it.
func openTwice(t *testing.T, dialect string) (holder, portal *db.DB) {
	t.Helper()
	var dsn string
	if dialect == "postgres" {
		dsn = testutil.DatabaseURL(t, testutil.Postgres)
	} else {
		dsn = filepath.Join(t.TempDir(), "portal.db")
	}
	open := func(t db.Timeouts) *db.DB {
		d, err := db.Open(context.Background(), dsn, db.Pool{MaxOpen: 2, MaxIdle: 2, Timeouts: t})
		if err != nil {
			panic(err)
		}
		return d
	}
	holder, portal = open(db.Timeouts{}), open(short)
	t.Cleanup(func() { portal.Close(); holder.Close() })
	if _, err := holder.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return holder, portal
}

func TestAWriteBehindAHeldLockFailsAsUnavailableWithinTheTimeout(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			holder, portal := openTwice(t, dialect)
			tx := holder.Begin() // BEGIN IMMEDIATE on SQLite: the write lock
			if dialect == "postgres" {
				tx.Exec("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
			} else {
				tx.Exec("DELETE FROM sessions")
			}
			if tx.Error != nil {
				t.Fatal(tx.Error)
			}
			defer tx.Rollback()
			start := time.Now()
			err := portal.WithContext(context.Background()).Exec("DELETE FROM sessions WHERE expires_at < ?", time.Now()).Error
			took := time.Since(start)
			t.Logf("%s: %v after %v", dialect, err, took.Round(time.Millisecond))
			if err == nil || !db.Unavailable(err) {
				t.Fatalf("got %v, want an error that says the database is unavailable", err)
			}
			if took > short.Wait+500*time.Millisecond {
				t.Errorf("failed after %v, want within the wait timeout (%v)", took, short.Wait)
			}
		})
	}
}

func TestAPoolHeldByStuckConnectionsAnswersWithinTheWaitTimeout(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			_, portal := openTwice(t, dialect)
			// Both connections of the pool are held by work that never ends
			// (what a black hole does to requests in flight).
			sqlDB, err := portal.DB.DB()
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				c, err := sqlDB.Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
			}
			start := time.Now()
			var n int64
			err = portal.WithContext(context.Background()).Raw("SELECT COUNT(*) FROM sessions").Scan(&n).Error
			took := time.Since(start)
			if !db.Unavailable(err) || took > short.Wait+500*time.Millisecond {
				t.Errorf("a query with no free connection: %v after %v, want unavailable within %v", err, took, short.Wait)
			}
		})
	}
}

func TestTheDatabaseURLKeepsTheOperatorsOwnTimeouts(t *testing.T) {
	dsn := testutil.DatabaseURL(t, testutil.Postgres)
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("statement_timeout", "1234")
	u.RawQuery = q.Encode()
	d, err := db.Open(context.Background(), u.String(), db.Pool{MaxOpen: 1, Timeouts: short})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for name, want := range map[string]string{"statement_timeout": "1234ms", "lock_timeout": "400ms", "idle_in_transaction_session_timeout": "1min"} {
		var got string
		if err := d.Raw("SHOW " + name).Scan(&got).Error; err != nil || got != want {
			t.Errorf("SHOW %s: %q (%v), want %q", name, got, err, want)
		}
	}
}

func TestAnOrdinaryFailureIsNotTakenForABusyDatabase(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		var n int64
		err := d.Raw("SELECT COUNT(*) FROM no_such_table").Scan(&n).Error
		if err == nil || db.Unavailable(err) {
			t.Errorf("a query of a missing table: %v, unavailable %v; want an error that is not", err, db.Unavailable(err))
		}
		if db.Unavailable(nil) {
			t.Error("no error is unavailable")
		}
	})
}
