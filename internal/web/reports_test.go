package web_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/wiring"
)

var submittedCount = regexp.MustCompile(`<a href="/review\?stage=submitted">(\d+)</a>`)

// The office opens the reports, filters them, follows a figure to the
// queue and exports a report it then reads as a workbook; a student is
// kept out, and a filter that makes no sense is refused.
func TestTheOfficeReadsFiltersAndExportsReports(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	st, of := p.browser(), p.browser()
	st.signIn("student")
	of.signIn("office")
	student := p.userID("demo-student")
	var period struct{ ID, ElectiveID int64 }
	if err := p.App.DB.Raw(`SELECT p.id, p.elective_id FROM periods p JOIN electives e ON e.id = p.elective_id
		WHERE e.direction = 'outgoing' ORDER BY p.id LIMIT 1`).Scan(&period).Error; err != nil || period.ID == 0 {
		t.Fatalf("no outgoing period in the catalog: %v", err)
	}
	now := time.Now().UTC()
	for i, since := range []time.Duration{2, 20, 40} { // days in stage
		var id int64
		if err := p.App.DB.Raw(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, created_at, updated_at)
			VALUES (?, 'outgoing', 'submitted', 'x', 1, ?, ?, ?, ?) RETURNING id`, student, now.Add(-since*24*time.Hour), now, now, now).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		p.exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)`, id, period.ElectiveID, period.ID)
		_ = i
	}

	t.Run("a student may not read the reports", func(t *testing.T) {
		wantStatus(t, st.get("/reports/pipeline"), http.StatusForbidden)
	})

	t.Run("the pipeline counts the waiting applications and links to them", func(t *testing.T) {
		pg := of.get("/reports")
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/reports/pipeline" {
			t.Fatalf("/reports led to %s", pg.URL.Path)
		}
		m := submittedCount.FindStringSubmatch(pg.Body)
		want := p.count("SELECT COUNT(*) FROM applications WHERE status = 'submitted'")
		if m == nil || m[1] != strconv.FormatInt(want, 10) || want < 3 {
			t.Fatalf("submitted count: got %v, want %d", m, want)
		}
		// Two of ours waited past the 7-day target; the chase list names them.
		if !strings.Contains(pg.Body, "<svg") || !strings.Contains(pg.Body, "<title id=\"report-chart-title\">") {
			t.Error("the pipeline has no accessible chart")
		}
		if n := strings.Count(pg.Body, `href="/applications/`); n < 2 {
			t.Errorf("the chase list links %d applications, want at least 2", n)
		}
	})

	t.Run("every report renders for the office with a partner filter", func(t *testing.T) {
		for _, kind := range []string{"seats", "agreements", "outcomes"} {
			wantStatus(t, of.get("/reports/"+kind), http.StatusOK)
			wantStatus(t, of.get("/reports/"+kind+"?institution=1&year=2026&specialty=surgery"), http.StatusOK)
		}
		wantStatus(t, of.get("/reports/nothing"), http.StatusNotFound)
	})

	t.Run("a filter that makes no sense is refused", func(t *testing.T) {
		pg := of.get("/reports/seats?year=banana")
		if pg.Status < 400 || pg.Status >= 500 {
			t.Fatalf("a year of banana: %d", pg.Status)
		}
	})

	t.Run("seat fill exports as a workbook with translated headers and numbers", func(t *testing.T) {
		year := time.Now().Year()
		var starts time.Time
		if err := p.App.DB.Raw("SELECT starts_on FROM periods WHERE id = ?", period.ID).Scan(&starts).Error; err == nil {
			year = starts.Year()
		}
		pg := of.get("/reports/seats?format=xlsx&year=" + strconv.Itoa(year))
		wantStatus(t, pg, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(pg.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("seats")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 2 || rows[0][0] != "Elective" || rows[0][10] != "First-choice applications" {
			t.Fatalf("workbook: %v", rows)
		}
		total := 0
		for _, r := range rows[1:] {
			n, err := strconv.Atoi(r[10])
			if err != nil {
				t.Fatalf("first-choice cell %q is not a number", r[10])
			}
			total += n
		}
		want := p.count(`SELECT COUNT(*) FROM application_choices c JOIN applications a ON a.id = c.application_id
			JOIN periods p ON p.id = c.period_id JOIN electives e ON e.id = p.elective_id
			WHERE c.rank = 1 AND a.submitted_at IS NOT NULL AND e.direction = 'outgoing' AND p.retired_at IS NULL AND p.starts_on >= ? AND p.starts_on < ?`,
			time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC))
		if int64(total) != want || want < 3 {
			t.Errorf("first-choice applications in the workbook: %d, want %d", total, want)
		}
		csv := of.get("/reports/seats?format=csv&year=" + strconv.Itoa(year))
		if csv.Status != http.StatusOK || !strings.Contains(csv.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("csv: %d %s", csv.Status, csv.Header.Get("Content-Type"))
		}
	})
}
