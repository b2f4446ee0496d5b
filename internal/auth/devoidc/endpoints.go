package devoidc

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// discovery serves the OpenID Provider Metadata (OpenID Connect Discovery
// 1.0 section 3) that relying parties configure themselves from.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	claims := []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp",
		"name", "email", "email_verified", "preferred_username", "locale", "groups"}
	for _, u := range p.users {
		for _, k := range slices.Sorted(maps.Keys(u.Extra)) {
			if !slices.Contains(claims, k) {
				claims = append(claims, k)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         p.issuer,
		"authorization_endpoint":                         p.issuer + "/authorize",
		"token_endpoint":                                 p.issuer + "/token",
		"userinfo_endpoint":                              p.issuer + "/userinfo",
		"jwks_uri":                                       p.issuer + "/jwks",
		"end_session_endpoint":                           p.issuer + "/end-session",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"ES256"},
		"code_challenge_methods_supported":               []string{"S256"},
		"scopes_supported":                               supportedScopes(),
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "client_secret_post"},
		"claims_supported":                               claims,
		"authorization_response_iss_parameter_supported": true,
	})
}

// jwks serves the public signing key as a JSON Web Key Set (RFC 7517).
func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	point, err := p.key.PublicKey.Bytes() // 0x04 || X || Y, 32 bytes each
	if err != nil {
		http.Error(w, "no public key", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "EC",
		"crv": "P-256",
		"use": "sig",
		"alg": "ES256",
		"kid": p.kid,
		"x":   base64.RawURLEncoding.EncodeToString(point[1:33]),
		"y":   base64.RawURLEncoding.EncodeToString(point[33:65]),
	}}})
}

// userinfo serves the UserInfo endpoint (OpenID Connect Core section 5.3).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		// RFC 6750 section 3.1: no error code when no token was sent.
		w.Header().Set("WWW-Authenticate", `Bearer realm="devoidc"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "a Bearer access token is required"})
		return
	}
	now := p.now()
	p.mu.Lock()
	a, ok := p.tokens[token]
	p.mu.Unlock()
	if !ok || now.After(a.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devoidc", error="invalid_token", error_description="unknown or expired access token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "unknown or expired access token"})
		return
	}
	claims := userClaims(a.user)
	claims["sub"] = a.subject
	writeJSON(w, http.StatusOK, claims)
}

// endSession serves RP-Initiated Logout 1.0. There is no session to end
// here, so it only checks where it may send the browser back to.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	form, ok := p.readForm(w, r, "sign-out")
	if !ok {
		return
	}
	clientID := form.Get("client_id")
	if hint := form.Get("id_token_hint"); hint != "" {
		claims, err := p.verifyOwnJWT(hint)
		if err != nil {
			p.errorPage(w, http.StatusBadRequest, "The id_token_hint is not an ID token issued by this provider.")
			return
		}
		aud, _ := claims["aud"].(string)
		if clientID != "" && clientID != aud {
			p.errorPage(w, http.StatusBadRequest, "The client_id does not match the id_token_hint.")
			return
		}
		clientID = aud
	}
	target := form.Get("post_logout_redirect_uri")
	if target == "" {
		p.signedOutPage(w)
		return
	}
	client, ok := p.clients[clientID]
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "A post_logout_redirect_uri needs a client_id or id_token_hint naming a known client.")
		return
	}
	if !slices.Contains(client.PostLogoutRedirectURIs, target) {
		p.errorPage(w, http.StatusBadRequest, "The post_logout_redirect_uri is not registered for this client.")
		return
	}
	params := url.Values{}
	if state := form.Get("state"); state != "" {
		params.Set("state", state)
	}
	redirect(w, r, target, params)
}

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
