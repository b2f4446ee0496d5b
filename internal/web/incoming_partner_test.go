package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portal/internal/auth/devoidc"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// partnerIdP is a partner university's provider on a server of its own.
// It can be made to answer its next token request with another
// provider's ID token, as a compromised or malicious provider would.
type partnerIdP struct {
	srv *httptest.Server
	dev *devoidc.Provider

	mu         sync.Mutex
	lastID     string // the ID token of its last token response
	substitute string // ID token to answer the next token request with
}

func startPartnerIdP(t *testing.T) *partnerIdP {
	t.Helper()
	idp := &partnerIdP{}
	idp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/token" {
			idp.dev.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		idp.dev.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var res map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &res) == nil {
			idp.mu.Lock()
			idp.lastID, _ = res["id_token"].(string)
			if idp.substitute != "" {
				res["id_token"], idp.substitute = idp.substitute, ""
				body, _ = json.Marshal(res)
			}
			idp.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	t.Cleanup(idp.srv.Close)
	return idp
}

// configure registers the portal with the provider and the provider with
// the portal, as partner name.
func (idp *partnerIdP) configure(t *testing.T, c *config.Config, name string, users []devoidc.User) {
	t.Helper()
	var err error
	idp.dev, err = devoidc.New(idp.srv.URL, users, devoidc.Client{ID: "portal", Secret: "secret-" + name, RedirectURIs: []string{c.BaseURL + "/auth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	c.PartnerProviders = append(c.PartnerProviders, config.PartnerProvider{Name: name, Label: "University " + name,
		Issuer: idp.srv.URL, ClientID: "portal", ClientSecret: "secret-" + name})
}

// partnerCallback goes through a partner's sign-in by hand and returns the
// callback URL the provider sends the browser back to, not yet visited.
func (b *browser) partnerCallback(provider, username string, idp *partnerIdP) *url.URL {
	b.t.Helper()
	pg := b.step(http.MethodGet, "/login/"+provider+"?as="+url.QueryEscape(username), nil, nil)
	authorize := pg.Header.Get("Location")
	if pg.Status != http.StatusSeeOther || !strings.HasPrefix(authorize, idp.srv.URL+"/authorize?") {
		b.t.Fatalf("GET /login/%s: %d to %q, want the partner's authorize", provider, pg.Status, authorize)
	}
	pg = b.step(http.MethodGet, authorize, nil, nil)
	cb, err := url.Parse(pg.Header.Get("Location"))
	if pg.Status != http.StatusFound || err != nil || cb.Path != "/auth/callback" || cb.Query().Get("code") == "" {
		b.t.Fatalf("partner authorize: %d to %q", pg.Status, pg.Header.Get("Location"))
	}
	return cb
}

// Each identity is bound to its issuer: a partner's people are incoming
// applicants whatever their claims say, a token of provider A delivered in
// provider B's flow is refused, and the same subject at two providers is
// two people.
func TestPartnerProviders(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		a, b := startPartnerIdP(t), startPartnerIdP(t)
		p := startPortalWith(t, dialect, wiring.Options{}, func(c *config.Config) {
			a.configure(t, c, "uni-a", []devoidc.User{{Username: "exchange", Subject: "exchange-1", Name: "Amara Okafor",
				Email: "amara@uni-a.test", Groups: []string{"admin", "office"}}})
			b.configure(t, c, "uni-b", []devoidc.User{{Username: "exchange", Subject: "exchange-1", Name: "Bruno Silva",
				Email: "bruno@uni-b.test", Groups: []string{"admin"}}})
		})
		home := p.browser().get("/")
		for _, want := range []string{`href="/login/uni-a"`, `href="/login/uni-b"`, "Sign in with University uni-a"} {
			if !strings.Contains(home.Body, want) {
				t.Errorf("the home page lacks %s", want)
			}
		}

		// Provider A's student signs in: incoming, nothing else.
		amara := p.browser()
		pg := amara.get(amara.partnerCallback("uni-a", "exchange", a).String())
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/" || !pg.signedInAs("Amara Okafor") {
			t.Fatalf("A's sign-in ended on %s:\n%s", pg.URL, pg.Body)
		}
		if !strings.Contains(pg.Body, "<li>Incoming applicant</li>") || strings.Contains(pg.Body, "<li>Admin") || strings.Contains(pg.Body, "<li>International office") {
			t.Errorf("A's student has other roles than incoming:\n%s", pg.Body)
		}
		if n := p.count("SELECT COUNT(*) FROM users WHERE issuer = ? AND subject = 'exchange-1' AND claim_roles = 'incoming'", a.srv.URL); n != 1 {
			t.Errorf("%d users of A with only the incoming role, want 1", n)
		}
		if detail, _ := p.lastAudit("auth.sign_in"); !strings.Contains(detail, `"provider":"uni-a"`) {
			t.Errorf("auth.sign_in detail %s does not name the provider", detail)
		}
		wantStatus(t, amara.get("/manage"), http.StatusForbidden)
		wantStatus(t, amara.get("/incoming/profile"), http.StatusOK)

		// A's ID token (valid, signed by A, for the same client id) handed
		// over in B's flow: refused, nobody signed in or created.
		a.mu.Lock()
		stolen := a.lastID
		a.mu.Unlock()
		if stolen == "" {
			t.Fatal("A's ID token was not captured")
		}
		b.mu.Lock()
		b.substitute = stolen
		b.mu.Unlock()
		thief := p.browser()
		signedIn, tokens := p.signedInSessions(), b.dev.TokensIssued()
		wantRefused(t, p, thief, thief.get(thief.partnerCallback("uni-b", "exchange", b).String()), "auth.refused.token", "id_token_invalid", "")
		if b.dev.TokensIssued() != tokens+1 {
			t.Error("B did not answer the token request the test tampered with")
		}
		if n := p.count("SELECT COUNT(*) FROM users WHERE issuer = ?", b.srv.URL); n != 0 {
			t.Errorf("the replayed token created %d users at B", n)
		}
		if p.signedInSessions() != signedIn {
			t.Error("the replayed token signed someone in")
		}

		// A's answer claiming to come from B (a mix-up): refused before its
		// code is sent anywhere (RFC 9207).
		mixed := p.browser()
		cb := mixed.partnerCallback("uni-a", "exchange", a)
		q := cb.Query()
		q.Set("iss", b.srv.URL)
		cb.RawQuery = q.Encode()
		tokensA, tokensB := a.dev.TokensIssued(), b.dev.TokensIssued()
		wantRefused(t, p, mixed, mixed.get(cb.String()), "auth.refused.token", "issuer_mismatch", "")
		if a.dev.TokensIssued() != tokensA || b.dev.TokensIssued() != tokensB {
			t.Error("a mixed-up answer's code was exchanged")
		}

		// B's own student with the same subject is another person.
		bruno := p.browser()
		pg = bruno.get(bruno.partnerCallback("uni-b", "exchange", b).String())
		if !pg.signedInAs("Bruno Silva") || pg.signedInAs("Amara Okafor") {
			t.Fatalf("B's sign-in:\n%s", pg.Body)
		}
		if n := p.count("SELECT COUNT(*) FROM users WHERE subject = 'exchange-1' AND claim_roles = 'incoming'"); n != 2 {
			t.Errorf("%d users with subject exchange-1, want 2 (one per issuer)", n)
		}

		// Sign-out ends the portal's session only, never the partner's.
		pg = bruno.post("/logout", url.Values{"_csrf": {pg.csrf(t)}})
		if pg.signedIn() || pg.URL.Path != "/" || pg.URL.Host != strings.TrimPrefix(p.URL, "http://") {
			t.Errorf("sign-out ended on %s", pg.URL)
		}

		wantStatus(t, p.browser().get("/login/nope"), http.StatusNotFound)
	})
}

// Dev mode offers a partner university with a demo foreign student whose
// claims say admin: the portal makes her an incoming applicant only.
func TestDevPartnerProvider(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		pg := b.get("/")
		wantText(t, pg, i18n.English, "incoming.home.demo_partner")
		pg = b.get("/login/demo-partner?as=exchange")
		wantStatus(t, pg, http.StatusOK)
		if !pg.signedInAs("Sato Haruka 佐藤遥") || !strings.Contains(pg.Body, "<li>Incoming applicant</li>") || strings.Contains(pg.Body, "<li>Admin") {
			t.Fatalf("the demo partner student:\n%s", pg.Body)
		}
		var paths []string
		for _, h := range pg.Trail {
			paths = append(paths, h.URL.Path)
		}
		if got := strings.Join(paths, " "); got != "/login/demo-partner /dev/partner-oidc/authorize /auth/callback /" {
			t.Errorf("redirects %q", got)
		}
	})
}
