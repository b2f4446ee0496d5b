package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestAdminRoles checks who may see the people page, and that an admin
// grants and revokes roles through its forms with effect on the next page
// the person opens.
func TestAdminRoles(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		student, admin := p.browser(), p.browser()
		student.signIn("student")
		admin.signIn("admin")
		sid, aid := p.userID("demo-student"), p.userID("demo-admin")
		grants := func() int64 { return p.count("SELECT COUNT(*) FROM user_roles") }

		// Who may see it.
		pg := student.get("/admin/users")
		wantStatus(t, pg, http.StatusForbidden)
		wantText(t, pg, i18n.English, "error.forbidden.ask_office")
		if strings.Contains(pg.Body, "David Wu") {
			t.Error("the 403 page lists people")
		}
		pg = p.browser().step(http.MethodGet, "/admin/users", nil, nil)
		if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/login?return_to=%2Fadmin%2Fusers" {
			t.Errorf("anonymous /admin/users: %d to %q, want 303 to /login?return_to=%%2Fadmin%%2Fusers", pg.Status, pg.Header.Get("Location"))
		}
		pg = admin.get("/admin/users")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, "Lin Mei-Hua") || !strings.Contains(pg.Body, "David Wu") {
			t.Errorf("the people page does not list both users:\n%s", pg.Body)
		}
		grantForm := fmt.Sprintf(`action="/admin/users/%d/roles"`, sid)
		if !strings.Contains(pg.Body, grantForm) {
			t.Fatalf("no grant form %s on the people page", grantForm)
		}
		token := pg.csrf(t)

		// A student cannot grant themselves a role, even with a valid token.
		pg = student.post(fmt.Sprintf("/admin/users/%d/roles", sid), url.Values{"_csrf": {student.get("/").csrf(t)}, "role": {"admin"}})
		wantStatus(t, pg, http.StatusForbidden)
		// Nor can the admin without a token.
		pg = admin.post(fmt.Sprintf("/admin/users/%d/roles", sid), url.Values{"role": {"reviewer"}})
		wantStatus(t, pg, http.StatusForbidden)
		wantText(t, pg, i18n.English, "error.csrf")
		if n := grants(); n != 0 {
			t.Fatalf("%d grants after refused requests", n)
		}

		// Grant.
		pg = admin.post(fmt.Sprintf("/admin/users/%d/roles", sid), url.Values{"_csrf": {token}, "role": {"reviewer"}})
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/admin/users" {
			t.Errorf("granting ended on %s, want /admin/users", pg.URL)
		}
		wantText(t, pg, i18n.English, "flash.role_granted")
		revokeForm := fmt.Sprintf(`action="/admin/users/%d/roles/reviewer/revoke"`, sid)
		if !strings.Contains(pg.Body, revokeForm) {
			t.Errorf("the people page offers no revoke form %s", revokeForm)
		}
		if n := p.count("SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = 'reviewer' AND granted_by = ?", sid, aid); n != 1 {
			t.Errorf("%d reviewer grants by the admin, want 1", n)
		}
		if n := p.audits("user.role_granted"); n != 1 {
			t.Errorf("%d user.role_granted events, want 1", n)
		}
		detail, actor := p.lastAudit("user.role_granted")
		if actor == nil || *actor != aid || !strings.Contains(detail, `"role":"reviewer"`) || !strings.Contains(detail, fmt.Sprintf(`"user_id":%d`, sid)) {
			t.Errorf("user.role_granted by %v with %s, want by %d about user %d and reviewer", actor, detail, aid, sid)
		}
		pg = student.get("/")
		for _, want := range []string{"<li>Student</li>", "<li>Department reviewer</li>"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("after the grant, the student's page lacks %s", want)
			}
		}
		wantText(t, pg, i18n.English, "step.reviewer.queue.title")

		// Granting again changes nothing and audits nothing.
		admin.post(fmt.Sprintf("/admin/users/%d/roles", sid), url.Values{"_csrf": {token}, "role": {"reviewer"}})
		if grants() != 1 || p.audits("user.role_granted") != 1 {
			t.Error("granting a role held already changed something")
		}

		// Refused grants.
		for _, role := range []string{"wizard", "<b>x</b>", ""} {
			pg = admin.post(fmt.Sprintf("/admin/users/%d/roles", sid), url.Values{"_csrf": {token}, "role": {role}})
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "user.role.unknown", role)
			if strings.Contains(pg.Body, "<b>x</b>") {
				t.Error("the role name is not escaped in the message")
			}
		}
		for _, id := range []string{"999999", "0", "-1", "abc"} {
			pg = admin.post("/admin/users/"+id+"/roles", url.Values{"_csrf": {token}, "role": {"office"}})
			wantStatus(t, pg, http.StatusNotFound)
			wantText(t, pg, i18n.English, "error.not_found")
		}
		if n := grants(); n != 1 {
			t.Errorf("%d grants after refused grants, want 1", n)
		}
		if n := p.audits("user.role_granted"); n != 1 {
			t.Errorf("%d user.role_granted events after refused grants, want 1", n)
		}

		// Revoke.
		pg = admin.post(fmt.Sprintf("/admin/users/%d/roles/reviewer/revoke", sid), url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.role_revoked")
		if n := grants(); n != 0 {
			t.Errorf("%d grants after revoking, want 0", n)
		}
		if n := p.audits("user.role_revoked"); n != 1 {
			t.Errorf("%d user.role_revoked events, want 1", n)
		}
		pg = student.get("/")
		if strings.Contains(pg.Body, "<li>Department reviewer</li>") || !strings.Contains(pg.Body, "<li>Student</li>") {
			t.Errorf("after the revoke, the student's roles are wrong:\n%s", pg.Body)
		}
		// A role that came from sign-in cannot be revoked here.
		pg = admin.post(fmt.Sprintf("/admin/users/%d/roles/student/revoke", sid), url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "user.role.not_granted")
		pg = admin.post("/admin/users/999999/roles/reviewer/revoke", url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusNotFound)

		// The audit page shows what happened, to the admin only.
		pg = admin.get("/admin/audit")
		wantStatus(t, pg, http.StatusOK)
		for _, key := range []string{"audit.user.role_granted", "audit.user.role_revoked", "audit.auth.sign_in"} {
			wantText(t, pg, i18n.English, key)
		}
		wantStatus(t, student.get("/admin/audit"), http.StatusForbidden)
	})
}
