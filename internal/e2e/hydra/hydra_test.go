package hydra

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/auth/devoidc"
	"portal/internal/config"
)

var (
	student = person{Subject: "u-1042", Name: "Lin Mei-Hua", Email: "mei-hua.lin@example.edu", Groups: []string{"med-students", "library"}}
	office  = person{Subject: "u-0007", Name: "Emily Huang", Email: "emily.huang@example.edu", Groups: []string{"staff", "intl-office"}}
)

// TestHydraInterop signs in and out of the portal through Ory Hydra,
// which speaks OpenID Connect as written, not as the portal's development
// provider reads it.
func TestHydraInterop(t *testing.T) {
	started := time.Now()
	quiet()
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		unavailable(t, "no Chromium on PATH for the sign-out step")
	}
	bin := hydraBinary(t)

	ui := &loginApp{}
	uiSrv := httptest.NewServer(ui.handler())
	defer uiSrv.Close()
	idp := startHydra(t, bin, uiSrv.URL)
	ui.p = idp

	// The portal registers as the university's IT department would (see
	// README): openid profile email, client_secret_basic, the redirect,
	// post-logout and back-channel URIs.
	const clientID, secret = "electives-portal", "a-client-secret-of-the-portal"
	a, base := startPortal(t, idp.issuer, clientID, secret, nil)
	client := map[string]any{
		"client_id": clientID, "client_secret": secret,
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"scope": "openid profile email", "token_endpoint_auth_method": "client_secret_basic",
		"redirect_uris":                       []string{base + "/auth/callback"},
		"post_logout_redirect_uris":           []string{base + "/"},
		"backchannel_logout_uri":              base + "/auth/backchannel-logout",
		"backchannel_logout_session_required": true,
	}
	idp.call(http.MethodPost, "/admin/clients", client, nil)
	t.Logf("Hydra %s at %s, portal at %s, ready after %s", hydraVersion, idp.issuer, base, time.Since(started).Round(time.Millisecond))

	t.Run("a student signs in, the role from the groups claim", func(t *testing.T) {
		ui.set(student)
		b := newBrowser(t)
		body := b.get(base + "/login")
		if !signedIn(body) || !strings.Contains(body, "<li>Student</li>") || strings.Contains(body, "International office") {
			t.Fatalf("after sign-in at Hydra the home page does not show a signed-in student:\n%s", body)
		}
		var n int64
		a.DB.Raw("SELECT COUNT(*) FROM users WHERE issuer = ? AND subject = ?", idp.issuer, student.Subject).Scan(&n)
		if n != 1 {
			t.Errorf("%d users bound to issuer %q (trailing slash kept) and subject %s, want 1", n, idp.issuer, student.Subject)
		}
	})

	t.Run("office signs in, the role from the groups claim", func(t *testing.T) {
		ui.set(office)
		b := newBrowser(t)
		body := b.get(base + "/login")
		if !signedIn(body) || !strings.Contains(body, "<li>International office</li>") {
			t.Fatalf("after sign-in at Hydra the home page does not show the office signed in:\n%s", body)
		}
	})

	t.Run("sign-out in Chromium ends the provider's session and lands on the portal", func(t *testing.T) {
		ui.set(student)
		ctx := newChromium(t, chromium)
		if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/login")); err != nil {
			t.Fatalf("sign in: %v", err)
		}
		if body := waitFor(t, ctx, base+"/", "Sign out"); !strings.Contains(body, "Lin Mei-Hua") {
			t.Fatalf("not signed in as the student:\n%s", body)
		}
		// The form posts to the portal; the browser then goes to Hydra,
		// to the logout app on a third origin, back to Hydra and home.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`), chromedp.NodeVisible)); err != nil {
			t.Fatalf("press Sign out: %v", err)
		}
		if body := waitFor(t, ctx, base+"/", "You have signed out."); strings.Contains(body, "Lin Mei-Hua") {
			t.Errorf("back on the portal after sign-out, still signed in:\n%s", body)
		}

		// Hydra's session is over: signing in again asks who you are.
		if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/login")); err != nil {
			t.Fatalf("sign in again: %v", err)
		}
		waitFor(t, ctx, base+"/", "Sign out")
		if skip, ok := ui.lastSkip(); !ok || skip {
			t.Error("after sign-out Hydra still had a session for the browser (the login request was skipped)")
		}
	})

	t.Run("back-channel logout from Hydra ends a portal session", func(t *testing.T) {
		ui.set(office)
		b := newBrowser(t)
		if !signedIn(b.get(base + "/login")) {
			t.Fatal("office not signed in")
		}
		// The person signs out at the provider, not at the portal: Hydra
		// tells the portal server to server.
		if body := b.get(strings.TrimSuffix(idp.issuer, "/") + "/oauth2/sessions/logout"); !strings.Contains(body, "signed out at the provider") {
			t.Fatalf("sign-out at Hydra ended on:\n%s", body)
		}
		deadline := time.Now().Add(10 * time.Second)
		for signedIn(b.get(base + "/")) {
			if time.Now().After(deadline) {
				t.Fatal("the portal session survived the sign-out at the provider")
			}
			time.Sleep(100 * time.Millisecond)
		}
		var n int64
		a.DB.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_out' AND detail LIKE '%backchannel%'").Scan(&n)
		if n < 1 {
			t.Error("no back-channel sign-out audited")
		}
	})

	t.Run("a wrong client secret is reported as a wrong secret", func(t *testing.T) {
		idp.call(http.MethodPatch, "/admin/clients/"+clientID, []map[string]any{{"op": "replace", "path": "/client_secret", "value": "rotated-at-the-provider"}}, nil)
		defer idp.call(http.MethodPatch, "/admin/clients/"+clientID, []map[string]any{{"op": "replace", "path": "/client_secret", "value": secret}}, nil)
		ui.set(student)
		b := newBrowser(t)
		body := b.get(base + "/login")
		if b.status != http.StatusUnauthorized || signedIn(body) || !strings.Contains(body, "registration at the sign-in service is not correct") {
			t.Errorf("with a wrong secret: %d, signed in %v:\n%s", b.status, signedIn(body), body)
		}
		var detail string
		a.DB.Raw("SELECT detail FROM audit_events WHERE action = 'auth.sign_in_refused' ORDER BY id DESC LIMIT 1").Scan(&detail)
		// Hydra's own answer to the one request made: invalid_client,
		// not its complaint about a method the portal never switched to.
		if !strings.Contains(detail, `"reason":"wrong_client_secret"`) || !strings.Contains(detail, "invalid_client") || strings.Contains(detail, "client_secret_post") {
			t.Errorf("audited %s, want reason wrong_client_secret with Hydra's invalid_client, and no method mismatch", detail)
		}
	})

	t.Run("a denied consent shows the cancelled message", func(t *testing.T) {
		p := student
		p.Deny = true
		ui.set(p)
		b := newBrowser(t)
		body := b.get(base + "/login")
		if b.status != http.StatusUnauthorized || !strings.Contains(body, "You cancelled sign-in") || !strings.Contains(body, `href="/login"`) {
			t.Errorf("after Deny: %d:\n%s", b.status, body)
		}
	})
	// A partner university runs Hydra: its issuer keeps Hydra's trailing
	// slash, it is discovered at start, and its client authenticates with
	// client_secret_post. Its people sign in as incoming applicants.
	t.Run("a partner's Hydra, client_secret_post, issuer with its slash", func(t *testing.T) {
		mux := http.NewServeMux()
		home := httptest.NewServer(mux)
		defer home.Close()
		dev, err := devoidc.New(home.URL, devoidc.DemoUsers(), devoidc.Client{ID: "portal", Secret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/", dev)
		const partnerID, partnerSecret = "portal-at-partner", "partner-client-secret"
		pa, pbase := startPortal(t, home.URL, "portal", "s", func(c *config.Config) {
			c.PartnerProviders = []config.PartnerProvider{{Name: "hydra-u", Label: "Sign in with Hydra University",
				Issuer: idp.issuer, ClientID: partnerID, ClientSecret: partnerSecret, TokenAuth: "client_secret_post"}}
		})
		idp.call(http.MethodPost, "/admin/clients", map[string]any{
			"client_id": partnerID, "client_secret": partnerSecret,
			"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
			"scope": "openid profile email", "token_endpoint_auth_method": "client_secret_post",
			"redirect_uris": []string{pbase + "/auth/callback"},
		}, nil)
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := pa.Auth.ProviderStatus()
			if len(st) == 2 && st[1].Err == nil && st[1].Issuer == idp.issuer {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the partner's provider was not discovered at start: %+v", st)
			}
			time.Sleep(50 * time.Millisecond)
		}
		ui.set(student)
		b := newBrowser(t)
		body := b.get(pbase + "/login/hydra-u")
		if !signedIn(body) || !strings.Contains(body, "<li>Incoming applicant</li>") || strings.Contains(body, "<li>Student</li>") {
			t.Fatalf("signing in through the partner's Hydra: %d, signed in %v:\n%s", b.status, signedIn(body), body)
		}
	})
	t.Logf("the Hydra interoperability test took %s", time.Since(started).Round(time.Millisecond))
}

// waitFor waits until the Chromium tab is at url and its text contains
// want, and returns that text; it fails the test after 20 s, saying where
// the tab got stuck.
func waitFor(t *testing.T, ctx context.Context, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		at, _ := chromedp.Run(ctx, chromedp.Location())
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		if at == url && strings.Contains(text, want) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("Chromium stayed at %s, wanted %s showing %q; the page says:\n%s", at, url, want, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browser is an HTTP client with cookies that follows redirects, as a
// browser does without scripts.
type browser struct {
	t      *testing.T
	c      *http.Client
	status int
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) get(url string) string {
	b.t.Helper()
	res, err := b.c.Get(url)
	if err != nil {
		b.t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.status = res.StatusCode
	return string(body)
}

// newChromium starts a headless Chromium of its own for this test.
func newChromium(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US,en"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("start Chromium: %v", err)
		}
		t.Skipf("start Chromium: %v", err)
	}
	return ctx
}
