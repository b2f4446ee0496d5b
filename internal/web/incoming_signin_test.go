package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// deliver sends the mail due in the outbox to dev mode's capture, as the
// workers would (test portals run none, so that tests decide when).
func (p *portal) deliver() {
	p.t.Helper()
	for {
		n, err := p.App.Notify.SendDue(context.Background())
		if err != nil {
			p.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// mailsTo returns the captured mails to address, newest first.
func (p *portal) mailsTo(address string) []string {
	p.deliver()
	var out []string
	for _, m := range p.App.Mail.List() {
		if m.To.Address == address {
			out = append(out, m.Subject+"\n"+m.Text)
		}
	}
	return out
}

var linkInMail = regexp.MustCompile(`(http://[^\s]+/signin/link\?token=)([A-Za-z0-9_-]+)`)

// signinLink returns the newest sign-in link mailed to address: the URL
// and its token.
func (p *portal) signinLink(address string) (string, string) {
	p.t.Helper()
	mails := p.mailsTo(address)
	if len(mails) == 0 {
		p.t.Fatalf("no mail to %s", address)
	}
	m := linkInMail.FindStringSubmatch(mails[0])
	if m == nil {
		p.t.Fatalf("no sign-in link in the mail to %s:\n%s", address, mails[0])
	}
	return m[1] + m[2], m[2]
}

// signinMails counts the sign-in links mailed.
func (p *portal) signinMails() int {
	p.deliver()
	n := 0
	for _, m := range p.App.Mail.List() {
		if linkInMail.MatchString(m.Text) {
			n++
		}
	}
	return n
}

// askLink requests a sign-in link for address and expects the one answer.
func (b *browser) askLink(address string) *page {
	b.t.Helper()
	pg := b.get("/signin/email")
	wantStatus(b.t, pg, http.StatusOK)
	pg = b.post("/signin/email", url.Values{"_csrf": {pg.csrf(b.t)}, "email": {address}})
	wantStatus(b.t, pg, http.StatusOK)
	if pg.URL.Path != "/signin/email/sent" {
		b.t.Fatalf("asking for a link for %q ended on %s:\n%s", address, pg.URL, pg.Body)
	}
	return pg
}

// useLink opens a sign-in link and presses its button.
func (b *browser) useLink(link string) *page {
	b.t.Helper()
	pg := b.get(link)
	wantStatus(b.t, pg, http.StatusOK)
	token := ""
	if u, err := url.Parse(link); err == nil {
		token = u.Query().Get("token")
	}
	return b.post("/signin/link", url.Values{"_csrf": {pg.csrf(b.t)}, "token": {token}})
}

// signInByEmail goes through the whole emailed-link sign-in.
func (b *browser) signInByEmail(address string) *page {
	b.t.Helper()
	b.askLink(address)
	link, _ := b.p.signinLink(strings.ToLower(address))
	pg := b.useLink(link)
	if pg.Status != http.StatusOK || !pg.signedIn() {
		b.t.Fatalf("sign in by email as %s: %d on %s:\n%s", address, pg.Status, pg.URL, pg.Body)
	}
	return pg
}

// A foreign student asks for a link, receives it by mail, opens it (which
// uses nothing: mail scanners open links too), presses Sign in, and is
// signed in as an incoming applicant with a new session, audited. The token
// is stored only as its hash and leaves the outbox once mailed.
func TestEmailSignIn(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()

		home := b.get("/")
		for _, want := range []string{`href="/login"`, `href="/signin/email"`, `href="/login/demo-partner"`} {
			if !strings.Contains(home.Body, want) {
				t.Errorf("the anonymous home page lacks %s", want)
			}
		}
		wantText(t, home, i18n.English, "incoming.home.email")

		pg := b.askLink("  Marie.Curie@Univ-Lille.TEST ")
		wantText(t, pg, i18n.English, "incoming.signin.sent.text")
		if n := p.count("SELECT COUNT(*) FROM outbox WHERE kind = 'signin_link' AND recipient_email = 'marie.curie@univ-lille.test'"); n != 1 {
			t.Fatalf("%d sign-in mails queued, want 1", n)
		}
		link, token := p.signinLink("marie.curie@univ-lille.test")
		if len(token) != 43 {
			t.Errorf("token %d characters, want 43 (256 bits)", len(token))
		}
		mail := p.mailsTo("marie.curie@univ-lille.test")[0]
		if !strings.HasPrefix(mail, bundle.T(i18n.English, "notify.signin_link.subject")) || !strings.Contains(mail, "15 minutes") {
			t.Errorf("the mail:\n%s", mail)
		}
		if n := p.count("SELECT COUNT(*) FROM signin_links WHERE token_hash = ? AND used_at IS NULL", sha256Hex(token)); n != 1 {
			t.Error("no unused link stored under the SHA-256 of the token")
		}
		for _, q := range []string{
			"SELECT COUNT(*) FROM signin_links WHERE token_hash = ? OR email = ?",
			"SELECT COUNT(*) FROM outbox WHERE link LIKE '%' || ? || '%' OR data LIKE '%' || ? || '%'",
			"SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%' || ? || '%' OR detail LIKE '%' || ? || '%'",
		} {
			if n := p.count(q, token, token); n != 0 {
				t.Errorf("the raw token is stored: %s", q)
			}
		}

		// Opening the link twice (a scanner, then the person) signs nobody
		// in and uses nothing.
		for range 2 {
			pg = b.get(link)
			wantStatus(t, pg, http.StatusOK)
			wantText(t, pg, i18n.English, "incoming.link.text")
			if pg.signedIn() {
				t.Fatal("opening the link signed in")
			}
		}
		if n := p.count("SELECT COUNT(*) FROM signin_links WHERE used_at IS NOT NULL"); n != 0 || p.signedInSessions() != 0 {
			t.Fatal("a GET used the link")
		}
		// The button posts the token with the CSRF token of the page.
		if !strings.Contains(pg.Body, `action="/signin/link"`) || !strings.Contains(pg.Body, `name="token" value="`+token+`"`) {
			t.Errorf("the page has no form posting the token:\n%s", pg.Body)
		}
		wantStatus(t, b.post("/signin/link", url.Values{"token": {token}}), http.StatusForbidden)
		before := b.cookie("portal_session")

		pg = b.post("/signin/link", url.Values{"_csrf": {pg.csrf(t)}, "token": {token}})
		wantStatus(t, pg, http.StatusOK)
		// A first sign-in opens the profile to write (TestFirstSignInOpensTheProfile).
		if pg.URL.Path != "/incoming/profile" || !pg.signedInAs("marie.curie@univ-lille.test") {
			t.Fatalf("after the link: %s, not signed in:\n%s", pg.URL, pg.Body)
		}
		wantText(t, pg, i18n.English, "flash.signed_in")
		wantText(t, pg, i18n.English, "nav.incoming_profile")
		wantText(t, pg, i18n.English, "incoming.profile.lede_new")
		wantText(t, b.get("/"), i18n.English, "step.incoming.profile.title")
		if after := b.cookie("portal_session"); after == "" || after == before {
			t.Error("no new session id at sign-in")
		}
		var users []struct {
			ID                                 int64
			Issuer, Subject, Email, ClaimRoles string
		}
		p.App.DB.Raw("SELECT id, issuer, subject, email, claim_roles FROM users WHERE email LIKE 'marie%'").Scan(&users)
		if len(users) != 1 || users[0].Issuer != p.URL+"/signin/email" || users[0].Subject != "marie.curie@univ-lille.test" || users[0].ClaimRoles != "incoming" {
			t.Fatalf("users %+v", users)
		}
		if n := p.count("SELECT COUNT(*) FROM user_roles WHERE user_id = ?", users[0].ID); n != 0 {
			t.Errorf("%d roles granted", n)
		}
		if _, actor := p.lastAudit("auth.sign_in"); actor == nil || *actor != users[0].ID {
			t.Errorf("auth.sign_in actor %v", actor)
		}
		if n := p.count("SELECT COUNT(*) FROM signin_links WHERE used_at IS NOT NULL"); n != 1 {
			t.Errorf("%d links used, want 1", n)
		}

		// Used once: the same link in another browser is refused.
		other := p.browser()
		refused, signIns := p.audits("auth.sign_in_refused"), p.audits("auth.sign_in")
		pg = other.useLink(link)
		wantLinkRefused(t, p, other, pg, "link_used")
		if p.audits("auth.sign_in") != signIns || p.audits("auth.sign_in_refused") != refused+1 {
			t.Error("the reused link signed in, or was not audited")
		}

		// Signing out and in again by email is the same person.
		pg = b.post("/logout", url.Values{"_csrf": {b.get("/").csrf(t)}})
		if pg.signedIn() || pg.URL.Path != "/" || len(pg.Trail) != 2 {
			t.Fatalf("sign-out of an emailed session ended on %s after %d hops; want home, not the university's provider", pg.URL, len(pg.Trail))
		}
		b.signInByEmail("marie.curie@univ-lille.test")
		if n := p.count("SELECT COUNT(*) FROM users WHERE email = 'marie.curie@univ-lille.test'"); n != 1 {
			t.Errorf("%d users after signing in twice, want 1", n)
		}
	})
}

// wantLinkRefused checks a refused sign-in link: one translated message, a
// way to ask for a new link, no session, the reason audited.
func wantLinkRefused(t *testing.T, p *portal, b *browser, pg *page, reason string) {
	t.Helper()
	if pg.Status != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401:\n%s", pg.URL, pg.Status, pg.Body)
	}
	wantText(t, pg, i18n.English, "auth.refused.link")
	if !strings.Contains(pg.Body, `href="/signin/email"`) {
		t.Error("the refusal offers no new link")
	}
	if pg.signedIn() || b.cookie("portal_session") != "" {
		t.Error("a refused link left a session")
	}
	detail, actor := p.lastAudit("auth.sign_in_refused")
	if !strings.Contains(detail, `"reason":"`+reason+`"`) || actor != nil {
		t.Errorf("auth.sign_in_refused detail %s actor %v, want reason %q and no actor", detail, actor, reason)
	}
}

// Expired, tampered and missing tokens are refused with the same message,
// and sign nobody in.
func TestEmailLinkRefused(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.askLink("late@uni.test")
		link, token := p.signinLink("late@uni.test")
		if p.exec("UPDATE signin_links SET expires_at = ? WHERE token_hash = ?", time.Now().Add(-time.Second), sha256Hex(token)) != 1 {
			t.Fatal("no link to age")
		}
		wantLinkRefused(t, p, b, b.useLink(link), "link_expired")

		b.askLink("tamper@uni.test")
		link, token = p.signinLink("tamper@uni.test")
		last := token[len(token)-1:]
		swap := map[bool]string{true: "B", false: "A"}[last == "A"]
		wantLinkRefused(t, p, b, b.useLink(strings.TrimSuffix(link, last)+swap), "link_unknown")
		wantLinkRefused(t, p, b, b.useLink(strings.TrimSuffix(link, token)), "link_unknown")
		wantLinkRefused(t, p, b, b.useLink(link+"x"), "link_unknown")
		if n := p.signedInSessions(); n != 0 {
			t.Errorf("%d signed-in sessions after refusals", n)
		}
		if n := p.count("SELECT COUNT(*) FROM users WHERE subject IN ('late@uni.test', 'tamper@uni.test')"); n != 0 {
			t.Errorf("%d users after refusals", n)
		}
		// The untampered link still works.
		if pg := b.useLink(link); !pg.signedInAs("tamper@uni.test") {
			t.Errorf("the genuine link: %d\n%s", pg.Status, pg.Body)
		}
	})
}

var csrfValue = regexp.MustCompile(`value="[^"]{20,}"`)

// The answer does not tell whether an address ever signed in, nor whether
// a limit held the mail back; only a malformed address is refused.
func TestEmailLinkSameAnswer(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		p.browser().signInByEmail("known@uni.test")
		b := p.browser()
		known := b.askLink("known@uni.test")
		unknown := b.askLink("nobody@uni.test")
		if csrfValue.ReplaceAllString(known.Body, "") != csrfValue.ReplaceAllString(unknown.Body, "") {
			t.Errorf("the answers differ:\n%s\n---\n%s", known.Body, unknown.Body)
		}
		if len(p.mailsTo("nobody@uni.test")) != 1 || len(p.mailsTo("known@uni.test")) != 2 {
			t.Error("a link did not go out")
		}

		// In Chinese, the page and the mail are in Chinese.
		zh := p.browser()
		zh.Language = "zh-TW"
		pg := zh.askLink("lin@ntu.test")
		wantText(t, pg, i18n.TraditionalChinese, "incoming.signin.sent.text")
		if m := p.mailsTo("lin@ntu.test"); len(m) != 1 || !strings.HasPrefix(m[0], bundle.T(i18n.TraditionalChinese, "notify.signin_link.subject")) {
			t.Errorf("the Chinese reader's mail: %q", m)
		}

		for _, bad := range []struct{ in, key string }{
			{"", "incoming.signin.err.email_required"},
			{"not-an-address", "incoming.signin.err.email_invalid"},
			{"Marie <marie@uni.test>", "incoming.signin.err.email_invalid"},
			{"marie@localhost", "incoming.signin.err.email_invalid"},
		} {
			pg := b.get("/signin/email")
			pg = b.post("/signin/email", url.Values{"_csrf": {pg.csrf(t)}, "email": {bad.in}})
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, bad.key)
			if !strings.Contains(pg.Body, `value="`+html.EscapeString(bad.in)+`"`) || !strings.Contains(pg.Body, `aria-invalid="true"`) {
				t.Errorf("%q: the form does not keep the address or mark it invalid", bad.in)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM signin_requests WHERE email NOT LIKE '%@%.test'"); n != 0 {
			t.Errorf("%d malformed requests recorded", n)
		}
	})
}

// A flood of requests gets the same answer every time, and mail only up to
// the limits: 3 per address, 10 per client in 15 minutes.
func TestEmailLinkFlood(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		for range 10 {
			b.askLink("victim@uni.test")
		}
		if n := len(p.mailsTo("victim@uni.test")); n != 3 {
			t.Errorf("%d mails to one address, want 3", n)
		}
		for i := range 10 {
			b.askLink(fmt.Sprintf("student%d@uni.test", i))
		}
		if n := p.signinMails(); n != 10 {
			t.Errorf("%d mails for one client, want 10", n)
		}
		if n := p.count("SELECT COUNT(*) FROM signin_links"); n != 10 {
			t.Errorf("%d links issued, want 10", n)
		}
		if n := p.audits("auth.link_limited"); n != 10 {
			t.Errorf("%d requests audited as limited, want 10", n)
		}
		// The client and the flooded address stay closed until the window
		// passes, whatever browser asks.
		other := p.browser()
		other.askLink("someone@uni.test")
		other.askLink("victim@uni.test")
		if n := len(p.mailsTo("someone@uni.test")); n != 0 {
			t.Errorf("%d mails past the client's limit (every test browser is 127.0.0.1)", n)
		}
		if n := len(p.mailsTo("victim@uni.test")); n != 3 {
			t.Errorf("%d mails to the flooded address, want still 3", n)
		}
		p.exec("UPDATE signin_requests SET created_at = ?", time.Now().Add(-16*time.Minute))
		other.askLink("victim@uni.test")
		if n := len(p.mailsTo("victim@uni.test")); n != 4 {
			t.Errorf("after the window: %d mails, want 4", n)
		}
	})
}
