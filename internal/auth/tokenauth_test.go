package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/testutil"
)

// The token endpoint's client authentication is the configured method,
// tried once: never guessed, never retried the other way.
func TestTokenAuthMethodIsTheConfiguredOne(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		for method, want := range map[string]string{"": "basic", "client_secret_basic": "basic", "client_secret_post": "post"} {
			h := newHarness(t, d, nil, nil, func(o *Options) { o.TokenAuth = method })
			h.signIn("student")
			if got := h.tokenRequests(); !reflect.DeepEqual(got, []string{want}) {
				t.Errorf("token auth %q: token requests %v, want [%s]", method, got, want)
			}
		}
	})
}

// A wrong client secret is reported as one: to the person, as the portal's
// registration being wrong (not their fault); in the audit, as
// wrong_client_secret with the provider's own answer, after one request.
func TestWrongClientSecretIsReportedAsSuch(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, nil, nil, func(o *Options) { o.ClientSecret = "not the secret" })
		raw, cb := h.begin("student")
		_, _, err := h.s.CompleteLogin(context.Background(), raw, cb, audit.Meta{})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Key != "auth.refused.client" {
			t.Fatalf("wrong secret: %v, want auth.refused.client", err)
		}
		if got := h.tokenRequests(); len(got) != 1 {
			t.Errorf("token requests %v: a refused secret was retried another way", got)
		}
		var detail string
		if err := d.Raw("SELECT detail FROM audit_events WHERE action = ?", audit.SignInRefused).Scan(&detail).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"reason":"wrong_client_secret"`) || !strings.Contains(detail, "invalid_client") {
			t.Errorf("audited %s, want reason wrong_client_secret and the provider's invalid_client", detail)
		}
	})
}

// Every provider, partners' too, is discovered at start and retried in
// the background; one that does not answer is reported by ProviderStatus
// (for /readyz), the others are not.
func TestWatchProvidersReportsTheUnreachable(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		h := newHarness(t, d, nil, nil, func(o *Options) {
			o.Partners = []Partner{{Name: "kumamoto", Label: "Kumamoto", Issuer: dead.URL + "/", ClientID: "p", ClientSecret: "s"}}
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.s.WatchProviders(ctx)
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := h.s.ProviderStatus()
			if len(st) == 2 && st[0].Err == nil && st[1].Err != nil {
				if st[1].Name != "kumamoto" || st[1].Issuer != dead.URL+"/" {
					t.Errorf("status %+v: want the partner named, its issuer as given", st[1])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("provider status %+v: want the university's reached, the partner's failing", st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
