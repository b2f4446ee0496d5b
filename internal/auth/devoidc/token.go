package devoidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// oauthError is an RFC 6749 section 5.2 error response.
type oauthError struct {
	status      int
	code        string
	description string
}

// tokenResponse is the RFC 6749 section 5.1 success response plus id_token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// token handles POST /token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	// Responses carry secrets; RFC 6749 section 5.1 forbids caching them.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	fail := func(e oauthError) {
		if e.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="devoidc"`)
		}
		writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(oauthError{http.StatusMethodNotAllowed, "invalid_request", "the token endpoint accepts POST only"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		fail(oauthError{http.StatusBadRequest, "invalid_request", "the request body could not be read"})
		return
	}
	form := r.PostForm // never the URL query: secrets do not belong there
	if name := repeated(form); name != "" {
		fail(oauthError{http.StatusBadRequest, "invalid_request", name + " is given more than once"})
		return
	}
	client, ok := p.authenticate(r, form)
	if !ok {
		fail(oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"})
		return
	}
	if form.Get("grant_type") != "authorization_code" {
		fail(oauthError{http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported"})
		return
	}
	resp, oerr := p.exchange(client, form)
	if oerr != nil {
		fail(*oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticate checks client_secret_basic or client_secret_post; a client
// using both is refused, as RFC 6749 section 2.3 requires.
func (p *Provider) authenticate(r *http.Request, form url.Values) (Client, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			return Client{}, false
		}
		// RFC 6749 section 2.3.1 form-encodes both before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || (form.Has("client_id") && form.Get("client_id") != id) {
			return Client{}, false
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	client, ok := p.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1 {
		return Client{}, false
	}
	return client, true
}

// exchange redeems an authorization code for client.
func (p *Provider) exchange(client Client, form url.Values) (tokenResponse, *oauthError) {
	invalid := func(description string) (tokenResponse, *oauthError) {
		return tokenResponse{}, &oauthError{http.StatusBadRequest, "invalid_grant", description}
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)

	code := form.Get("code")
	g, ok := p.codes[code]
	if !ok || now.After(g.expires) {
		return invalid("the code is unknown or expired")
	}
	if g.used {
		// A replayed code means it leaked: revoke what it bought
		// (RFC 6749 section 4.1.2).
		delete(p.tokens, g.token)
		delete(p.codes, code)
		return invalid("the code was already used")
	}
	// Single use whatever happens next, so a verifier cannot be guessed
	// by retrying.
	g.used = true
	if g.clientID != client.ID {
		return invalid("the code was issued to another client")
	}
	if form.Get("redirect_uri") != g.redirectURI {
		return invalid("the redirect_uri differs from the one sent to /authorize")
	}
	if !pkceMatches(form.Get("code_verifier"), g.challenge) {
		return invalid("the code_verifier does not match the code_challenge")
	}
	// Only a request that would succeed uses up the tamper.
	tamper := p.tamper
	p.tamper = TamperNone
	if tamper == TamperPKCE {
		return invalid("the code_verifier does not match the code_challenge")
	}

	idToken, err := p.idToken(client.ID, g, now, tamper)
	if err != nil {
		return tokenResponse{}, &oauthError{http.StatusInternalServerError, "server_error", "the ID token could not be signed"}
	}
	token := rand.Text()
	a := &access{user: g.user, subject: g.user.Subject, expires: now.Add(accessLifetime)}
	if tamper == TamperUserinfoSubject {
		a.subject = "someone-else"
	}
	p.tokens[token] = a
	g.token = token
	p.issued++
	return tokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int(accessLifetime / time.Second),
		IDToken:     idToken,
		Scope:       g.scope,
	}, nil
}

// pkceMatches checks an RFC 7636 S256 code_verifier against its challenge.
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, c := range verifier {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// idToken makes the signed ID token for grant g, spoiled as tamper asks.
func (p *Provider) idToken(clientID string, g *grant, now time.Time, tamper Tamper) (string, error) {
	claims := userClaims(g.user)
	claims["iss"] = p.issuer
	claims["aud"] = clientID
	claims["azp"] = clientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(idTokenLifetime).Unix()
	claims["auth_time"] = g.authTime.Unix()
	// This provider keeps no sessions of its own; a fresh sid per sign-in
	// lets the portal's back-channel logout be tried against it.
	claims["sid"] = rand.Text()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	key, kid := p.key, p.kid
	switch tamper {
	case TamperWrongIssuer:
		claims["iss"] = "https://issuer.invalid/other"
	case TamperWrongAudience:
		claims["aud"] = "some-other-client"
	case TamperExpired:
		claims["exp"] = now.Add(-time.Hour).Unix()
		claims["iat"] = now.Add(-time.Hour - idTokenLifetime).Unix()
	case TamperWrongNonce:
		claims["nonce"] = "not-" + g.nonce + "-" + rand.Text()
	case TamperAlgNone:
		return unsignedJWT(claims)
	case TamperUnknownKey:
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return "", err
		}
		key, kid = other, rand.Text()
	}
	token, err := signJWT(key, kid, claims)
	if err != nil || tamper != TamperBadSignature {
		return token, err
	}
	return corruptSignature(token)
}

// LogoutToken signs a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0) for client about sub and/or sid, as a provider
// posts it when someone signs out there. extra claims are added or, when
// nil, removed: tests make invalid tokens with it.
func (p *Provider) LogoutToken(clientID, sub, sid string, extra map[string]any) (string, error) {
	now := p.now()
	claims := map[string]any{
		"iss": p.issuer, "aud": clientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": rand.Text(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if sub != "" {
		claims["sub"] = sub
	}
	if sid != "" {
		claims["sid"] = sid
	}
	for k, v := range extra {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return signJWT(p.key, p.kid, claims)
}
