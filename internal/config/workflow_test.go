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
