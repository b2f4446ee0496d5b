package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portal/internal/config"
	"portal/internal/db"
)

// The dialects, named as the subtests that run on them are.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Dialects lists every dialect a database test runs on, in the order
// EachDialect runs them.
func Dialects() []string { return []string{SQLite, Postgres} }

// EachDialect runs fn as one subtest per dialect, named "sqlite" and
// "postgres", one after the other; fn may call t.Parallel to run them side
// by side. fn gets the dialect's name, for tests that build more than a
// database from it (a whole portal, through DatabaseURL).
func EachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(dialect, func(t *testing.T) { fn(t, dialect) })
	}
}

// EachDB runs fn once per dialect, as EachDialect does, on a fresh migrated
// database of that dialect (OpenDB).
func EachDB(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	EachDialect(t, func(t *testing.T, dialect string) { fn(t, OpenDB(t, dialect)) })
}

// OpenDB opens a fresh, migrated database of dialect, closed and dropped
// when the test ends.
func OpenDB(t testing.TB, dialect string) *db.DB {
	t.Helper()
	return openAt(t, dialect, MigratedDatabaseURL(t, dialect))
}

// OpenEmptyDB is OpenDB without the migrations, for tests of the schema
// and of what the portal does on an unmigrated database.
func OpenEmptyDB(t testing.TB, dialect string) *db.DB {
	t.Helper()
	return openAt(t, dialect, DatabaseURL(t, dialect))
}

func openAt(t testing.TB, dialect, url string) *db.DB {
	t.Helper()
	pool := db.Pool{MaxOpen: 16, MaxIdle: 16, Timeouts: Timeouts}
	if dialect == SQLite {
		pool = db.Pool{MaxOpen: 8, MaxIdle: 8, Timeouts: Timeouts}
	}
	d, err := db.Open(context.Background(), url, pool)
	if err != nil {
		t.Fatalf("open the %s test database: %v", dialect, err)
	}
	t.Cleanup(func() { d.Close() }) // runs before DatabaseURL's drop
	return d
}

// DatabaseURL creates an empty database of dialect for this test and
// returns what db.Open and config.DatabaseURL take to reach it: a file path
// for SQLite, a postgres:// URL for PostgreSQL. The SQLite file lives in
// the test's temporary directory; the PostgreSQL database is dropped when
// the test ends, whoever still holds a connection to it.
func DatabaseURL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case SQLite:
		return filepath.Join(t.TempDir(), "portal.db")
	case Postgres:
		return postgresDatabase(t)
	}
	t.Fatalf("unknown dialect %q (want %q or %q)", dialect, SQLite, Postgres)
	return ""
}

// PostgresAdminURL is the PostgreSQL server tests create their databases
// on; PORTAL_TEST_POSTGRES_URL overrides it.
func PostgresAdminURL() string {
	if u := os.Getenv("PORTAL_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// postgresDatabase creates a database with a random name on the test
// server and returns its URL. Without a server the test is skipped, except
// under CI=true, where a missing PostgreSQL fails the run.
func postgresDatabase(t testing.TB) string {
	t.Helper()
	admin := openAdmin(t)
	defer admin.Close()
	name := "portal_test_" + randomHex(6)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { dropPostgres(t, name) })
	return postgresURL(t, name)
}

// openAdmin opens one connection to the test server's maintenance
// database. Without a server the test is skipped, except under CI=true,
// where a missing PostgreSQL fails the run.
func openAdmin(t testing.TB) *db.DB {
	t.Helper()
	// The tests' timeouts, not the portal's: a process waits on the
	// template's lock while another migrates it (template.go).
	admin, err := db.Open(context.Background(), PostgresAdminURL(), db.Pool{MaxOpen: 1, MaxIdle: 1, Timeouts: Timeouts})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("no PostgreSQL at %s (set PORTAL_TEST_POSTGRES_URL): %v", PostgresAdminURL(), err)
	}
	return admin
}

func dropPostgres(t testing.TB, name string) {
	admin, err := db.Open(context.Background(), PostgresAdminURL(), db.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		t.Errorf("drop test database %s: %v", name, err)
		return
	}
	defer admin.Close()
	// FORCE: a test that failed half-way may leave a pool open on it.
	if err := admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)).Error; err != nil {
		t.Errorf("drop test database %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Timeouts are the database timeouts of test databases: far longer than a
// server's, because a test machine running every package at once under
// the race detector is many times slower than production, and a test of
// a rule must not fail on the clock. Tests of the timeouts set their own.
var Timeouts = db.Timeouts{Statement: 2 * time.Minute, Lock: time.Minute, IdleInTransaction: 5 * time.Minute,
	Connect: 30 * time.Second, Wait: 2 * time.Minute, Transaction: 5 * time.Minute}

// LongDatabaseTimeouts gives a portal under test the long timeouts of
// Timeouts, for tests that start a whole portal from a configuration.
func LongDatabaseTimeouts(o *config.Ops) {
	o.DBStatementTimeout, o.DBLockTimeout = Timeouts.Statement, Timeouts.Lock
	o.DBIdleInTransactionTimeout, o.DBConnectTimeout = Timeouts.IdleInTransaction, Timeouts.Connect
	o.DBWaitTimeout, o.DBTransactionTimeout = Timeouts.Wait, Timeouts.Transaction
}
