package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/auth/devoidc"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// claimPortal is the review portal with a second department reviewer of
// the first one's specialty.
func startClaimPortal(t *testing.T, dialect string) (*reviewPortal, *browser) {
	t.Helper()
	users := append(devoidc.DemoUsers(), devoidc.User{Username: "reviewer2", Subject: "demo-reviewer-second",
		Email: "second@demo.portal.test", Name: "Ana Second", Locale: "en", Groups: []string{"reviewer"}})
	p := startReviewPortalOptions(t, dialect, wiring.Options{DevUsers: users}, nil)
	second := p.browser()
	second.signIn("reviewer2")
	if err := p.App.Applications.GrantScope(context.Background(), p.userID("demo-reviewer-second"), p.mine.Specialty,
		p.userID("demo-office"), audit.Meta{}); err != nil {
		t.Fatal(err)
	}
	return p, second
}

func (p *reviewPortal) holderOf(id int64) int64 {
	p.t.Helper()
	var ids []int64
	if err := p.App.DB.Raw("SELECT user_id FROM application_claims WHERE application_id = ?", id).Scan(&ids).Error; err != nil {
		p.t.Fatal(err)
	}
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// A reviewer takes an application from its page; a colleague sees whose
// it is in the queue and on the page, cannot take it too, and deciding
// on it asks them to take it over; the office gives another one to the
// colleague, whose "taken by me" then lists it. Forms need their CSRF
// token, and nobody outside the scope reaches any of it.
func TestReviewClaimAndAssign(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p, second := startClaimPortal(t, dialect)
		base := time.Now().AddDate(-1, 0, 0)
		a := p.add("Claim Wang", p.mine, application.Submitted, base)
		b := p.add("Assign Lee", p.mine, application.DepartmentReview, base.Add(time.Hour))
		far := p.add("Far Chen", p.theirs, application.Submitted, base)
		path := func(id int64, action string) string { return fmt.Sprintf("/review/%d/%s", id, action) }
		first := "Chen Chih-Ming 陳志明" // the demo reviewer

		pg := p.reviewer.get(application.Link(a))
		wantText(t, pg, i18n.English, "claim.nobody")
		if pg = p.reviewer.post(path(a, "claim"), url.Values{}); pg.Status != http.StatusForbidden {
			t.Fatalf("a claim without its CSRF token: %d", pg.Status)
		}
		pg = p.reviewer.post(path(a, "claim"), url.Values{"_csrf": {pg.csrf(t)}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.claim_take")
		wantText(t, pg, i18n.English, "claim.yours")
		if p.holderOf(a) != p.userID("demo-reviewer") {
			t.Fatal("the claim is not stored")
		}

		// The colleague: the row and the page say who has it.
		q := second.get("/review")
		if row := rowOf(q, a); !strings.Contains(row, first) {
			t.Errorf("the colleague's row does not say who has it:\n%s", row)
		}
		pg = second.get(application.Link(a))
		wantText(t, pg, i18n.English, "claim.held", first)
		if strings.Contains(pg.Body, `action="`+path(a, "claim")+`"`) {
			t.Error("the colleague is offered to take what someone holds")
		}
		tok := pg.csrf(t)
		pg = second.post(path(a, "claim"), url.Values{"_csrf": {tok}})
		wantStatus(t, pg, http.StatusConflict)
		if !strings.Contains(pg.Body, html.EscapeString(first)) {
			t.Error("the refused claim does not name the holder")
		}
		// Deciding asks to take it over, and keeps the reviewer's choice.
		pg = second.post(application.Link(a)+"/start_review", url.Values{"_csrf": {tok}, "version": {"1"}})
		wantStatus(t, pg, http.StatusConflict)
		if !strings.Contains(pg.Body, `name="takeover"`) {
			t.Fatalf("the refused decision does not offer to take it over:\n%s", pg.Body)
		}
		if st, _ := p.stage(a); st != string(application.Submitted) {
			t.Fatalf("a refused decision moved it to %s", st)
		}
		pg = second.post(application.Link(a)+"/start_review", url.Values{"_csrf": {tok}, "version": {"1"}, "takeover": {"1"}})
		wantStatus(t, pg, http.StatusOK)
		// The one who took it over holds it under review.
		if st, _ := p.stage(a); st != string(application.DepartmentReview) || p.holderOf(a) != p.userID("demo-reviewer-second") {
			t.Errorf("after taking over: %s, held by %d", st, p.holderOf(a))
		}

		// The office assigns b to the colleague; naming nobody is refused.
		pg = p.office.get(application.Link(b))
		otok := pg.csrf(t)
		pg = p.office.post(path(b, "assign"), url.Values{"_csrf": {otok}, "holder": {"0"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "claim.err.assignee_missing")
		secondID := strconv.FormatInt(p.userID("demo-reviewer-second"), 10)
		if !strings.Contains(pg.Body, `<option value="`+secondID+`">`) {
			t.Fatalf("the colleague is not among the assignees:\n%s", pg.Body)
		}
		pg = p.office.post(path(b, "assign"), url.Values{"_csrf": {otok}, "holder": {"0"}, "assignee": {secondID}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.claim_assign")
		mine := second.get("/review?claim=mine")
		wantStatus(t, mine, http.StatusOK)
		if rowOf(mine, b) == "" || rowOf(mine, a) == "" || rowOf(mine, far) != "" {
			t.Errorf("the colleague's taken-by-me is not b, assigned, and a, taken over:\n%s", mine.Body)
		}
		if !strings.Contains(mine.Body, `aria-current="page">`+bundle.T(i18n.English, "claim.queue.tab")) {
			t.Error("the taken-by-me tab is not the current one")
		}
		if rowOf(p.reviewer.get("/review?claim=mine"), b) != "" {
			t.Error("the first reviewer's taken-by-me lists the colleague's")
		}
		if rowOf(p.reviewer.get("/review?claim=free"), b) != "" {
			t.Error("free to take lists an assigned application")
		}

		// Outside the scope it does not exist; students have no queue.
		if pg = p.reviewer.post(path(far, "claim"), url.Values{"_csrf": {p.reviewer.get("/review").csrf(t)}}); pg.Status != http.StatusNotFound {
			t.Errorf("claiming out of scope: %d, want 404", pg.Status)
		}
		if pg = p.student.post(path(a, "claim"), url.Values{"_csrf": {p.student.get("/").csrf(t)}}); pg.Status != http.StatusForbidden {
			t.Errorf("a student claiming: %d, want 403", pg.Status)
		}
	})
}
