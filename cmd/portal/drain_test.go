package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestDrainWaitsOutTheGracePeriodAndLeavesAnotherProcessOneAlone(t *testing.T) {
	var out, errb bytes.Buffer
	start := time.Now()
	// The test binary is not process 1: drain must not signal it.
	code := run(context.Background(), []string{"drain"}, env(map[string]string{"PORTAL_SHUTDOWN_GRACE": "300ms"}), &out, &errb)
	took := time.Since(start)
	if code != 0 || took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("drain: exit %d after %v, want 0 after the 300ms grace; stderr:\n%s", code, took, errb.String())
	}
	if !strings.Contains(errb.String(), "process 1 is not this portal") {
		t.Errorf("drain does not say why it signalled nothing:\n%s", errb.String())
	}
}

func TestDrainRefusesAGracePeriodThatIsNotADuration(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"drain"}, env(map[string]string{"PORTAL_SHUTDOWN_GRACE": "ten"}), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "PORTAL_SHUTDOWN_GRACE") {
		t.Errorf("drain with PORTAL_SHUTDOWN_GRACE=ten: exit %d, stderr %q; want 2 naming the setting", code, errb.String())
	}
}
