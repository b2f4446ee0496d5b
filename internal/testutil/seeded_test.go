package testutil_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"portal/internal/db"
	"portal/internal/testutil"
)

// TestMain removes what the tests seeded once.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveSeeded()
	os.Exit(code)
}

// A key is seeded once per dialect, however many tests ask at once; each
// gets a copy of its own, database and files, that the others do not see.
func TestSeededDatabasesAreSeededOnceAndCopied(t *testing.T) {
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		var mu sync.Mutex
		seeds := 0
		seed := func(url, dataDir string) error {
			mu.Lock()
			seeds++
			mu.Unlock()
			d, err := db.Open(context.Background(), url, db.Pool{MaxOpen: 1, MaxIdle: 1})
			if err != nil {
				return err
			}
			defer d.Close()
			if err := os.MkdirAll(filepath.Join(dataDir, "files", "ab"), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dataDir, "files", "ab", "abc"), []byte("seeded"), 0o600); err != nil {
				return err
			}
			return d.Exec("INSERT INTO users (issuer, subject, created_at, updated_at) VALUES ('http://seed', 'alice', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error
		}
		key := "testutil-" + t.Name()
		for i := range 3 {
			t.Run(fmt.Sprint("copy", i), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				d := openURL(t, testutil.SeededDatabaseURL(t, dialect, key, dir, seed))
				var n int64
				if err := d.Raw("SELECT COUNT(*) FROM users WHERE subject = 'alice'").Scan(&n).Error; err != nil || n != 1 {
					t.Fatalf("the seeded user: %d (%v), want 1", n, err)
				}
				if b, err := os.ReadFile(filepath.Join(dir, "files", "ab", "abc")); err != nil || string(b) != "seeded" {
					t.Errorf("the seeded file reads %q (%v)", b, err)
				}
				// A copy's changes are its own.
				if err := d.Exec("DELETE FROM users").Error; err != nil {
					t.Fatal(err)
				}
			})
		}
		t.Cleanup(func() {
			if seeds != 1 {
				t.Errorf("seeded %d times, want once", seeds)
			}
		})
	})
}

func openURL(t *testing.T, url string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), url, db.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
