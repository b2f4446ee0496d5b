package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"portal/internal/db"
)

// Database is a database of its own that a benchmark run creates on a
// PostgreSQL server and drops at its end.
type Database struct {
	Name     string
	URL      string // for PORTAL_DATABASE_URL
	adminURL string
}

// CreateDatabase creates an empty database named portal_bench_<random> on
// the server of adminURL, a postgres:// URL of a database that exists
// (usually "postgres") as a role allowed to create databases.
func CreateDatabase(ctx context.Context, adminURL string) (*Database, error) {
	u, err := url.Parse(adminURL)
	if err != nil || !db.IsPostgres(adminURL) {
		return nil, fmt.Errorf("bench: %q is not a postgres:// URL", Redact(adminURL))
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "portal_bench_" + hex.EncodeToString(b)
	if err := admin(ctx, adminURL, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return &Database{Name: name, URL: u.String(), adminURL: adminURL}, nil
}

// Drop drops the database, closing the connections still open to it.
func (d *Database) Drop(ctx context.Context) error {
	if err := admin(ctx, d.adminURL, "DROP DATABASE IF EXISTS "+d.Name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", d.Name, err)
	}
	return nil
}

// admin runs one statement on the server's administrative database.
func admin(ctx context.Context, adminURL, stmt string) error {
	a, err := db.Open(ctx, adminURL, db.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.WithContext(ctx).Exec(stmt).Error
}

// Redact hides the password of a URL, for logs and result files.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// TableActivity is what PostgreSQL's statistics say was done to one table:
// scans (sequential and by index) and rows written.
type TableActivity struct {
	SeqScans int64 `json:"seq_scans"`
	IdxScans int64 `json:"idx_scans"`
	Writes   int64 `json:"writes"` // rows inserted, updated or deleted
}

// ReadTableActivity reads the cumulative statistics of every table in the
// database d is connected to. PostgreSQL flushes a backend's statistics
// about once a second, so callers wait a little after load before reading.
func ReadTableActivity(ctx context.Context, d *db.DB) (map[string]TableActivity, error) {
	var rows []struct {
		Relname string
		TableActivity
	}
	err := d.WithContext(ctx).Raw(`SELECT relname,
		COALESCE(seq_scan, 0) AS seq_scans, COALESCE(idx_scan, 0) AS idx_scans,
		n_tup_ins + n_tup_upd + n_tup_del AS writes
		FROM pg_stat_user_tables`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read table statistics: %w", err)
	}
	out := make(map[string]TableActivity, len(rows))
	for _, r := range rows {
		out[r.Relname] = r.TableActivity
	}
	return out, nil
}
