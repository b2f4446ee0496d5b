package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"portal/internal/audit"
	"portal/internal/auth/devoidc"
	"portal/internal/db"
	"portal/internal/testutil"
)

// A provider's back-channel logout ends the portal sessions it names: by
// sid, the one sign-in; by sub, every session of that person there.
func TestBackchannelLogoutEndsTheNamedSessions(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		first, second, office := h.signIn("student"), h.signIn("student"), h.signIn("office")
		sid := func(raw string) string {
			var s string
			if err := d.Raw("SELECT oidc_sid FROM sessions WHERE id_hash = ?", hashID(raw)).Scan(&s).Error; err != nil || s == "" {
				t.Fatalf("no sid stored with the session: %q %v", s, err)
			}
			return s
		}
		logout := func(sub, sid string) int64 {
			t.Helper()
			tok, err := h.dev.LogoutToken("portal", sub, sid, nil)
			if err != nil {
				t.Fatal(err)
			}
			n, err := h.s.BackchannelLogout(context.Background(), tok, audit.Meta{})
			if err != nil {
				t.Fatalf("logout token sub %q sid %q refused: %v", sub, sid, err)
			}
			return n
		}
		live := func(raw string) bool { v, _ := h.authenticate(raw); return v.User != nil }

		if n := logout("", sid(first)); n != 1 || live(first) || !live(second) || !live(office) {
			t.Errorf("by sid: %d ended; first %v second %v office %v; want only the first ended", n, live(first), live(second), live(office))
		}
		if n := logout("demo-student", ""); n != 1 || live(second) || !live(office) {
			t.Errorf("by sub: %d ended; second %v office %v; want the student's ended", n, live(second), live(office))
		}
		if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = ? AND detail LIKE ?", audit.SignOut, `%"backchannel"%`); n != 2 {
			t.Errorf("%d back-channel sign-outs audited, want 2", n)
		}
	})
}

// Every check of a logout token: a token failing any of them ends nothing.
func TestBackchannelLogoutRefusesInvalidTokens(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil)
		raw := h.signIn("student")
		stranger, err := devoidc.New(h.issuer, devoidc.DemoUsers(), devoidc.Client{ID: "portal", Secret: "x"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := devoidc.New("https://other.example", devoidc.DemoUsers(), devoidc.Client{ID: "portal", Secret: "x"})
		if err != nil {
			t.Fatal(err)
		}
		sign := func(p *devoidc.Provider, extra map[string]any) string {
			tok, err := p.LogoutToken("portal", "demo-student", "", extra)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		for name, tok := range map[string]string{
			"not a JWT":            "abc",
			"signed by a stranger": sign(stranger, nil),
			"unknown issuer":       sign(other, nil),
			"other audience":       sign(h.dev, map[string]any{"aud": "someone-else"}),
			"with a nonce":         sign(h.dev, map[string]any{"nonce": "n"}),
			"no events":            sign(h.dev, map[string]any{"events": nil}),
			"other event":          sign(h.dev, map[string]any{"events": map[string]any{"http://example.com/other": map[string]any{}}}),
			"neither sid nor sub":  sign(h.dev, map[string]any{"sub": nil}),
			"no iat":               sign(h.dev, map[string]any{"iat": nil}),
			"an hour old":          sign(h.dev, map[string]any{"iat": time.Now().Add(-time.Hour).Unix(), "exp": nil}),
			"expired":              sign(h.dev, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}),
		} {
			if _, err := h.s.BackchannelLogout(context.Background(), tok, audit.Meta{}); !errors.Is(err, ErrLogoutToken) {
				t.Errorf("%s: %v, want ErrLogoutToken", name, err)
			}
		}
		if v, _ := h.authenticate(raw); v.User == nil {
			t.Error("an invalid logout token ended the session")
		}
	})
}
