// Package db opens the portal's database, PostgreSQL in production or SQLite
// for a newcomer and a small site, and owns the versioned migrations of both
// dialects so that the schema is the same whichever one runs.
package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a DB.
type Dialect string

// The supported engines.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Pool sizes the connection pool. database/sql keeps only 2 idle connections
// by default, so under load PostgreSQL would fork a backend per request.
// Its Timeouts keep a stuck database from hanging every request.
type Pool struct {
	MaxOpen int
	MaxIdle int
	Timeouts
}

// DB is the opened database with its dialect and a count of the statements
// it ran, which the benchmark reads as queries per request.
type DB struct {
	*gorm.DB
	Dialect Dialect
	queries *atomic.Int64
}

// ForUpdate locks the rows a query reads for the rest of the transaction
// on PostgreSQL. GORM drops it on SQLite, whose immediate transactions
// (see sqliteDSN) already serialize writers.
func ForUpdate() clause.Expression { return clause.Locking{Strength: "UPDATE"} }

// IsPostgres reports whether url names PostgreSQL rather than a SQLite file.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to url: a postgres:// URL or a SQLite file path, whose
// directory is created when missing.
func Open(ctx context.Context, url string, pool Pool) (*DB, error) {
	t := pool.Timeouts.orDefaults()
	// GORM bounds every statement it runs by Wait, and every transaction
	// by Transaction, unless the caller's context ends sooner: waiting for
	// a free connection is bounded too, which no server-side timeout can do.
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true,
		DefaultContextTimeout: t.Wait, DefaultTransactionTimeout: t.Transaction}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
	)
	if IsPostgres(url) {
		dialect = Postgres
		var dsn string
		if dsn, err = postgresDSN(url, t); err == nil {
			g, err = gorm.Open(postgres.Open(dsn), cfg)
		}
	} else {
		dialect = SQLite
		if dir := filepath.Dir(url); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		g, err = gorm.Open(sqlite.Open(sqliteDSN(url, t.Wait)), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if pool.MaxOpen > 0 {
		sqlDB.SetMaxOpenConns(pool.MaxOpen)
	}
	if pool.MaxIdle > 0 {
		sqlDB.SetMaxIdleConns(pool.MaxIdle)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	sqlDB.SetConnMaxLifetime(time.Hour)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", dialect, err)
	}
	d := &DB{DB: g, Dialect: dialect, queries: new(atomic.Int64)}
	d.countQueries()
	return d, nil
}

// sqliteDSN turns a file path into a DSN with the settings that let
// concurrent read-then-write transactions wait instead of failing with
// SQLITE_BUSY: WAL, a busy timeout, and BEGIN IMMEDIATE. Writers take turns
// on SQLite, so a writer waits for the lock as long as a statement may wait
// for the database at all (busy).
func sqliteDSN(path string, busy time.Duration) string {
	if strings.HasPrefix(path, "file:") {
		return path
	}
	return "file:" + path + fmt.Sprintf("?_pragma=journal_mode(WAL)&_pragma=busy_timeout(%d)", busy.Milliseconds()) +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

func (d *DB) countQueries() {
	inc := func(*gorm.DB) { d.queries.Add(1) }
	cb := d.Callback()
	_ = cb.Query().After("gorm:query").Register("portal:count", inc)
	_ = cb.Create().After("gorm:create").Register("portal:count", inc)
	_ = cb.Update().After("gorm:update").Register("portal:count", inc)
	_ = cb.Delete().After("gorm:delete").Register("portal:count", inc)
	_ = cb.Row().After("gorm:row").Register("portal:count", inc)
	_ = cb.Raw().After("gorm:raw").Register("portal:count", inc)
}

// Queries returns how many statements ran through GORM since Open.
func (d *DB) Queries() int64 { return d.queries.Load() }

// Close closes the pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func (d *DB) migrator() (*goose.Provider, error) {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return nil, err
	}
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	var opts []goose.ProviderOption
	if d.Dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		// Several replicas or a migration Job may start at once: a session
		// advisory lock makes them take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, fsys, opts...)
}

// Migrate applies every pending migration and returns the versions applied.
func (d *DB) Migrate(ctx context.Context) ([]int64, error) {
	p, err := d.migrator()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var done []int64
	for _, r := range res {
		done = append(done, r.Source.Version)
	}
	if err != nil {
		return done, fmt.Errorf("migrate: %w", err)
	}
	return done, nil
}

// Migration is one migration and whether it is applied.
type Migration struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Status lists every migration known to the binary and its state.
func (d *DB) Status(ctx context.Context) ([]Migration, error) {
	p, err := d.migrator()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(st))
	for _, s := range st {
		out = append(out, Migration{
			Version:   s.Source.Version,
			Name:      filepath.Base(s.Source.Path),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// ErrSchemaBehind is returned by CheckSchema when migrations are pending.
var ErrSchemaBehind = errors.New("database schema is behind")

// CheckSchema returns ErrSchemaBehind, wrapped with the versions, when the
// database lacks migrations this binary has. It never changes the schema.
func (d *DB) CheckSchema(ctx context.Context) error {
	current, err := d.schemaVersion(ctx)
	if err != nil {
		return err
	}
	latest, err := LatestVersion()
	if err != nil {
		return err
	}
	if current < latest {
		return fmt.Errorf("%w: at version %d, this binary needs %d", ErrSchemaBehind, current, latest)
	}
	return nil
}

// schemaVersion reads goose's table directly so that a readiness probe or a
// refused start never creates it. Every query runs under ctx and returns its
// error: a database that does not answer is not a database without
// migrations (GORM's HasTable says false for both).
func (d *DB) schemaVersion(ctx context.Context) (int64, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'"
	if d.Dialect == Postgres {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = CURRENT_SCHEMA() AND table_name = 'goose_db_version'"
	}
	var n int64
	if err := d.WithContext(ctx).Raw(q).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	err := d.WithContext(ctx).Raw("SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&v).Error
	return v.Int64, err
}

// MigrationsDigest is a hash of every embedded migration of both dialects:
// it names a schema exactly, so that test databases can be copied from a
// template migrated once per schema rather than each migrated anew.
func MigrationsDigest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations, "migrations", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// LatestVersion is the highest migration version embedded in the binary.
func LatestVersion() (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/postgres")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		v, err := goose.NumericComponent(e.Name())
		if err != nil {
			continue
		}
		latest = max(latest, v)
	}
	return latest, nil
}
