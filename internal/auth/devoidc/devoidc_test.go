package devoidc

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	clientID      = "portal"
	clientSecret  = "s3cret with spaces+plus&more" // exercises form-encoding in Basic auth
	callback      = "https://portal.example/auth/callback"
	otherCallback = "https://portal.example/auth/other"
	afterLogout   = "https://portal.example/signed-out"
)

// harness is a provider mounted under /dev/oidc, as the portal mounts it,
// with a real go-oidc relying party pointed at it.
type harness struct {
	t       *testing.T
	p       *Provider
	srv     *httptest.Server
	op      *oidc.Provider
	conf    oauth2.Config
	browser *http.Client // stops at redirects so tests can read Location
	skew    atomic.Int64 // added to the provider's clock, to expire codes
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := New(srv.URL+"/dev/oidc", DemoUsers(), Client{
		ID:                     clientID,
		Secret:                 clientSecret,
		RedirectURIs:           []string{callback, otherCallback},
		PostLogoutRedirectURIs: []string{afterLogout},
	}, Client{ID: "other", Secret: "other-secret", RedirectURIs: []string{callback}})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, p: p, srv: srv}
	p.now = func() time.Time { return time.Now().Add(time.Duration(h.skew.Load())) }
	mux.Handle("/dev/oidc/", http.StripPrefix("/dev/oidc", p))

	h.op, err = oidc.NewProvider(t.Context(), p.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	h.conf = oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     h.op.Endpoint(),
		RedirectURL:  callback,
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}
	h.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

// login is one approved authorization request.
type login struct {
	code, state, nonce, verifier string
}

// authURL is the authorization request a relying party would send.
func (h *harness) authURL(l login, extra ...oauth2.AuthCodeOption) string {
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(l.nonce), oauth2.S256ChallengeOption(l.verifier)}, extra...)
	return h.conf.AuthCodeURL(l.state, opts...)
}

// login signs in as username through login_hint, with redirects only.
func (h *harness) login(username string) login {
	h.t.Helper()
	l := login{state: rand.Text(), nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
	loc := h.redirected(h.get(h.authURL(l, oauth2.SetAuthURLParam("login_hint", username))), callback)
	q := loc.Query()
	if q.Get("state") != l.state || q.Get("iss") != h.p.Issuer() || q.Get("error") != "" {
		h.t.Fatalf("authorization response %v", q)
	}
	l.code = q.Get("code")
	return l
}

func (h *harness) get(u string) *http.Response {
	h.t.Helper()
	resp, err := h.browser.Get(u)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// redirected checks that resp redirects to base and returns where.
func (h *harness) redirected(resp *http.Response, base string) *url.URL {
	h.t.Helper()
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("status %d, want a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != base {
		h.t.Fatalf("redirected to %s, want %s", got, base)
	}
	return loc
}

func (h *harness) exchange(l login) (*oauth2.Token, error) {
	return h.conf.Exchange(h.t.Context(), l.code, oauth2.VerifierOption(l.verifier))
}

func (h *harness) verify(tok *oauth2.Token) (*oidc.IDToken, error) {
	raw, _ := tok.Extra("id_token").(string)
	return h.op.Verifier(&oidc.Config{ClientID: clientID}).Verify(h.t.Context(), raw)
}

// signIn runs a whole flow as username that must succeed.
func (h *harness) signIn(username string) (login, *oauth2.Token, *oidc.IDToken) {
	h.t.Helper()
	l := h.login(username)
	tok, err := h.exchange(l)
	if err != nil {
		h.t.Fatalf("exchange: %v", err)
	}
	idt, err := h.verify(tok)
	if err != nil {
		h.t.Fatalf("verify: %v", err)
	}
	return l, tok, idt
}

// wantOAuthError checks that err is an RFC 6749 error response.
func wantOAuthError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want %s", err, code)
	}
	if re.Response.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("got %d %q, want %d %q", re.Response.StatusCode, re.ErrorCode, status, code)
	}
	if cc := re.Response.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDiscovery(t *testing.T) {
	h := newHarness(t)
	var meta struct {
		Issuer     string   `json:"issuer"`
		EndSession string   `json:"end_session_endpoint"`
		PKCE       []string `json:"code_challenge_methods_supported"`
		Algs       []string `json:"id_token_signing_alg_values_supported"`
		AuthMeths  []string `json:"token_endpoint_auth_methods_supported"`
		Claims     []string `json:"claims_supported"`
	}
	if err := h.op.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	iss := h.srv.URL + "/dev/oidc"
	if meta.Issuer != iss || h.op.Endpoint().AuthURL != iss+"/authorize" || h.op.Endpoint().TokenURL != iss+"/token" ||
		h.op.UserInfoEndpoint() != iss+"/userinfo" || meta.EndSession != iss+"/end-session" {
		t.Errorf("endpoints %+v", meta)
	}
	if !slices.Equal(meta.PKCE, []string{"S256"}) || !slices.Equal(meta.Algs, []string{"ES256"}) ||
		!slices.Contains(meta.AuthMeths, "client_secret_post") || !slices.Contains(meta.Claims, "year_of_study") {
		t.Errorf("metadata %+v", meta)
	}

	body := readBody(t, h.get(iss+"/jwks"))
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "EC" || set.Keys[0]["crv"] != "P-256" || set.Keys[0]["kid"] != h.p.kid {
		t.Errorf("JWKS %s", body)
	}
	if _, private := set.Keys[0]["d"]; private {
		t.Error("JWKS leaks the private key")
	}
}

func TestMountedAtRoot(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, err := New(srv.URL, DemoUsers())
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", p)
	op, err := oidc.NewProvider(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if op.Endpoint().TokenURL != srv.URL+"/token" {
		t.Errorf("token endpoint %s", op.Endpoint().TokenURL)
	}
}

func TestCodeFlow(t *testing.T) {
	h := newHarness(t)
	l, tok, idt := h.signIn("student")

	if idt.Nonce != l.nonce || idt.Subject != "demo-student" || idt.Issuer != h.p.Issuer() {
		t.Errorf("ID token nonce %q sub %q iss %q", idt.Nonce, idt.Subject, idt.Issuer)
	}
	var claims struct {
		Name     string   `json:"name"`
		Email    string   `json:"email"`
		Verified bool     `json:"email_verified"`
		Username string   `json:"preferred_username"`
		Locale   string   `json:"locale"`
		Groups   []string `json:"groups"`
		Year     int      `json:"year_of_study"`
		AZP      string   `json:"azp"`
		AuthTime int64    `json:"auth_time"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Name != "Lin Mei-Hua 林美華" || claims.Email != "student@demo.portal.test" || !claims.Verified ||
		claims.Username != "student" || claims.Locale != "zh-Hant" || !slices.Equal(claims.Groups, []string{"student"}) ||
		claims.Year != 5 || claims.AZP != clientID || claims.AuthTime == 0 {
		t.Errorf("claims %+v", claims)
	}
	if exp := time.Until(idt.Expiry); exp < 4*time.Minute || exp > 6*time.Minute {
		t.Errorf("ID token expires in %v, want 5 minutes", exp)
	}

	raw := tok.Extra("id_token").(string)
	headerJSON, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]string
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		t.Fatal(err)
	}
	if header["alg"] != "ES256" || header["typ"] != "JWT" || header["kid"] != h.p.kid {
		t.Errorf("header %v", header)
	}
	if tok.TokenType != "Bearer" || tok.Extra("scope") != "openid profile email" || tok.Expiry.IsZero() {
		t.Errorf("token %+v scope %v", tok, tok.Extra("scope"))
	}

	info, err := h.op.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var extra struct {
		Year   int      `json:"year_of_study"`
		Groups []string `json:"groups"`
		Name   string   `json:"name"`
	}
	if err := info.Claims(&extra); err != nil {
		t.Fatal(err)
	}
	if info.Subject != idt.Subject || info.Email != claims.Email || !info.EmailVerified || extra.Year != 5 ||
		!slices.Equal(extra.Groups, []string{"student"}) || extra.Name != claims.Name {
		t.Errorf("userinfo %+v %+v", info, extra)
	}
	if n := h.p.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
}

func TestClientSecretPost(t *testing.T) {
	h := newHarness(t)
	h.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	h.signIn("admin")
}

func TestCodeIsSingleUse(t *testing.T) {
	h := newHarness(t)
	l := h.login("office")
	tok, err := h.exchange(l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
	if n := h.p.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d after replay, want 1", n)
	}
	// The replay revoked the access token the code had bought.
	if _, err := h.op.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo accepted an access token from a replayed code")
	}
}

func TestWrongVerifier(t *testing.T) {
	h := newHarness(t)
	l := h.login("student")
	right := l.verifier
	l.verifier = oauth2.GenerateVerifier()
	_, err := h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")

	// The failed attempt used the code up, so a guessed verifier cannot be retried.
	l.verifier = right
	_, err = h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")

	l = h.login("student")
	_, err = h.conf.Exchange(t.Context(), l.code) // no verifier at all
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
	if n := h.p.TokensIssued(); n != 0 {
		t.Errorf("TokensIssued %d, want 0", n)
	}
}

func TestRedirectURIMustMatch(t *testing.T) {
	h := newHarness(t)
	l := login{state: "s", nonce: "n", verifier: oauth2.GenerateVerifier()}
	for _, uri := range []string{"https://evil.example/callback", callback + "/", callback + "?x=1", ""} {
		conf := h.conf
		conf.RedirectURL = uri
		resp := h.get(conf.AuthCodeURL(l.state, oidc.Nonce(l.nonce), oauth2.S256ChallengeOption(l.verifier),
			oauth2.SetAuthURLParam("login_hint", "student")))
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "redirect_uri") {
			t.Errorf("redirect_uri %q: status %d Location %q", uri, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// At /token the redirect_uri must be the one sent to /authorize, even
	// if it is registered too.
	l = h.login("student")
	h.conf.RedirectURL = otherCallback
	_, err := h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestClientAuthentication(t *testing.T) {
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		h := newHarness(t)
		h.conf.Endpoint.AuthStyle = style
		h.conf.ClientSecret = "wrong"
		_, err := h.exchange(h.login("student"))
		wantOAuthError(t, err, http.StatusUnauthorized, "invalid_client")

		l := h.login("student")
		h.conf.ClientSecret = clientSecret
		h.conf.ClientID = "unknown"
		_, err = h.exchange(l)
		wantOAuthError(t, err, http.StatusUnauthorized, "invalid_client")
		if n := h.p.TokensIssued(); n != 0 {
			t.Errorf("TokensIssued %d, want 0", n)
		}
	}
}

func TestTokenEndpointRequests(t *testing.T) {
	h := newHarness(t)
	tokenURL := h.op.Endpoint().TokenURL

	resp := h.get(tokenURL)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %d", resp.StatusCode)
	}
	resp.Body.Close()

	l := h.login("student")
	form := url.Values{"grant_type": {"password"}, "code": {l.code}, "client_id": {clientID}, "client_secret": {clientSecret}}
	resp, err := http.PostForm(tokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"unsupported_grant_type"`) {
		t.Errorf("grant_type=password: %d %s", resp.StatusCode, body)
	}

	// Basic and client_secret_post together is two methods at once.
	form = url.Values{"grant_type": {"authorization_code"}, "code": {l.code}, "client_secret": {clientSecret},
		"redirect_uri": {callback}, "code_verifier": {l.verifier}}
	req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("two auth methods: %d %s", resp.StatusCode, body)
	}
}

func TestCodeBelongsToItsClient(t *testing.T) {
	h := newHarness(t)
	l := h.login("student")
	h.conf.ClientID, h.conf.ClientSecret = "other", "other-secret"
	_, err := h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestCodeExpires(t *testing.T) {
	h := newHarness(t)
	l := h.login("student")
	h.skew.Store(int64(codeLifetime + time.Second))
	_, err := h.exchange(l)
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestAuthorizeErrors(t *testing.T) {
	h := newHarness(t)
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	base := func() url.Values {
		return url.Values{
			"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"},
			"scope": {"openid email"}, "state": {"xyz"}, "nonce": {"n"}, "login_hint": {"student"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"},
		}
	}
	redirects := []struct {
		name, key, value, want string
	}{
		{"no PKCE", "code_challenge", "", "invalid_request"},
		{"plain PKCE", "code_challenge_method", "plain", "invalid_request"},
		{"short challenge", "code_challenge", "abc", "invalid_request"},
		{"no openid", "scope", "email profile", "invalid_scope"},
		{"implicit", "response_type", "token", "unsupported_response_type"},
		{"prompt none without user", "login_hint", "nobody", "login_required"},
	}
	for _, tc := range redirects {
		t.Run(tc.name, func(t *testing.T) {
			q := base()
			q.Set(tc.key, tc.value)
			q.Set("prompt", "none")
			loc := h.redirected(h.get(h.conf.Endpoint.AuthURL+"?"+q.Encode()), callback).Query()
			if loc.Get("error") != tc.want || loc.Get("state") != "xyz" || loc.Get("code") != "" {
				t.Errorf("got %v, want error=%s", loc, tc.want)
			}
		})
	}

	pages := []struct {
		name string
		edit func(url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }},
		{"no client", func(q url.Values) { q.Del("client_id") }},
		{"repeated parameter", func(q url.Values) { q.Add("redirect_uri", "https://evil.example/") }},
	}
	for _, tc := range pages {
		t.Run(tc.name, func(t *testing.T) {
			q := base()
			tc.edit(q)
			resp := h.get(h.conf.Endpoint.AuthURL + "?" + q.Encode())
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<h1>") {
				t.Errorf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// hiddenInput finds the picker's hidden inputs, as a browser would submit them.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func TestPicker(t *testing.T) {
	h := newHarness(t)
	l := login{state: `"><script>alert(1)</script>`, nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
	resp := h.get(h.authURL(l))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("picker: %d", resp.StatusCode)
	}
	for _, want := range []string{`<html lang="en">`, "<title>Development sign-in</title>", "<main>", "<h1>Development sign-in</h1>", "Choose a demo user"} {
		if !strings.Contains(body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "style"} {
		if strings.Contains(body, banned) {
			t.Errorf("picker contains %q", banned)
		}
	}
	for _, u := range DemoUsers() {
		button := `<button type="submit" name="username" value="` + u.Username + `">` + u.Name + " (" + u.Username + ", role: " + u.Groups[0] + ")</button>"
		if !strings.Contains(body, button) {
			t.Errorf("picker lacks %s", button)
		}
	}

	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("state") != l.state || form.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(l.verifier) || form.Get("nonce") != l.nonce {
		t.Fatalf("hidden inputs %v", form)
	}
	if !strings.Contains(body, `action="authorize"`) {
		t.Fatal("form does not post back to authorize")
	}

	nobody := url.Values{"username": {"nobody"}}
	for k, v := range form {
		nobody[k] = v
	}
	resp, err := h.browser.PostForm(h.conf.Endpoint.AuthURL, nobody)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Choose a demo user") {
		t.Errorf("unknown username: %d", resp.StatusCode)
	}

	form.Set("username", "reviewer")
	resp, err = h.browser.PostForm(h.conf.Endpoint.AuthURL, form)
	if err != nil {
		t.Fatal(err)
	}
	q := h.redirected(resp, callback).Query()
	if q.Get("state") != l.state {
		t.Fatalf("state %q", q.Get("state"))
	}
	l.code = q.Get("code")
	tok, err := h.exchange(l)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := h.verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "demo-reviewer" || idt.Nonce != l.nonce {
		t.Errorf("signed in as %q nonce %q", idt.Subject, idt.Nonce)
	}
}

func TestTamperRefusedByVerifier(t *testing.T) {
	for _, tamper := range []Tamper{TamperWrongIssuer, TamperWrongAudience, TamperExpired, TamperBadSignature, TamperAlgNone, TamperUnknownKey} {
		h := newHarness(t)
		h.p.TamperNext(tamper)
		tok, err := h.exchange(h.login("student"))
		if err != nil {
			t.Fatalf("tamper %d: exchange: %v", tamper, err)
		}
		if _, err := h.verify(tok); err == nil {
			t.Errorf("tamper %d: go-oidc accepted the ID token", tamper)
		} else if tamper == TamperExpired {
			var expired *oidc.TokenExpiredError
			if !errors.As(err, &expired) {
				t.Errorf("tamper %d: %v, want TokenExpiredError", tamper, err)
			}
		}
		if tamper == TamperAlgNone && !strings.HasSuffix(tok.Extra("id_token").(string), ".") {
			t.Errorf("alg none token has a signature")
		}
		// Only the next exchange is spoiled.
		h.signIn("student")
	}
}

func TestTamperWrongNonce(t *testing.T) {
	h := newHarness(t)
	h.p.TamperNext(TamperWrongNonce)
	l := h.login("student")
	tok, err := h.exchange(l)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := h.verify(tok) // go-oidc leaves the nonce to the caller
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce == l.nonce || idt.Nonce == "" {
		t.Errorf("nonce %q, want a different one than %q", idt.Nonce, l.nonce)
	}
}

func TestTamperUserinfoSubject(t *testing.T) {
	h := newHarness(t)
	h.p.TamperNext(TamperUserinfoSubject)
	_, tok, idt := h.signIn("student")
	info, err := h.op.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	if info.Subject == idt.Subject {
		t.Errorf("userinfo sub %q equals the ID token's", info.Subject)
	}
}

func TestTamperPKCE(t *testing.T) {
	h := newHarness(t)
	h.p.TamperNext(TamperPKCE)
	_, err := h.exchange(h.login("student"))
	wantOAuthError(t, err, http.StatusBadRequest, "invalid_grant")
	if n := h.p.TokensIssued(); n != 0 {
		t.Errorf("TokensIssued %d, want 0", n)
	}
	h.signIn("student")
}

func TestUserinfoNeedsToken(t *testing.T) {
	h := newHarness(t)
	for _, auth := range []string{"", "Bearer unknown", "Basic abc"} {
		req, _ := http.NewRequest(http.MethodGet, h.op.UserInfoEndpoint(), nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d %q", auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

func TestEndSession(t *testing.T) {
	h := newHarness(t)
	_, tok, _ := h.signIn("student")
	hint := tok.Extra("id_token").(string)
	endSession := h.p.Issuer() + "/end-session"

	for _, q := range []url.Values{
		{"client_id": {clientID}, "post_logout_redirect_uri": {afterLogout}, "state": {"bye"}},
		{"id_token_hint": {hint}, "post_logout_redirect_uri": {afterLogout}, "state": {"bye"}},
	} {
		loc := h.redirected(h.get(endSession+"?"+q.Encode()), afterLogout)
		if loc.Query().Get("state") != "bye" {
			t.Errorf("%v: state %q", q, loc.Query().Get("state"))
		}
	}

	resp := h.get(endSession)
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>You are signed out</h1>") {
		t.Errorf("plain sign-out: %d %s", resp.StatusCode, body)
	}

	h.p.TamperNext(TamperBadSignature)
	badTok, err := h.exchange(h.login("student"))
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]url.Values{
		"unregistered":           {"client_id": {clientID}, "post_logout_redirect_uri": {"https://evil.example/"}},
		"redirect URI as logout": {"client_id": {clientID}, "post_logout_redirect_uri": {callback}},
		"no client":              {"post_logout_redirect_uri": {afterLogout}},
		"unknown client":         {"client_id": {"nobody"}, "post_logout_redirect_uri": {afterLogout}},
		"hint for other client":  {"client_id": {"nobody"}, "id_token_hint": {hint}, "post_logout_redirect_uri": {afterLogout}},
		"forged hint":            {"id_token_hint": {badTok.Extra("id_token").(string)}, "post_logout_redirect_uri": {afterLogout}},
	} {
		resp := h.get(endSession + "?" + q.Encode())
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	for _, issuer := range []string{"", "127.0.0.1:8080", "http://localhost/dev/oidc/", "ftp://x", "http://x/?a=b"} {
		if _, err := New(issuer, DemoUsers()); err == nil {
			t.Errorf("issuer %q accepted", issuer)
		}
	}
	users := append(DemoUsers(), User{Username: "student", Subject: "again"})
	if _, err := New("http://x", users); err == nil {
		t.Error("duplicate username accepted")
	}
	if _, err := New("http://x", DemoUsers(), Client{ID: "a", Secret: "b", RedirectURIs: []string{"/relative"}}); err == nil {
		t.Error("relative redirect URI accepted")
	}
	if _, err := New("http://x", DemoUsers(), Client{ID: "a"}); err == nil {
		t.Error("client without secret accepted")
	}
}

func TestDemoUsers(t *testing.T) {
	var names []string
	for _, u := range DemoUsers() {
		names = append(names, u.Username)
		if u.Subject != "demo-"+u.Username || !slices.Equal(u.Groups, []string{u.Username}) ||
			u.Email != u.Username+"@demo.portal.test" || u.Name == "" {
			t.Errorf("user %+v", u)
		}
	}
	if !slices.Equal(names, []string{"student", "incoming", "reviewer", "office", "coordinator", "admin"}) {
		t.Errorf("order %v", names)
	}
	if DemoUsers()[0].Extra["year_of_study"] != 5 {
		t.Error("student is not in year 5")
	}
}
