package web_test

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

var feedURL = regexp.MustCompile(`id="feed-url"[^>]*value="([^"]+)"`)

// A student makes their feed address on the settings page; a calendar app,
// with no session, reads their deadlines, offer and placement from it as
// RFC 5545 text; resetting the address makes the old one a 404, and a form
// without the CSRF token resets nothing.
func TestTheCalendarFeedIsPrivateAndResettable(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{DemoApplications: true})
		b := p.browser()
		b.signIn("student")
		pg := b.get("/settings/calendar")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "watch.feed.none")

		reset := func() string {
			t.Helper()
			pg := b.post("/settings/calendar/reset", url.Values{"_csrf": {b.get("/settings/calendar").csrf(t)}})
			wantStatus(t, pg, http.StatusOK)
			wantText(t, pg, i18n.English, "flash.watch_feed_reset")
			m := feedURL.FindStringSubmatch(pg.Body)
			if m == nil {
				t.Fatalf("the reset page shows no address:\n%s", pg.Body)
			}
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || !strings.HasPrefix(u.Path, "/calendar/feed/") || !strings.HasSuffix(u.Path, ".ics") {
				t.Fatalf("feed address %q", m[1])
			}
			return u.Path
		}
		first := reset()

		app := p.browser() // a calendar app: no cookies, no session
		feed := app.get(first)
		wantStatus(t, feed, http.StatusOK)
		if ct := feed.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if !strings.HasPrefix(feed.Body, "BEGIN:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(feed.Body, "\r\n", ""), "\n") {
			t.Errorf("the feed is not CRLF-delimited iCalendar:\n%q", feed.Body)
		}
		cal, err := ics.ParseCalendar(bytes.NewReader([]byte(feed.Body)))
		if err != nil {
			t.Fatalf("parse the feed: %v", err)
		}
		// The words are the owner's language (the demo student reads Chinese).
		lang := i18n.Lang(feed.Header.Get("Content-Language"))
		if lang == "" {
			t.Error("the feed does not say its language")
		}
		summaries := map[string]bool{}
		uids := map[string]bool{}
		for _, e := range cal.Events() {
			if uids[e.Id()] {
				t.Errorf("UID %s twice", e.Id())
			}
			uids[e.Id()] = true
			s := e.GetProperty(ics.ComponentPropertySummary).Value
			for _, k := range []string{"deadline", "offer", "placement"} {
				if strings.HasPrefix(s, strings.TrimSuffix(bundle.T(lang, "watch.feed.event."+k), "%s")) {
					summaries[k] = true
				}
			}
		}
		if len(summaries) != 3 {
			t.Errorf("the demo student's feed holds %v of a draft's deadline, an offer and a placement:\n%s", summaries, feed.Body)
		}

		second := reset()
		wantStatus(t, app.get(first), http.StatusNotFound)
		wantStatus(t, app.get(second), http.StatusOK)
		wantStatus(t, app.get("/calendar/feed/"+strings.Repeat("A", 43)+".ics"), http.StatusNotFound)
		wantStatus(t, app.get(strings.TrimSuffix(second, ".ics")), http.StatusNotFound)

		// Without the token the form is refused and the address stays.
		refused := b.post("/settings/calendar/reset", url.Values{})
		if refused.Status != http.StatusForbidden {
			t.Errorf("a reset without CSRF answered %d", refused.Status)
		}
		wantStatus(t, app.get(second), http.StatusOK)
		pg = b.get("/settings/calendar")
		if strings.Contains(pg.Body, `id="feed-url"`) || !strings.Contains(pg.Body, `id="feed-since"`) {
			t.Errorf("the settings page shows the address again, or not since when it exists:\n%s", pg.Body)
		}
	})
}

// Stars are a student's: a reviewer is refused, a form without the CSRF
// token changes nothing, and htmx gets the turned button alone.
func TestOnlyStudentsStarElectives(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	var el int64
	if err := p.App.DB.Raw("SELECT id FROM electives WHERE direction = 'outgoing' AND retired_at IS NULL ORDER BY id LIMIT 1").Scan(&el).Error; err != nil {
		t.Fatal(err)
	}
	path := "/electives/" + strconv.FormatInt(el, 10) + "/star"

	rv := p.browser()
	rv.signIn("reviewer")
	wantStatus(t, rv.post(path, url.Values{"_csrf": {rv.get("/").csrf(t)}}), http.StatusForbidden)

	st := p.browser()
	st.signIn("student")
	if pg := st.post(path, url.Values{}); pg.Status != http.StatusForbidden {
		t.Errorf("a star without CSRF answered %d", pg.Status)
	}
	if n := p.count("SELECT COUNT(*) FROM stars"); n != 0 {
		t.Fatalf("%d stars after refused requests", n)
	}
	frag := st.do(st.follow, http.MethodPost, path, url.Values{"_csrf": {st.get("/").csrf(t)}, "return_to": {"/electives"}}, http.Header{"Hx-Request": {"true"}})
	wantStatus(t, frag, http.StatusOK)
	if strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, html.EscapeString(bundle.T(i18n.English, "watch.unstar"))) {
		t.Errorf("htmx got more than the turned button:\n%s", frag.Body)
	}
	wantText(t, st.get("/starred"), i18n.English, "watch.starred.title")
	if n := p.count("SELECT COUNT(*) FROM stars"); n != 1 {
		t.Errorf("%d stars, want 1", n)
	}
}

// A saved search refused for its name comes back as typed, with the
// reason, and saves nothing; the query is kept only as the catalog reads it.
func TestARefusedSavedSearchComesBackAsTyped(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	st := p.browser()
	st.signIn("student")
	token := st.get("/searches").csrf(t)
	wantStatus(t, st.post("/searches", url.Values{"_csrf": {token}, "name": {"Japan"}, "query": {"country=JP&page=3&evil=1"}}), http.StatusOK)
	var saved string
	if err := p.App.DB.Raw("SELECT query FROM saved_searches").Scan(&saved).Error; err != nil || saved != "country=JP" {
		t.Errorf("saved query %q (%v), want only what the catalog understands", saved, err)
	}
	pg := st.post("/searches", url.Values{"_csrf": {token}, "name": {"japan"}, "query": {"q=heart&country=JP"}})
	wantStatus(t, pg, http.StatusUnprocessableEntity)
	wantText(t, pg, i18n.English, "watch.err.name_taken", "japan")
	if !strings.Contains(pg.Body, `name="name" type="text" value="japan"`) || !strings.Contains(pg.Body, `value="country=JP&amp;q=heart"`) {
		t.Errorf("the refused form does not come back as typed:\n%s", pg.Body)
	}
	if n := p.count("SELECT COUNT(*) FROM saved_searches"); n != 1 {
		t.Errorf("%d saved searches after the refusal, want 1", n)
	}
}
