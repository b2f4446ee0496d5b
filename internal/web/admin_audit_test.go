package web_test

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/wiring"
)

var auditRows = regexp.MustCompile(`(?s)<tbody>(.*)</tbody>`)

// rowsOf counts the rows of the audit table.
func rowsOf(body string) int {
	m := auditRows.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	return strings.Count(m[1], "<tr>")
}

// An administrator reads the audit log: events in words, not codes or
// JSON; the review decisions on applications among them; filters by who,
// what, object and dates; pages of 50; and a CSV download of what the
// filters admit, safe to open in a spreadsheet.
func TestAdminAuditLog(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{DemoApplications: true})
		admin := p.browser()
		admin.signIn("admin")
		decisions := p.count("SELECT COUNT(*) FROM review_events")
		if decisions == 0 {
			t.Fatal("the demo applications have no review events")
		}
		var appID int64
		if err := p.App.DB.Raw("SELECT application_id FROM review_events ORDER BY id LIMIT 1").Scan(&appID).Error; err != nil {
			t.Fatal(err)
		}

		pg := admin.get("/admin/audit")
		wantStatus(t, pg, http.StatusOK)
		// The newest events come first (the demo's selection round scores
		// are newer than its decisions); decisions are checked under their
		// filter below.
		for _, want := range []string{"Signed in", "Download as CSV"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the audit page lacks %q", want)
			}
		}
		for _, raw := range []string{"audit.auth.", `{&#34;`, `{"roles"`, "auth.sign_in"} {
			if strings.Contains(pg.Body, raw) {
				t.Errorf("the audit page shows the raw %q", raw)
			}
		}

		// Filters: what, who, object, dates.
		pg = admin.get("/admin/audit?action=auth")
		if strings.Contains(pg.Body, "Decision: ") || !strings.Contains(pg.Body, "Signed in") {
			t.Errorf("the filter on signing in shows other events or none")
		}
		pg = admin.get("/admin/audit?action=application")
		if !strings.Contains(pg.Body, `href="/applications/`) || !strings.Contains(pg.Body, "Decision: ") || !strings.Contains(pg.Body, "Stage: ") || strings.Contains(pg.Body, "Signed in") {
			t.Errorf("the filter on applications does not show their decisions, linked, alone")
		}
		pg = admin.get("/admin/audit?object=application&id=" + strconv.FormatInt(appID, 10))
		n := rowsOf(pg.Body)
		want := p.count("SELECT COUNT(*) FROM review_events WHERE application_id = ?", appID)
		if int64(n) != want || strings.Contains(pg.Body, "Signed in") {
			t.Errorf("application %d: %d rows, want its %d decisions", appID, n, want)
		}
		pg = admin.get("/admin/audit?who=ADMIN%40demo&action=auth.sign_in")
		if rowsOf(pg.Body) != 1 {
			t.Errorf("the admin's sign-ins: %d rows, want 1", rowsOf(pg.Body))
		}
		tomorrow := "2100-01-01" // past the demo histories, which may run ahead
		pg = admin.get("/admin/audit?from=" + tomorrow)
		if rowsOf(pg.Body) != 0 || !strings.Contains(pg.Body, "No events match these filters.") {
			t.Errorf("events from %s on: %d rows", tomorrow, rowsOf(pg.Body))
		}
		pg = admin.get("/admin/audit?until=2099-01-01&from=yesterday")
		if !strings.Contains(pg.Body, "A date was not understood") {
			t.Error("a date that does not parse is not reported")
		}

		// Pages of 50, the filter kept from page to page.
		for i := 0; i < 120; i++ {
			p.exec("INSERT INTO audit_events (at, action, object_type, object_id, ip, user_agent, request_id, detail) VALUES (?, 'auth.sign_out', '', '', '', '', '', '')", time.Now())
		}
		pg = admin.get("/admin/audit?action=auth.sign_out")
		if rowsOf(pg.Body) != 50 || !strings.Contains(pg.Body, `href="/admin/audit?action=auth.sign_out&amp;page=2"`) {
			t.Errorf("page 1: %d rows, or no link to page 2 keeping the filter", rowsOf(pg.Body))
		}
		pg = admin.get("/admin/audit?action=auth.sign_out&page=3")
		if rowsOf(pg.Body) < 20 || strings.Contains(pg.Body, "page=4") || !strings.Contains(pg.Body, `href="/admin/audit?action=auth.sign_out&amp;page=2"`) {
			t.Errorf("page 3: %d rows, or a page 4, or no way back", rowsOf(pg.Body))
		}

		// The download: what the filters admit, formulas defused.
		p.exec("INSERT INTO audit_events (at, action, object_type, object_id, ip, user_agent, request_id, detail) VALUES (?, 'auth.sign_in_refused', '', '', '=HYPERLINK(\"http://evil.example\")', '', '', '{\"reason\":\"state_mismatch\"}')", time.Now())
		pg = admin.get("/admin/audit.csv?action=auth")
		wantStatus(t, pg, http.StatusOK)
		if cd := pg.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("the download is %q, %q", pg.Header.Get("Content-Type"), cd)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(pg.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) < 120 {
			t.Fatalf("CSV: %d records, %v", len(recs), err)
		}
		found := false
		for _, r := range recs[1:] {
			if !strings.HasPrefix(r[3], "auth.") {
				t.Errorf("a row of %s in a download of signing in", r[3])
			}
			if r[3] == "auth.sign_in_refused" && strings.Contains(r[8], "HYPERLINK") {
				found = true
				if !strings.HasPrefix(r[8], "'=") || !strings.Contains(r[9], "did not match") {
					t.Errorf("the refused sign-in's row: ip %q, detail %q", r[8], r[9])
				}
			}
		}
		if !found {
			t.Error("the download lacks the refused sign-in")
		}

		// Only administrators.
		student := p.browser()
		student.signIn("student")
		for _, target := range []string{"/admin/audit", "/admin/audit.csv"} {
			if pg := student.get(target); pg.Status != http.StatusForbidden {
				t.Errorf("a student GET %s: %d", target, pg.Status)
			}
		}
	})
}
