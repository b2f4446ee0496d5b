package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/wiring"
)

// The office's home shows the year's key figures with a trend chart each:
// the chart has a title and its figures in a table, and the year's count
// is the applications submitted since the first of January in the
// portal's zone. A reviewer's home has no such section.
func TestTheOfficesHomeShowsTheYearsFiguresWithAccessibleCharts(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		of, rv := p.browser(), p.browser()
		p.browser().signIn("student")
		now := time.Now().UTC()
		for _, ago := range []time.Duration{0, time.Hour} {
			at := now.Add(-ago)
			p.exec(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, created_at, updated_at)
				VALUES (?, 'outgoing', 'submitted', 'surgery', 1, ?, ?, ?, ?)`, p.userID("demo-student"), at, at, at, at)
		}
		// Signed in after: the figures are kept a few minutes once shown.
		of.signIn("office")
		rv.signIn("reviewer")
		local := p.App.Zone.In(now)
		jan1 := time.Date(local.Year(), 1, 1, 0, 0, 0, 0, p.App.Zone.Location())
		want := p.count("SELECT COUNT(*) FROM applications WHERE direction = 'outgoing' AND submitted_at >= ? AND submitted_at <= ?", jan1.UTC(), now)

		pg := of.get("/")
		wantStatus(t, pg, http.StatusOK)
		i := strings.Index(pg.Body, `id="trend-applications"`)
		if i < 0 {
			t.Fatalf("the office's home has no applications trend:\n%s", pg.Body)
		}
		card := pg.Body[i:]
		card = card[:strings.Index(card, "</li>")]
		if !strings.Contains(card, "So far this year: "+strconv.FormatInt(want, 10)) || want < 2 {
			t.Errorf("the year's applications: want %d in\n%s", want, card)
		}
		if !strings.Contains(card, `<svg role="img" aria-labelledby="trend-applications-t"`) || !strings.Contains(card, `<title id="trend-applications-t">`) {
			t.Errorf("the trend chart has no accessible title:\n%s", card)
		}
		month := local.Format("2006-01")
		if !strings.Contains(card, `<th scope="row">`+month+`</th><td class="num">`+strconv.FormatInt(p.count(
			"SELECT COUNT(*) FROM applications WHERE direction = 'outgoing' AND submitted_at >= ? AND submitted_at <= ?",
			time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, p.App.Zone.Location()).UTC(), now), 10)+`</td>`) {
			t.Errorf("the chart's table has no figure for %s:\n%s", month, card)
		}
		for _, id := range []string{"trend-placements", "trend-incoming"} {
			if !strings.Contains(pg.Body, `id="`+id+`"`) {
				t.Errorf("the office's home misses %s", id)
			}
		}
		if strings.Contains(rv.get("/").Body, `id="home-trends"`) {
			t.Error("a reviewer's home shows the office's figures")
		}
	})
}
