package testutil_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/db"
	"portal/internal/testutil"
)

// fakeT records a failure instead of ending the test, so that the tests can
// see what Eventually reports.
type fakeT struct {
	testing.TB
	fatal string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	f := &fakeT{TB: t}
	testutil.Eventually(f, 5*time.Second, "the third call", func() bool { calls++; return calls == 3 })
	if f.fatal != "" || calls != 3 {
		t.Errorf("failure %q after %d calls, want none after 3", f.fatal, calls)
	}
}

func TestEventuallyFailsAtTheDeadlineAfterALastLook(t *testing.T) {
	f := &fakeT{TB: t}
	var calls []time.Time
	start := time.Now()
	testutil.Eventually(f, 50*time.Millisecond, "a mail to the office", func() bool {
		calls = append(calls, time.Now())
		return false
	})
	if want := "not within 50ms: a mail to the office"; f.fatal != want {
		t.Errorf("failure %q, want %q", f.fatal, want)
	}
	if last := calls[len(calls)-1]; last.Sub(start) < 50*time.Millisecond {
		t.Errorf("last look %v after the start, want one at or after the deadline", last.Sub(start))
	}
	if len(calls) < 3 {
		t.Errorf("%d looks in 50ms, want it to poll", len(calls))
	}
}

func TestEventuallyNilReportsTheLastError(t *testing.T) {
	f := &fakeT{TB: t}
	n := 0
	testutil.EventuallyNil(f, 30*time.Millisecond, func() error {
		n++
		return fmt.Errorf("the sink holds %d mails", n)
	})
	if want := fmt.Sprintf("not within 30ms: the sink holds %d mails", n); f.fatal != want {
		t.Errorf("failure %q, want %q", f.fatal, want)
	}
	f = &fakeT{TB: t}
	testutil.EventuallyNil(f, time.Second, func() error { return nil })
	if f.fatal != "" {
		t.Errorf("a check that passes at once failed: %q", f.fatal)
	}
}

func TestClockIsSetAndAdvancedByTheTest(t *testing.T) {
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clk := testutil.NewClock(start)
	now := clk.Now // as a service holds it: Options{Now: clk.Now}
	if got := now(); !got.Equal(start) {
		t.Errorf("new clock reads %v, want %v", got, start)
	}
	if got := clk.Advance(48 * time.Hour); !got.Equal(start.Add(48*time.Hour)) || !now().Equal(got) {
		t.Errorf("advanced clock reads %v and %v, want %v", got, now(), start.Add(48*time.Hour))
	}
	clk.Set(start.Add(-time.Hour))
	if got := now(); !got.Equal(start.Add(-time.Hour)) {
		t.Errorf("clock set back reads %v", got)
	}

	// Services read it from their goroutines while the test moves it.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				clk.Advance(time.Minute)
				_ = now()
			}
		}()
	}
	wg.Wait()
	if got, want := now(), start.Add(-time.Hour+800*time.Minute); !got.Equal(want) {
		t.Errorf("after 800 concurrent minutes the clock reads %v, want %v", got, want)
	}
}

func TestEachDialectRunsSQLiteThenPostgres(t *testing.T) {
	var ran []string
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		ran = append(ran, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+"="+dialect)
	})
	if got, want := strings.Join(ran, " "), "sqlite=sqlite postgres=postgres"; got != want {
		t.Errorf("ran %q, want %q", got, want)
	}
}

func TestEachDBGivesAFreshMigratedDatabase(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		var n int64
		if err := d.Raw("SELECT COUNT(*) FROM users").Scan(&n).Error; err != nil {
			t.Fatalf("no users table: %v", err)
		}
		if n != 0 {
			t.Errorf("%d users in a fresh database", n)
		}
		if err := d.CheckSchema(context.Background()); err != nil {
			t.Errorf("schema: %v", err)
		}
	})
}

func TestOpenEmptyDBIsNotMigrated(t *testing.T) {
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		d := testutil.OpenEmptyDB(t, dialect)
		if err := d.CheckSchema(context.Background()); !errors.Is(err, db.ErrSchemaBehind) {
			t.Errorf("CheckSchema of an empty database = %v, want ErrSchemaBehind", err)
		}
	})
}

// A test's databases are its own and do not outlive it.
func TestDatabasesAreDroppedWhenTheTestEnds(t *testing.T) {
	var file, pgURL string
	t.Run("sqlite", func(t *testing.T) {
		file = testutil.DatabaseURL(t, testutil.SQLite)
		if file == testutil.DatabaseURL(t, testutil.SQLite) {
			t.Errorf("two databases share the file %s", file)
		}
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the SQLite file %s outlived its test: %v", file, err)
	}
	parent := t
	t.Run("postgres", func(t *testing.T) {
		pgURL = testutil.DatabaseURL(t, testutil.Postgres)
		d, err := db.Open(context.Background(), pgURL, db.Pool{MaxOpen: 1, MaxIdle: 1})
		if err != nil {
			t.Fatalf("open the new database: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Exec("CREATE TABLE t (x int)").Error; err != nil {
			t.Fatal(err)
		}
		// Still open when the test ends: the drop must not wait for it.
		d2, err := db.Open(context.Background(), pgURL, db.Pool{MaxOpen: 1, MaxIdle: 1})
		if err != nil {
			t.Fatal(err)
		}
		parent.Cleanup(func() { d2.Close() })
		if err := d2.Exec("SELECT 1").Error; err != nil {
			t.Fatal(err)
		}
	})
	if pgURL == "" {
		return // skipped: no PostgreSQL
	}
	admin, err := db.Open(context.Background(), testutil.PostgresAdminURL(), db.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := pgURL[strings.LastIndex(pgURL, "/")+1:]
	name = strings.SplitN(name, "?", 2)[0]
	var n int64
	if err := admin.Raw("SELECT COUNT(*) FROM pg_database WHERE datname = ?", name).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 || !strings.HasPrefix(name, "portal_test_") {
		t.Errorf("database %q: %d left after its test, want 0", name, n)
	}
}
