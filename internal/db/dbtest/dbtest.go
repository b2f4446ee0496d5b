// Package dbtest gives each test a fresh, migrated database of each dialect,
// so that every database test runs on PostgreSQL and on SQLite.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portal/internal/db"
)

// AdminURL is the PostgreSQL server tests create their databases on;
// PORTAL_TEST_POSTGRES_URL overrides it.
func AdminURL() string {
	if u := os.Getenv("PORTAL_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Timeouts are the database timeouts of test databases: far longer than a
// server's, because a test machine running every package at once under
// the race detector is many times slower than production, and a test of
// a rule must not fail on the clock. Tests of the timeouts set their own.
var Timeouts = db.Timeouts{Statement: 2 * time.Minute, Lock: time.Minute, IdleInTransaction: 5 * time.Minute,
	Connect: 30 * time.Second, Wait: 2 * time.Minute, Transaction: 5 * time.Minute}

// Each runs fn once per dialect as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated database in a file under the test's temp dir.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "portal.db"), db.Pool{MaxOpen: 8, MaxIdle: 8, Timeouts: Timeouts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d)
	return d
}

// Postgres creates a database of its own on the test server, migrates it and
// drops it when the test ends. Without a server the test is skipped, except
// under CI=true where a missing PostgreSQL fails the run.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	d, _ := PostgresURL(t)
	migrate(t, d)
	return d
}

// PostgresURL creates an empty (unmigrated) database and returns it with its URL.
func PostgresURL(t testing.TB) (*db.DB, string) {
	t.Helper()
	ctx := context.Background()
	admin, err := db.Open(ctx, AdminURL(), db.Pool{MaxOpen: 2, MaxIdle: 1})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("no PostgreSQL at %s (set PORTAL_TEST_POSTGRES_URL): %v", AdminURL(), err)
	}
	defer admin.Close()
	name := "portal_test_" + randomHex(6)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	d, err := db.Open(ctx, u.String(), db.Pool{MaxOpen: 16, MaxIdle: 16, Timeouts: Timeouts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		admin, err := db.Open(context.Background(), AdminURL(), db.Pool{MaxOpen: 1, MaxIdle: 1})
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if err := admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)).Error; err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return d, u.String()
}

func migrate(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
