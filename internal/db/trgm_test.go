package db_test

import (
	"testing"

	"portal/internal/testutil"
)

// Search runs in memory (internal/catalog/searchindex.go): migration 20
// drops the trigram index that every write of an elective paid for, and
// keeps the extension.
func TestTheTrigramIndexIsGone(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	var indexes, extensions int64
	if err := d.Raw("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'electives_search_trgm'").Scan(&indexes).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Raw("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&extensions).Error; err != nil {
		t.Fatal(err)
	}
	if indexes != 0 || extensions != 1 {
		t.Errorf("%d trigram indexes and %d pg_trgm extensions after the migrations; want 0 and 1", indexes, extensions)
	}
}
