package main

import (
	"html"
	"strings"
	"testing"
	"time"

	"portal/internal/bench"
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
