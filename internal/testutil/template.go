package testutil

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/internal/db"
)

// MigratedDatabaseURL is DatabaseURL with the schema already migrated. The
// database is a copy of a template migrated once per schema (named by
// db.MigrationsDigest) and kept between runs: migrating every test's
// database from the first migration was most of the suite's time, and a
// copy is the same schema, goose's version table included.
func MigratedDatabaseURL(t testing.TB, dialect string) string {
	t.Helper()
	digest, err := db.MigrationsDigest()
	if err != nil {
		t.Fatalf("read the migrations: %v", err)
	}
	switch dialect {
	case SQLite:
		path := filepath.Join(t.TempDir(), "portal.db")
		if err := copyFile(sqliteTemplate(t, digest), path); err != nil {
			t.Fatalf("copy the SQLite template: %v", err)
		}
		return path
	case Postgres:
		return postgresFromTemplate(t, postgresTemplate(t, digest))
	}
	t.Fatalf("unknown dialect %q (want %q or %q)", dialect, SQLite, Postgres)
	return ""
}

// sqliteTemplate returns the migrated SQLite file of the schema digest,
// making it first if no test has. Packages run as separate processes, so
// the file is written under another name and renamed into place: a reader
// sees either no template or a whole one.
func sqliteTemplate(t testing.TB, digest string) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "portal-test-templates")
	path := filepath.Join(dir, "sqlite-"+digest+".db")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "building-"+randomHex(6))
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "portal.db")
	d, err := db.Open(context.Background(), file, db.Pool{MaxOpen: 1, MaxIdle: 1, Timeouts: Timeouts})
	if err != nil {
		t.Fatalf("open the SQLite template: %v", err)
	}
	_, err = d.Migrate(context.Background())
	if err == nil {
		// Everything into the main file, so that copying it alone is whole.
		err = d.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("migrate the SQLite template: %v", err)
	}
	if err := os.Rename(file, path); err != nil {
		t.Fatalf("keep the SQLite template: %v", err)
	}
	return path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// postgresTemplate returns the name of the migrated template database of
// the schema digest, making it first under an advisory lock that every
// test process takes, so that one process builds it and the others wait.
// Templates of other schemas are dropped then, but for the newest few.
func postgresTemplate(t testing.TB, digest string) string {
	t.Helper()
	name := "portal_template_" + digest
	admin := openAdmin(t)
	defer admin.Close()
	// One connection (MaxOpen 1): the session lock and what it guards share it.
	if err := admin.Exec("SELECT pg_advisory_lock(hashtext('portal_test_template'))").Error; err != nil {
		t.Fatalf("lock the template: %v", err)
	}
	defer admin.Exec("SELECT pg_advisory_unlock(hashtext('portal_test_template'))")
	// Newest first: the oldest beyond a few are dropped, while several
	// branches checked out side by side keep theirs.
	var have []string
	if err := admin.Raw("SELECT datname FROM pg_database WHERE datname LIKE 'portal_template_%' ORDER BY oid DESC").Scan(&have).Error; err != nil {
		t.Fatal(err)
	}
	for i, n := range have {
		if n == name {
			return name
		}
		if i >= keptTemplates {
			admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", n))
		}
	}
	building := "portal_building_" + randomHex(6)
	if err := admin.Exec("CREATE DATABASE " + building).Error; err != nil {
		t.Fatalf("create the template: %v", err)
	}
	d, err := db.Open(context.Background(), postgresURL(t, building), db.Pool{MaxOpen: 1, MaxIdle: 1, Timeouts: Timeouts})
	if err == nil {
		_, err = d.Migrate(context.Background())
		d.Close()
	}
	if err == nil {
		err = admin.Exec(fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)).Error
	}
	if err != nil {
		admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
		t.Fatalf("migrate the PostgreSQL template: %v", err)
	}
	return name
}

// keptTemplates is how many templates of other schemas may stay.
const keptTemplates = 16

// postgresFromTemplate creates a test database as a copy of template and
// returns its URL; it is dropped when the test ends.
func postgresFromTemplate(t testing.TB, template string) string {
	t.Helper()
	admin := openAdmin(t)
	defer admin.Close()
	name := "portal_test_" + randomHex(6)
	var err error
	// PostgreSQL refuses a copy while another session is connected to the
	// template; a test process may be a moment late closing its own.
	for try := 0; ; try++ {
		err = admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)).Error
		if err == nil || try == 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database from the template: %v", err)
	}
	t.Cleanup(func() { dropPostgres(t, name) })
	return postgresURL(t, name)
}

func postgresURL(t testing.TB, name string) string {
	t.Helper()
	u, err := url.Parse(PostgresAdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
