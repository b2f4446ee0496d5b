package main

import (
	"html"
	"strings"
	"testing"
	"time"

	"portal/internal/bench"
	"portal/internal/user"
)

// TestCatalogScenariosSpread: the catalog scenarios check the text of
// their first request and then spread over queries and electives, so that
// no single cached answer is measured.
func TestCatalogScenariosSpread(t *testing.T) {
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	c := bench.Catalog{Today: today}
	for i := range 1000 {
		c.Electives = append(c.Electives, bench.GenElective{
			ID: int64(1000 + i), TitleEN: "Women's elective " + string(rune('A'+i%26)), Country: "JP",
			SearchText: "hepatitis transplant stroke 心臟 echocardiography", ClosesOn: today.AddDate(0, 0, 1000-i),
		})
	}
	byName := map[string]scenario{}
	for _, s := range scenarios {
		byName[s.name] = s
	}
	distinct := func(path func(uint64) string, n int) int {
		seen := map[string]bool{}
		for i := range n {
			seen[path(uint64(i))] = true
		}
		return len(seen)
	}

	search := byName["catalog-search"]
	path, want := search.vary(c)
	if p := path(0); !strings.HasPrefix(p, "/electives?q=hepatitis&country=JP") {
		t.Errorf("first search %q", p)
	}
	if n := distinct(path, 100); n != len(bench.CatalogQueries) {
		t.Errorf("100 searches use %d queries, want all %d", n, len(bench.CatalogQueries))
	}
	// The last elective closes first and is listed first; its title is
	// escaped as the page escapes it.
	if want != html.EscapeString(c.Electives[999].TitleEN) || !strings.Contains(want, "&#39;") {
		t.Errorf("search wants %q", want)
	}

	page := byName["elective-page"]
	path, want = page.vary(c)
	if path(0) != "/electives/1000" || want != html.EscapeString(c.Electives[0].TitleEN) {
		t.Errorf("first elective page %q wants %q", path(0), want)
	}
	if n := distinct(path, 1000); n < 600 {
		t.Errorf("1000 elective pages visit %d electives, want most of the 1000", n)
	}

	browse := byName["catalog-browse"]
	if path, want := browse.vary(c); path(7) != "/electives" || want == "" {
		t.Errorf("browse %q wants %q", path(7), want)
	}
}

// The upload scenarios run 20 connections for their own short period,
// whatever -c, -d and -warmup say, and compare two sizes; the others
// follow the flags.
func TestUploadScenariosHaveTheirOwnLoad(t *testing.T) {
	o := options{conns: 4, warmup: time.Second, dur: 5 * time.Minute}
	sizes := map[string]int64{}
	for _, s := range scenarios {
		conns, warmup, dur := s.load(o)
		if s.upload == 0 {
			if conns != 4 || warmup != time.Second || dur != 5*time.Minute {
				t.Errorf("%s runs %d connections, %s + %s", s.name, conns, warmup, dur)
			}
			continue
		}
		sizes[s.name] = s.upload
		if conns != 20 || warmup != 2*time.Second || dur != 10*time.Second || s.as == "" {
			t.Errorf("%s runs %d connections, %s + %s, as %q", s.name, conns, warmup, dur, s.as)
		}
	}
	if sizes["wallet-upload-1mb"] != 1<<20 || sizes["wallet-upload-5mb"] != 5<<20 {
		t.Errorf("upload scenarios %v", sizes)
	}
}

// Every report has its scenario at scale, held to 200 ms at the 99th
// percentile, and takes turns between two views of it; a run over the
// limit is called so.
func TestEveryReportHasAScenarioAtScale(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	byName := map[string]scenario{}
	for _, s := range reportScenarios(now) {
		byName[s.name] = s
	}
	for _, kind := range []string{"pipeline", "seats", "agreements", "outcomes", "rounds", "departments", "reciprocity", "funding", "completion"} {
		s, ok := byName["report-"+kind+"-at-scale"]
		if !ok {
			t.Errorf("no scenario for the %s report", kind)
			continue
		}
		if s.queue != atScale || s.p99 != 200*time.Millisecond || s.as != user.Office {
			t.Errorf("%s: queue %d, limit %s, as %q", s.name, s.queue, s.p99, s.as)
		}
		path, want := s.vary(bench.Catalog{})
		if !strings.HasPrefix(path(0), "/reports/"+kind) || path(0) == path(1) || want == "" {
			t.Errorf("%s: requests %q then %q, wants %q", s.name, path(0), path(1), want)
		}
	}
	if p, _ := byName["report-seats-at-scale"].vary(bench.Catalog{}); p(0) != "/reports/seats?year=2027" {
		t.Errorf("seat fill is first measured at %q, want next year's", p(0))
	}
	lines := limitLines([]bench.Result{{Scenario: "report-seats-at-scale", P99Ms: 250}, {Scenario: "report-pipeline-at-scale", P99Ms: 12}, {Scenario: "healthz", P99Ms: 900}})
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "OVER") || !strings.HasSuffix(lines[1], "within") {
		t.Errorf("limit lines %q", lines)
	}
}
