package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/auth/devoidc"
	"portal/internal/wiring"
)

// Two department reviewers and the office share an application in a
// browser: reviewer A takes it from its page; reviewer B's queue says it
// is taken by A; the office gives it to B from the same page; B's "Taken
// by me" lists it. Every page passes axe.
func TestReviewersClaimAndOfficeAssignsInBrowser(t *testing.T) {
	t.Parallel()
	users := append(devoidc.DemoUsers(), devoidc.User{Username: "reviewer2", Subject: "demo-reviewer2",
		Email: "second@demo.portal.test", Name: "Ana Second", Locale: "en", Groups: []string{"reviewer"}})
	app, base := startPortalOptions(t, nil, wiring.Options{Version: "e2e", DevUsers: users})
	ra, rb, office := newTab(t, base), newTab(t, base), newTab(t, base)
	ra.signIn("reviewer")
	rb.signIn("reviewer2")
	office.signIn("office")
	id := func(subject string) int64 {
		var n int64
		app.DB.Raw("SELECT id FROM users WHERE subject = ?", subject).Scan(&n)
		if n == 0 {
			t.Fatalf("no user %s", subject)
		}
		return n
	}
	exec := func(q string, args ...any) {
		if err := app.DB.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// An application of a new student, submitted a week ago, on an
	// outgoing elective both reviewers review.
	var e struct {
		Elective, Period int64
		Specialty        string
	}
	if err := app.DB.Raw(`SELECT e.id AS elective, p.id AS period, e.specialty FROM electives AS e JOIN periods AS p ON p.elective_id = e.id
		WHERE e.direction = 'outgoing' AND e.retired_at IS NULL AND p.retired_at IS NULL ORDER BY e.id, p.id LIMIT 1`).Scan(&e).Error; err != nil || e.Elective == 0 {
		t.Fatalf("an outgoing elective: %v", err)
	}
	for _, s := range []string{"demo-reviewer", "demo-reviewer2"} {
		if err := app.Applications.GrantScope(context.Background(), id(s), e.Specialty, id("demo-office"), audit.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	exec("INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', 'claimed-student', 'Claimed Student', ?, ?)", now, now)
	exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', ?, 1, ?, 1, ?, ?, ?)`, id("claimed-student"), application.Submitted, e.Specialty, now.AddDate(0, 0, -7), now, now)
	var appID int64
	app.DB.Raw("SELECT id FROM applications WHERE applicant_id = ?", id("claimed-student")).Scan(&appID)
	exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)", appID, e.Elective, e.Period)
	link := application.Link(appID)
	holder := func() (n int64) {
		app.DB.Raw("SELECT user_id FROM application_claims WHERE application_id = ?", appID).Scan(&n)
		return n
	}
	row := fmt.Sprintf(`[...document.querySelectorAll(".review-table tbody tr")].find(r => r.querySelector('a[href^="%s"]'))`, link)

	// A takes it.
	wantEqual(t, "A opens the application", ra.open(link), int64(200))
	ra.checkA11y("application with a claim box")
	wantEqual(t, "A takes it", ra.click(".app-form-claim button"), int64(200))
	wantEqual(t, "holder after A takes it", holder(), id("demo-reviewer"))

	// B sees who has it, in the queue and on the page.
	wantEqual(t, "B's queue", rb.open("/review"), int64(200))
	wantContains(t, "B's row", eval[string](rb, row+`?.querySelector(".holder")?.innerText ?? ""`), "Chen Chih-Ming")
	rb.checkA11y("queue with holders")
	rb.open(link)
	wantContains(t, "B's page", eval[string](rb, `document.querySelector(".app-claim-status").innerText`), "Chen Chih-Ming")
	wantEqual(t, "B offered to take it", eval[bool](rb, `document.querySelector(".app-form-claim") !== null`), false)

	// The office gives it to B.
	office.open(link)
	eval[bool](office, `(s => (s.value = "`+strconv.FormatInt(id("demo-reviewer2"), 10)+`", true))(document.getElementById("field-assignee"))`)
	wantEqual(t, "the office assigns", office.click(".app-form-assign button"), int64(200))
	wantEqual(t, "holder after assigning", holder(), id("demo-reviewer2"))
	wantContains(t, "the office's page", eval[string](office, `document.querySelector(".app-claim-status").innerText`), "Ana Second")

	// B's "Taken by me" lists it.
	rb.open("/review")
	wantEqual(t, "B opens taken by me", rb.click(`.review-tabs a[href="/review?claim=mine"]`), int64(200))
	wantContains(t, "B's taken by me", eval[string](rb, row+`?.querySelector(".holder")?.innerText ?? ""`), "Ana Second")
	ra.open("/review?claim=mine")
	wantEqual(t, "A's taken by me", eval[bool](ra, row+` === undefined`), true)
}
