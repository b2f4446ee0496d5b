// Command portal is the clinical electives and exchange portal: one binary
// that serves production (serve), runs everything embedded for a newcomer
// (dev), migrates the database (migrate) and says what it is (version).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	// The zone database in the binary: PORTAL_TIME_ZONE must load on a
	// distroless image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"portal/internal/catalog"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/user"
	"portal/internal/wiring"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: portal <command>

commands:
  dev               run everything embedded: SQLite, a development sign-in provider, demo users
  serve             run in production: PostgreSQL (or SQLite), your OpenID provider
  migrate up        apply pending database migrations
  migrate status    list migrations and whether each is applied
  seed demo         load the demo catalog into an empty catalog (any database)
  drain             Kubernetes preStop hook: make the portal of this container (process 1)
                    drain as on SIGTERM, and return after PORTAL_SHUTDOWN_GRACE
  token create      make a personal API token: --user <name> --scope read|write [--days 90]
  version           print the version

configuration comes from PORTAL_* environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own
// environment and writers. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "dev":
		return serve(ctx, config.ModeDev, getenv, stdout, stderr)
	case "serve":
		return serve(ctx, config.ModeServe, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "seed":
		return seed(ctx, args[1:], getenv, stdout, stderr)
	case "drain":
		return drain(ctx, getenv, stderr)
	case "token":
		return token(ctx, args[1:], getenv, stdout, stderr) // token.go
	case "version":
		latest, _ := db.LatestVersion()
		fmt.Fprintf(stdout, "portal %s (%s, schema version %d)\n", version, runtime.Version(), latest)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "portal: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// loadConfig reads and validates the configuration, printing every problem
// on a line of its own.
func loadConfig(mode config.Mode, getenv func(string) string, stderr io.Writer) (config.Config, bool) {
	cfg, errs := config.Load(mode, getenv)
	errs = append(errs, cfg.Validate(user.RoleNames())...)
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "portal %s: cannot start, the configuration has %d problem(s):\n", mode, len(errs))
		for _, e := range errs {
			fmt.Fprintf(stderr, "  - %v\n", e)
		}
		return cfg, false
	}
	return cfg, true
}

func setupLogger(cfg config.Config, w io.Writer) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	slog.SetDefault(slog.New(h))
}

func serve(ctx context.Context, mode config.Mode, getenv func(string) string, stdout, stderr io.Writer) int {
	start := time.Now()
	cfg, ok := loadConfig(mode, getenv, stderr)
	if !ok {
		return 2
	}
	setupLogger(cfg, stderr)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "portal %s: cannot listen on %s (PORTAL_ADDR): %v\n", mode, cfg.Addr, err)
		return 1
	}
	if mode == config.ModeDev && getenv("PORTAL_BASE_URL") == "" {
		// With PORTAL_ADDR=127.0.0.1:0 the port is known only now.
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	a, err := wiring.Open(ctx, cfg, wiring.Options{Version: version, DemoApplications: true})
	if err != nil {
		ln.Close()
		if errors.Is(err, wiring.ErrSchemaBehind) {
			fmt.Fprintf(stderr, "portal %s: cannot start: %v\n", mode, err)
			return 3
		}
		fmt.Fprintf(stderr, "portal %s: cannot start: %v\n", mode, err)
		return 1
	}
	defer a.Close()
	if mode == config.ModeServe {
		// An identity provider's outage must not keep the portal from
		// starting: discovery is retried in the background, logged as an
		// error and shown by /readyz.
		a.Auth.WatchProviders(ctx)
	}
	announce(stdout, a, time.Since(start))
	// Start-up work (migrations, the demo catalog, parsing templates) is
	// done once; give its garbage back to the system now rather than
	// minutes later, so an idle portal stays small.
	debug.FreeOSMemory()
	if err := a.Serve(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "portal %s: %v\n", mode, err)
		return 1
	}
	return 0
}

func announce(w io.Writer, a *wiring.App, took time.Duration) {
	cfg := a.Config
	fmt.Fprintf(w, "portal %s (version %s) ready at %s, started in %s\n", cfg.Mode, version, cfg.BaseURL, took.Round(time.Millisecond))
	if a.Dev == nil {
		return
	}
	fmt.Fprintf(w, "database: %s\nmail: captured, read it at %s/dev/mail\n\ndemo users (one click on the home page, or open a link):\n", cfg.DatabaseURL, cfg.BaseURL)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, u := range a.Web.DemoUsers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s/login?as=%s\n", u.Username, u.Name, u.Role, cfg.BaseURL, u.Username)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	if sub != "up" && sub != "status" {
		fmt.Fprintf(stderr, "portal migrate: unknown subcommand %q (want up or status)\n", sub)
		return 2
	}
	url := strings.TrimSpace(getenv("PORTAL_DATABASE_URL"))
	if url == "" {
		fmt.Fprintln(stderr, "portal migrate: PORTAL_DATABASE_URL is missing; set a postgres:// URL or a SQLite file path")
		return 2
	}
	d, err := db.Open(ctx, url, db.Pool{MaxOpen: 2, MaxIdle: 2, Timeouts: db.MigrationTimeouts})
	if err != nil {
		fmt.Fprintf(stderr, "portal migrate: %v\n", err)
		return 1
	}
	defer d.Close()
	if sub == "up" {
		done, err := d.Migrate(ctx)
		for _, v := range done {
			fmt.Fprintf(stdout, "applied migration %d\n", v)
		}
		if err != nil {
			fmt.Fprintf(stderr, "portal migrate: %v\n", err)
			return 1
		}
		if len(done) == 0 {
			fmt.Fprintln(stdout, "schema is current; nothing to apply")
		}
		return 0
	}
	st, err := d.Status(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "portal migrate: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
	pending := 0
	for _, m := range st {
		state, at := "pending", ""
		if m.Applied {
			state, at = "applied", m.AppliedAt.UTC().Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d pending\n", pending)
	return 0
}

// seed loads demo data into the database of PORTAL_DATABASE_URL. It never
// touches a catalog that already has institutions.
func seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "demo" {
		fmt.Fprintln(stderr, "usage: portal seed demo")
		return 2
	}
	url := strings.TrimSpace(getenv("PORTAL_DATABASE_URL"))
	if url == "" {
		fmt.Fprintln(stderr, "portal seed: PORTAL_DATABASE_URL is missing; set a postgres:// URL or a SQLite file path")
		return 2
	}
	d, err := db.Open(ctx, url, db.Pool{MaxOpen: 2, MaxIdle: 2})
	if err != nil {
		fmt.Fprintf(stderr, "portal seed: %v\n", err)
		return 1
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		fmt.Fprintf(stderr, "portal seed: %v; run `portal migrate up` first\n", err)
		return 3
	}
	bundle, err := i18n.Load()
	if err != nil {
		fmt.Fprintf(stderr, "portal seed: %v\n", err)
		return 1
	}
	seeded, err := catalog.NewService(d, bundle, nil).SeedDemo(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "portal seed: %v\n", err)
		return 1
	}
	if !seeded {
		fmt.Fprintln(stdout, "the catalog already has institutions; nothing loaded")
		return 0
	}
	fmt.Fprintln(stdout, "demo catalog loaded")
	return 0
}

// drain is the preStop hook of deploy/k8s/deployment.yaml. Kubernetes runs
// it when a pod starts terminating and sends SIGTERM only once it returns,
// while the load balancers are still taking the pod out of rotation. It
// sends that SIGTERM itself at once, so that /readyz answers 503 from the
// first moment, then waits out the grace period during which serve keeps
// serving; the SIGTERM that follows finds serve already draining. The
// distroless image has no shell and no sleep for a hook of its own.
func drain(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	cfg, errs := config.Load(config.ModeServe, getenv)
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "portal drain: %v\n", errors.Join(errs...))
		return 2
	}
	// The container's first process is the portal (ENTRYPOINT ["/portal"]);
	// anything else there (an init, a shared process namespace's pause) is
	// left alone and gets the kubelet's SIGTERM after the grace period.
	self, _ := os.Executable()
	if first, err := os.Readlink("/proc/1/exe"); err != nil || first != self {
		fmt.Fprintf(stderr, "portal drain: process 1 is not this portal (%s): waiting %s only\n", first, cfg.Ops.ShutdownGrace)
	} else if p, err := os.FindProcess(1); err == nil {
		if err := p.Signal(syscall.SIGTERM); err != nil {
			fmt.Fprintf(stderr, "portal drain: signal process 1: %v\n", err)
		}
	}
	select {
	case <-time.After(cfg.Ops.ShutdownGrace):
	case <-ctx.Done():
	}
	return 0
}
