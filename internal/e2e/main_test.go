package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/testutil"
)

// browserCtx is the one browser of the test binary, started by TestMain;
// each test opens its own tab (in its own browser context) from it. It is
// nil when no browser was found outside CI, and skipReason says why.
var (
	browserCtx context.Context
	skipReason string
)

// browserNames are the executables tried, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	// The portal logs every request at info level; keep the test output to
	// what matters.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

	path := findBrowser()
	if path == "" {
		msg := fmt.Sprintf("no browser for the end-to-end tests: none of %v is on PATH; install the Debian package chromium", browserNames)
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "FAIL e2e: %s (CI=true, so the browser tests fail instead of skipping)\n", msg)
			return 1
		}
		skipReason = msg
		return m.Run()
	}

	profile, err := os.MkdirTemp("", "portal-e2e-profile-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(profile)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // we run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// English pages by default, whatever the machine's locale.
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		fmt.Fprintf(os.Stderr, "FAIL e2e: cannot start %s: %v\n", path, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: %s started in %s\n", path, time.Since(start).Round(time.Millisecond))
	browserCtx = ctx

	code := m.Run()
	testutil.RemoveSeeded() // the portals' seeded data (portal_test.go)

	stopCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := chromedp.Cancel(stopCtx); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: closing the browser: %v\n", err)
	}
	return code
}

func findBrowser() string {
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
