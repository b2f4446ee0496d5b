package config

import (
	"strings"
	"testing"
)

// The offer's lifetime is the office's to set, within reason.
func TestOfferDays(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_OFFER_DAYS": "21", "PORTAL_WORKERS": "0"}))
	if text != "" || c.OfferDays != 21 {
		t.Errorf("PORTAL_OFFER_DAYS=21: %d, %s", c.OfferDays, text)
	}
	if c, _ := problems(ModeServe, serveEnv(nil)); c.OfferDays != 0 {
		t.Errorf("unset: %d, want 0 (the workflow's default)", c.OfferDays)
	}
	for _, bad := range []string{"0", "91", "two weeks"} {
		_, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_OFFER_DAYS": bad}))
		if !strings.Contains(text, `PORTAL_OFFER_DAYS must be a whole number from 1 to 90, got "`+bad+`"`) {
			t.Errorf("PORTAL_OFFER_DAYS=%s: %q", bad, text)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.4 fd00::/8", "PORTAL_WORKERS": "0"}))
	if text != "" || len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.168.1.4/32" {
		t.Errorf("parsed %v, problems %s", c.TrustedProxies, text)
	}
	_, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_TRUSTED_PROXIES": "10.0.0.0/33", "PORTAL_WORKERS": "0"}))
	if !strings.Contains(text, `PORTAL_TRUSTED_PROXIES must list addresses or networks such as 10.0.0.0/8, got "10.0.0.0/33"`) {
		t.Errorf("bad network: %q", text)
	}
}
