package testutil

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/db"
)

// SeededDatabaseURL is MigratedDatabaseURL with data already in it: the
// database is a copy of one that seed filled once per key and dialect in
// this test process, and dataDir (the test's own, empty) receives a copy
// of the files seed left in its data directory. Seeding a demo portal
// costs tens of seconds under the race detector; a copy costs well under
// one. seed gets a migrated database of dialect (what db.Open takes) and a
// data directory; it must close what it opened before it returns.
//
// The seeded database lives as long as the process, not across runs:
// seeded data is usually relative to now, and a copy made minutes later is
// still the same day. Tests that share a key share what seed made, so a
// key names one seed function with one configuration.
func SeededDatabaseURL(t testing.TB, dialect, key, dataDir string, seed func(url, dataDir string) error) string {
	t.Helper()
	s := seededOf(dialect, key)
	func() {
		s.mu.Lock()
		defer s.mu.Unlock() // also when build ends the test (t.Fatal)
		if s.built {
			return
		}
		s.built = true
		s.err = errors.New("the test that seeded it failed first")
		start := time.Now()
		s.err = s.build(t, dialect, seed)
		if s.err == nil {
			t.Logf("seeded %s %s once in %v", key, dialect, time.Since(start).Round(time.Millisecond))
		}
	}()
	if s.err != nil {
		t.Fatalf("seed %s on %s: %v", key, dialect, s.err)
	}
	if err := copyTree(s.dir, dataDir); err != nil {
		t.Fatalf("copy the seeded files of %s: %v", key, err)
	}
	switch dialect {
	case SQLite:
		path := filepath.Join(t.TempDir(), "portal.db")
		if err := copyFile(s.db, path); err != nil {
			t.Fatalf("copy the seeded SQLite database of %s: %v", key, err)
		}
		return path
	case Postgres:
		return postgresFromTemplate(t, s.db)
	}
	t.Fatalf("unknown dialect %q (want %q or %q)", dialect, SQLite, Postgres)
	return ""
}

// seeded is what seed made for a key and dialect: the database (a SQLite
// file, or a PostgreSQL database used as a template) and the data
// directory.
type seeded struct {
	mu    sync.Mutex // held while seeding: the other tests of the key wait
	built bool
	err   error
	db    string
	dir   string
}

var (
	seededMu  sync.Mutex
	seededAll = map[string]*seeded{}
)

func seededOf(dialect, key string) *seeded {
	seededMu.Lock()
	defer seededMu.Unlock()
	s, ok := seededAll[dialect+"/"+key]
	if !ok {
		s = &seeded{}
		seededAll[dialect+"/"+key] = s
	}
	return s
}

// seededPrefix starts the names of seeded databases and directories; the
// Unix time of their making follows, so that a process that ended without
// removing its own leaves them to the next one (removeStaleSeeded).
const seededPrefix = "portal_seeded_"

// seededStale is the age after which another process removes what a test
// process seeded: far beyond the longest test run (go test -timeout).
const seededStale = 3 * time.Hour

func (s *seeded) build(t testing.TB, dialect string, seed func(url, dataDir string) error) error {
	t.Helper()
	digest, err := db.MigrationsDigest()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s%d_%s", seededPrefix, time.Now().Unix(), randomHex(4))
	removeStaleSeeded(t, dialect)
	root := filepath.Join(os.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
		return err
	}
	s.dir = filepath.Join(root, "data")
	switch dialect {
	case SQLite:
		s.db = filepath.Join(root, "portal.db")
		if err := copyFile(sqliteTemplate(t, digest), s.db); err != nil {
			return err
		}
		if err := seed(s.db, s.dir); err != nil {
			return err
		}
		// Everything into the main file, so that copying it alone is whole.
		d, err := db.Open(context.Background(), s.db, db.Pool{MaxOpen: 1, MaxIdle: 1, Timeouts: Timeouts})
		if err != nil {
			return err
		}
		err = d.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		return err
	case Postgres:
		template := postgresTemplate(t, digest)
		admin := openAdmin(t)
		err := admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)).Error
		admin.Close()
		if err != nil {
			return err
		}
		s.db = name
		return seed(postgresURL(t, name), s.dir)
	}
	return fmt.Errorf("unknown dialect %q (want %q or %q)", dialect, SQLite, Postgres)
}

// RemoveSeeded removes what SeededDatabaseURL made in this process; a
// TestMain calls it after the tests. What a process leaves behind (killed
// by a timeout, or without a TestMain that calls this) goes when it is
// stale, at the next seeding.
func RemoveSeeded() {
	seededMu.Lock()
	defer seededMu.Unlock()
	for k, s := range seededAll {
		s.mu.Lock()
		if s.dir != "" {
			os.RemoveAll(filepath.Dir(s.dir))
		}
		if strings.HasPrefix(k, Postgres+"/") && s.db != "" {
			if admin, err := db.Open(context.Background(), PostgresAdminURL(), db.Pool{MaxOpen: 1, MaxIdle: 1}); err == nil {
				admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", s.db))
				admin.Close()
			}
		}
		s.mu.Unlock()
		delete(seededAll, k)
	}
}

// removeStaleSeeded removes the seeded directories, and on PostgreSQL the
// seeded databases, that other processes made more than seededStale ago.
func removeStaleSeeded(t testing.TB, dialect string) {
	t.Helper()
	stale := func(name string) bool {
		rest, ok := strings.CutPrefix(name, seededPrefix)
		if !ok {
			return false
		}
		unix, _, _ := strings.Cut(rest, "_")
		sec, err := strconv.ParseInt(unix, 10, 64)
		return err == nil && time.Since(time.Unix(sec, 0)) > seededStale
	}
	if entries, err := os.ReadDir(os.TempDir()); err == nil {
		for _, e := range entries {
			if e.IsDir() && stale(e.Name()) {
				os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
			}
		}
	}
	if dialect != Postgres {
		return
	}
	admin := openAdmin(t)
	defer admin.Close()
	var names []string
	if err := admin.Raw("SELECT datname FROM pg_database WHERE datname LIKE ?", seededPrefix+"%").Scan(&names).Error; err != nil {
		return
	}
	for _, n := range names {
		if stale(n) {
			admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", n))
		}
	}
}

// copyTree copies the files under from into to, which may exist.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(path, target)
	})
}
