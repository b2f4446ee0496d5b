// Command bench measures the portal under load the way production runs it:
// it builds the portal, creates and fills a PostgreSQL database of its own,
// serves a development OpenID provider, starts `portal serve`, signs in
// through the real code flow, and runs each scenario with a closed-loop
// load generator. It prints one table and writes the results with the
// run's parameters to a JSON file that a later run can -compare against.
// The wallet-upload scenarios run 20 connections for 10 s after a 2 s
// warm-up whatever -c, -d and -warmup say; the files they upload go to the
// run's temporary directory. After the HTTP scenarios, the outbox rounds
// send -outbox mails from the bench process to an SMTP sink of its own,
// with 1 and then 4 workers, on the same database. The selection rounds
// time the matching engine's dry runs in the bench process, before
// anything else; `-run selection` runs only them, without a portal.
//
// Usage (from the module root; `make bench BENCHFLAGS="..."` does this):
//
//	go run ./cmd/bench [-c 32] [-d 10s] [-warmup 2s] [-users 5000] [-audit 50000] [-electives 10000] [-outbox 2000] [-run regexp] [-compare old.json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"portal/internal/bench"
	"portal/internal/db"
	"portal/internal/user"
)

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// statsSettle is how long to wait for PostgreSQL to flush its backends'
// table statistics (it does so about once a second).
const statsSettle = 1200 * time.Millisecond

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2) // the flag package has said what is wrong
	case interrupted:
		fmt.Fprintln(os.Stderr, "bench: interrupted; the portal is stopped and the database dropped (unless -keep)")
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// errUsage is a flag the flag package refused, having printed why.
var errUsage = errors.New("usage")

// options are the command's flags.
type options struct {
	pg             string
	users, audit   int
	electives      int
	applications   int // outgoing applications before the queue scenarios
	bigQueue       int // and before the queue scenarios at scale; 0 skips them
	outbox         int // events per outbox round
	seed           uint64
	conns          int
	warmup, dur    time.Duration
	maxOpen        int
	maxIdle        int
	out, compare   string
	keep           bool
	scenarioFilter *regexp.Regexp
	flags          map[string]string // every flag's value, for the report
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pgDefault := defaultPostgres
	if v := os.Getenv("PORTAL_BENCH_POSTGRES_URL"); v != "" {
		pgDefault = v
	}
	fs.StringVar(&o.pg, "pg", pgDefault, "PostgreSQL server to create the bench database on (env PORTAL_BENCH_POSTGRES_URL)")
	fs.IntVar(&o.users, "users", 23000, "users to generate (nine in ten are students)")
	fs.IntVar(&o.audit, "audit", 50000, "audit events to generate")
	fs.IntVar(&o.electives, "electives", 10000, "catalog electives to generate, at about one partner per 50 (up to 200)")
	fs.IntVar(&o.applications, "applications", 100000, "outgoing applications (with choices and histories) the review-queue scenarios see")
	fs.IntVar(&o.bigQueue, "applications-at-scale", 1000000, "applications the *-at-scale queue scenarios see, added after the others ran; 0 skips those")
	fs.IntVar(&o.outbox, "outbox", 2000, "events each outbox round sends")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the data generator")
	fs.IntVar(&o.conns, "c", 32, "concurrent connections")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per scenario, not measured")
	fs.DurationVar(&o.dur, "d", 10*time.Second, "measured duration per scenario")
	fs.IntVar(&o.maxOpen, "db-max-open", 16, "PORTAL_DB_MAX_OPEN of the portal")
	fs.IntVar(&o.maxIdle, "db-max-idle", 16, "PORTAL_DB_MAX_IDLE of the portal")
	fs.StringVar(&o.out, "out", "", "results file (default bench-results/<timestamp>.json)")
	fs.StringVar(&o.compare, "compare", "", "an earlier results file to print the differences from")
	fs.BoolVar(&o.keep, "keep", false, "keep the database at the end instead of dropping it")
	filter := fs.String("run", "", "run only the scenarios matching this regular expression")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.conns < 1 || o.dur <= 0 || o.warmup < 0 || o.users < 3 || o.audit < 0 || o.electives < 0 || o.outbox < 1 ||
		o.applications < 0 || o.bigQueue < 0 {
		return o, errors.New("-c, -d and -outbox must be positive, -warmup, -audit, -electives and -applications not negative, -users at least 3")
	}
	re, err := regexp.Compile(*filter)
	if err != nil {
		return o, fmt.Errorf("-run: %w", err)
	}
	o.scenarioFilter = re
	o.flags = map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { o.flags[f.Name] = f.Value.String() })
	o.flags["pg"] = bench.Redact(o.pg)
	return o, nil
}

// run is the whole benchmark; everything it starts or creates is undone
// when it returns, also on error or interrupt.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var selected []scenario
	for _, s := range scenarios {
		if s.queue == atScale && o.bigQueue == 0 {
			continue
		}
		if o.scenarioFilter.MatchString(s.name) {
			selected = append(selected, s)
		}
	}
	var rounds []outboxRound
	for _, r := range outboxRounds {
		if o.scenarioFilter.MatchString(r.name) {
			rounds = append(rounds, r)
		}
	}
	selection := selectedSelectionRounds(o.scenarioFilter)
	publishing := selectedPublishRounds(o.scenarioFilter)
	if len(selected) == 0 && len(rounds) == 0 && len(selection) == 0 && len(publishing) == 0 {
		return fmt.Errorf("no scenario matches -run %q", o.scenarioFilter)
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	started := time.Now().UTC()
	// The selection engine's figures need no portal; they are measured
	// first, before the portal and the load generator share the machine.
	selectionResults, err := runSelection(ctx, o.seed, selection, logf)
	if err != nil {
		return err
	}
	if len(selected) == 0 && len(rounds) == 0 && len(publishing) == 0 {
		return writeReport(o, started, selectionResults, stdout, logf)
	}

	tmp, err := os.MkdirTemp("", "portal-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf("building the portal")
	bin, err := bench.Build(ctx, tmp)
	if err != nil {
		return err
	}

	database, err := bench.CreateDatabase(ctx, o.pg)
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			logf("kept database %s", bench.Redact(database.URL))
			return
		}
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if derr := database.Drop(dctx); derr != nil {
			logf("%v", derr)
		}
	}()
	if err := bench.Migrate(ctx, bin, database.URL); err != nil {
		return err
	}
	benchDB, err := db.Open(ctx, database.URL, db.Pool{MaxOpen: 2, MaxIdle: 2, Timeouts: db.MigrationTimeouts}) // generating data takes long
	if err != nil {
		return err
	}
	defer benchDB.Close()

	idp, err := bench.ListenProvider()
	if err != nil {
		return err
	}
	defer idp.Close()
	t0 := time.Now()
	sizes := bench.Sizes{Users: o.users, Audit: o.audit, Electives: o.electives}
	data, err := bench.Generate(ctx, benchDB, idp.Issuer, sizes, o.seed, time.Now())
	if err != nil {
		return err
	}
	logf("database %s: %d users, %d sessions, %d role grants, %d audit events; %d institutions, %d agreements, %d electives (%d live), %d periods; generated in %s",
		database.Name, data.Users, data.Sessions, data.Grants, data.Audit, data.Catalog.Institutions, data.Catalog.Agreements,
		o.electives, len(data.Catalog.Electives), data.Catalog.Periods, time.Since(t0).Round(time.Millisecond))

	addr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	portalURL := "http://" + addr
	if err := idp.Serve(data.Personas, portalURL); err != nil {
		return err
	}
	portal, err := bench.StartPortal(ctx, bin, addr, bench.Env(map[string]string{
		"PORTAL_ADDR":               addr,
		"PORTAL_BASE_URL":           portalURL,
		"PORTAL_DATABASE_URL":       database.URL,
		"PORTAL_DB_MAX_OPEN":        strconv.Itoa(o.maxOpen),
		"PORTAL_DB_MAX_IDLE":        strconv.Itoa(o.maxIdle),
		"PORTAL_SHUTDOWN_GRACE":     "0s", // nothing routes to it: stop at once
		"PORTAL_OIDC_ISSUER":        idp.Issuer,
		"PORTAL_OIDC_CLIENT_ID":     bench.ClientID,
		"PORTAL_OIDC_CLIENT_SECRET": idp.ClientSecret,
		"PORTAL_METRICS":            "true",
		"PORTAL_LOG_LEVEL":          "warn",
		// No mail leaves the portal: the outbox rounds run their own
		// workers, in the bench process.
		"PORTAL_WORKERS": "0",
		// Uploaded documents go to the run's temporary directory, removed
		// at the end, never to ./var of the working tree.
		"PORTAL_DATA_DIR":    filepath.Join(tmp, "data"),
		"PORTAL_STORAGE_URL": filepath.Join(tmp, "files"),
	}), stderr)
	if err != nil {
		return err
	}
	defer func() {
		if serr := portal.Stop(30 * time.Second); serr != nil {
			logf("%v", serr)
		}
	}()
	logf("portal serving at %s (pid %d), provider at %s", portal.URL, portal.PID(), idp.Issuer)

	// The yardstick of the queue scenarios renders with the portal's own
	// templates, built here as the portal builds them.
	rowsOf, err := queueRenderer()
	if err != nil {
		return err
	}
	bare, err := bench.ServeBareQueue(ctx, database.URL, o.maxOpen, rowsOf)
	if err != nil {
		return err
	}
	defer bare.Close()

	conns := 0 // the most connections a scenario opens, all kept idle in between
	for _, s := range selected {
		c, _, _ := s.load(o)
		conns = max(conns, c)
	}
	r := &runner{
		o: o, portal: portal, bare: bare, db: benchDB, personas: data.Personas, catalog: data.Catalog, logf: logf,
		cookies: map[user.Role]string{}, tokens: map[user.Role]string{}, bearers: map[user.Role][]string{},
		load: &http.Client{
			Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute},
			// A redirect (say, to sign in) is an answer to count, not follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       30 * time.Second, // a request stuck longer is an error, not a hang
		},
		scrape: &http.Client{Timeout: 10 * time.Second},
	}
	var results []bench.Result
	for _, s := range selected {
		res, err := r.scenario(ctx, s)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.name, err)
		}
		results = append(results, res)
	}
	if len(rounds) > 0 {
		res, err := runOutbox(ctx, o, database.URL, rounds, logf)
		if err != nil {
			return err
		}
		results = append(results, res...)
	}
	if len(publishing) > 0 {
		res, err := runPublish(ctx, o, database.URL, publishing, logf)
		if err != nil {
			return err
		}
		results = append(results, res...)
	}
	return writeReport(o, started, append(results, selectionResults...), stdout, logf)
}

// writeReport prints the results as a table, writes them to the results
// file and, with -compare, prints how they differ from an earlier run.
func writeReport(o options, started time.Time, results []bench.Result, stdout io.Writer, logf func(string, ...any)) error {
	report := bench.Report{
		Timestamp: started, GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), GitCommit: gitCommit(), Flags: o.flags, Results: results,
	}
	if err := report.WriteTable(stdout); err != nil {
		return err
	}
	for _, line := range report.Yardsticks() {
		fmt.Fprintln(stdout, line)
	}
	for _, line := range limitLines(results) {
		fmt.Fprintln(stdout, line)
	}
	out := o.out
	if out == "" {
		out = "bench-results/" + started.Format("20060102T150405Z") + ".json"
	}
	if err := report.WriteJSON(out); err != nil {
		return err
	}
	logf("results written to %s", out)
	if o.compare != "" {
		old, err := bench.ReadReport(o.compare)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\ncompared with %s (%s):\n", o.compare, old.Timestamp.Format(time.RFC3339))
		return report.WriteComparison(stdout, old)
	}
	return nil
}

// limitLines says, for each scenario with a p99 limit, whether its run
// kept to it.
func limitLines(results []bench.Result) []string {
	limits := map[string]time.Duration{}
	for _, s := range scenarios {
		limits[s.name] = s.p99
	}
	var out []string
	for _, res := range results {
		limit := limits[res.Scenario]
		if limit == 0 {
			continue
		}
		verdict := "within"
		if res.P99Ms > float64(limit)/float64(time.Millisecond) {
			verdict = "OVER"
		}
		out = append(out, fmt.Sprintf("%s: p99 %.1f ms, limit %s: %s", res.Scenario, res.P99Ms, limit, verdict))
	}
	return out
}

// runner runs scenarios against one started portal.
type runner struct {
	o        options
	portal   *bench.Portal
	bare     *bench.BareQueue
	db       *db.DB
	personas map[user.Role]user.User
	catalog  bench.Catalog        // what the generator made, for paths and expected text
	cookies  map[user.Role]string // Cookie header of each persona signed in so far
	tokens   map[user.Role]string // the CSRF token among those cookies
	load     *http.Client         // shared by the workers: one pool of connections
	scrape   *http.Client         // reads /metrics apart from the load
	logf     func(format string, a ...any)
	bearers  map[user.Role][]string // API tokens of each persona, for the bearer scenarios (api.go)
	// applications is how many the generator has added so far; the queue
	// scenarios grow the table to the size they measure.
	applications int
}

// growApplications adds outgoing applications until the table holds what
// s measures against.
func (r *runner) growApplications(ctx context.Context, s scenario) error {
	want := map[queueSize]int{season: r.o.applications, atScale: r.o.bigQueue}[s.queue]
	if want <= r.applications {
		return nil
	}
	t0 := time.Now()
	// Students as the issue describes the season: 20,000 of them applying
	// to 600 electives.
	got, err := bench.GenerateApplications(ctx, r.db, bench.AppSizes{Applications: want - r.applications, Students: 20000, Electives: 600},
		r.o.seed+uint64(r.applications), time.Now())
	if err != nil {
		return err
	}
	r.applications += got.Applications
	r.logf("applications: added %d (%d choices, %d review events) in %s; the table holds %d",
		got.Applications, got.Choices, got.Events, time.Since(t0).Round(time.Millisecond), r.applications)
	return nil
}

// scenario checks s once, then loads it and gathers what the portal and
// PostgreSQL report about the run.
func (r *runner) scenario(ctx context.Context, s scenario) (bench.Result, error) {
	if err := r.growApplications(ctx, s); err != nil {
		return bench.Result{}, err
	}
	var cookie string
	var err error
	if !s.bearer { // a bearer scenario is a script: no session
		if cookie, err = r.signIn(ctx, s.as); err != nil {
			return bench.Result{}, err
		}
	}
	var (
		newRequest func(context.Context) (*http.Request, error)
		accept     func(*http.Response) error
		want       string
		verify     func(context.Context) error // after the run, when set
	)
	if s.upload > 0 {
		newRequest, accept, verify, err = r.uploads(ctx, s, cookie)
		if err != nil {
			return bench.Result{}, err
		}
	} else {
		if s.bearer {
			if err := r.mintBearers(ctx, s.as); err != nil {
				return bench.Result{}, err
			}
		}
		newRequest, want = r.gets(s, cookie)
	}
	if err := r.check(ctx, newRequest, accept, want); err != nil {
		return bench.Result{}, err
	}
	conns, warmup, dur := s.load(r.o)

	metricsURL := r.portal.URL + "/metrics"
	time.Sleep(statsSettle)
	tablesBefore, err := bench.ReadTableActivity(ctx, r.db)
	if err != nil {
		return bench.Result{}, err
	}
	before, err := bench.Scrape(ctx, r.scrape, metricsURL)
	if err != nil {
		return bench.Result{}, err
	}
	peakReset := true
	if err := bench.ResetPeak(r.portal.PID()); err != nil {
		peakReset = false
		r.logf("%s: peak RSS is since the portal started: cannot reset it: %v", s.name, err)
	}
	start, err := bench.ReadMemory(r.portal.PID())
	if err != nil {
		return bench.Result{}, err
	}

	r.logf("%s: %d connections, warm-up %s, measuring %s", s.name, conns, warmup, dur)
	var atMeasure bench.Metrics
	var measureErr error
	outcome, err := bench.Load{
		Client: r.load, Concurrency: conns, Warmup: warmup, Duration: dur,
		NewRequest: newRequest, Accept: accept,
		AtMeasure: func() { atMeasure, measureErr = bench.Scrape(ctx, r.scrape, metricsURL) },
	}.Run(ctx)
	if err != nil {
		return bench.Result{}, err
	}
	if measureErr != nil {
		return bench.Result{}, measureErr
	}
	after, err := bench.Scrape(ctx, r.scrape, metricsURL)
	if err != nil {
		return bench.Result{}, err
	}
	mem, err := bench.ReadMemory(r.portal.PID())
	if err != nil {
		return bench.Result{}, err
	}
	time.Sleep(statsSettle)
	tablesAfter, err := bench.ReadTableActivity(ctx, r.db)
	if err != nil {
		return bench.Result{}, err
	}

	if verify != nil {
		if err := verify(ctx); err != nil {
			return bench.Result{}, err
		}
	}

	res := bench.NewResult(s.name, outcome)
	res.Connections = conns
	// Each scrape counts itself: the one at the end is inside the measured
	// interval, and from the start both later ones are.
	measured := atMeasure.Delta(after, bench.MetricRequests) - 1
	if measured > 0 {
		res.QueriesPerRequest = atMeasure.Delta(after, bench.MetricQueries) / measured
		res.DBWaitsPerRequest = atMeasure.Delta(after, bench.MetricDBWaits) / measured
	}
	res.Tables = bench.PerRequest(tablesBefore, tablesAfter, before.Delta(after, bench.MetricRequests)-2)
	res.PeakRSSMB, res.CurrentRSSMB, res.PeakReset = bench.MB(mem.Peak), bench.MB(mem.Current), peakReset
	res.StartRSSMB = bench.MB(start.Current)
	r.logf("%s: %d requests, %d errors, %.0f req/s, %.2f queries and %.2f waits for a pooled connection per request; RSS %.1f MB at the start, peak %.1f MB; tables per request (approx.): %s",
		s.name, res.Requests, res.Errors, res.RPS, res.QueriesPerRequest, res.DBWaitsPerRequest, res.StartRSSMB, res.PeakRSSMB, describeTables(res.Tables))
	if res.FirstError != "" {
		r.logf("%s: first error: %s", s.name, res.FirstError)
	}
	return res, nil
}

// signIn returns the Cookie header of persona, signing in the first time.
func (r *runner) signIn(ctx context.Context, persona user.Role) (string, error) {
	if persona == "" {
		return "", nil
	}
	if c, ok := r.cookies[persona]; ok {
		return c, nil
	}
	if _, ok := r.personas[persona]; !ok {
		return "", fmt.Errorf("no generated user for persona %q", persona)
	}
	cookies, err := bench.SignIn(ctx, r.portal.URL, string(persona))
	if err != nil {
		return "", err
	}
	parts, names := make([]string, len(cookies)), make([]string, len(cookies))
	for i, c := range cookies {
		parts[i], names[i] = c.Name+"="+c.Value, c.Name
	}
	r.logf("signed in as %s (%s); the cookies %s go with every request", persona, r.personas[persona].Name, strings.Join(names, ", "))
	r.cookies[persona] = strings.Join(parts, "; ")
	if r.tokens[persona], err = bench.CSRFToken(ctx, r.portal.URL+"/", r.cookies[persona]); err != nil {
		return "", err
	}
	return r.cookies[persona], nil
}

// gets returns how to build the n-th GET request of s for the visitor
// with the Cookie header cookie, and the text the first answer must
// contain.
func (r *runner) gets(s scenario, cookie string) (newRequest func(context.Context) (*http.Request, error), want string) {
	pathOf := func(uint64) string { return s.path }
	if s.want != nil {
		want = s.want(r.personas[s.as])
	}
	if s.vary != nil {
		pathOf, want = s.vary(r.catalog)
	}
	base := r.portal.URL
	if s.bare {
		base = r.bare.URL
	}
	var sent atomic.Uint64
	bearers := r.bearers[s.as]
	return func(ctx context.Context) (*http.Request, error) {
		n := sent.Add(1) - 1
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+pathOf(n), nil)
		switch {
		case err != nil:
		case s.bearer && len(bearers) > 0:
			req.Header.Set("Authorization", "Bearer "+bearers[n%uint64(len(bearers))])
		case cookie != "":
			req.Header.Set("Cookie", cookie)
		}
		return req, err
	}, want
}

// uploads returns how to build the upload requests of s, how to tell that
// one was kept, and a check, for after the run, that the wallet kept a
// document for each: a file the wallet took for a duplicate would be
// deleted at once, and the scenario would not measure what it says.
func (r *runner) uploads(ctx context.Context, s scenario, cookie string) (
	newRequest func(context.Context) (*http.Request, error), accept func(*http.Response) error, verify func(context.Context) error, err error,
) {
	token := r.tokens[s.as]
	if token == "" {
		return nil, nil, nil, fmt.Errorf("no CSRF token on the pages of %s to upload with", s.as)
	}
	action := r.portal.URL + "/wallet/upload"
	newRequest = func(ctx context.Context) (*http.Request, error) {
		req, err := bench.NewUploadRequest(ctx, action, s.upload)
		if err == nil {
			req.Header.Set("Cookie", cookie)
			req.Header.Set("X-CSRF-Token", token)
		}
		return req, err
	}
	owner := r.personas[s.as].ID
	before, err := r.documents(ctx, owner)
	if err != nil {
		return nil, nil, nil, err
	}
	var kept atomic.Int64
	accept = func(resp *http.Response) error {
		err := bench.UploadAccepted(resp)
		if err == nil {
			kept.Add(1)
		}
		return err
	}
	verify = func(ctx context.Context) error {
		after, err := r.documents(ctx, owner)
		if err != nil {
			return err
		}
		if added := after - before; added != kept.Load() {
			return fmt.Errorf("the wallet answered %d uploads with 303 but has %d new documents: were some taken for duplicates?", kept.Load(), added)
		}
		return nil
	}
	return newRequest, accept, verify, nil
}

// documents counts the documents of owner, every version included.
func (r *runner) documents(ctx context.Context, owner int64) (int64, error) {
	var n int64
	if err := r.db.WithContext(ctx).Table("documents").Where("owner_id = ?", owner).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return n, nil
}

// check sends the first request of a scenario and makes sure accept takes
// its answer (without accept, that it is 2xx) and that the answer contains
// want.
func (r *runner) check(ctx context.Context, newRequest func(context.Context) (*http.Request, error), accept func(*http.Response) error, want string) error {
	req, err := newRequest(ctx)
	if err != nil {
		return err
	}
	what := req.Method + " " + req.URL.RequestURI()
	if req.Method != http.MethodGet {
		what = req.Method + " " + req.URL.Path // the query holds the CSRF token
	}
	resp, err := r.load.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case accept != nil:
		if err := accept(resp); err != nil {
			return fmt.Errorf("before the run: %w", err)
		}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("%s answered %s before the run", what, resp.Status)
	}
	if !strings.Contains(string(body), want) {
		return fmt.Errorf("%s does not contain %q: is the visitor signed in, is it the right page?", what, want)
	}
	return nil
}

// describeTables reads e.g. "sessions 0.90 idx, user_roles 0.90 seq",
// leaving out what happens less than once in a hundred requests.
func describeTables(t map[string]bench.TablePerRequest) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(t)) {
		a := t[name]
		for _, x := range []struct {
			n    float64
			what string
		}{{a.IdxScans, "idx"}, {a.SeqScans, "seq"}, {a.Writes, "writes"}} {
			if x.n >= 0.01 {
				parts = append(parts, fmt.Sprintf("%s %.2f %s", name, x.n, x.what))
			}
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// gitCommit is the short commit of the working tree, or "" outside git or
// before the first commit.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
