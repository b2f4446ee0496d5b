package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// At the first sign-in a student is sent to the general notice before any
// page, and after acknowledging it back to the page they asked for; the
// next sign-in goes straight through. The wallet shows the health notice
// until it is acknowledged: a health document sent without ticking it is
// refused, with the type kept and nothing stored; ticked, it is uploaded
// and the acknowledgement recorded. The API is not affected.
func TestTheNoticesComeAtFirstSignInAndBeforeTheFirstHealthDocument(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortalWith(t, dialect, wiring.Options{}, func(c *config.Config) { c.NoticeAtSignIn = true })
		b := p.browser()
		pg := b.get("/login?as=student")
		if pg.URL.Path != "/account/notice" {
			t.Fatalf("the first sign-in ends on %s, want the notice", pg.URL)
		}
		wantText(t, pg, i18n.English, "privacy.notice.general.rights")
		pg = b.get("/wallet")
		if pg.URL.Path != "/account/notice" || pg.URL.Query().Get("next") != "/wallet" {
			t.Fatalf("the wallet before the notice ends on %s, want the notice and back to /wallet", pg.URL)
		}
		pg = b.post("/account/notices/general", url.Values{"_csrf": {pg.csrf(t)}, "next": {"/wallet"}})
		if pg.URL.Path != "/wallet" {
			t.Fatalf("after the notice the student is on %s, want /wallet", pg.URL)
		}
		wantText(t, pg, i18n.English, "flash.privacy_acknowledged")
		wantText(t, pg, i18n.English, "privacy.notice.health.upload_ack")

		token := pg.csrf(t)
		pdf := walletPDF(10_000, "vaccines")
		refused := b.walletUploadParts(token, walletText("_csrf", token), walletText("type", "immunization_record"),
			walletText("consent", "reviewers"), walletFile("vaccines.pdf", "application/pdf", pdf))
		wantStatus(t, refused, http.StatusUnprocessableEntity)
		if !strings.Contains(refused.Body, `name="consent" value="reviewers" checked`) || strings.Contains(refused.Body, `value="office" checked`) {
			t.Error("the refused upload lost the consent ticked, or ticked another")
		}
		wantText(t, refused, i18n.English, "privacy.error.health_notice_first")
		if !strings.Contains(refused.Body, `value="immunization_record" selected`) {
			t.Error("the refused upload lost the type chosen")
		}
		if n := p.count("SELECT COUNT(*) FROM documents"); n != 0 {
			t.Errorf("the refused upload stored %d documents", n)
		}
		// Other documents need no health notice.
		wantStatus(t, b.walletUpload(token, "cv", "", "cv.pdf", "application/pdf", walletPDF(9_000, "cv")), http.StatusOK)
		ok := b.walletUploadParts(token, walletText("_csrf", token), walletText("type", "immunization_record"),
			walletText("ack_health", "1"), walletText("consent", "reviewers"), walletFile("vaccines.pdf", "application/pdf", pdf))
		wantStatus(t, ok, http.StatusOK)
		// The consent ticked at upload is given, to the reviewers only.
		if n := p.count("SELECT COUNT(*) FROM privacy_consents WHERE recipient = 'reviewers' AND revoked_at IS NULL"); n != 1 {
			t.Errorf("%d consents to the reviewers after the upload ticked it, want 1", n)
		}
		if n := p.count("SELECT COUNT(*) FROM privacy_consents WHERE recipient = 'office'"); n != 0 {
			t.Errorf("%d consents to the office, which was not ticked", n)
		}
		wantText(t, ok, i18n.English, "flash.wallet_uploaded")
		if strings.Contains(ok.Body, `id="wallet-ack-health"`) {
			t.Error("the wallet still asks for the health notice once acknowledged")
		}
		if n := p.count("SELECT COUNT(*) FROM privacy_notice_acks WHERE notice IN ('general', 'health')"); n != 2 {
			t.Errorf("%d acknowledgements, want the general and the health notice", n)
		}
		acc := b.get("/account")
		wantText(t, acc, i18n.English, "privacy.consent.not_asked") // the office's
		wantText(t, acc, i18n.English, "privacy.consent.given")     // the reviewers'

		// Signing in again goes where asked, without the notice.
		again := p.browser()
		if pg := again.get("/login?as=student&return_to=%2Fwallet"); pg.URL.Path != "/wallet" {
			t.Errorf("the second sign-in ends on %s, want /wallet", pg.URL)
		}
		// Someone else has not acknowledged: an htmx request is sent to the notice too.
		other := p.browser()
		other.get("/login?as=reviewer")
		if pg := other.step(http.MethodGet, "/review", nil, http.Header{"HX-Request": {"true"}}); pg.Header.Get("HX-Redirect") != "/account/notice?next=%2Freview" {
			t.Errorf("an htmx request before the notice answered %d with HX-Redirect %q", pg.Status, pg.Header.Get("HX-Redirect"))
		}
	})
}
