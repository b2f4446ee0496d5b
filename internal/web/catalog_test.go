package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// The demo catalog's electives the tests name.
const (
	hepatologyEN = "Hepatology and MAFLD Clinical Elective"
	hepatologyZH = "肝臟科與代謝相關脂肪肝病臨床選修"
	virologyEN   = "Infectious Disease and Virology Research Exchange"
)

var resultLink = regexp.MustCompile(`<h3><a href="/electives/(\d+)">(?:<span lang="[^"]+">)?([^<]+)`)

// results are the titles of the result cards of a catalog page or fragment.
func results(t *testing.T, pg *page) []string {
	t.Helper()
	body := pg.Body
	if i := strings.Index(body, `id="results"`); i >= 0 {
		body = body[i:]
	}
	var out []string
	for _, m := range resultLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2])
	}
	return out
}

// wantResults fails unless the page lists exactly titles, in any order, and
// announces their number.
func wantResults(t *testing.T, pg *page, titles ...string) {
	t.Helper()
	wantStatus(t, pg, http.StatusOK)
	got := results(t, pg)
	if len(got) != len(titles) {
		t.Fatalf("%s: results %q, want %q", pg.URL, got, titles)
	}
	for _, want := range titles {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("%s: results %q, want %q among them", pg.URL, got, want)
		}
	}
	wantCount(t, pg, i18n.English, len(titles))
}

func wantCount(t *testing.T, pg *page, lang i18n.Lang, n int) {
	t.Helper()
	switch n {
	case 0:
		wantText(t, pg, lang, "browse.count.none")
	default:
		wantText(t, pg, lang, "browse.count", n)
	}
}

// electiveID is the id of the demo elective titled title.
func (p *portal) electiveID(title string) int64 {
	return p.count("SELECT id FROM electives WHERE title_en = ?", title)
}

func (p *portal) institutionID(name string) int64 {
	return p.count("SELECT id FROM institutions WHERE name_en = ?", name)
}

// outgoing counts the live electives abroad that the catalog lists.
func (p *portal) outgoing() int {
	return int(p.count(`SELECT COUNT(*) FROM electives e JOIN institutions i ON i.id = e.institution_id
		WHERE e.retired_at IS NULL AND i.retired_at IS NULL AND e.direction = 'outgoing'`))
}

func TestCatalogSearchesInEitherLanguage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		for _, q := range []string{"熊本", "kumamoto", "KUMAMOTO", "熊本大学"} {
			wantResults(t, b.get("/electives?q="+url.QueryEscape(q)), hepatologyEN, virologyEN)
		}
		for _, q := range []string{"liver", "肝", "mafld hepatology"} {
			wantResults(t, b.get("/electives?q="+url.QueryEscape(q)), hepatologyEN)
		}
		all := b.get("/electives")
		wantStatus(t, all, http.StatusOK)
		if n := len(results(t, all)); n != p.outgoing() {
			t.Errorf("the whole catalog shows %d cards, want the %d electives abroad", n, p.outgoing())
		}
		wantCount(t, all, i18n.English, p.outgoing())
		if strings.Contains(all.Body, "Clinical rotation in") {
			t.Errorf("the catalog abroad lists incoming rotations")
		}
		// The search echoes what it searched for, escaped.
		pg := b.get("/electives?q=" + url.QueryEscape(`"><script>alert(1)</script>`))
		wantResults(t, pg)
		if strings.Contains(pg.Body, "<script>alert(1)") {
			t.Errorf("the search text is echoed unescaped")
		}
		wantText(t, pg, i18n.English, "browse.empty")
		if !strings.Contains(pg.Body, `<a href="/electives">`+bundle.T(i18n.English, "browse.clear")) {
			t.Errorf("the empty state has no link to clear the filters")
		}
	})
}

func TestCatalogFilters(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()

		// Country, then country and specialty.
		jp := b.get("/electives?country=JP")
		wantResults(t, jp, hepatologyEN, virologyEN, "Drug Discovery Research Exchange", "Cardiology Clinical Elective")
		if !strings.Contains(jp.Body, `<option value="JP" selected>Japan</option>`) {
			t.Errorf("the country filter does not keep Japan selected")
		}
		wantResults(t, b.get("/electives?country=JP&specialty=hepatology"), hepatologyEN)
		wantResults(t, b.get("/electives?country=jp&kind=research_exchange&language=en&q=kumamoto"), virologyEN)
		wantResults(t, b.get("/electives?country=KR&specialty=hepatology"))

		// A month: the electives with a period overlapping it.
		var first catalog.Period
		if err := p.App.DB.Where("elective_id = ?", p.electiveID(hepatologyEN)).Order("starts_on").Take(&first).Error; err != nil {
			t.Fatal(err)
		}
		start := first.StartsOn
		month := start.Format("2006-01")
		from := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 1, -1)
		want := p.count(`SELECT COUNT(DISTINCT e.id) FROM electives e JOIN periods pe ON pe.elective_id = e.id
			WHERE e.direction = 'outgoing' AND e.retired_at IS NULL AND pe.retired_at IS NULL AND pe.starts_on <= ? AND pe.ends_on >= ?`, to, from)
		pg := b.get("/electives?month=" + month)
		wantStatus(t, pg, http.StatusOK)
		got := results(t, pg)
		if int64(len(got)) != want || want == 0 || want == int64(p.outgoing()) {
			t.Errorf("month %s: %d results %q, want %d (of %d)", month, len(got), got, want, p.outgoing())
		}
		if !strings.Contains(strings.Join(got, "|"), hepatologyEN) {
			t.Errorf("month %s: %q lacks the elective whose first period starts then", month, got)
		}
		if !strings.Contains(pg.Body, `type="month" value="`+month+`"`) {
			t.Errorf("the month input does not keep %s", month)
		}
		wantResults(t, b.get("/electives?month=2000-01"))

		// Seats: a full elective is shown as such, and the filter leaves it out.
		p.exec("UPDATE periods SET taken = capacity WHERE elective_id = ?", p.electiveID(virologyEN))
		pg = b.get("/electives?q=" + url.QueryEscape("熊本"))
		wantResults(t, pg, hepatologyEN, virologyEN)
		wantText(t, pg, i18n.English, "browse.seats.full")
		pg = b.get("/electives?seats=1&q=" + url.QueryEscape("熊本"))
		wantResults(t, pg, hepatologyEN)
		if !strings.Contains(pg.Body, `name="seats" type="checkbox" value="1" checked`) {
			t.Errorf("the seats checkbox is not kept checked")
		}
		// A seat in a later period only: the filter keeps the elective, and
		// the card says where the seat is.
		p.exec("UPDATE periods SET taken = capacity WHERE elective_id = ?", p.electiveID(hepatologyEN))
		p.exec("UPDATE periods SET taken = capacity - 1 WHERE id = (SELECT MAX(id) FROM periods WHERE elective_id = ?)", p.electiveID(hepatologyEN))
		pg = b.get("/electives?seats=on&q=" + url.QueryEscape("熊本"))
		wantResults(t, pg, hepatologyEN)
		wantText(t, pg, i18n.English, "browse.later_seats", 1)

		// Values the search does not know are ignored, not errors, and not
		// echoed into the form.
		pg = b.get("/electives?country=XX&specialty=%3Cb%3E&kind=zzz&language=!!&month=2026-13&page=abc&seats=maybe&direction=incoming")
		wantStatus(t, pg, http.StatusOK)
		wantCount(t, pg, i18n.English, p.outgoing())
		// (The language switch carries the whole address back, escaped;
		// the search form itself must not show the values.)
		for _, bad := range []string{`value="2026-13"`, ` selected`, `value="XX"`} {
			if strings.Contains(pg.Body, bad) {
				t.Errorf("the form echoes the unknown value %q", bad)
			}
		}
		pg = b.get("/electives?page=99")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "browse.past_end")
	})
}

func TestCatalogHtmxGetsOnlyTheResults(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		target := "/electives?q=" + url.QueryEscape("熊本")

		frag := b.step(http.MethodGet, target, nil, http.Header{"Hx-Request": {"true"}, "Hx-Target": {"results"}})
		wantResults(t, frag, hepatologyEN, virologyEN)
		for _, whole := range []string{"<html", "<form", "<header", "<h1"} {
			if strings.Contains(frag.Body, whole) {
				t.Errorf("the htmx fragment contains %s:\n%s", whole, frag.Body)
			}
		}
		if !strings.HasPrefix(frag.Body, `<p id="result-count" data-hx-swap-oob="innerHTML">`) {
			t.Errorf("the fragment does not start with the count to swap out of band:\n%s", frag.Body)
		}
		if v := strings.Join(frag.Header.Values("Vary"), ", "); !strings.Contains(v, "HX-Request") {
			t.Errorf("fragment Vary %q, want HX-Request", v)
		}

		full := b.step(http.MethodGet, target, nil, nil)
		wantResults(t, full, hepatologyEN, virologyEN)
		for _, whole := range []string{"<html", `role="search"`, `data-hx-get="/electives"`, `id="results"`, `aria-live="polite"`, `id="result-count"`} {
			if !strings.Contains(full.Body, whole) {
				t.Errorf("the full page lacks %s", whole)
			}
		}
		if v := strings.Join(full.Header.Values("Vary"), ", "); !strings.Contains(v, "HX-Request") {
			t.Errorf("page Vary %q, want HX-Request", v)
		}
		// htmx restoring history without a cached copy needs the whole page.
		restore := b.step(http.MethodGet, target, nil, http.Header{"Hx-Request": {"true"}, "Hx-History-Restore-Request": {"true"}})
		if !strings.Contains(restore.Body, "<html") {
			t.Errorf("a history restore got only the fragment")
		}
	})
}

func TestCatalogPagesAndQueryCount(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()

		// Few results, then a full page of 20: the same number of queries.
		few := queriesOf(t, b, "/electives?q="+url.QueryEscape("熊本"), 2)
		addElectives(t, p, p.institutionID("Kumamoto University"), 20)
		full := queriesOf(t, b, "/electives?country=JP", 20)
		if few > 8 || full != few {
			t.Errorf("queries for the catalog: %d for 2 results, %d for 20; want the same, at most 8", few, full)
		}
		frag := queriesOf(t, b, "/electives?country=JP", 20, "Hx-Request", "true")
		if frag > few {
			t.Errorf("the fragment runs %d queries, the page %d", frag, few)
		}
		id := strconv.FormatInt(p.electiveID(hepatologyEN), 10)
		if n := queriesOf(t, b, "/electives/"+id, 0); n > 8 {
			t.Errorf("the elective page runs %d queries", n)
		}
		inst := strconv.FormatInt(p.institutionID("Kumamoto University"), 10)
		if n := queriesOf(t, b, "/institutions/"+inst, 22); n > 8 {
			t.Errorf("the institution page with 22 electives runs %d queries", n)
		}

		// 24 electives in Japan: two pages whose links keep the filter.
		pg := b.get("/electives?country=JP")
		wantText(t, pg, i18n.English, "browse.page_of", 1, 2)
		next := `href="/electives?country=JP&amp;page=2" rel="next"`
		if !strings.Contains(pg.Body, next) || strings.Contains(pg.Body, `rel="prev"`) {
			t.Errorf("page 1 lacks %s or has a previous link", next)
		}
		pg = b.get("/electives?country=JP&page=2")
		if got := results(t, pg); len(got) != 4 {
			t.Errorf("page 2 shows %d results, want 4", len(got))
		}
		if !strings.Contains(pg.Body, `href="/electives?country=JP" rel="prev"`) || strings.Contains(pg.Body, `rel="next"`) {
			t.Errorf("page 2 lacks a previous link to page 1, or has a next one")
		}
	})
}

// queriesOf requests target and returns the SQL statements it ran, read
// from /metrics; the page must show wantCards result cards.
func queriesOf(t *testing.T, b *browser, target string, wantCards int, header ...string) int64 {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	before := dbQueries(t, b)
	pg := b.step(http.MethodGet, target, nil, h)
	after := dbQueries(t, b)
	wantStatus(t, pg, http.StatusOK)
	if n := strings.Count(pg.Body, `class="card elective-card"`); n != wantCards {
		t.Fatalf("%s shows %d cards, want %d", target, n, wantCards)
	}
	return after - before
}

func dbQueries(t *testing.T, b *browser) int64 {
	t.Helper()
	pg := b.step(http.MethodGet, "/metrics", nil, nil)
	wantStatus(t, pg, http.StatusOK)
	for _, line := range strings.Split(pg.Body, "\n") {
		if v, ok := strings.CutPrefix(line, "portal_db_queries_total "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no portal_db_queries_total in /metrics:\n%s", pg.Body)
	return 0
}

// addElectives gives an institution n more electives abroad, each with a
// period to come.
func addElectives(t *testing.T, p *portal, institutionID int64, n int) {
	t.Helper()
	ctx := context.Background()
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	for i := range n {
		e, err := p.App.Catalog.CreateElective(ctx, catalog.ElectiveInput{
			Direction: catalog.Outgoing, InstitutionID: institutionID, Kind: "observership",
			TitleEN: fmt.Sprintf("Extra observership %02d", i), Specialty: "surgery", Language: "en",
			MinYear: "3", DurationWeeks: "2", OpensOn: day(-10), ClosesOn: day(30),
		})
		if err != nil {
			t.Fatalf("create elective: %v", err)
		}
		if _, err := p.App.Catalog.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: day(60), EndsOn: day(73), Capacity: "2"}); err != nil {
			t.Fatalf("add period: %v", err)
		}
	}
}

func TestCatalogElectivePage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		id := p.electiveID(hepatologyEN)
		path := "/electives/" + strconv.FormatInt(id, 10)

		pg := b.get(path)
		wantStatus(t, pg, http.StatusOK)
		for _, want := range []string{
			"<h1>" + hepatologyEN + "</h1>", `<span lang="zh-Hant">` + hepatologyZH + "</span>",
			`<span lang="ja">熊本大学</span>`, "Student Exchange Agreement between the Colleges of Medicine",
			"Japanese (JLPT N2)", "<title>" + hepatologyEN + " · ", `href="/institutions/`,
			"Liver clinic, ultrasound",
		} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		periods := p.count("SELECT COUNT(*) FROM periods WHERE elective_id = ?", id)
		if n := int64(strings.Count(pg.Body, `<th scope="row">`)); n != periods || n == 0 {
			t.Errorf("%s lists %d periods, want %d", path, n, periods)
		}
		for _, key := range []string{"browse.window.open", "browse.fee.none", "doc.transcript", "browse.periods", "agreement_kind.student_exchange"} {
			wantText(t, pg, i18n.English, key)
		}
		wantText(t, pg, i18n.English, "browse.min_year", 5)
		wantText(t, pg, i18n.English, "browse.seats_left", 1)

		// In Chinese: the Chinese title and description, English tagged.
		zh := p.browser()
		zh.Language = "zh-TW"
		pg = zh.get(path)
		wantStatus(t, pg, http.StatusOK)
		for _, want := range []string{`<html lang="zh-Hant">`, "<h1>" + hepatologyZH + "</h1>", `<span lang="en">` + hepatologyEN + "</span>", "於熊本大學醫院肝臟門診"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("%s in Chinese lacks %q", path, want)
			}
		}
		wantText(t, pg, i18n.TraditionalChinese, "browse.window.open")

		// Unknown and malformed ids are the translated 404 page.
		for _, bad := range []string{"/electives/999999", "/electives/abc", "/electives/0", "/institutions/999999", "/institutions/x1"} {
			for _, br := range []struct {
				b    *browser
				lang i18n.Lang
			}{{b, i18n.English}, {zh, i18n.TraditionalChinese}} {
				pg := br.b.get(bad)
				wantStatus(t, pg, http.StatusNotFound)
				wantText(t, pg, br.lang, "error.not_found")
			}
		}

		// A closed window says so; one opening later says when.
		today := p.App.Zone.Day(time.Now()) // the portal's day (Taipei), as the pages count
		p.exec("UPDATE electives SET opens_on = ?, closes_on = ? WHERE id = ?", today.AddDate(0, 0, -30), today.AddDate(0, 0, -2), id)
		pg = b.get(path)
		wantText(t, pg, i18n.English, "browse.window.closed")
		pg = b.get("/electives?q=liver")
		wantText(t, pg, i18n.English, "browse.deadline.closed")
		p.exec("UPDATE electives SET opens_on = ?, closes_on = ? WHERE id = ?", today.AddDate(0, 0, 5), today.AddDate(0, 0, 40), id)
		pg = b.get(path)
		wantText(t, pg, i18n.English, "browse.window.soon")
		wantText(t, pg, i18n.English, "browse.opens_in", 5)

		// Retired: still shown, marked, and gone from the search.
		if err := p.App.Catalog.Retire(context.Background(), catalog.KindElective, id); err != nil {
			t.Fatal(err)
		}
		pg = b.get(path)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "browse.retired")
		wantResults(t, b.get("/electives?q=liver"))

		// A rotation at our hospital says so.
		rotation := p.count("SELECT MIN(id) FROM electives WHERE direction = 'incoming'")
		pg = b.get("/electives/" + strconv.FormatInt(rotation, 10))
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, "A clinical rotation at our hospital&#39;s") {
			t.Errorf("an incoming rotation does not say it is at our hospital:\n%s", pg.Body)
		}
	})
}

func TestCatalogInstitutionPage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		path := "/institutions/" + strconv.FormatInt(p.institutionID("Kumamoto University"), 10)
		// The agreements' titles and fields, in the reader's language.
		agreements := map[string][3]string{
			"en":    {"Memorandum of Understanding on Academic Collaboration", "Student Exchange Agreement between the Colleges of Medicine", "liver disease"},
			"zh-TW": {"學術合作備忘錄", "醫學院學生交換協議", "肝臟疾病"},
		}
		for _, lang := range []string{"en", "zh-TW"} {
			b := p.browser()
			b.Language = lang
			pg := b.get(path)
			wantStatus(t, pg, http.StatusOK)
			for _, want := range []string{
				`<span lang="ja">熊本大学</span>`, agreements[lang][0], agreements[lang][1], agreements[lang][2],
				`<a href="https://www.kumamoto-u.ac.jp" rel="noopener">`,
				`href="/electives/` + strconv.FormatInt(p.electiveID(hepatologyEN), 10) + `"`,
				`href="/electives/` + strconv.FormatInt(p.electiveID(virologyEN), 10) + `"`,
			} {
				if !strings.Contains(pg.Body, want) {
					t.Errorf("%s (%s) lacks %q", path, lang, want)
				}
			}
			if lang == "zh-TW" {
				wantText(t, pg, i18n.TraditionalChinese, "agreement_kind.mou")
				if !strings.Contains(pg.Body, hepatologyZH) {
					t.Errorf("%s in Chinese lacks the Chinese title of the elective", path)
				}
			}
		}
		// An expired agreement is not shown to students.
		uw := p.browser().get("/institutions/" + strconv.FormatInt(p.institutionID("University of Washington"), 10))
		wantStatus(t, uw, http.StatusOK)
		wantText(t, uw, i18n.English, "browse.institution.agreements.none")
	})
}

func TestCatalogInChinese(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("student")
		b.Language = "zh-TW"
		pg := b.get("/electives?q=" + url.QueryEscape("熊本"))
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `<html lang="zh-Hant">`) {
			t.Fatalf("the catalog is not in Chinese")
		}
		got := strings.Join(results(t, pg), "|")
		for _, want := range []string{hepatologyZH, "感染症與病毒學研究交換"} {
			if !strings.Contains(got, want) {
				t.Errorf("results %q lack the Chinese title %q", got, want)
			}
		}
		wantCount(t, pg, i18n.TraditionalChinese, 2)
		wantText(t, pg, i18n.TraditionalChinese, "browse.title")
		wantText(t, pg, i18n.TraditionalChinese, "country.JP")
		wantText(t, pg, i18n.TraditionalChinese, "specialty.hepatology")
		if !strings.Contains(pg.Body, `<a href="/electives" aria-current="page">`) {
			t.Errorf("the navigation does not mark the catalog as the current page")
		}
		// An elective without a Chinese title shows the English one, tagged.
		p.exec("UPDATE electives SET title_zh = '' WHERE title_en = ?", virologyEN)
		pg = b.get("/electives?q=" + url.QueryEscape("熊本"))
		if !strings.Contains(pg.Body, `<span lang="en">`+virologyEN+`</span>`) {
			t.Errorf("an English-only title on a Chinese page is not tagged lang=en")
		}
	})
}

// TestCatalogCardGivesTheSeatsOfTheNextPeriod (issue 13): a card that says
// "Next period starts 2 Apr 2027" gives the seats of that period, not the
// sum over every period to come, and says "1 seat", not "1 seats"; the
// seats of the later periods are said apart.
func TestCatalogCardGivesTheSeatsOfTheNextPeriod(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		id := p.electiveID(hepatologyEN)
		var periods []catalog.Period
		if err := p.App.DB.Where("elective_id = ? AND retired_at IS NULL AND starts_on >= ?", id, p.App.Catalog.Today()).
			Order("starts_on").Find(&periods).Error; err != nil {
			t.Fatal(err)
		}
		if len(periods) < 2 {
			t.Fatalf("the demo elective has %d periods to come, the test needs two", len(periods))
		}
		// The next period has 1 seat left, the later ones 2 each.
		p.exec("UPDATE periods SET taken = capacity - 2 WHERE elective_id = ? AND capacity >= 2", id)
		p.exec("UPDATE periods SET capacity = 2, taken = 0 WHERE elective_id = ? AND capacity < 2", id)
		p.exec("UPDATE periods SET taken = capacity - 1 WHERE id = ?", periods[0].ID)
		later := 2 * (len(periods) - 1)

		pg := b.get("/electives?q=" + url.QueryEscape("hepatology"))
		wantResults(t, pg, hepatologyEN)
		next := bundle.T(i18n.English, "browse.next_start", clock.DayText(trIn(i18n.English), periods[0].StartsOn))
		want := next + ` · <span class="seats seats-low"><strong>Only 1 seat left</strong></span>`
		if !strings.Contains(pg.Body, want) {
			t.Errorf("the card does not say %q:\n%s", want, pg.Body)
		}
		wantText(t, pg, i18n.English, "browse.later_seats", later)
		if sum := fmt.Sprintf(">%d seats left<", 1+later); strings.Contains(pg.Body, sum) {
			t.Errorf("the card gives the sum over periods, %q", sum)
		}
		if strings.Contains(pg.Body, "1 seats") || regexp.MustCompile(`\d{4}-\d{2}-\d{2}<`).MatchString(pg.Body) {
			t.Errorf("the card says \"1 seats\" or an ISO date:\n%s", pg.Body)
		}

		// In Chinese: the date as Chinese writes it, the same seats.
		zh := p.browser()
		zh.Language = "zh-TW"
		pg = zh.get("/electives?q=" + url.QueryEscape("hepatology"))
		wantText(t, pg, i18n.TraditionalChinese, "browse.next_start", clock.DayText(trIn(i18n.TraditionalChinese), periods[0].StartsOn))
		wantText(t, pg, i18n.TraditionalChinese, "browse.seats_left", 1)
	})
}
