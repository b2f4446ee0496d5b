package config

import (
	"strings"
	"testing"
	"time"
)

func TestDatabaseTimeoutsAndShutdownHaveDefaultsAndComeFromTheEnvironment(t *testing.T) {
	c, errs := Load(ModeServe, func(string) string { return "" })
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := Ops{DBStatementTimeout: 8 * time.Second, DBLockTimeout: 5 * time.Second, DBIdleInTransactionTimeout: time.Minute,
		DBConnectTimeout: 5 * time.Second, DBWaitTimeout: 10 * time.Second, DBTransactionTimeout: time.Minute,
		ReadyTimeout: 2 * time.Second, ShutdownGrace: 10 * time.Second, ShutdownTimeout: 20 * time.Second}
	if c.Ops != want {
		t.Errorf("serve defaults %+v, want %+v", c.Ops, want)
	}
	if d := Defaults(ModeDev).Ops.ShutdownGrace; d != 0 {
		t.Errorf("dev mode waits %v before stopping, want no grace (no load balancer in front)", d)
	}
	env := map[string]string{"PORTAL_DB_LOCK_TIMEOUT": "2s", "PORTAL_SHUTDOWN_GRACE": "0s", "PORTAL_READY_TIMEOUT": "750ms"}
	c, errs = Load(ModeServe, func(k string) string { return env[k] })
	if len(errs) > 0 || c.Ops.DBLockTimeout != 2*time.Second || c.Ops.ShutdownGrace != 0 || c.Ops.ReadyTimeout != 750*time.Millisecond {
		t.Errorf("from the environment: %+v %v", c.Ops, errs)
	}
}

func TestContradictoryDatabaseTimeoutsAreNamed(t *testing.T) {
	env := map[string]string{"PORTAL_DB_LOCK_TIMEOUT": "20s", "PORTAL_DB_WAIT_TIMEOUT": "5s", "PORTAL_DB_CONNECT_TIMEOUT": "soon", "PORTAL_READY_TIMEOUT": "0s"}
	c, errs := Load(ModeServe, func(k string) string { return env[k] })
	errs = append(errs, c.Ops.validate()...)
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{
		"PORTAL_DB_CONNECT_TIMEOUT must be a positive duration",
		"PORTAL_READY_TIMEOUT must be a positive duration",
		"PORTAL_DB_LOCK_TIMEOUT (20s) is longer than PORTAL_DB_STATEMENT_TIMEOUT (8s)",
		"PORTAL_DB_STATEMENT_TIMEOUT (8s) is longer than PORTAL_DB_WAIT_TIMEOUT (5s)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}
