package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Once a student's document is attached to a submitted application, the
// office and the reviewers whose scope holds the application's specialty
// may open it, and the student sees who did; everyone else still may not.
func TestWalletDocumentsOpenToTheApplicationsReviewers(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		owner := w.browser()
		owner.signIn("student")
		token := owner.get("/wallet").csrf(t)
		wantStatus(t, owner.walletUpload(token, "transcript", "", "grades.pdf", "application/pdf", walletPDF(10_000, "grades")), http.StatusOK)
		id := w.docID("grades.pdf")
		download := fmt.Sprintf("/documents/%d/download", id)

		// Everyone signs in once, so that they exist as users.
		browsers := map[string]*browser{}
		for _, who := range []string{"reviewer", "office", "coordinator"} {
			browsers[who] = w.browser()
			browsers[who].signIn(who)
		}
		now := time.Now()
		student := w.userID("demo-student")
		if w.exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, stage_since, submitted_at, created_at, updated_at)
			VALUES (?, 'outgoing', 'submitted', 1, 'hepatology', ?, ?, ?, ?)`, student, now, now, now, now) != 1 {
			t.Fatal("no application inserted")
		}
		app := w.count("SELECT MAX(id) FROM applications")
		w.exec("INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, ?, ?)", id, app, now)

		// The reviewer's scope does not hold hepatology yet.
		wantStatus(t, browsers["reviewer"].get(download), http.StatusNotFound)
		wantStatus(t, browsers["coordinator"].get(download), http.StatusNotFound)
		if pg := browsers["office"].get(download); pg.Status != http.StatusOK || !strings.Contains(pg.Body, "%PDF-") {
			t.Fatalf("the office cannot open a document of a submitted application: %d", pg.Status)
		}
		w.exec("INSERT INTO reviewer_scopes (user_id, specialty, granted_at) VALUES (?, 'hepatology', ?)", w.userID("demo-reviewer"), now)
		if pg := browsers["reviewer"].get(download); pg.Status != http.StatusOK {
			t.Fatalf("a reviewer in scope cannot open it: %d", pg.Status)
		}
		if n := w.audits("document.viewed"); n != 2 {
			t.Errorf("%d document.viewed events, want 2 (office, reviewer)", n)
		}
		if pg := owner.get("/wallet"); !strings.Contains(pg.Body, "Emily Huang") || !strings.Contains(pg.Body, "Chen Chih-Ming") {
			t.Errorf("the wallet does not say who opened the document")
		}

		// A draft keeps its documents private.
		w.exec("UPDATE applications SET status = 'draft' WHERE id = ?", app)
		wantStatus(t, browsers["office"].get(download), http.StatusNotFound)
	})
}
