package config

import (
	"fmt"
	"strings"
	"time"
)

// Ops are the settings that decide how the portal behaves when its database
// is slow or stuck and when it is asked to stop. A stuck database must make
// requests fail fast with "try again in a moment", not hang every visitor;
// a rollout must not refuse a single request.
type Ops struct {
	// PostgreSQL ends, on its side, a statement running longer than
	// DBStatementTimeout, a wait for a lock longer than DBLockTimeout, and
	// a session idle inside a transaction longer than
	// DBIdleInTransactionTimeout (which would hold its locks forever).
	DBStatementTimeout         time.Duration
	DBLockTimeout              time.Duration
	DBIdleInTransactionTimeout time.Duration
	// DBConnectTimeout bounds opening one connection to PostgreSQL.
	DBConnectTimeout time.Duration
	// DBWaitTimeout bounds, on the portal's side, one statement including
	// its wait for a free connection: it holds when PostgreSQL cannot
	// answer at all (a network black hole, a pool exhausted by stuck
	// connections). On SQLite it is the busy timeout of a writer.
	DBWaitTimeout time.Duration
	// DBTransactionTimeout bounds one transaction, from the wait for its
	// connection to its commit.
	DBTransactionTimeout time.Duration
	// ReadyTimeout is how long /readyz waits for the database before it
	// answers 503: a probe must answer before its own timeout.
	ReadyTimeout time.Duration
	// ShutdownGrace is how long the portal keeps serving after SIGTERM
	// while /readyz already answers 503, so that load balancers stop
	// sending before it stops accepting. deploy/k8s agrees with it.
	ShutdownGrace time.Duration
	// ShutdownTimeout is how long requests in flight may take to finish
	// once the portal stops accepting.
	ShutdownTimeout time.Duration
}

// defaultOps are the defaults of mode. Dev mode has no load balancer in
// front, so Ctrl-C stops it at once.
func defaultOps(mode Mode) Ops {
	o := Ops{
		DBStatementTimeout:         8 * time.Second,
		DBLockTimeout:              5 * time.Second,
		DBIdleInTransactionTimeout: time.Minute,
		DBConnectTimeout:           5 * time.Second,
		DBWaitTimeout:              10 * time.Second,
		DBTransactionTimeout:       time.Minute,
		ReadyTimeout:               2 * time.Second,
		ShutdownGrace:              10 * time.Second,
		ShutdownTimeout:            20 * time.Second,
	}
	if mode == ModeDev {
		o.ShutdownGrace = 0
	}
	return o
}

// load reads the PORTAL_* variables of o through getenv.
func (o *Ops) load(getenv func(string) string) []error {
	var errs []error
	dur := func(name string, dst *time.Duration, zero bool) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d == 0 && !zero) {
			errs = append(errs, fmt.Errorf("%s must be a positive duration such as 5s or 1m, got %q", name, v))
			return
		}
		*dst = d
	}
	dur("PORTAL_DB_STATEMENT_TIMEOUT", &o.DBStatementTimeout, false)
	dur("PORTAL_DB_LOCK_TIMEOUT", &o.DBLockTimeout, false)
	dur("PORTAL_DB_IDLE_IN_TRANSACTION_TIMEOUT", &o.DBIdleInTransactionTimeout, false)
	dur("PORTAL_DB_CONNECT_TIMEOUT", &o.DBConnectTimeout, false)
	dur("PORTAL_DB_WAIT_TIMEOUT", &o.DBWaitTimeout, false)
	dur("PORTAL_DB_TRANSACTION_TIMEOUT", &o.DBTransactionTimeout, false)
	dur("PORTAL_READY_TIMEOUT", &o.ReadyTimeout, false)
	dur("PORTAL_SHUTDOWN_GRACE", &o.ShutdownGrace, true) // 0s: no grace, as in dev
	dur("PORTAL_SHUTDOWN_TIMEOUT", &o.ShutdownTimeout, false)
	return errs
}

// validate names the settings that contradict each other.
func (o Ops) validate() []error {
	var errs []error
	// PostgreSQL's own timeouts are the ones that end a statement cleanly
	// and release its locks; the portal's wait is the backstop for a
	// server that does not answer at all.
	if o.DBLockTimeout > o.DBStatementTimeout {
		errs = append(errs, fmt.Errorf("PORTAL_DB_LOCK_TIMEOUT (%s) is longer than PORTAL_DB_STATEMENT_TIMEOUT (%s)", o.DBLockTimeout, o.DBStatementTimeout))
	}
	if o.DBStatementTimeout > o.DBWaitTimeout {
		errs = append(errs, fmt.Errorf("PORTAL_DB_STATEMENT_TIMEOUT (%s) is longer than PORTAL_DB_WAIT_TIMEOUT (%s)", o.DBStatementTimeout, o.DBWaitTimeout))
	}
	if o.DBWaitTimeout > o.DBTransactionTimeout {
		errs = append(errs, fmt.Errorf("PORTAL_DB_WAIT_TIMEOUT (%s) is longer than PORTAL_DB_TRANSACTION_TIMEOUT (%s)", o.DBWaitTimeout, o.DBTransactionTimeout))
	}
	return errs
}
