package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/internal/wiring"
)

// TestAdminAuditOlderKeepsFilter checks that the link to older events of a
// filtered audit page stays on the same action.
func TestAdminAuditOlderKeepsFilter(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		admin := p.browser()
		admin.signIn("admin")
		for i := 0; i < 101; i++ {
			p.exec("INSERT INTO audit_events (at, action, object_type, object_id, ip, user_agent, request_id, detail) VALUES (?, 'auth.sign_out', '', '', '', '', '', '')", time.Now())
		}
		pg := admin.get("/admin/audit?action=auth.sign_out")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, "/admin/audit?action=auth.sign_out&amp;before=") {
			t.Errorf("the older-events link drops the action filter:\n%s", pg.Body)
		}
	})
}
