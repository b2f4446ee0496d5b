package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestCatalogSearchFindsWhatStudentsType: the catalog page finds Kumamoto's
// electives under the name a Taiwanese student types, and answers a typo
// with a "did you mean" that links to the corrected search, in both
// languages.
func TestCatalogSearchFindsWhatStudentsType(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		for _, q := range []string{"熊本大學", "熊本大学", "ＫＵＭＡＭＯＴＯ"} {
			wantResults(t, b.get("/electives?q="+url.QueryEscape(q)), hepatologyEN, virologyEN)
		}
		zh := p.browser()
		zh.Language = "zh-TW"
		for _, br := range []struct {
			b    *browser
			lang i18n.Lang
		}{{b, i18n.English}, {zh, i18n.TraditionalChinese}} {
			pg := br.b.get("/electives?q=hepatolgy")
			wantStatus(t, pg, http.StatusOK)
			wantText(t, pg, br.lang, "search.did_you_mean.before")
			wantText(t, pg, br.lang, "search.corrected", "hepatolgy", "hepatology")
			if link := `<a href="/electives?q=hepatology">hepatology</a>`; !strings.Contains(pg.Body, link) {
				t.Errorf("%s lacks the link %s", pg.URL, html.EscapeString(link))
			}
			if got := results(t, pg); len(got) == 0 {
				t.Errorf("%s shows no electives of the corrected search", pg.URL)
			}
			// A search spelt right has no such line.
			if pg := br.b.get("/electives?q=hepatology"); strings.Contains(pg.Body, "did-you-mean") {
				t.Errorf("%s suggests a correction", pg.URL)
			}
		}
	})
}
