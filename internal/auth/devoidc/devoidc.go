// Package devoidc is a small OpenID Connect provider of the portal's own.
//
// It exists for two reasons: `portal dev` serves it under /dev/oidc so a
// newcomer can sign in as any role without a real university identity
// provider, and tests serve it from httptest and make it misbehave on
// purpose (see Tamper) to prove that the relying party refuses bad
// sign-ins. It follows the authorization code flow with PKCE of OpenID
// Connect Core closely enough that github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2 use it unchanged. Everything lives in memory; it must
// never be served in production.
package devoidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Lifetimes are short because nothing here needs to survive a sign-in.
const (
	codeLifetime    = 60 * time.Second
	idTokenLifetime = 5 * time.Minute
	accessLifetime  = 10 * time.Minute

	// maxFormBytes bounds request bodies; real requests are a few hundred bytes.
	maxFormBytes = 64 << 10
)

// User is a demo identity the provider can sign in.
type User struct {
	Username string         // preferred_username and the login_hint value, e.g. "student"
	Subject  string         // sub; stable
	Email    string         // email, always reported as verified
	Name     string         // name
	Locale   string         // e.g. "en" or "zh-Hant"; may be empty
	Groups   []string       // emitted in the "groups" claim
	Extra    map[string]any // more claims, e.g. "year_of_study": 5
}

// Client is a registered relying party.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string // exact match required
	PostLogoutRedirectURIs []string // exact match required
}

// Tamper is a deliberate fault the provider applies to the next token
// response, so that tests can prove the relying party refuses it.
type Tamper int

// The faults a test can ask for with TamperNext.
const (
	TamperNone            Tamper = iota
	TamperWrongIssuer            // iss is another URL
	TamperWrongAudience          // aud is another client id
	TamperExpired                // exp and iat in the past (exp an hour ago)
	TamperBadSignature           // signature bytes altered
	TamperAlgNone                // header alg "none", empty signature
	TamperUnknownKey             // signed by a different key whose kid is not in the JWKS
	TamperWrongNonce             // nonce claim differs from the one sent at authorize
	TamperUserinfoSubject        // /userinfo for that access token answers with a different sub
	TamperPKCE                   // at /token, behave as if the code_verifier did not match: invalid_grant
)

// Provider is an in-memory OpenID Connect provider; it is an http.Handler.
type Provider struct {
	issuer  string
	key     *ecdsa.PrivateKey
	kid     string
	users   []User // in the order the picker shows them
	clients map[string]Client
	pages   *template.Template
	now     func() time.Time // tests replace it to expire codes

	mu     sync.Mutex
	codes  map[string]*grant
	tokens map[string]*access
	tamper Tamper
	issued int
}

// grant is what /authorize approved, waiting to be exchanged at /token.
type grant struct {
	clientID    string
	redirectURI string
	user        User
	scope       string
	nonce       string
	challenge   string
	authTime    time.Time
	expires     time.Time
	used        bool   // kept after the exchange so that a replay is noticed
	token       string // access token issued for this code, revoked on replay
}

// access is what an access token grants at /userinfo.
type access struct {
	user    User
	subject string // the user's sub, unless TamperUserinfoSubject
	expires time.Time
}

// New makes a provider whose issuer is the given absolute URL (e.g.
// "http://127.0.0.1:8080/dev/oidc", no trailing slash). It generates a fresh
// ECDSA P-256 signing key (ES256) with a random kid, so tokens from an
// earlier run are never accepted.
func New(issuer string, users []User, clients ...Client) (*Provider, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(issuer, "/") {
		return nil, fmt.Errorf("devoidc: issuer %q must be an absolute http(s) URL without query, fragment or trailing slash", issuer)
	}
	if len(users) == 0 {
		return nil, errors.New("devoidc: at least one user is needed")
	}
	seen := map[string]bool{}
	for _, usr := range users {
		if usr.Username == "" || usr.Subject == "" || seen[usr.Username] {
			return nil, fmt.Errorf("devoidc: user %q needs a unique username and a subject", usr.Username)
		}
		seen[usr.Username] = true
	}
	byID := map[string]Client{}
	for _, c := range clients {
		if c.ID == "" || c.Secret == "" {
			return nil, errors.New("devoidc: a client needs an id and a secret")
		}
		if _, dup := byID[c.ID]; dup {
			return nil, fmt.Errorf("devoidc: client %q registered twice", c.ID)
		}
		for _, uri := range slices.Concat(c.RedirectURIs, c.PostLogoutRedirectURIs) {
			if ru, err := url.Parse(uri); err != nil || !ru.IsAbs() || ru.Fragment != "" {
				return nil, fmt.Errorf("devoidc: client %q: %q is not an absolute URL without fragment", c.ID, uri)
			}
		}
		byID[c.ID] = c
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devoidc: generate signing key: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Provider{
		issuer:  issuer,
		key:     key,
		kid:     rand.Text(),
		users:   slices.Clone(users),
		clients: byID,
		pages:   pages,
		now:     time.Now,
		codes:   map[string]*grant{},
		tokens:  map[string]*access{},
	}, nil
}

// Issuer returns the issuer URL, which relying parties pass to discovery.
func (p *Provider) Issuer() string { return p.issuer }

// TamperNext makes the next successful /token exchange (only the next) apply t.
func (p *Provider) TamperNext(t Tamper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = t
}

// TokensIssued reports how many /token requests succeeded, so tests can
// assert a refused flow issued no second token.
func (p *Provider) TokensIssued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issued
}

// ServeHTTP serves the provider. Paths are relative to the issuer path, so
// the portal mounts it with http.StripPrefix("/dev/oidc", p) and tests may
// mount it at the root of a server whose URL is the issuer.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		p.discovery(w, r)
	case "/jwks":
		p.jwks(w, r)
	case "/authorize":
		p.authorize(w, r)
	case "/token":
		p.token(w, r)
	case "/userinfo":
		p.userinfo(w, r)
	case "/end-session":
		p.endSession(w, r)
	default:
		http.NotFound(w, r)
	}
}

// user finds a user by username.
func (p *Provider) user(username string) (User, bool) {
	for _, u := range p.users {
		if u.Username == username {
			return u, true
		}
	}
	return User{}, false
}

// prune drops expired codes and tokens so memory stays bounded; it is
// called with p.mu held whenever something new is stored.
func (p *Provider) prune(now time.Time) {
	for code, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, code)
		}
	}
	for token, a := range p.tokens {
		if now.After(a.expires) {
			delete(p.tokens, token)
		}
	}
}

// userClaims are the claims about u shared by the ID token and /userinfo.
// Extra goes first so that it can never override a standard claim.
func userClaims(u User) map[string]any {
	claims := map[string]any{}
	for k, v := range u.Extra {
		claims[k] = v
	}
	claims["sub"] = u.Subject
	claims["preferred_username"] = u.Username
	if u.Name != "" {
		claims["name"] = u.Name
	}
	if u.Email != "" {
		claims["email"] = u.Email
		claims["email_verified"] = true
	}
	if u.Locale != "" {
		claims["locale"] = u.Locale
	}
	if len(u.Groups) > 0 {
		claims["groups"] = u.Groups
	}
	return claims
}

// allow answers 405 unless the request uses one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// repeated names a parameter given more than once, which RFC 6749 forbids.
func repeated(form url.Values) string {
	for name, values := range form {
		if len(values) > 1 {
			return name
		}
	}
	return ""
}

// redirect sends the browser to base with params added to its query.
func redirect(w http.ResponseWriter, r *http.Request, base string, params url.Values) {
	u, err := url.Parse(base) // registered URIs were checked in New
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	// The URL carries a code or state; keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusFound)
}
