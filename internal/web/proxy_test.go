package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"portal/internal/config"
	"portal/internal/wiring"
)

// askLinkVia asks for a sign-in link through a proxy that says the
// request came from client.
func (b *browser) askLinkVia(address, client string) {
	b.t.Helper()
	h := http.Header{"X-Forwarded-For": {client}}
	pg := b.step(http.MethodGet, "/signin/email", nil, h)
	wantStatus(b.t, pg, http.StatusOK)
	pg = b.step(http.MethodPost, "/signin/email", url.Values{"_csrf": {pg.csrf(b.t)}, "email": {address}}, h)
	wantStatus(b.t, pg, http.StatusSeeOther)
}

// Behind the proxies of PORTAL_TRUSTED_PROXIES, the per-client limit of
// sign-in links counts each visitor the proxy names, not the proxy; without
// the setting, X-Forwarded-For is the client's to forge and is ignored.
func TestPerClientLimitBehindTrustedProxies(t *testing.T) {
	t.Parallel()
	flood := func(p *portal) {
		b := p.browser()
		for i := range 11 {
			b.askLinkVia(fmt.Sprintf("student%d@uni.test", i), "203.0.113.7")
		}
		b.askLinkVia("neighbour@uni.test", "198.51.100.9")
	}

	behind := startPortalWith(t, "sqlite", wiring.Options{}, func(c *config.Config) {
		_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
		c.TrustedProxies = []*net.IPNet{loopback}
	})
	flood(behind)
	if n := behind.signinMails(); n != 11 {
		t.Errorf("behind a trusted proxy: %d mails, want 10 for the flooding client and 1 for its neighbour", n)
	}
	if n := len(behind.mailsTo("neighbour@uni.test")); n != 1 {
		t.Errorf("the neighbour behind the same proxy got %d mails, want 1", n)
	}

	direct := startPortal(t, "sqlite", wiring.Options{})
	flood(direct)
	if n := direct.signinMails(); n != 10 {
		t.Errorf("without trusted proxies: %d mails, want 10 (a forged X-Forwarded-For changes nothing)", n)
	}
}
