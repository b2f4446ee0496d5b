package devoidc

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authRequest is an authorization request; the picker page carries it
// through its form so that the chosen user can be approved by POST.
type authRequest struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	Scope               string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// parseAuthRequest reads the parameters the provider understands.
func parseAuthRequest(form url.Values) authRequest {
	return authRequest{
		ClientID:            form.Get("client_id"),
		RedirectURI:         form.Get("redirect_uri"),
		ResponseType:        form.Get("response_type"),
		Scope:               form.Get("scope"),
		State:               form.Get("state"),
		Nonce:               form.Get("nonce"),
		CodeChallenge:       form.Get("code_challenge"),
		CodeChallengeMethod: form.Get("code_challenge_method"),
	}
}

// hidden is the request as the picker's hidden inputs; empty ones are left
// out so that they stay absent rather than becoming empty.
func (a authRequest) hidden() map[string]string {
	all := map[string]string{
		"client_id":             a.ClientID,
		"redirect_uri":          a.RedirectURI,
		"response_type":         a.ResponseType,
		"scope":                 a.Scope,
		"state":                 a.State,
		"nonce":                 a.Nonce,
		"code_challenge":        a.CodeChallenge,
		"code_challenge_method": a.CodeChallengeMethod,
	}
	for k, v := range all {
		if v == "" {
			delete(all, k)
		}
	}
	return all
}

// supportedScopes are the scopes this provider grants; others are ignored,
// as RFC 6749 section 3.3 allows.
func supportedScopes() []string { return []string{"openid", "profile", "email", "groups"} }

// readForm reads the parameters of a front-channel request, GET or POST,
// and refuses any given twice. On failure it has answered with a page.
func (p *Provider) readForm(w http.ResponseWriter, r *http.Request, what string) (url.Values, bool) {
	var form url.Values
	switch r.Method {
	case http.MethodGet:
		form = r.URL.Query()
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			p.errorPage(w, http.StatusBadRequest, "The "+what+" request could not be read.")
			return nil, false
		}
		form = r.PostForm
	default:
		w.Header().Set("Allow", "GET, POST")
		p.errorPage(w, http.StatusMethodNotAllowed, "The "+what+" request must use GET or POST.")
		return nil, false
	}
	if name := repeated(form); name != "" {
		p.errorPage(w, http.StatusBadRequest, "The parameter "+name+" is given more than once.")
		return nil, false
	}
	return form, true
}

// authorize handles GET and POST /authorize.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	form, ok := p.readForm(w, r, "sign-in")
	if !ok {
		return
	}
	req := parseAuthRequest(form)

	// Until the redirect URI is known to belong to the client, errors must
	// not be redirected anywhere (RFC 6749 section 4.1.2.1).
	client, ok := p.clients[req.ClientID]
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "The client_id is missing or unknown.")
		return
	}
	if !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		p.errorPage(w, http.StatusBadRequest, "The redirect_uri is missing or not registered for this client.")
		return
	}

	fail := func(code, description string) {
		params := url.Values{"error": {code}, "error_description": {description}, "iss": {p.issuer}}
		if req.State != "" {
			params.Set("state", req.State)
		}
		redirect(w, r, req.RedirectURI, params)
	}
	if req.ResponseType != "code" {
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	}
	var scopes []string
	for _, s := range strings.Fields(req.Scope) {
		if slices.Contains(supportedScopes(), s) && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if !slices.Contains(scopes, "openid") {
		fail("invalid_scope", "the scope must contain openid")
		return
	}
	if req.CodeChallengeMethod != "S256" || !validChallenge(req.CodeChallenge) {
		fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256")
		return
	}

	var user User
	if r.Method == http.MethodPost {
		user, ok = p.user(form.Get("username"))
		if !ok {
			p.picker(w, http.StatusBadRequest, req, "Choose one of the demo users below.")
			return
		}
	} else if user, ok = p.user(form.Get("login_hint")); !ok {
		// There is no session to reuse, so without a usable hint the
		// user has to be asked, which prompt=none forbids.
		if form.Get("prompt") == "none" {
			fail("login_required", "prompt=none needs a login_hint naming a demo user")
			return
		}
		p.picker(w, http.StatusOK, req, "")
		return
	}

	code := rand.Text()
	now := p.now()
	p.mu.Lock()
	p.prune(now)
	p.codes[code] = &grant{
		clientID:    client.ID,
		redirectURI: req.RedirectURI,
		user:        user,
		scope:       strings.Join(scopes, " "),
		nonce:       req.Nonce,
		challenge:   req.CodeChallenge,
		authTime:    now,
		expires:     now.Add(codeLifetime),
	}
	p.mu.Unlock()

	params := url.Values{"code": {code}, "iss": {p.issuer}}
	if req.State != "" {
		params.Set("state", req.State)
	}
	redirect(w, r, req.RedirectURI, params)
}

// validChallenge reports whether c looks like an S256 challenge: the
// unpadded base64url encoding of a SHA-256 digest (RFC 7636 section 4.2).
func validChallenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == 32
}
