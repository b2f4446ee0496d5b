package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A reviewer reads a PDF beside the application, in the browser, with
// the checks and the audit of the download: out of scope, it is not
// found; in scope, it is shown inline and the opening is logged.
func TestReviewDocumentViewInline(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		owner := w.browser()
		owner.signIn("student")
		token := owner.get("/wallet").csrf(t)
		wantStatus(t, owner.walletUpload(token, "transcript", "", "grades.pdf", "application/pdf", walletPDF(10_000, "grades")), http.StatusOK)
		id := w.docID("grades.pdf")
		view := fmt.Sprintf("/documents/%d/view", id)
		reviewer := w.browser()
		reviewer.signIn("reviewer")
		now := time.Now()
		w.exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, stage_since, submitted_at, created_at, updated_at)
			VALUES (?, 'outgoing', 'submitted', 1, 'hepatology', ?, ?, ?, ?)`, w.userID("demo-student"), now, now, now, now)
		app := w.count("SELECT MAX(id) FROM applications")
		w.exec("INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, ?, ?)", id, app, now)

		// Out of the reviewer's scope: not found, and nothing logged.
		wantStatus(t, reviewer.get(view), http.StatusNotFound)
		if n := w.audits("document.viewed"); n != 0 {
			t.Errorf("a refused view was logged %d times", n)
		}
		w.exec("INSERT INTO reviewer_scopes (user_id, specialty, granted_at) VALUES (?, 'hepatology', ?)", w.userID("demo-reviewer"), now)
		pg := reviewer.get(view)
		wantStatus(t, pg, http.StatusOK)
		if cd := pg.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "grades.pdf") {
			t.Errorf("Content-Disposition %q, want inline", cd)
		}
		if ct := pg.Header.Get("Content-Type"); ct != "application/pdf" || !strings.Contains(pg.Body, "%PDF-") {
			t.Errorf("served %q", ct)
		}
		if csp := pg.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || pg.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", pg.Header)
		}
		if n := w.audits("document.viewed"); n != 1 {
			t.Errorf("%d document.viewed events, want 1", n)
		}
	})
}
