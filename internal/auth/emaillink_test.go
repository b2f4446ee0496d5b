package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

const emailIssuer = "https://portal.test/signin/email"

func linkHarness(t *testing.T, d *db.DB) *harness {
	h := newHarness(t, d, nil, nil)
	h.s.o.EmailIssuer = emailIssuer
	return h
}

// mailedToken is the token of the newest link queued for address; the
// outbox holds it until the mail is sent.
func (h *harness) mailedToken(address string) string {
	h.t.Helper()
	var links []string
	if err := h.d.Raw("SELECT link FROM outbox WHERE recipient_email = ? ORDER BY id DESC", address).Scan(&links).Error; err != nil {
		h.t.Fatal(err)
	}
	if len(links) == 0 {
		h.t.Fatalf("no link mailed to %s", address)
	}
	token, ok := strings.CutPrefix(links[0], LinkPath+"?token=")
	if !ok {
		h.t.Fatalf("mailed link %q", links[0])
	}
	return token
}

func wantLinkRefused(t *testing.T, h *harness, err error, reason string) {
	t.Helper()
	var ae *apperr.Error
	if apperr.CodeOf(err) != apperr.Unauthorized || !errorsAs(err, &ae) || ae.Key != "auth.refused.link" {
		t.Fatalf("got %v, want unauthorized auth.refused.link", err)
	}
	if n := h.count("SELECT COUNT(*) FROM audit_events WHERE action = ? AND detail LIKE ?", audit.SignInRefused, `%"`+reason+`"%`); n < 1 {
		t.Errorf("no refusal audited with reason %s", reason)
	}
}

func errorsAs(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

// A link signs in once, within its 15 minutes, as an incoming applicant
// bound to the email issuer; later, or again, it is refused.
func TestLinkOnceWithinItsLifetime(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := linkHarness(t, d)
		ctx := context.Background()
		m := audit.Meta{IP: "192.0.2.7"}
		if err := h.s.RequestLink(ctx, "Haruka@Kumamoto-U.test", "en", m); err != nil {
			t.Fatal(err)
		}
		token := h.mailedToken("haruka@kumamoto-u.test")
		raw, err := h.s.ConsumeLink(ctx, token, m)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := h.authenticate(raw)
		if v.User == nil || v.User.Issuer != emailIssuer || v.User.Subject != "haruka@kumamoto-u.test" || !v.User.Has(user.Incoming) || len(v.User.Roles) != 1 {
			t.Fatalf("signed in as %+v", v.User)
		}
		_, err = h.s.ConsumeLink(ctx, token, m)
		wantLinkRefused(t, h, err, "link_used")

		// A name given in the profile survives the next sign-in.
		d.Exec("UPDATE users SET name = 'Sato Haruka' WHERE id = ?", v.User.ID)
		h.s.RequestLink(ctx, "haruka@kumamoto-u.test", "en", m)
		raw, err = h.s.ConsumeLink(ctx, h.mailedToken("haruka@kumamoto-u.test"), m)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := h.authenticate(raw); again.User.ID != v.User.ID || again.User.Name != "Sato Haruka" {
			t.Errorf("second sign-in: %+v", again.User)
		}

		// 15 minutes later the link is dead, one second before it is not.
		h.s.RequestLink(ctx, "late@uni.test", "en", m)
		late := h.mailedToken("late@uni.test")
		h.s.RequestLink(ctx, "early@uni.test", "en", m)
		early := h.mailedToken("early@uni.test")
		h.at(LinkLifetime - time.Second)
		if _, err := h.s.ConsumeLink(ctx, early, m); err != nil {
			t.Errorf("a link one second before expiry: %v", err)
		}
		h.at(LinkLifetime)
		_, err = h.s.ConsumeLink(ctx, late, m)
		wantLinkRefused(t, h, err, "link_expired")

		// One character changed (never to itself: then it is the used link).
		tampered := "x" + token[1:]
		if token[0] == 'x' {
			tampered = "y" + token[1:]
		}
		_, err = h.s.ConsumeLink(ctx, tampered, m)
		wantLinkRefused(t, h, err, "link_unknown")
		_, err = h.s.ConsumeLink(ctx, strings.Repeat("a", 200), m)
		wantLinkRefused(t, h, err, "link_unknown")
		if n := h.count("SELECT COUNT(*) FROM users WHERE subject = 'late@uni.test'"); n != 0 {
			t.Error("an expired link created its user")
		}
	})
}

// Two clicks on one link at the same moment: one session.
func TestLinkRace(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := linkHarness(t, d)
		ctx := context.Background()
		h.s.RequestLink(ctx, "race@uni.test", "en", audit.Meta{})
		token := h.mailedToken("race@uni.test")
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range 8 {
			wg.Go(func() {
				if _, err := h.s.ConsumeLink(ctx, token, audit.Meta{}); err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if apperr.CodeOf(err) != apperr.Unauthorized {
					t.Errorf("a losing click: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 || h.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL") != 1 {
			t.Errorf("%d clicks won, want 1", won)
		}
	})
}

// Replicas racing on one address never mail more than its limit, nor more
// than a client's.
func TestLinkLimitsUnderConcurrency(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := linkHarness(t, d)
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				if err := h.s.RequestLink(ctx, "flood@uni.test", "en", audit.Meta{IP: fmt.Sprintf("192.0.2.%d", i)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := h.count("SELECT COUNT(*) FROM outbox WHERE recipient_email = 'flood@uni.test'"); n != int64(DefaultLinkLimits.PerAddress) {
			t.Errorf("%d mails to one address, want %d", n, DefaultLinkLimits.PerAddress)
		}
		for i := range 15 {
			wg.Go(func() {
				if err := h.s.RequestLink(ctx, fmt.Sprintf("p%d@uni.test", i), "en", audit.Meta{IP: "198.51.100.1"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := h.count("SELECT COUNT(*) FROM outbox WHERE recipient_email LIKE 'p%'"); n != int64(DefaultLinkLimits.PerClient) {
			t.Errorf("%d mails for one client, want %d", n, DefaultLinkLimits.PerClient)
		}
		if n := h.count("SELECT COUNT(*) FROM signin_links"); n != int64(DefaultLinkLimits.PerAddress+DefaultLinkLimits.PerClient) {
			t.Errorf("%d links stored", n)
		}
	})
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Marie.Curie@Univ-Lille.FR ":      "marie.curie@univ-lille.fr",
		"a+tag@sub.example.edu":            "a+tag@sub.example.edu",
		"":                                 "",
		"no-at-sign":                       "",
		"Marie <marie@univ-lille.fr>":      "",
		"marie@localhost":                  "",
		"a@b.c\r\nBcc: x@evil.test":        "",
		strings.Repeat("a", 250) + "@b.co": "",
	} {
		got, err := NormalizeEmail(in)
		if got != want || (want == "") != (apperr.FieldsOf(err)["email"].Key != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Purge drops links and requests a day old, and keeps the others.
func TestPurgeLinks(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := linkHarness(t, d)
		ctx := context.Background()
		h.s.RequestLink(ctx, "old@uni.test", "en", audit.Meta{IP: "192.0.2.1"})
		h.at(25 * time.Hour)
		h.s.RequestLink(ctx, "new@uni.test", "en", audit.Meta{IP: "192.0.2.1"})
		if _, err := h.s.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]string{"signin_links": "new@uni.test", "signin_requests": "new@uni.test"} {
			var left []string
			d.Raw("SELECT email FROM " + table).Scan(&left)
			if len(left) != 1 || left[0] != want {
				t.Errorf("%s after purge: %v", table, left)
			}
		}
	})
}
