package main

import (
	"html"
	"net/url"
	"strconv"
	"time"

	"portal/internal/bench"
	"portal/internal/user"
)

// scenario is one kind of request the benchmark sends again and again.
// A later issue measures its page by adding one entry to scenarios.
type scenario struct {
	name string
	path string    // GET path, with its query if any
	as   user.Role // the persona to sign in as; "" for an anonymous visitor
	// want is text the response must contain, checked once before the run
	// so that the scenario provably measures what its name says (the right
	// page, the visitor signed in). It is given the persona (zero when
	// anonymous) and HTML-escaped text must be escaped here.
	want func(persona user.User) string
	// vary, when set, replaces path and want, so that a scenario spreads
	// over queries or ids of the generated catalog instead of flattering
	// the caches with one. Called once per run, it returns the path of the
	// n-th request (concurrently, so it must be cheap and safe) and the text
	// the answer to request 0, the one checked, must contain.
	vary func(c bench.Catalog) (path func(n uint64) string, want string)
	// upload, when set, makes the scenario a wallet upload instead of a
	// GET: each request posts a PDF of this many bytes, unique to it, with
	// the persona's CSRF token, and succeeds with the wallet's 303.
	upload int64
	// conns, warmup and dur, when set, replace -c, -warmup and -d: every
	// upload stays on disk until the run ends, and memory is compared
	// between file sizes at one concurrency.
	conns       int
	warmup, dur time.Duration
	// queue, when set, is the size of the applications table the scenario
	// measures against; the runner grows the table to it first.
	queue queueSize
	// bearer sends the requests to the JSON API with the persona's
	// personal API tokens (api.go) instead of its session cookie.
	bearer bool
	// bare sends the requests to the bench's own BareQueue instead of the
	// portal: the yardstick the queue page is compared with.
	bare bool
	// p99, when set, is the most the 99th percentile may be: the report
	// says whether the run kept to it (issue 17 sets 200 ms for reports).
	p99 time.Duration
}

// queueSize names the two sizes of the applications table: the season's
// (-applications) and ten times that (-applications-at-scale).
type queueSize int

const (
	season queueSize = iota + 1
	atScale
)

// load is the concurrency, warm-up and measured period s runs with.
func (s scenario) load(o options) (conns int, warmup, dur time.Duration) {
	conns, warmup, dur = o.conns, o.warmup, o.dur
	if s.conns > 0 {
		conns = s.conns
	}
	if s.warmup > 0 {
		warmup = s.warmup
	}
	if s.dur > 0 {
		dur = s.dur
	}
	return conns, warmup, dur
}

// scenarios run in this order; -run selects some by regular expression.
var scenarios = []scenario{
	{
		// The framework's ceiling: routing, middleware, no database.
		name: "healthz", path: "/healthz",
		want: func(user.User) string { return "ok" },
	},
	{
		name: "home-student", path: "/", as: user.Student,
		want: func(u user.User) string { return html.EscapeString(u.Name) },
	},
	{
		// A student's search: a word found in 1-5% of the electives, in
		// English or Chinese, among partners in Japan; the queries take
		// turns.
		name: "catalog-search",
		vary: func(c bench.Catalog) (func(uint64) string, string) {
			qs := bench.CatalogQueries
			_, first := c.Expect(qs[0], "JP")
			return func(n uint64) string {
				return "/electives?q=" + url.QueryEscape(qs[n%uint64(len(qs))]) + "&country=JP"
			}, html.EscapeString(first)
		},
	},
	{
		// The catalog as a student first sees it: page 1, no filter.
		name: "catalog-browse",
		vary: func(c bench.Catalog) (func(uint64) string, string) {
			_, first := c.Expect("", "")
			return func(uint64) string { return "/electives" }, html.EscapeString(first)
		},
	},
	{
		// An elective's page, for live electives all over the catalog: the
		// n-th request visits a pseudo-random one (Knuth's multiplicative
		// hash), the same in every run.
		name: "elective-page",
		vary: func(c bench.Catalog) (func(uint64) string, string) {
			es := c.Electives
			if len(es) == 0 {
				return func(uint64) string { return "/electives/1" }, "" // -electives 0: the check reports the 404
			}
			return func(n uint64) string {
				return "/electives/" + strconv.FormatInt(es[n*2654435761%uint64(len(es))].ID, 10)
			}, html.EscapeString(es[0].TitleEN)
		},
	},
	{
		// The office's review queue, first page, as a signed-in office user
		// sees it, with 100,000 applications in the table and again with
		// 1,000,000.
		name: "review-queue", path: "/review", as: user.Office, queue: season,
		want: func(user.User) string { return `href="/applications/` },
	},
	{
		// The same 50 rows, one raw query and the same row template, no
		// session: the page should serve at least 0.6 of its rate.
		name: "review-queue-bare", path: "/", queue: season, bare: true,
		want: func(user.User) string { return `href="/applications/` },
	},
	{
		// The office's first page of the application list through the JSON
		// API (issue 15), 50 rows, each read in the students' disclosure
		// logs, at 100,000 applications.
		name: "api-applications", path: "/api/v1/applications?limit=50", as: user.Office, queue: season, bearer: true,
		want: func(user.User) string { return `"items":[{"id":` },
	},
	{
		name: "review-queue-at-scale", path: "/review", as: user.Office, queue: atScale,
		want: func(user.User) string { return `href="/applications/` },
	},
	{
		name: "review-queue-bare-at-scale", path: "/", queue: atScale, bare: true,
		want: func(user.User) string { return `href="/applications/` },
	},
	// The office's reports (issue 17) at 1,000,000 applications follow.
	// A student's uploads to the document wallet, 20 at once, of two
	// sizes: the server streams each file to storage, so its peak resident
	// memory should be the same for both.
	{
		name: "wallet-upload-1mb", as: user.Student, upload: 1 << 20,
		conns: 20, warmup: 2 * time.Second, dur: 10 * time.Second,
	},
	{
		name: "wallet-upload-5mb", as: user.Student, upload: 5 << 20,
		conns: 20, warmup: 2 * time.Second, dur: 10 * time.Second,
	},
}

func init() {
	// The reports go before the uploads, after the queue at scale: the
	// table has grown to its size by then and is not grown again.
	at := len(scenarios) - 2
	scenarios = append(scenarios[:at], append(reportScenarios(time.Now()), scenarios[at:]...)...)
}

// reportLimit is the 99th percentile issue 17 allows each report at
// 1,000,000 applications and 32 connections.
const reportLimit = 200 * time.Millisecond

// reportScenarios are the office's report pages, one scenario each, with
// the table at its size at scale. The generated applications wait in the
// last forty days and choose periods that start after their electives'
// windows close, mostly next year: each report's requests take turns
// between the year that holds its figures, first (the one checked), and
// the other one, so that neither an empty year nor one cached answer is
// what is measured. The pipeline is over all years unless narrowed, and
// takes turns with the view of one specialty instead.
func reportScenarios(now time.Time) []scenario {
	this, next := strconv.Itoa(now.Year()), strconv.Itoa(now.Year()+1)
	kinds := []struct {
		kind   string
		params []string // the query of each request in turn
		want   string   // in the first answer: the page drew its chart
	}{
		{"pipeline", []string{"", "specialty=cardiology"}, `class="report-chart"`},
		{"seats", []string{"year=" + next, "year=" + this}, `class="report-chart"`},
		{"agreements", []string{"year=" + this, "year=" + next}, `class="report-chart"`},
		{"outcomes", []string{"year=" + this, "year=" + next}, `class="report-chart"`},
		{"reciprocity", []string{"year=" + next, "year=" + this}, `class="report-chart"`},
		{"funding", []string{"year=" + next, "year=" + this}, `class="report-chart"`},
		// No generated mobility has ended, there are no rounds and no
		// incoming rotations: these read the 1,000,000 applications (or
		// not) to find nothing, which is what is measured.
		{"completion", []string{"year=" + this, "year=" + next}, `action="/reports/completion"`},
		{"rounds", []string{"year=" + this, "year=" + next}, `action="/reports/rounds"`},
		{"departments", []string{"year=" + this, "year=" + next}, `action="/reports/departments"`},
	}
	var out []scenario
	for _, k := range kinds {
		out = append(out, scenario{
			name: "report-" + k.kind + "-at-scale", as: user.Office, queue: atScale, p99: reportLimit,
			vary: func(bench.Catalog) (func(uint64) string, string) {
				return func(n uint64) string {
					path := "/reports/" + k.kind
					if q := k.params[n%uint64(len(k.params))]; q != "" {
						path += "?" + q
					}
					return path
				}, k.want
			},
		})
	}
	// The office's home: this year's key figures with their trend charts.
	out = append(out, scenario{
		name: "home-office-at-scale", path: "/", as: user.Office, queue: atScale, p99: reportLimit,
		want: func(user.User) string { return `id="home-trends"` },
	})
	return out
}
