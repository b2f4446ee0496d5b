package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/config"
	"portal/internal/notify"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// startNotifyPortal is startPortal with outbox workers, returning the app
// too, so that a test can cause notifications as the workflows will.
func startNotifyPortal(t *testing.T) (*wiring.App, string) {
	t.Helper()
	return startPortalWith(t, func(cfg *config.Config) { cfg.Workers = 1 })
}

// notifyDemo enqueues an event for the demo user with subject.
func notifyDemo(t *testing.T, a *wiring.App, base, subject string, kind notify.Kind, data map[string]any, link string) {
	t.Helper()
	var id int64
	if err := a.DB.Raw("SELECT id FROM users WHERE issuer = ? AND subject = ?", base+"/dev/oidc", subject).Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("user %s: %v", subject, err)
	}
	if err := a.Notify.Enqueue(context.Background(), notify.Event{Kind: kind, RecipientUserID: id, Data: data, Link: link}); err != nil {
		t.Fatal(err)
	}
}

// A student sees the bell count, opens the list from it, marks all read;
// sets mail preferences; reads the list on a phone in both languages. An
// admin sees failed mail, and dev mode's captured mail. Every page passes
// axe.
func TestNotificationsInTheBrowser(t *testing.T) {
	t.Parallel()
	a, base := startNotifyPortal(t)
	tb := newTab(t, base)
	tb.signIn("student")
	for i := 1; i <= 3; i++ {
		notifyDemo(t, a, base, "demo-student", notify.ApplicationApproved,
			map[string]any{"ref": fmt.Sprintf("A-%d", i), "stage": "department_review", "elective": "Cardiology"}, fmt.Sprintf("/electives?q=%d", i))
	}
	tb.open("/")
	wantEqual(t, "bell badge", eval[string](tb, `document.querySelector(".bell-count").innerText`), "3")
	wantEqual(t, "bell name", eval[string](tb, `document.querySelector(".bell").getAttribute("aria-label")`), "Notifications, 3 unread")
	tb.checkA11y("home with the bell")

	if status := tb.click(".bell"); status != 200 {
		t.Fatalf("the list answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "list heading", s.H1, "Notifications")
	wantEqual(t, "items", eval[int](tb, `document.querySelectorAll(".notify-item.unread").length`), 3)
	wantContains(t, "newest first", eval[string](tb, `document.querySelector(".notify-item a").innerText`), "Application A-3 passed the department review")
	tb.checkA11y("notifications, 3 unread")

	if status := tb.click("form[action='/notifications/read-all'] button"); status != 200 {
		t.Fatalf("mark all read answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "flash", s.Flash, "All notifications are marked as read.")
	wantEqual(t, "unread after mark all", eval[int](tb, `document.querySelectorAll(".notify-item.unread").length`), 0)
	wantEqual(t, "badge after mark all", eval[bool](tb, `document.querySelector(".bell-count") === null`), true)
	wantEqual(t, "bell name after mark all", eval[string](tb, `document.querySelector(".bell").getAttribute("aria-label")`), "Notifications, none unread")
	tb.checkA11y("notifications, all read")

	if status := tb.click("a[href='/notifications/preferences']"); status != 200 {
		t.Fatalf("preferences answered %d", status)
	}
	tb.checkA11y("mail preferences")
	tb.do("turn a mail off", chromedp.Click(chromedp.CSS("#mail-application_submitted")))
	if status := tb.click("form.notify-prefs button[type=submit]"); status != 200 {
		t.Fatalf("saving preferences answered %d", status)
	}
	wantEqual(t, "flash after saving", tb.state().Flash, "Your mail preferences are saved.")
	wantEqual(t, "turned off", eval[bool](tb, `document.querySelector("#mail-application_submitted").checked`), false)
	tb.checkA11y("mail preferences saved")

	// On a phone, in both languages.
	notifyDemo(t, a, base, "demo-student", notify.HostDecision,
		map[string]any{"ref": "A-3", "host": "Kumamoto University 熊本大学", "decision": "accepted", "elective": "Cardiology"}, "/electives")
	tb.emulatePhone()
	tb.open("/notifications")
	tb.checkNoHorizontalScroll("notifications on a phone")
	tb.checkA11y("notifications on a phone")
	tb.click("form.lang button[value='zh-Hant']")
	wantEqual(t, "heading in Chinese", tb.state().H1, "通知")
	wantEqual(t, "bell name in Chinese", eval[string](tb, `document.querySelector(".bell").getAttribute("aria-label")`), "通知，1 則未讀")
	tb.checkNoHorizontalScroll("notifications (zh-Hant) on a phone")
	tb.checkA11y("notifications (zh-Hant) on a phone")
	tb.open("/notifications/preferences")
	tb.checkNoHorizontalScroll("preferences (zh-Hant) on a phone")
	tb.checkA11y("preferences (zh-Hant) on a phone")

	// Dev mode captured the mail: the list and a message.
	testutil.EventuallyNil(t, 15*time.Second, func() error {
		if n := len(a.Mail.List()); n < 4 {
			return fmt.Errorf("dev mode captured %d mails, want 4", n)
		}
		return nil
	})
	tb.open("/dev/mail")
	tb.checkNoHorizontalScroll("captured mail on a phone")
	tb.checkA11y("captured mail")
	if status := tb.click("main table a"); status != 200 {
		t.Fatalf("a captured mail answered %d", status)
	}
	wantContains(t, "captured mail text", eval[string](tb, `document.querySelector("pre.notify-text").innerText`), base+"/electives")
	tb.checkA11y("a captured mail")

	// An admin's failed mail, empty and with one.
	admin := newTab(t, base)
	admin.signIn("admin")
	admin.open("/admin/notifications/failed")
	wantContains(t, "no failed mail", admin.state().Body, "No failed mail.")
	admin.checkA11y("failed mail, none")
	if err := a.DB.Exec("UPDATE outbox SET status = 'failed', attempts = 8, last_error = '550 5.1.1 no such mailbox' WHERE id = (SELECT MIN(id) FROM outbox)").Error; err != nil {
		t.Fatal(err)
	}
	admin.open("/admin/notifications/failed")
	wantContains(t, "failed mail", admin.state().Body, "550 5.1.1 no such mailbox")
	admin.checkA11y("failed mail, one")
	if status := admin.click("table.notify-failed button"); status != 200 {
		t.Fatalf("retry answered %d", status)
	}
	wantEqual(t, "flash after retry", admin.state().Flash, "The mail will be sent again.")
	admin.checkA11y("failed mail, retried")
}
