package testutil

import (
	"errors"
	"testing"
	"time"
)

// The first poll waits firstPoll; each wait after is twice the last, up to
// maxPoll: a condition that holds soon is seen soon, and a long wait (a
// browser, a mail server) is not a busy loop on a shared machine.
const (
	firstPoll = 5 * time.Millisecond
	maxPoll   = 100 * time.Millisecond
)

// Eventually calls cond until it returns true, and fails the test with
// "not within <within>: <what>" if within passes first; what names the
// thing waited for ("every mail marked sent"). cond is called at
// least once, and once more after the deadline, so a slow last poll still
// counts. Call it from the test's goroutine: on failure it calls Fatalf.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	EventuallyNil(t, within, func() error {
		if cond() {
			return nil
		}
		return errors.New(what)
	})
}

// EventuallyNil calls check until it returns nil, and fails the test with
// the last error check returned if within passes first: check says what is
// still missing ("the sink holds 3 mails, want 4"), so the failure shows
// the state at the deadline.
func EventuallyNil(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	wait := firstPoll
	for {
		err := check()
		if err == nil {
			return
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("not within %s: %v", within, err)
			return // t may be a fake whose Fatalf returns
		}
		time.Sleep(min(wait, time.Until(deadline)+time.Millisecond))
		wait = min(2*wait, maxPoll)
	}
}
