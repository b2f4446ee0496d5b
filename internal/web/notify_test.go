package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	portalfs "portal"
	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/notify"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/web"
	"portal/internal/wiring"
)

// startNotifyPortal is startPortal with outbox workers or an SMTP server
// configured first.
func startNotifyPortal(t *testing.T, dialect string, configure func(*config.Config)) *portal {
	t.Helper()
	return startPortalWith(t, dialect, wiring.Options{}, configure)
}

// notifyUser enqueues an event for the dev user with subject.
func (p *portal) notifyUser(subject string, kind notify.Kind, data map[string]any, link string) {
	p.t.Helper()
	err := p.App.Notify.Enqueue(context.Background(), notify.Event{Kind: kind, RecipientUserID: p.userID(subject), Data: data, Link: link})
	if err != nil {
		p.t.Fatal(err)
	}
}

func approved(ref string) map[string]any {
	return map[string]any{"ref": ref, "stage": "department_review", "elective": "Cardiology, Kumamoto University"}
}

var bellCount = regexp.MustCompile(`<span class="bell-count" aria-hidden="true">([^<]+)</span>`)

// bellShows returns the bell's badge as a person reads it, "" when it shows
// none, and fails unless the bell's accessible name says unread.
func bellShows(t *testing.T, pg *page, lang i18n.Lang, unread int64) string {
	t.Helper()
	if unread == 0 {
		wantText(t, pg, lang, "notify.bell.none")
	} else {
		wantText(t, pg, lang, "notify.bell.label", unread)
	}
	if m := bellCount.FindStringSubmatch(pg.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// The bell shows the unread count on every page, in the page's language;
// the list shows the notifications; mark read and mark all read work
// through their forms.
func TestBellAndMarkRead(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		pg := b.signIn("student")
		if got := bellShows(t, pg, i18n.English, 0); got != "" {
			t.Errorf("a new person's bell shows %q", got)
		}
		for i := 1; i <= 3; i++ {
			p.notifyUser("demo-student", notify.ApplicationApproved, approved(fmt.Sprintf("A-%d", i)), fmt.Sprintf("/applications/%d", i))
		}
		for _, path := range []string{"/", "/electives", "/wallet"} {
			if got := bellShows(t, b.get(path), i18n.English, 3); got != "3" {
				t.Errorf("%s: the bell shows %q, want 3", path, got)
			}
		}
		b.Language = "zh-TW"
		if got := bellShows(t, b.get("/"), i18n.TraditionalChinese, 3); got != "3" {
			t.Errorf("in Chinese the bell shows %q", got)
		}
		b.Language = ""

		pg = b.get("/notifications")
		wantStatus(t, pg, http.StatusOK)
		for i := 1; i <= 3; i++ {
			title := bundle.T(i18n.English, "notify.application_approved.title", fmt.Sprintf("A-%d", i), "department review")
			if !strings.Contains(pg.Body, title) || !strings.Contains(pg.Body, fmt.Sprintf(`href="/applications/%d"`, i)) {
				t.Errorf("the list lacks %q and its link", title)
			}
		}
		if strings.Index(pg.Body, "A-3 passed") > strings.Index(pg.Body, "A-1 passed") {
			t.Error("the list is not newest first")
		}
		if !strings.Contains(pg.Body, `class="bell" href="/notifications" aria-label="Notifications, 3 unread" aria-current="page"`) {
			t.Error("on the list the bell is not marked as the current page")
		}

		// Mark one read.
		id := p.count("SELECT MAX(id) FROM notifications")
		pg = b.post(fmt.Sprintf("/notifications/%d/read", id), url.Values{"_csrf": {pg.csrf(t)}, "return_to": {"/notifications"}})
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/notifications" {
			t.Errorf("after mark read: %s", pg.URL)
		}
		wantText(t, pg, i18n.English, "flash.notify_read")
		if got := bellShows(t, pg, i18n.English, 2); got != "2" {
			t.Errorf("after one read the bell shows %q", got)
		}
		// Open: mark read and go to the page.
		pg = b.step(http.MethodPost, fmt.Sprintf("/notifications/%d/read", id-1), url.Values{"_csrf": {pg.csrf(t)}, "open": {"1"}}, nil)
		if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/applications/2" {
			t.Errorf("open: %d to %q", pg.Status, pg.Header.Get("Location"))
		}
		// Mark all read.
		pg = b.post("/notifications/read-all", url.Values{"_csrf": {b.get("/notifications").csrf(t)}})
		wantText(t, pg, i18n.English, "flash.notify_read_all")
		if got := bellShows(t, pg, i18n.English, 0); got != "" {
			t.Errorf("after reading all the bell shows %q", got)
		}
		if n := p.count("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL"); n != 0 {
			t.Errorf("%d unread left", n)
		}
		// A big count is capped in the badge, not in the accessible name.
		for i := range 120 {
			p.notifyUser("demo-student", notify.ApplicationApproved, approved(fmt.Sprint(i)), "/a")
		}
		pg = b.get("/")
		if got := bellShows(t, pg, i18n.English, 120); got != "99+" {
			t.Errorf("120 unread shows %q", got)
		}
		// Older pages: keyset pagination.
		pg = b.get("/notifications")
		older := regexp.MustCompile(`href="(/notifications\?before=\d+)" rel="next"`).FindStringSubmatch(pg.Body)
		if older == nil {
			t.Fatal("no link to older notifications")
		}
		if pg2 := b.get(older[1]); !strings.Contains(pg2.Body, "Application 99 passed") || strings.Contains(pg2.Body, "Application 119 passed") {
			t.Errorf("the second page does not continue the first")
		}
	})
}

// Only the owner can mark a notification read: another person's id, an id
// that does not exist and one that is not a number are all not found; every
// form needs its token; anonymous visitors are sent to sign in.
func TestNotificationsAreThePersonsOwn(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		reviewer, student := p.browser(), p.browser()
		reviewer.signIn("reviewer")
		token := student.signIn("student").csrf(t)
		p.notifyUser("demo-reviewer", notify.ApplicationSubmitted, map[string]any{"ref": "A-9", "elective": "X"}, "/review/9")
		theirs := p.count("SELECT MAX(id) FROM notifications")
		for _, path := range []string{fmt.Sprintf("/notifications/%d/read", theirs), "/notifications/999999/read", "/notifications/abc/read"} {
			pg := student.post(path, url.Values{"_csrf": {token}, "open": {"1"}})
			wantStatus(t, pg, http.StatusNotFound)
			wantText(t, pg, i18n.English, "error.not_found")
		}
		student.post("/notifications/read-all", url.Values{"_csrf": {token}})
		if n := p.count("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL"); n != 1 {
			t.Errorf("the reviewer's notification was marked read by the student (%d unread)", n)
		}
		pg := student.get("/notifications")
		if strings.Contains(pg.Body, "A-9") {
			t.Error("the student's list shows the reviewer's notification")
		}
		pg = reviewer.post(fmt.Sprintf("/notifications/%d/read", theirs), url.Values{})
		wantStatus(t, pg, http.StatusForbidden)
		wantText(t, pg, i18n.English, "error.csrf")

		anon := p.browser()
		pg = anon.step(http.MethodGet, "/notifications", nil, nil)
		if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login?return_to=") {
			t.Errorf("anonymous list: %d %q", pg.Status, pg.Header.Get("Location"))
		}
		if pg := anon.get("/"); strings.Contains(pg.Body, `class="bell"`) {
			t.Error("an anonymous page shows a bell")
		}
	})
}

// The preferences page turns optional mails off, shows mandatory ones as
// locked, and offers the digest choice to reviewers only; a crafted value
// is refused with a message and changes nothing.
func TestPreferencesPage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		student, reviewer := p.browser(), p.browser()
		student.signIn("student")
		reviewer.signIn("reviewer")
		ctx := context.Background()

		pg := student.get("/notifications/preferences")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `id="mail-host_decision" name="mail" value="host_decision" checked disabled`) {
			t.Error("a mandatory kind is not shown checked and locked")
		}
		if !strings.Contains(pg.Body, `id="mail-application_approved" name="mail" value="application_approved" checked>`) {
			t.Error("an optional kind is not shown checked and free")
		}
		if strings.Contains(pg.Body, `name="digest"`) {
			t.Error("a student is offered the reviewers' digest")
		}
		pg = student.post("/notifications/preferences", url.Values{"_csrf": {pg.csrf(t)}, "mail": {"application_approved"}})
		wantText(t, pg, i18n.English, "flash.notify_prefs_saved")
		pr, _ := p.App.Notify.Preferences(ctx, p.userID("demo-student"))
		if !pr.MailOn(notify.ApplicationApproved) || pr.MailOn(notify.ApplicationSubmitted) || !pr.MailOn(notify.HostDecision) || pr.Digest != notify.DigestDaily {
			t.Errorf("saved preferences: %+v", pr)
		}
		if !strings.Contains(pg.Body, `value="application_submitted">`) {
			t.Error("the page does not show the turned-off kind unchecked")
		}

		pg = reviewer.get("/notifications/preferences")
		if !strings.Contains(pg.Body, `id="digest-daily" name="digest" value="daily" checked`) {
			t.Error("a reviewer is not offered the digest, daily by default")
		}
		token := pg.csrf(t)
		pg = reviewer.post("/notifications/preferences", url.Values{"_csrf": {token}, "mail": {"application_submitted"}, "digest": {"weekly"}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "notify.prefs.err.digest")
		if !strings.Contains(pg.Body, `aria-describedby="notify-digest-error"`) {
			t.Error("the message is not tied to the digest choice")
		}
		if pr, _ := p.App.Notify.Preferences(ctx, p.userID("demo-reviewer")); len(pr.Off) != 0 {
			t.Errorf("a refused form changed the preferences: %+v", pr)
		}
		reviewer.post("/notifications/preferences", url.Values{"_csrf": {token}, "mail": {"application_submitted"}, "digest": {"immediate"}})
		if pr, _ := p.App.Notify.Preferences(ctx, p.userID("demo-reviewer")); pr.Digest != notify.DigestImmediate {
			t.Errorf("digest after saving: %q", pr.Digest)
		}
	})
}

// rejectingSink is an SMTP server that refuses one address for good and
// counts what it accepts.
type rejectingSink struct {
	addr   string
	refuse string
	mu     sync.Mutex
	got    []string // recipients of accepted mail
}

func startRejectingSink(t *testing.T, refuse string) *rejectingSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &rejectingSink{addr: ln.Addr().String(), refuse: refuse}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }))
	srv.Domain, srv.ErrorLog = "sink.test", log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { ln.Close(); srv.Close() })
	return k
}

func (k *rejectingSink) received() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.got...)
}

type sinkSession struct {
	k    *rejectingSink
	rcpt []string
}

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == x.k.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.rcpt = append(x.rcpt, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	x.k.mu.Lock()
	x.k.got = append(x.k.got, x.rcpt...)
	x.k.mu.Unlock()
	return err
}
func (x *sinkSession) Reset()        { x.rcpt = nil }
func (x *sinkSession) Logout() error { return nil }

// A mail the SMTP server refuses ends failed and is listed for admins, with
// the server's answer; Retry makes it pending again. Others may not see
// the page or retry.
func TestAdminSeesFailedMailAndRetriesIt(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		k := startRejectingSink(t, "student@demo.portal.test")
		p := startNotifyPortal(t, dialect, func(c *config.Config) {
			host, port, _ := net.SplitHostPort(k.addr)
			c.Workers, c.SMTPHost, c.SMTPTLS, c.SMTPFrom = 1, host, "none", "electives@portal.test"
			fmt.Sscan(port, &c.SMTPPort)
		})
		admin, student := p.browser(), p.browser()
		admin.signIn("admin")
		student.signIn("student")
		data := map[string]any{"ref": "A-7", "host": "Kumamoto University", "decision": "accepted", "elective": "Cardiology"}
		p.notifyUser("demo-student", notify.HostDecision, data, "/applications/7")
		p.notifyUser("demo-admin", notify.HostDecision, data, "/applications/8")
		deadline := time.Now().Add(20 * time.Second)
		for p.count("SELECT COUNT(*) FROM outbox WHERE status IN ('failed', 'sent')") < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("the outbox did not settle: %d failed or sent", p.count("SELECT COUNT(*) FROM outbox WHERE status IN ('failed', 'sent')"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := k.received(); len(got) != 1 || got[0] != "admin@demo.portal.test" {
			t.Errorf("the sink accepted mail for %v", got)
		}
		id := p.count("SELECT id FROM outbox WHERE status = 'failed'")

		pg := admin.get("/admin/notifications/failed")
		wantStatus(t, pg, http.StatusOK)
		for _, want := range []string{"student@demo.portal.test", "550", bundle.T(i18n.English, "notify.kind.host_decision"), fmt.Sprintf(`action="/admin/notifications/%d/retry"`, id)} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the failed mail page lacks %q", want)
			}
		}
		if pg := admin.get("/notifications"); !strings.Contains(pg.Body, `href="/admin/notifications/failed"`) {
			t.Error("an admin's list has no link to failed mail")
		}
		wantStatus(t, student.get("/admin/notifications/failed"), http.StatusForbidden)
		if pg := student.get("/notifications"); strings.Contains(pg.Body, `href="/admin/notifications/failed"`) {
			t.Error("a student's list links to failed mail")
		}
		pg2 := student.post(fmt.Sprintf("/admin/notifications/%d/retry", id), url.Values{"_csrf": {student.get("/").csrf(t)}})
		wantStatus(t, pg2, http.StatusForbidden)
		wantStatus(t, admin.post("/admin/notifications/999999/retry", url.Values{"_csrf": {pg.csrf(t)}}), http.StatusNotFound)

		pg = admin.post(fmt.Sprintf("/admin/notifications/%d/retry", id), url.Values{"_csrf": {pg.csrf(t)}})
		wantText(t, pg, i18n.English, "flash.notify_retried")
		if n := p.count("SELECT COUNT(*) FROM audit_events WHERE action = ?", notify.ActionRetried); n != 1 {
			t.Errorf("%d audit events for the retry", n)
		}
		// The server still refuses it: it fails again, once more.
		deadline = time.Now().Add(20 * time.Second)
		for p.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND attempts = 1") != 1 || p.count("SELECT COUNT(*) FROM audit_events WHERE action = ?", notify.ActionRetried) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the retried mail did not fail again")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// Dev mode keeps the mail it would send and shows it at /dev/mail: the
// list, a message with its text, and its HTML in a sandboxed frame under a
// policy of its own. Outside dev mode the pages do not exist.
func TestDevMail(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startNotifyPortal(t, dialect, func(c *config.Config) { c.Workers = 1 })
		b := p.browser()
		b.signIn("student")
		p.notifyUser("demo-student", notify.ApplicationReturned, map[string]any{"ref": "A-5", "elective": "Cardiology", "comment": "<b>Attach</b> your transcript"}, "/applications/5")
		deadline := time.Now().Add(20 * time.Second)
		for len(p.App.Mail.List()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no mail captured")
			}
			time.Sleep(20 * time.Millisecond)
		}
		m := p.App.Mail.List()[0]
		// The student's language is Traditional Chinese.
		if want := bundle.T(i18n.TraditionalChinese, "notify.application_returned.subject", "A-5", "Cardiology"); m.Subject != want {
			t.Errorf("subject %q, want %q", m.Subject, want)
		}
		pg := b.get("/dev/mail")
		wantStatus(t, pg, http.StatusOK)
		link := fmt.Sprintf(`href="/dev/mail/%d"`, m.ID)
		if !strings.Contains(pg.Body, link) || !strings.Contains(pg.Body, "student@demo.portal.test") {
			t.Errorf("the list lacks the mail:\n%s", pg.Body)
		}
		pg = b.get(fmt.Sprintf("/dev/mail/%d", m.ID))
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, p.URL+"/applications/5") || !strings.Contains(pg.Body, "&lt;b&gt;Attach&lt;/b&gt;") {
			t.Error("the message page does not show the text with its link, escaped")
		}
		if !strings.Contains(pg.Body, fmt.Sprintf(`src="/dev/mail/%d/html"`, m.ID)) || !strings.Contains(pg.Body, " sandbox>") {
			t.Error("the HTML part is not in a sandboxed frame")
		}
		pg = b.get(fmt.Sprintf("/dev/mail/%d/html", m.ID))
		wantStatus(t, pg, http.StatusOK)
		if csp := pg.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script") {
			t.Errorf("frame policy %q", csp)
		}
		if pg.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(pg.Body, `lang="zh-Hant"`) || strings.Contains(pg.Body, "<b>Attach") {
			t.Errorf("frame: %v\n%s", pg.Header, pg.Body)
		}
		wantStatus(t, b.get("/dev/mail/999"), http.StatusNotFound)
		wantStatus(t, b.get("/dev/mail/x/html"), http.StatusNotFound)
	})
}

func TestDevMailDoesNotExistOutsideDevMode(t *testing.T) {
	t.Parallel()
	d := testutil.OpenDB(t, testutil.SQLite)
	cfg := config.Defaults(config.ModeServe)
	cfg.BaseURL = "https://exchange.example.edu"
	users := user.NewStore(d)
	log := audit.NewLog(d)
	svc, err := notify.NewService(d, bundle, notify.NewCapture(10), notify.Options{BaseURL: cfg.BaseURL, Templates: portalfs.Templates})
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(web.Deps{Config: cfg, DB: d, Auth: auth.New(d, users, log, auth.Options{}), Users: users, Audit: log, I18n: bundle,
		Templates: portalfs.Templates, Static: portalfs.Static, Notify: svc, MailCapture: notify.NewCapture(10)})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/mail", "/dev/mail/1", "/dev/mail/1/html"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("serve mode %s: %d, want 404", path, rec.Code)
		}
	}
}
