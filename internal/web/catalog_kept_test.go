package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

var hxHeadersToken = regexp.MustCompile(`data-hx-headers='\{"X-CSRF-Token": "([^"]*)"\}'`)

// TestCatalogKeptForVisitorsCarriesEachOnesToken: the catalog keeps its
// pages for visitors who are not signed in (issue 13's speed), so two
// visitors asking the same thing get the same kept page. Each must still
// find their own CSRF token in it, in the forms and in htmx's header, and
// their forms must work; and a change to the catalog shows at once.
func TestCatalogKeptForVisitorsCarriesEachOnesToken(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		const search = "/electives?q=hepatology"
		a, b := p.browser(), p.browser()
		pa, pb := a.get(search), b.get(search)
		wantResults(t, pa, hepatologyEN)
		wantResults(t, pb, hepatologyEN)
		ta, tb := pa.csrf(t), pb.csrf(t)
		if ta == tb {
			t.Fatalf("two visitors got the same CSRF token %q", ta)
		}
		for _, v := range []struct {
			name, token, body string
		}{{"first", ta, pa.Body}, {"second", tb, pb.Body}} {
			m := hxHeadersToken.FindStringSubmatch(v.body)
			if m == nil || m[1] != v.token {
				t.Errorf("the %s visitor's htmx header carries %v, want their token %q", v.name, m, v.token)
			}
			if n := strings.Count(v.body, v.token); n < 2 {
				t.Errorf("the %s visitor's token is on the page %d times, want in every form and the header", v.name, n)
			}
		}
		// The kept page's token works for its visitor, not for the other.
		if pg := a.step(http.MethodPost, "/lang", url.Values{"_csrf": {tb}, "lang": {"zh-Hant"}, "return_to": {search}}, nil); pg.Status != http.StatusForbidden {
			t.Errorf("the other visitor's token: %d, want 403", pg.Status)
		}
		pg := b.post("/lang", url.Values{"_csrf": {tb}, "lang": {"zh-Hant"}, "return_to": {search}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.TraditionalChinese, "browse.count", 1)

		// An elective renamed, as on another replica: the next visitor sees
		// the new title, not the kept page.
		id := p.electiveID(hepatologyEN)
		p.exec("UPDATE electives SET title_en = ? WHERE id = ?", "Hepatology Renamed Elective", id)
		wantResults(t, a.get(search), "Hepatology Renamed Elective")
		wantResults(t, p.browser().get(search), "Hepatology Renamed Elective")
	})
}
