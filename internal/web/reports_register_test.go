package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/wiring"
)

// The funding register of a partner's year holds more rows than a page:
// the office reads how many there are, moves to the second page, which
// shows the next rows with the filters kept, and reads the totals of the
// whole register on it; the export holds every row, whatever the page.
func TestTheFundingRegisterPagesAndItsTotalsAndExportCoverEveryRow(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		of := p.browser()
		p.browser().signIn("student") // the demo student, whom newExchangeWorld places
		of.signIn("office")
		w := newExchangeWorld(t, p)
		var at struct{ ElectiveID, PeriodID int64 }
		if err := p.App.DB.Raw("SELECT elective_id, period_id FROM application_choices WHERE application_id = ?", w.app).Scan(&at).Error; err != nil {
			t.Fatal(err)
		}
		// 230 more confirmed placements in the same period, a third of
		// them with a scholarship award, paid, awarded or returned.
		now := time.Now().UTC()
		staff := p.userID("demo-student")
		err := p.App.DB.Transaction(func(tx *gorm.DB) error {
			var fund, call int64
			if err := tx.Raw(`INSERT INTO funding (name_en, sponsor, sponsor_kind, deadline, created_at, updated_at) VALUES ('Register grant', 'Ministry', 'ministry', ?, ?, ?) RETURNING id`,
				now, now, now).Scan(&fund).Error; err != nil {
				return err
			}
			if err := tx.Raw(`INSERT INTO scholarship_calls (funding_id, name, year, deadline, max_awards, currency, state, seed, created_by, created_at, updated_at)
				VALUES (?, 'Register call', ?, ?, 500, 'TWD', 'awarded', 1, ?, ?, ?) RETURNING id`, fund, w.year, now, staff, now, now).Scan(&call).Error; err != nil {
				return err
			}
			for n := 0; n < 230; n++ {
				var student, app int64
				if err := tx.Raw(`INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', ?, ?, ?, ?) RETURNING id`,
					fmt.Sprintf("register-%d", n), fmt.Sprintf("Register Student %03d", n), now, now).Scan(&student).Error; err != nil {
					return err
				}
				if err := tx.Raw(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, confirmed_at, created_at, updated_at)
					VALUES (?, 'outgoing', 'confirmed', 'x', 1, ?, ?, ?, ?, ?) RETURNING id`, student, now, now, now, now, now).Scan(&app).Error; err != nil {
					return err
				}
				if err := tx.Exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id, host_decision) VALUES (?, 1, ?, ?, 'accepted')`,
					app, at.ElectiveID, at.PeriodID).Error; err != nil {
					return err
				}
				if n%3 != 0 {
					continue
				}
				var req int64
				if err := tx.Raw(`INSERT INTO scholarship_requests (call_id, student_id, application_id, amount, state, created_at, updated_at) VALUES (?, ?, ?, 1000, 'submitted', ?, ?) RETURNING id`,
					call, student, app, now, now).Scan(&req).Error; err != nil {
					return err
				}
				if err := tx.Exec(`INSERT INTO scholarship_awards (call_id, request_id, student_id, amount, currency, score_centi, code, status, awarded_by, awarded_at)
					VALUES (?, ?, ?, ?, 'TWD', 0, ?, ?, ?, ?)`, call, req, student, 1000+n, fmt.Sprintf("REG-%d", n), []string{"paid", "awarded", "returned"}[n%9/3], staff, now).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The register counted from the base rows by plain SQL: a row per
		// placement and currency, one for a placement without money, one
		// per incoming rotation.
		from, to := time.Date(w.year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(w.year+1, 1, 1, 0, 0, 0, 0, time.UTC)
		const placements = `FROM applications a JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice
			JOIN periods pr ON pr.id = c.period_id JOIN electives e ON e.id = c.elective_id
			WHERE a.direction = 'outgoing' AND a.status IN ('confirmed', 'completed') AND e.institution_id = ? AND pr.starts_on >= ? AND pr.starts_on < ?`
		const money = `FROM scholarship_awards w JOIN scholarship_requests q ON q.id = w.request_id WHERE q.application_id IN (SELECT a.id ` + placements + `)`
		total := p.count(`SELECT COUNT(*) `+placements+` AND NOT EXISTS (SELECT 1 FROM scholarship_requests q JOIN scholarship_awards w ON w.request_id = q.id WHERE q.application_id = a.id)`,
			w.partner, from, to) +
			p.count(`SELECT COUNT(*) FROM (SELECT DISTINCT q.application_id, w.currency `+money+`) AS m`, w.partner, from, to) +
			p.count(`SELECT COUNT(*) FROM rotation_requests r JOIN rotation_choices rc ON rc.request_id = r.id AND rc.rank = r.accepted_choice
				JOIN incoming_profiles ip ON ip.user_id = r.applicant_id
				WHERE ip.home_institution_id = ? AND r.status IN ('confirmed', 'completed') AND rc.starts_on >= ? AND rc.starts_on < ?`, w.partner, from, to)
		awarded := p.count(`SELECT COALESCE(SUM(w.amount), 0) `+money+` AND w.currency = 'TWD' AND w.status <> 'returned'`, w.partner, from, to)
		paid := p.count(`SELECT COALESCE(SUM(w.amount), 0) `+money+` AND w.currency = 'TWD' AND w.status = 'paid'`, w.partner, from, to)
		if total < 232 || awarded == 0 || paid == 0 {
			t.Fatalf("the register holds %d rows, %d awarded, %d paid: the test would prove little", total, awarded, paid)
		}

		filters := "year=" + strconv.Itoa(w.year) + "&institution=" + strconv.FormatInt(w.partner, 10)
		csvPage := of.get("/reports/funding?format=csv&page=2&" + filters)
		wantStatus(t, csvPage, http.StatusOK)
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvPage.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var exported []string
		var exportedAwarded, exportedPaid int64
		for _, r := range records[1:] {
			exported = append(exported, r[0])
			a, _ := strconv.ParseInt(r[7], 10, 64)
			pd, _ := strconv.ParseInt(r[8], 10, 64)
			exportedAwarded, exportedPaid = exportedAwarded+a, exportedPaid+pd
		}
		if int64(len(exported)) != total || exportedAwarded != awarded || exportedPaid != paid {
			t.Fatalf("the export holds %d rows, %d awarded, %d paid; want %d, %d, %d", len(exported), exportedAwarded, exportedPaid, total, awarded, paid)
		}

		rowName := regexp.MustCompile(`<tr><th scope="row"><a href="/(?:applications|rotations)/\d+">([^<]*)</a></th>`)
		names := func(pg *page) []string {
			var out []string
			for _, m := range rowName.FindAllStringSubmatch(pg.Body, -1) {
				out = append(out, html.UnescapeString(m[1]))
			}
			return out
		}
		first := of.get("/reports/funding?" + filters)
		wantStatus(t, first, http.StatusOK)
		if got := names(first); strings.Join(got, "|") != strings.Join(exported[:100], "|") {
			t.Fatalf("the first page shows %d rows %v, not the first 100 of the register", len(got), got)
		}
		if want := fmt.Sprintf("Rows 1–100 of %d", total); !strings.Contains(first.Body, want) {
			t.Errorf("the first page does not say %q", want)
		}
		if strings.Contains(first.Body, `rel="prev"`) {
			t.Error("the first page links to a previous one")
		}
		next := regexp.MustCompile(`<a href="([^"]*)" rel="next">Next page</a>`).FindStringSubmatch(first.Body)
		if next == nil {
			t.Fatal("the first page has no link to the next")
		}
		link := html.UnescapeString(next[1])
		if !strings.Contains(link, "page=2") || !strings.Contains(link, "institution="+strconv.FormatInt(w.partner, 10)) || !strings.Contains(link, "year="+strconv.Itoa(w.year)) {
			t.Errorf("the next page's link %s drops the filters", link)
		}
		second := of.get(link)
		wantStatus(t, second, http.StatusOK)
		if got := names(second); strings.Join(got, "|") != strings.Join(exported[100:200], "|") {
			t.Errorf("the second page shows %v, not rows 101-200 of the register", got)
		}
		if want := fmt.Sprintf("Rows 101–200 of %d", total); !strings.Contains(second.Body, want) {
			t.Errorf("the second page does not say %q", want)
		}
		if !strings.Contains(second.Body, `rel="prev"`) || !strings.Contains(second.Body, `rel="next"`) {
			t.Error("the second page does not lead both ways")
		}
		totals := fmt.Sprintf(`<th scope="row">TWD</th><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>`,
			grouped(p.count(`SELECT COUNT(DISTINCT q.application_id) `+money+` AND w.currency = 'TWD'`, w.partner, from, to)), grouped(awarded), grouped(paid))
		if !strings.Contains(second.Body, totals) {
			t.Errorf("the second page lacks the whole register's totals %s", totals)
		}
		last := of.get("/reports/funding?page=999&" + filters)
		wantStatus(t, last, http.StatusOK)
		if got := names(last); strings.Join(got, "|") != strings.Join(exported[(total-1)/100*100:], "|") || strings.Contains(last.Body, `rel="next"`) {
			t.Errorf("a page past the last does not show the last: %v", got)
		}
		wantStatus(t, of.get("/reports/funding?page=banana&"+filters), http.StatusUnprocessableEntity)
	})
}

// grouped writes n with a comma between thousands, as the page does.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
