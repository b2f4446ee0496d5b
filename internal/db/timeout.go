package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Timeouts bound how long the portal waits for its database. A zero field
// takes its default (DefaultTimeouts), so tests and tools that open a
// database by hand get the same protection as `portal serve`.
type Timeouts struct {
	// Statement, Lock and IdleInTransaction are PostgreSQL's
	// statement_timeout, lock_timeout and
	// idle_in_transaction_session_timeout, set on every connection.
	Statement, Lock, IdleInTransaction time.Duration
	// Connect bounds opening a connection (connect_timeout).
	Connect time.Duration
	// Wait bounds one statement on the portal's side, its wait for a free
	// connection included; on SQLite it is the busy timeout.
	Wait time.Duration
	// Transaction bounds one transaction, its wait for a connection
	// included.
	Transaction time.Duration
}

// DefaultTimeouts are the timeouts of a zero Timeouts, the same as the
// configuration's defaults.
var DefaultTimeouts = Timeouts{
	Statement: 8 * time.Second, Lock: 5 * time.Second, IdleInTransaction: time.Minute,
	Connect: 5 * time.Second, Wait: 10 * time.Second, Transaction: time.Minute,
}

// MigrationTimeouts are for `portal migrate`: building an index or
// rewriting a table may take long, while the wait for a lock stays short,
// since every request queues behind a migration waiting for its table (the
// Job retries a migration that gave up).
var MigrationTimeouts = Timeouts{Statement: time.Hour, Wait: time.Hour, Transaction: time.Hour}

func (t Timeouts) orDefaults() Timeouts {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	d := DefaultTimeouts
	return Timeouts{
		Statement: pick(t.Statement, d.Statement), Lock: pick(t.Lock, d.Lock),
		IdleInTransaction: pick(t.IdleInTransaction, d.IdleInTransaction),
		Connect:           pick(t.Connect, d.Connect), Wait: pick(t.Wait, d.Wait),
		Transaction: pick(t.Transaction, d.Transaction),
	}
}

// postgresDSN adds the timeouts to a postgres:// URL as parameters of every
// connection (pgx sends unknown parameters to the server as settings). A
// parameter the operator wrote in the URL wins.
func postgresDSN(raw string, t Timeouts) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("PORTAL_DATABASE_URL is not a URL: %w", err)
	}
	q := u.Query()
	set := func(k, v string) {
		if !q.Has(k) {
			q.Set(k, v)
		}
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	set("statement_timeout", ms(t.Statement))
	set("lock_timeout", ms(t.Lock))
	set("idle_in_transaction_session_timeout", ms(t.IdleInTransaction))
	set("connect_timeout", strconv.Itoa(max(1, int(t.Connect.Round(time.Second)/time.Second))))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Unavailable reports whether err says the database could not serve in
// time, or not at all, rather than that the request was wrong: a timeout,
// a lock that could not be had, a wait for a connection that ran out, a
// connection lost. Trying again in a moment may work.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "57014", // query_canceled: statement_timeout
			"55P03",                   // lock_not_available: lock_timeout
			"25P03",                   // idle_in_transaction_session_timeout
			"40001",                   // serialization_failure
			"40P01",                   // deadlock_detected
			"53300",                   // too_many_connections
			"57P01", "57P02", "57P03": // the server is shutting down or starting
			return true
		}
		return pg.Code[:2] == "08" // connection exceptions
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return true
	}
	// SQLite: the write lock was not free within the busy timeout.
	var se interface{ Code() int }
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}
