package wiring

import (
	"os"
	"testing"

	"portal/internal/testutil"
)

// TestMain removes the databases the tests seeded once (openDev) when
// they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveSeeded()
	os.Exit(code)
}
