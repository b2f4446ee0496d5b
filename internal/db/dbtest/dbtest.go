// Package dbtest is the former home of the per-dialect database helpers,
// kept so that tests not yet switched over still build.
//
// Deprecated: use portal/internal/testutil (EachDB, OpenDB, OpenEmptyDB,
// DatabaseURL), which these functions call.
package dbtest

import (
	"context"
	"testing"

	"portal/internal/db"
	"portal/internal/testutil"
)

// AdminURL is testutil.PostgresAdminURL.
//
// Deprecated: use testutil.PostgresAdminURL.
func AdminURL() string { return testutil.PostgresAdminURL() }

// Each is testutil.EachDB.
//
// Deprecated: use testutil.EachDB.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	testutil.EachDB(t, fn)
}

// SQLite is testutil.OpenDB(t, testutil.SQLite).
//
// Deprecated: use testutil.OpenDB.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return testutil.OpenDB(t, testutil.SQLite)
}

// Postgres is testutil.OpenDB(t, testutil.Postgres).
//
// Deprecated: use testutil.OpenDB.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return testutil.OpenDB(t, testutil.Postgres)
}

// PostgresURL creates an empty (unmigrated) PostgreSQL database and returns
// it, open, with its URL.
//
// Deprecated: use testutil.DatabaseURL, or testutil.OpenEmptyDB.
func PostgresURL(t testing.TB) (*db.DB, string) {
	t.Helper()
	u := testutil.DatabaseURL(t, testutil.Postgres)
	d, err := db.Open(context.Background(), u, db.Pool{MaxOpen: 16, MaxIdle: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, u
}
