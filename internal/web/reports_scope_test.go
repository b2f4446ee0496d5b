package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/wiring"
)

var reportTabs = regexp.MustCompile(`<nav class="report-tabs"[\s\S]*?</nav>`)

// Reviewers and coordinators open /reports and find only their scope's
// reports and figures: a reviewer the pipeline and seat fill of the
// specialties they review, a coordinator their departments' load. Other
// departments' names and other specialties' counts are not on their pages,
// and the office's other reports are refused to them.
func TestReviewersAndCoordinatorsSeeOnlyTheirScopeInReports(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{DemoApplications: true})
		rev, co, of, st := p.browser(), p.browser(), p.browser(), p.browser()
		rev.signIn("reviewer")
		co.signIn("coordinator")
		of.signIn("office")
		st.signIn("student")
		reviewer, coordinator := p.userID("demo-reviewer"), p.userID("demo-coordinator")
		// One waiting application of a specialty nobody reviews.
		now := time.Now().UTC()
		p.exec(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, created_at, updated_at)
			VALUES (?, 'outgoing', 'submitted', 'nobody_reviews_this', 1, ?, ?, ?, ?)`, p.userID("demo-student"), now, now, now, now)

		t.Run("a reviewer's pipeline counts only the specialties they review", func(t *testing.T) {
			pg := rev.get("/reports")
			wantStatus(t, pg, http.StatusOK)
			if pg.URL.Path != "/reports/pipeline" {
				t.Fatalf("/reports led the reviewer to %s", pg.URL.Path)
			}
			tabs := reportTabs.FindString(pg.Body)
			if !strings.Contains(tabs, "/reports/seats") || strings.Contains(tabs, "/reports/agreements") || strings.Contains(tabs, "/reports/departments") {
				t.Errorf("the reviewer's tabs: %s", tabs)
			}
			mine := p.count(`SELECT COUNT(*) FROM applications WHERE status = 'submitted'
				AND specialty IN (SELECT specialty FROM reviewer_scopes WHERE user_id = ?)`, reviewer)
			all := p.count("SELECT COUNT(*) FROM applications WHERE status = 'submitted'")
			if mine == all {
				t.Fatalf("the demo's reviewer reviews every submitted application (%d): the test would prove nothing", all)
			}
			m := submittedCount.FindStringSubmatch(pg.Body)
			if m == nil || m[1] != strconv.FormatInt(mine, 10) {
				t.Errorf("the reviewer's submitted count: %v, want %d of %d", m, mine, all)
			}
			if m := submittedCount.FindStringSubmatch(of.get("/reports/pipeline").Body); m == nil || m[1] != strconv.FormatInt(all, 10) {
				t.Errorf("the office's submitted count: %v, want %d", m, all)
			}
			seats := rev.get("/reports/seats?format=csv")
			wantStatus(t, seats, http.StatusOK)
			var others []string
			p.App.DB.Raw(`SELECT DISTINCT e.title_en FROM electives e WHERE e.direction = 'outgoing'
				AND e.specialty NOT IN (SELECT specialty FROM reviewer_scopes WHERE user_id = ?)`, reviewer).Scan(&others)
			for _, title := range others {
				if strings.Contains(seats.Body, title) {
					t.Errorf("the reviewer's seat fill shows %q, outside their scope", title)
				}
			}
			for _, kind := range []string{"agreements", "outcomes", "rounds", "departments"} {
				wantStatus(t, rev.get("/reports/"+kind), http.StatusForbidden)
			}
		})

		t.Run("a coordinator sees the load of their departments only", func(t *testing.T) {
			pg := co.get("/reports")
			wantStatus(t, pg, http.StatusOK)
			if pg.URL.Path != "/reports/departments" {
				t.Fatalf("/reports led the coordinator to %s", pg.URL.Path)
			}
			var mine, others []string
			p.App.DB.Raw(`SELECT d.name_en FROM departments d JOIN rotation_coordinators k ON k.department_id = d.id WHERE k.user_id = ?`, coordinator).Scan(&mine)
			p.App.DB.Raw(`SELECT DISTINCT d.name_en FROM departments d JOIN rotation_choices c ON c.department_id = d.id
				WHERE d.id NOT IN (SELECT department_id FROM rotation_coordinators WHERE user_id = ?)`, coordinator).Scan(&others)
			if len(mine) == 0 || len(others) == 0 {
				t.Fatalf("demo: coordinator's departments %v, others with requests %v", mine, others)
			}
			en := co.get("/reports/departments?format=csv")
			office := of.get("/reports/departments?format=csv")
			found := false
			for _, name := range mine {
				found = found || strings.Contains(pg.Body, name) || strings.Contains(en.Body, name)
			}
			if !found {
				t.Errorf("the coordinator's report names none of their departments %v", mine)
			}
			for _, name := range others {
				if strings.Contains(en.Body, name) {
					t.Errorf("the coordinator's export shows %q, not theirs", name)
				}
			}
			shown := false
			for _, name := range others {
				shown = shown || strings.Contains(office.Body, name)
			}
			if !shown {
				t.Errorf("the office's department load misses the other departments %v", others)
			}
			for _, kind := range []string{"pipeline", "seats", "agreements", "rounds"} {
				wantStatus(t, co.get("/reports/"+kind), http.StatusForbidden)
			}
		})

		t.Run("a student reads no report", func(t *testing.T) {
			wantStatus(t, st.get("/reports"), http.StatusForbidden)
			wantStatus(t, st.get("/reports/departments"), http.StatusForbidden)
		})

		t.Run("the office reads rounds and department load, and seat fill has the cutoff column", func(t *testing.T) {
			for _, kind := range []string{"rounds", "departments"} {
				pg := of.get("/reports/" + kind)
				wantStatus(t, pg, http.StatusOK)
			}
			if pg := of.get("/reports/departments"); !strings.Contains(pg.Body, "<svg") {
				t.Error("the department load has no chart")
			}
			if pg := of.get("/reports/seats"); !strings.Contains(pg.Body, "Round cutoff score") {
				t.Error("seat fill has no cutoff column")
			}
		})

		t.Run("a published round shows its placements, links to the round and its cutoff in seat fill", func(t *testing.T) {
			var round struct {
				ID   int64
				Name string
			}
			var dry, period int64
			var starts time.Time
			var apps []int64
			p.App.DB.Raw("SELECT id, name FROM selection_rounds WHERE state = 'dry_run' ORDER BY id LIMIT 1").Scan(&round)
			p.App.DB.Raw("SELECT id FROM selection_dry_runs WHERE round_id = ? ORDER BY seq DESC LIMIT 1", round.ID).Scan(&dry)
			p.App.DB.Raw("SELECT period_id FROM selection_round_periods WHERE round_id = ? ORDER BY period_id LIMIT 1", round.ID).Scan(&period)
			p.App.DB.Raw("SELECT starts_on FROM periods WHERE id = ?", period).Scan(&starts)
			p.App.DB.Raw("SELECT id FROM applications ORDER BY id LIMIT 3").Scan(&apps)
			if round.ID == 0 || dry == 0 || period == 0 || len(apps) < 3 {
				t.Fatalf("the demo has no round in dry run to publish: round %+v dry run %d period %d", round, dry, period)
			}
			// Published as internal/selection would leave it: a row per applicant.
			for i, o := range []struct {
				outcome string
				rank    int
				score   int
			}{{"placed", 1, 8123}, {"placed", 2, 7050}, {"unplaced", 0, 4000}} {
				var at any
				if o.outcome == "placed" {
					at = period
				}
				p.exec(`INSERT INTO selection_outcomes (round_id, application_id, dry_run_id, outcome, rank_given, period_id, score_centi, explanation)
					VALUES (?, ?, ?, ?, ?, ?, ?, '[]')`, round.ID, apps[i], dry, o.outcome, o.rank, at, o.score)
			}
			published := time.Now().UTC()
			p.exec("UPDATE selection_rounds SET state = 'published', published_at = ? WHERE id = ?", published, round.ID)
			year := strconv.Itoa(p.App.Zone.In(published).Year())
			pg := of.get("/reports/rounds?year=" + year)
			wantStatus(t, pg, http.StatusOK)
			link := `<a href="/rounds/` + strconv.FormatInt(round.ID, 10) + `">`
			if !strings.Contains(pg.Body, link+round.Name+`</a>`) || !strings.Contains(pg.Body, link+"2</a>") || !strings.Contains(pg.Body, "70.50") {
				t.Errorf("the rounds report misses the round, its 2 placements or its cutoff 70.50:\n%s", pg.Body)
			}
			seats := of.get("/reports/seats?format=csv&year=" + strconv.Itoa(starts.Year()))
			if !strings.Contains(seats.Body, "70.50") {
				t.Errorf("seat fill has no cutoff 70.50 for the round's period:\n%s", seats.Body)
			}
			wantStatus(t, rev.get("/reports/rounds"), http.StatusForbidden)
		})
	})
}
