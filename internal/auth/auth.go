// Package auth signs people in through OpenID Connect (authorization code
// flow with PKCE, state and nonce bound to the browser's session), keeps
// their server-side sessions, and answers who is asking. It knows nothing of
// Echo: the web layer passes it cookies' values and query parameters.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/user"
)

// Options configure the relying party and the sessions.
type Options struct {
	Issuer        string
	DiscoveryURL  string // where to fetch discovery when the issuer host is unreachable from here
	ClientID      string
	ClientSecret  string
	RedirectURL   string // the portal's /auth/callback
	PostLogoutURL string // where the provider sends the browser after sign-out
	Scopes        []string
	RolesClaim    string            // e.g. "groups", or a dotted path such as "realm_access.roles"
	RoleMap       map[string]string // claim value -> role name
	Idle          time.Duration
	Absolute      time.Duration
	HTTPClient    *http.Client
	Now           func() time.Time
}

// Service is the sign-in and session service.
type Service struct {
	o        Options
	db       *db.DB
	users    *user.Store
	audit    *audit.Log
	sessions sessions

	mu         sync.Mutex
	provider   *oidc.Provider
	endSession string
}

// New returns a Service. Discovery happens on first use (or by Discover),
// because in dev mode the provider is served by the same process and is not
// listening yet.
func New(d *db.DB, users *user.Store, log *audit.Log, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{o: o, db: d, users: users, audit: log, sessions: sessions{db: d, idle: o.Idle, absolute: o.Absolute}}
}

func (s *Service) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, s.o.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, s.o.HTTPClient)
}

// Discover fetches the provider's discovery document and keys' location,
// once; a failure is retried on the next call.
func (s *Service) Discover(ctx context.Context) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	ctx = s.ctx(ctx)
	where := s.o.Issuer
	if s.o.DiscoveryURL != "" && s.o.DiscoveryURL != s.o.Issuer {
		// The document is fetched from inside a container network, but
		// must still name the issuer the browser and the tokens know.
		ctx = oidc.InsecureIssuerURLContext(ctx, s.o.Issuer)
		where = s.o.DiscoveryURL
	}
	p, err := oidc.NewProvider(ctx, where)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "auth.provider_unreachable")
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	s.provider, s.endSession = p, extra.EndSession
	return p, nil
}

func (s *Service) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: s.o.ClientID, ClientSecret: s.o.ClientSecret, RedirectURL: s.o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: s.o.Scopes,
	}
}

// BeginLogin starts a sign-in: it stores a pending login in a new session
// and returns that session's id (for the cookie) and the provider URL to
// send the browser to. loginHint preselects a user at providers that honour it.
func (s *Service) BeginLogin(ctx context.Context, returnTo, loginHint string) (rawSession, authURL string, err error) {
	p, err := s.Discover(ctx)
	if err != nil {
		return "", "", err
	}
	pl := &PendingLogin{
		State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturn(returnTo), StartedAt: s.o.Now(),
	}
	raw, err := s.sessions.create(s.db.WithContext(ctx), nil, SessionData{Login: pl}, s.o.Now())
	if err != nil {
		return "", "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(pl.Nonce), oauth2.S256ChallengeOption(pl.Verifier)}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return raw, s.oauth(p).AuthCodeURL(pl.State, opts...), nil
}

// Callback is what the provider sent back to /auth/callback.
type Callback struct {
	Code, State, Error, ErrorDescription string
}

// CompleteLogin finishes a sign-in. The pending session is consumed
// whatever happens, so a callback can never be replayed. On success the user
// gets a new session id (rotation at sign-in) and the page they asked for.
// Every refusal is audited and creates no session.
func (s *Service) CompleteLogin(ctx context.Context, rawSession string, cb Callback, m audit.Meta) (newSession, returnTo string, err error) {
	now := s.o.Now()
	refuse := func(reason, key string, cause error) (string, string, error) {
		detail := map[string]any{"reason": reason}
		if cause != nil {
			detail["error"] = cause.Error()
		}
		_ = s.audit.Record(ctx, audit.New(now, nil, audit.SignInRefused, m, detail))
		return "", "", apperr.Wrap(apperr.Unauthorized, cause, key)
	}
	sess, err := s.sessions.take(ctx, rawSession, now)
	if err != nil || sess.data.Login == nil {
		if errors.Is(err, errSessionExpired) {
			return refuse("login_expired", "auth.refused.expired", err)
		}
		return refuse("no_pending_login", "auth.refused.state", err)
	}
	pl := sess.data.Login
	if cb.Error != "" {
		return refuse("provider_error", "auth.refused.provider", fmt.Errorf("%s: %s", cb.Error, cb.ErrorDescription))
	}
	if cb.State == "" || subtle.ConstantTimeCompare([]byte(cb.State), []byte(pl.State)) != 1 {
		return refuse("state_mismatch", "auth.refused.state", nil)
	}
	p, err := s.Discover(ctx)
	if err != nil {
		return "", "", err
	}
	octx := s.ctx(ctx)
	tok, err := s.oauth(p).Exchange(octx, cb.Code, oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		return refuse("code_exchange", "auth.refused.token", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return refuse("no_id_token", "auth.refused.token", nil)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.o.ClientID, Now: s.o.Now}).Verify(octx, rawID)
	if err != nil {
		return refuse("id_token_invalid", "auth.refused.token", err)
	}
	// go-oidc does not check the nonce; without this a token minted for
	// another sign-in could be replayed here.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pl.Nonce)) != 1 {
		return refuse("nonce_mismatch", "auth.refused.token", nil)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return refuse("claims", "auth.refused.token", err)
	}
	if p.UserInfoEndpoint() != "" {
		ui, err := p.UserInfo(octx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return refuse("userinfo", "auth.refused.token", err)
		}
		if ui.Subject != idt.Subject {
			return refuse("userinfo_subject", "auth.refused.token", fmt.Errorf("userinfo sub %q, id token sub %q", ui.Subject, idt.Subject))
		}
		more := map[string]any{}
		if err := ui.Claims(&more); err == nil {
			for k, v := range more {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	id := user.Identity{
		Issuer: idt.Issuer, Subject: idt.Subject,
		Email: str(claims["email"]), Name: displayName(claims), Locale: str(claims["locale"]),
		Roles: MapRoles(claimValues(claims, s.o.RolesClaim), s.o.RoleMap),
	}
	u, err := s.users.SignIn(ctx, id, now)
	if err != nil {
		return "", "", err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		newSession, err = s.sessions.create(tx, &u.ID, SessionData{IDToken: rawID}, now)
		if err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, audit.SignIn, m, map[string]any{"roles": u.Roles}))
	})
	if err != nil {
		return "", "", err
	}
	return newSession, pl.ReturnTo, nil
}

// Visitor is who is asking: a signed-in user, or nobody.
type Visitor struct {
	User      *user.User
	SessionID string // raw id, for sign-out
}

// Authenticate returns the visitor of a session cookie's value. A missing
// or expired session is an anonymous visitor, not an error; expired is
// reported so that the page can say so.
func (s *Service) Authenticate(ctx context.Context, rawSession string) (v Visitor, expired bool, err error) {
	if rawSession == "" {
		return Visitor{}, false, nil
	}
	now := s.o.Now()
	sess, err := s.sessions.load(ctx, rawSession, now)
	switch {
	case errors.Is(err, errNoSession):
		return Visitor{}, false, nil
	case errors.Is(err, errSessionExpired):
		return Visitor{}, true, nil
	case err != nil:
		return Visitor{}, false, err
	case sess.UserID == nil:
		return Visitor{}, false, nil // a sign-in under way
	}
	u, err := s.users.Find(ctx, *sess.UserID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return Visitor{}, false, nil
		}
		return Visitor{}, false, err
	}
	if err := s.sessions.touch(ctx, sess, now); err != nil {
		return Visitor{}, false, apperr.Internalf("touch session: %w", err)
	}
	return Visitor{User: u, SessionID: rawSession}, false, nil
}

// Logout ends the session and returns where to send the browser: the
// provider's end-session endpoint when it has one, else the home page.
func (s *Service) Logout(ctx context.Context, rawSession string, m audit.Meta) (string, error) {
	now := s.o.Now()
	sess, err := s.sessions.take(ctx, rawSession, now)
	if err != nil {
		return "/", nil // already signed out
	}
	if sess.UserID != nil {
		_ = s.audit.Record(ctx, audit.New(now, sess.UserID, audit.SignOut, m, nil))
	}
	if _, err := s.Discover(ctx); err != nil || s.endSession == "" {
		return "/", nil
	}
	q := url.Values{"client_id": {s.o.ClientID}, "post_logout_redirect_uri": {s.o.PostLogoutURL}}
	if sess.data.IDToken != "" {
		q.Set("id_token_hint", sess.data.IDToken)
	}
	sep := "?"
	if strings.Contains(s.endSession, "?") {
		sep = "&"
	}
	return s.endSession + sep + q.Encode(), nil
}

// Purge deletes expired sessions.
func (s *Service) Purge(ctx context.Context) (int64, error) { return s.sessions.purge(ctx, s.o.Now()) }

// SafeReturn keeps return addresses on this site: a path, never a URL to
// another host (no open redirect).
func SafeReturn(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsFunc(p, unsafeInPath) {
		return "/"
	}
	return p
}

// unsafeInPath is what browsers read differently from the server: they
// take a backslash for a slash and drop tabs and newlines, so that
// "/<tab>/evil.example" is "//evil.example", another site.
func unsafeInPath(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }

// MapRoles turns claim values into portal roles: through the map when it
// names the value, else the value itself when it is a role's name.
func MapRoles(values []string, m map[string]string) []user.Role {
	var out []user.Role
	for _, v := range values {
		if mapped, ok := m[v]; ok {
			v = mapped
		}
		if r, ok := user.ParseRole(v); ok {
			out = append(out, r)
		}
	}
	return out
}

// claimValues reads a string or list claim at a dotted path.
func claimValues(claims map[string]any, path string) []string {
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	switch v := cur.(type) {
	case string:
		return strings.Fields(strings.ReplaceAll(v, ",", " "))
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, strings.TrimPrefix(s, "/"))
			}
		}
		return out
	}
	return nil
}

func displayName(c map[string]any) string {
	if n := str(c["name"]); n != "" {
		return n
	}
	if n := strings.TrimSpace(str(c["given_name"]) + " " + str(c["family_name"])); n != "" {
		return n
	}
	if n := str(c["preferred_username"]); n != "" {
		return n
	}
	return str(c["email"])
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func randomToken() string {
	raw, _ := newID()
	return raw
}
