package web_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"portal/internal/i18n"
	"portal/internal/web"
	"portal/internal/wiring"
)

// Every page and fragment, in every language, as each kind of visitor:
// no message key may be missing. i18n.Bundle.T shows a missing key as the
// key itself, which a reader would see as "rotation.letter.acceptance" in
// the middle of a page; the test hears every such miss (Bundle.OnMissing)
// while it walks the dev portal, demo applications and requests included,
// from its start pages through every link, and sends the forms that show
// refusals. It also checks that it met every page and fragment there is.
func TestEveryPageAndFragmentIsTranslated(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	var mu sync.Mutex
	missing := map[string][]string{} // "lang key" -> where
	rendered := map[string]bool{}
	where := ""
	p.App.Web.I18n.OnMissing(func(l i18n.Lang, key string) {
		mu.Lock()
		defer mu.Unlock()
		k := string(l) + " " + key
		if len(missing[k]) < 3 {
			missing[k] = append(missing[k], where)
		}
	})
	t.Cleanup(func() { p.App.Web.I18n.OnMissing(nil) })
	p.App.Web.OnRender(func(name string) {
		mu.Lock()
		rendered[name] = true
		mu.Unlock()
	})

	// One visitor at a time, its languages walked at once: a miss's key
	// names its language, and where names the visitor.
	for _, who := range []string{"", "student", "incoming", "reviewer", "coordinator", "office", "admin"} {
		mu.Lock()
		where = who
		mu.Unlock()
		t.Run("as "+who, func(t *testing.T) {
			for _, o := range i18n.Options {
				lang := o.Lang
				t.Run(string(lang), func(t *testing.T) {
					t.Parallel()
					c := &crawler{t: t, p: p, b: p.browser(), lang: lang, seen: map[string]bool{}, perPath: map[string]int{}}
					c.start(who)
					for _, u := range translationStarts {
						c.visit(u)
					}
					c.refusals(who)
					c.crawl()
					c.signOut(who)
				})
			}
		})
	}

	keys := make([]string, 0, len(missing))
	for k := range missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("untranslated %s (as %s)", k, strings.Join(missing[k], ", "))
	}
	// The queue's rows alone are the benchmark's (QueueRows); the queue
	// page above drew the same rows inside its fragment.
	for _, o := range i18n.Options {
		if err := p.App.Web.QueueRows().Render(io.Discard, o.Lang, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range web.PageNames() {
		if !rendered[name] {
			t.Errorf("the walk never rendered %q: reach it from translationStarts or crawler.refusals", name)
		}
	}
}

// translationStarts are the pages a walk starts from; links lead on.
var translationStarts = []string{
	"/", "/electives", "/wallet", "/notifications", "/notifications/preferences",
	"/applications", "/review", "/rotations", "/rotations/new", "/calendar", "/calendar/requests",
	"/incoming/profile", "/verify", "/verify?code=0000-0000-0000-0000", "/manage", "/manage/import",
	"/manage/export", "/admin/users", "/admin/audit", "/admin/notifications/failed", "/dev/mail",
	"/signin/email", "/no/such/page",
	"/starred", "/searches", "/settings/calendar", // watch
	"/privacy/people/1",                  // privacy: reached from a request in the office's queue
	"/account/notice?next=%2Fwallet",     // privacy: the notice at first sign-in
	"/manage/hosts", "/dossier/answered", // host
	"/api/tokens",  // API tokens
	"/evaluations", // evaluation: its rows lead to the recognition form
	// the host supervisor, after the evaluation (hosteval.go)
	"/evaluate/done",
}

// crawler walks the portal as one visitor in one language.
type crawler struct {
	t       *testing.T
	p       *portal
	b       *browser
	lang    i18n.Lang
	queue   []string
	seen    map[string]bool
	perPath map[string]int // distinct queries per path, capped
}

// start signs in (who "" stays anonymous) and picks the language.
func (c *crawler) start(who string) {
	c.t.Helper()
	if who != "" {
		c.b.signIn(who)
	}
	pg := c.b.get("/")
	pg = c.b.post("/lang", url.Values{"_csrf": {pg.csrf(c.t)}, "lang": {string(c.lang)}, "return_to": {"/"}})
	if got := pg.Header.Get("Content-Language"); got != string(c.lang) {
		c.t.Fatalf("after choosing %s the home page is in %q", c.lang, got)
	}
}

// skip are links the walk does not follow: signing in or out as someone
// else, the identity providers, static files.
var skip = []string{"/login", "/auth/", "/dev/oidc", "/dev/partner-oidc", "/static/", "/signin/link", "/logout"}

var (
	hrefs     = regexp.MustCompile(`href="([^"]+)"`)
	idSegment = regexp.MustCompile(`/\d+`)
)

func (c *crawler) visit(target string) {
	u, err := url.Parse(target)
	if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return
	}
	u.Fragment = ""
	key := u.String()
	if c.seen[key] {
		return
	}
	// A demo with many cases of a kind (the selection round's cohort of
	// sixty applicants) would spend the walk's pages on one kind of page:
	// a few dozen of each shape (/applications/N) show every variant.
	if shape := idSegment.ReplaceAllString(u.Path, "/N"); shape != u.Path {
		if c.perPath["shape "+shape] >= 40 {
			return
		}
		c.perPath["shape "+shape]++
	}
	if u.RawQuery != "" {
		if c.perPath[u.Path] >= 3 {
			return
		}
		c.perPath[u.Path]++
	}
	c.seen[key] = true
	c.queue = append(c.queue, key)
}

// crawl follows the links of every page it meets, and asks the pages that
// answer htmx for their fragment too.
func (c *crawler) crawl() {
	for n := 0; len(c.queue) > 0 && n < 400; n++ {
		target := c.queue[0]
		c.queue = c.queue[1:]
		if slices.ContainsFunc(skip, func(s string) bool { return strings.HasPrefix(target, s) }) {
			continue
		}
		pg := c.b.get(target)
		if !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if path := pg.URL.Path; path == "/electives" || path == "/review" {
			c.b.do(c.b.follow, http.MethodGet, pg.URL.RequestURI(), nil, http.Header{"Hx-Request": {"true"}})
		}
		for _, m := range hrefs.FindAllStringSubmatch(pg.Body, -1) {
			c.visit(html.UnescapeString(m[1]))
		}
	}
}

// signOut leaves through the page that hands the browser to the provider's
// end-session endpoint (signing_out), which the walk's links never reach.
func (c *crawler) signOut(who string) {
	if who == "" {
		return
	}
	token := c.b.get("/").csrf(c.t)
	c.b.post("/logout", url.Values{"_csrf": {token}})
}

var selBoxes = regexp.MustCompile(`name="sel" value="([^"]+)"`)

// refusals sends the forms whose answers only a refused or finished
// action shows: empty forms, an unknown letter code, a bulk action, an
// import preview, a week picker.
func (c *crawler) refusals(who string) {
	token := c.b.get("/").csrf(c.t)
	post := func(path string, kv ...string) {
		form := url.Values{"_csrf": {token}}
		for i := 0; i+1 < len(kv); i += 2 {
			form.Add(kv[i], kv[i+1])
		}
		c.b.post(path, form)
	}
	switch who {
	case "":
		post("/signin/email")
		post("/signin/email", "email", "someone@partner.example.org")
		c.p.deliver() // the captured mail, for /dev/mail/:id
		c.b.get("/signin/link?token=nothing")
	case "incoming":
		post("/incoming/profile")
		post("/rotations")
		var deps []int64
		if err := c.p.App.DB.Raw("SELECT id FROM departments ORDER BY id").Scan(&deps).Error; err != nil || len(deps) == 0 {
			c.t.Fatalf("departments: %v", err)
		}
		for _, d := range deps[:min(2, len(deps))] {
			c.b.do(c.b.follow, http.MethodGet, "/rotations/weeks?slot=1&choice_1_department="+strconv.FormatInt(d, 10), nil, http.Header{"Hx-Request": {"true"}})
		}
	case "student":
		// A demo confirmed placement, made the demo student's and ended
		// yesterday: its report form, and the office's recognition form
		// from its list.
		id := c.p.count("SELECT COALESCE(MIN(id), 0) FROM applications WHERE status = 'confirmed'")
		if id == 0 {
			c.t.Fatal("the demo has no confirmed placement")
		}
		c.p.exec("UPDATE applications SET placed_until = ?, applicant_id = (SELECT id FROM users WHERE subject = 'demo-student') WHERE id = ?", walletDay(-1), id)
		c.b.get(fmt.Sprintf("/applications/%d/report", id))
		post(fmt.Sprintf("/applications/%d/departure/travel", id), "arrive_on", "2000-01-01") // departure: a refused item
		post("/wallet/upload")
		// watch: a star, a saved search (refused the second time, by its
		// name), one without a name, and a new feed address.
		var el int64
		if err := c.p.App.DB.Raw("SELECT id FROM electives WHERE direction = 'outgoing' AND retired_at IS NULL ORDER BY id LIMIT 1").Scan(&el).Error; err != nil {
			c.t.Fatalf("an elective to star: %v", err)
		}
		star := "/electives/" + strconv.FormatInt(el, 10) + "/star"
		c.b.do(c.b.follow, http.MethodPost, star, url.Values{"_csrf": {token}, "return_to": {"/starred"}}, http.Header{"Hx-Request": {"true"}})
		post(star, "return_to", "/starred")
		post("/searches", "name", "Japan", "query", "country=JP")
		post("/searches", "query", "country=JP")
		post("/settings/calendar/reset")
		appealRefusal(c.t, c.p, post) // rounds_appeals_test.go
	case "office":
		post("/manage/hosts")
		c.hostDossier() // host_test.go
		c.hostBatch()   // host_batch_test.go
		// the host supervisor's pages (hosteval_test.go)
		c.hostEvaluation()
		for _, path := range []string{"/manage/institutions", "/manage/agreements", "/manage/electives", "/manage/departments", "/manage/funding"} {
			post(path)
		}
		if m := selBoxes.FindAllStringSubmatch(c.b.get("/review").Body, -1); len(m) > 0 {
			post("/review/bulk", "action", "nominate", "sel", html.UnescapeString(m[0][1]))
		}
		post("/review/bulk", "action", "dance")
		c.b.upload(token, "electives.csv", importCSV(c.t, importRows(2)), false)
		c.b.upload(token, "electives.csv", []byte("not,a,catalog\n"), false)
		roundRefusals(c.t, c.b, post) // rounds_test.go
	case "admin":
		post("/admin/users/1/roles", "role", "nobody")
	}
}
