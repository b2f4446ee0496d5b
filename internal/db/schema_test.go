package db_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"portal/internal/db"
	"portal/internal/testutil"
)

// column is a dialect-neutral description of a column.
type column struct {
	Table, Name, Type string
	Nullable          bool
}

// index is a dialect-neutral description of an index.
type index struct {
	Table, Name string
	Unique      bool
	Columns     string
}

// neutralType folds the spellings of each dialect into one vocabulary.
func neutralType(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"), t == "bigserial", t == "serial":
		return "integer"
	case strings.Contains(t, "timestamp"):
		return "timestamp"
	case t == "text", strings.Contains(t, "char"):
		return "text"
	case strings.Contains(t, "bool"):
		return "boolean"
	case t == "date":
		return "date"
	case strings.Contains(t, "numeric"), strings.Contains(t, "decimal"):
		return "numeric"
	case t == "bytea", t == "blob":
		return "bytes"
	}
	return t
}

func schemaOf(t *testing.T, d *db.DB) ([]column, []index) {
	t.Helper()
	var cols []column
	var idx []index
	switch d.Dialect {
	case db.Postgres:
		var rows []struct {
			TableName, ColumnName, DataType, IsNullable string
		}
		if err := d.Raw(`SELECT table_name, column_name, data_type, is_nullable
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			cols = append(cols, column{r.TableName, r.ColumnName, neutralType(r.DataType), r.IsNullable == "YES"})
		}
		// Trigram indexes (*_trgm) existed only on PostgreSQL (migrations 5
		// to 20), and so do the exclusion constraints' indexes (*_excl):
		// migration 12.
		var ix []struct {
			Tablename, Indexname, Indexdef string
		}
		if err := d.Raw(`SELECT tablename, indexname, indexdef FROM pg_indexes
			WHERE schemaname = 'public' AND tablename <> 'goose_db_version' AND indexname NOT LIKE '%_pkey'
			AND indexname NOT LIKE '%_trgm' AND indexname NOT LIKE '%_excl'`).Scan(&ix).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range ix {
			cs := r.Indexdef[strings.LastIndex(r.Indexdef, "(")+1 : strings.LastIndex(r.Indexdef, ")")]
			idx = append(idx, index{r.Tablename, r.Indexname, strings.Contains(r.Indexdef, "UNIQUE"), strings.ReplaceAll(cs, " ", "")})
		}
	case db.SQLite:
		var tables []string
		if err := d.Raw(`SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var info []struct {
				Name    string
				Type    string
				Notnull int
				Pk      int
			}
			if err := d.Raw(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, tb).Scan(&info).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range info {
				// SQLite lets a primary key column be NULL unless told; the
				// PostgreSQL catalog reports primary keys as NOT NULL.
				cols = append(cols, column{tb, c.Name, neutralType(c.Type), c.Notnull == 0 && c.Pk == 0})
			}
			var ix []struct {
				Name   string
				Unique int
				Origin string
			}
			if err := d.Raw(`SELECT name, "unique", origin FROM pragma_index_list(?)`, tb).Scan(&ix).Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range ix {
				if r.Origin == "pk" {
					continue
				}
				var names []string
				if err := d.Raw(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, r.Name).Scan(&names).Error; err != nil {
					t.Fatal(err)
				}
				idx = append(idx, index{tb, r.Name, r.Unique == 1, strings.Join(names, ",")})
			}
		}
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].Table+"."+cols[i].Name < cols[j].Table+"."+cols[j].Name })
	sort.Slice(idx, func(i, j int) bool { return idx[i].Name < idx[j].Name })
	return cols, idx
}

// Both dialects must end up with the same tables, columns, types,
// nullability and indexes, or code tested on one would break on the other.
func TestDialectsHaveTheSameSchema(t *testing.T) {
	lite := testutil.OpenDB(t, testutil.SQLite)
	pg := testutil.OpenDB(t, testutil.Postgres)
	lc, li := schemaOf(t, lite)
	pc, pi := schemaOf(t, pg)
	if len(lc) == 0 || len(li) == 0 {
		t.Fatal("introspection found no columns or indexes")
	}
	if !reflect.DeepEqual(lc, pc) {
		t.Errorf("columns differ\nsqlite:   %v\npostgres: %v", lc, pc)
	}
	if !reflect.DeepEqual(li, pi) {
		t.Errorf("indexes differ\nsqlite:   %v\npostgres: %v", li, pi)
	}
	for _, want := range []string{"users", "sessions", "audit_events"} {
		found := false
		for _, c := range lc {
			found = found || c.Table == want
		}
		if !found {
			t.Errorf("table %s missing", want)
		}
	}
}

func TestSchemaCheckRefusesABehindDatabase(t *testing.T) {
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		checkBehindThenCurrent(t, testutil.OpenEmptyDB(t, dialect))
	})
}

func checkBehindThenCurrent(t *testing.T, d *db.DB) {
	ctx := context.Background()
	if err := d.CheckSchema(ctx); !errors.Is(err, db.ErrSchemaBehind) {
		t.Fatalf("fresh database: CheckSchema = %v, want ErrSchemaBehind", err)
	}
	if d.Migrator().HasTable("goose_db_version") {
		t.Fatal("CheckSchema created the version table; it must not change the schema")
	}
	st, err := d.Status(ctx)
	if err != nil || len(st) == 0 || st[0].Applied {
		t.Fatalf("status before migrate = %v, %v", st, err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.CheckSchema(ctx); err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	again, err := d.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
	}
	st, _ = d.Status(ctx)
	for _, m := range st {
		if !m.Applied {
			t.Errorf("migration %d not applied", m.Version)
		}
	}
}
