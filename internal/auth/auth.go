// Package auth signs people in through OpenID Connect (authorization code
// flow with PKCE, state and nonce bound to the browser's session) at the
// university's provider or a partner university's, or with a one-time link
// mailed to people without a university account; it keeps their
// server-side sessions and answers who is asking. Every identity is bound
// to its issuer. It knows nothing of Echo: the web layer passes it cookies'
// values and query parameters.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
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
	Issuer       string
	DiscoveryURL string // where to fetch discovery when the issuer host is unreachable from here
	ClientID     string
	ClientSecret string
	// TokenAuth is how the portal authenticates at the token endpoint:
	// client_secret_basic (default) or client_secret_post.
	TokenAuth     string
	RedirectURL   string // the portal's /auth/callback
	PostLogoutURL string // where the provider sends the browser after sign-out
	Scopes        []string
	RolesClaim    string            // e.g. "groups", or a dotted path such as "realm_access.roles"
	RoleMap       map[string]string // claim value -> role name
	Idle          time.Duration
	Absolute      time.Duration
	HTTPClient    *http.Client
	Now           func() time.Time
	// Partners are more providers whose people sign in as incoming
	// applicants; they share RedirectURL.
	Partners []Partner
	// EmailIssuer is the issuer recorded for people who sign in with an
	// emailed link (BaseURL+"/signin/email"); their subject is the address.
	EmailIssuer string
	// LinkLimits bound how many sign-in links are mailed; zero values
	// mean DefaultLinkLimits.
	LinkLimits LinkLimits
	// Unread, when set, is an SQL expression over users that every page
	// shows about its visitor (the bell's unread count): it is read with
	// the session, in the same query, into Visitor.Unread.
	Unread string
	// StudentNumberClaim and YearOfStudyClaim name the university
	// provider's claims (dotted paths) of a home student's number and year
	// of study; "" reads none. Partners' claims are never read for them.
	StudentNumberClaim, YearOfStudyClaim string
}

// Service is the sign-in and session service.
type Service struct {
	o        Options
	db       *db.DB
	users    *user.Store
	audit    *audit.Log
	sessions sessions
	pending  *sealer

	main     *relyingParty
	partners map[string]*relyingParty
	choices  []ProviderChoice
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
	if o.LinkLimits == (LinkLimits{}) {
		o.LinkLimits = DefaultLinkLimits
	}
	style, _ := AuthStyle(o.TokenAuth) // checked by the configuration
	main := &relyingParty{
		issuer: o.Issuer, discovery: o.DiscoveryURL, clientID: o.ClientID, clientSecret: o.ClientSecret,
		redirect: o.RedirectURL, scopes: o.Scopes, authStyle: style,
		roles: func(claims map[string]any) []user.Role { return MapRoles(claimValues(claims, o.RolesClaim), o.RoleMap) },
		student: func(claims map[string]any) (string, int) {
			return StudentNumber(claimAt(claims, o.StudentNumberClaim)), YearOfStudy(claimAt(claims, o.YearOfStudyClaim))
		},
	}
	partners, choices := newPartners(o)
	return &Service{o: o, db: d, users: users, audit: log, sessions: sessions{db: d, idle: o.Idle, absolute: o.Absolute, unread: o.Unread},
		pending: newSealer(o.ClientSecret), main: main, partners: partners, choices: choices}
}

func (s *Service) ctx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, s.o.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, s.o.HTTPClient)
}

// Discover fetches the university provider's discovery document and keys'
// location, once; a failure is retried on the next call.
func (s *Service) Discover(ctx context.Context) (*oidc.Provider, error) {
	return s.main.discover(s.ctx(ctx))
}

// BeginLogin starts a sign-in at the university's provider: it returns the
// pending login sealed for the cookie (nothing is stored: see sealer) and
// the provider URL to send the browser to. loginHint preselects
// a user at providers that honour it.
func (s *Service) BeginLogin(ctx context.Context, returnTo, loginHint string) (rawSession, authURL string, err error) {
	return s.BeginLoginWith(ctx, "", returnTo, loginHint)
}

// BeginLoginWith starts a sign-in at provider ("" for the university's, or
// a partner's name). The pending login remembers the provider, so the
// callback never takes it from the request.
func (s *Service) BeginLoginWith(ctx context.Context, provider, returnTo, loginHint string) (rawSession, authURL string, err error) {
	rp, ok := s.party(provider)
	if !ok {
		return "", "", apperr.New(apperr.NotFound, "error.not_found")
	}
	p, err := rp.discover(s.ctx(ctx))
	if err != nil {
		return "", "", err
	}
	pl := &PendingLogin{
		State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturn(returnTo), StartedAt: s.o.Now(), Provider: provider,
	}
	raw, err := s.pending.seal(pl)
	if err != nil {
		return "", "", apperr.Internalf("seal pending login: %w", err)
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(pl.Nonce), oauth2.S256ChallengeOption(pl.Verifier)}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return raw, rp.oauth(p).AuthCodeURL(pl.State, opts...), nil
}

// Callback is what the provider sent back to /auth/callback.
type Callback struct {
	Code, State, Error, ErrorDescription string
	// Iss is the issuer the provider names in its answer (RFC 9207), when
	// it does: an answer of another provider than the one the login began
	// at is refused before its code goes anywhere.
	Iss string
}

// CompleteLogin finishes a sign-in. The web layer clears the pending
// cookie whatever happens, and the provider redeems a code once (bound to
// this browser by PKCE), so a callback cannot be replayed. On success the
// user gets a new session id (rotation at sign-in) and the page they asked
// for. Every refusal is audited and creates no session; refusals that
// mean the portal's own configuration is wrong are also logged as errors.
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
	pl, err := s.pending.open(rawSession, now)
	if err != nil {
		if errors.Is(err, errSessionExpired) {
			return refuse("login_expired", "auth.refused.expired", err)
		}
		return refuse("no_pending_login", "auth.refused.state", err)
	}
	if cb.State == "" || subtle.ConstantTimeCompare([]byte(cb.State), []byte(pl.State)) != 1 {
		return refuse("state_mismatch", "auth.refused.state", nil)
	}
	switch cb.Error {
	case "":
	case "access_denied":
		// The person pressed Deny or Cancel: nothing went wrong.
		return refuse("cancelled", "auth.cancelled", fmt.Errorf("%s: %s", cb.Error, cb.ErrorDescription))
	default:
		if cb.Error == "unauthorized_client" || cb.Error == "invalid_scope" || cb.Error == "invalid_request" {
			slog.Error("the identity provider refused the portal's sign-in request: check the client's registration",
				"provider", pl.Provider, "error", cb.Error, "error_description", cb.ErrorDescription)
		}
		return refuse("provider_error", "auth.refused.provider", fmt.Errorf("%s: %s", cb.Error, cb.ErrorDescription))
	}
	// The provider is the one the pending login began with: a code or a
	// token from any other provider fails its issuer, audience and keys.
	rp, ok := s.party(pl.Provider)
	if !ok {
		slog.Error("a sign-in came back for a provider that is no longer configured", "provider", pl.Provider)
		return refuse("unknown_provider", "auth.refused.state", fmt.Errorf("provider %q is no longer configured", pl.Provider))
	}
	if cb.Iss != "" && cb.Iss != rp.issuer {
		return refuse("issuer_mismatch", "auth.refused.token", fmt.Errorf("answer from %q, login began at %q", cb.Iss, rp.issuer))
	}
	octx := s.ctx(ctx)
	p, err := rp.discover(octx)
	if err != nil {
		return "", "", err
	}
	tok, err := rp.oauth(p).Exchange(octx, cb.Code, oauth2.VerifierOption(pl.Verifier))
	if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.ErrorCode == "invalid_client" {
		// The provider does not accept the portal's own credentials: the
		// client secret (or the token auth method) is wrong. Only the IT
		// department can mend it, so it is an error of ours, not the user's.
		slog.Error("the identity provider refused the portal's client secret: check the client secret and token auth method settings",
			"provider", rp.label(), "issuer", rp.issuer, "err", err)
		return refuse("wrong_client_secret", "auth.refused.client", err)
	}
	if err != nil {
		return refuse("code_exchange", "auth.refused.token", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return refuse("no_id_token", "auth.refused.token", nil)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: rp.clientID, Now: s.o.Now}).Verify(octx, rawID)
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
		Roles: rp.roles(claims),
	}
	if rp.student != nil {
		id.StudentNumber, id.YearOfStudy = rp.student(claims)
	}
	data := SessionData{IDToken: rawID}
	var detail map[string]any
	if rp.name != "" {
		data, detail = SessionData{Via: "oidc:" + rp.name}, map[string]any{"provider": rp.name}
	}
	newSession, err = s.startSession(ctx, id, data, now, m, detail)
	if err != nil {
		return "", "", err
	}
	if sid := str(claims["sid"]); sid != "" {
		// The provider's session, for its back-channel logout.
		if err := s.db.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", hashID(newSession)).Update("oidc_sid", sid).Error; err != nil {
			return "", "", apperr.Internalf("session sid: %w", err)
		}
	}
	return newSession, pl.ReturnTo, nil
}

// startSession signs the person of id in: it finds or creates their user
// and gives them a new session, audited, whichever way they proved who
// they are. A new id every time: sign-in rotates the session.
func (s *Service) startSession(ctx context.Context, id user.Identity, data SessionData, now time.Time, m audit.Meta, detail map[string]any) (string, error) {
	u, err := s.users.SignIn(ctx, id, now)
	if err != nil {
		return "", err
	}
	var raw string
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		raw, err = s.sessions.create(tx, &u.ID, data, now)
		if err != nil {
			return err
		}
		d := map[string]any{"roles": u.Roles}
		for k, v := range detail {
			d[k] = v
		}
		return audit.Write(tx, audit.New(now, &u.ID, audit.SignIn, m, d))
	})
	if err != nil {
		return "", err
	}
	return raw, nil
}

// Visitor is who is asking: a signed-in user, or nobody.
type Visitor struct {
	User      *user.User
	SessionID string // raw id, for sign-out
	// Unread is Options.Unread for the signed-in user; nil when not asked.
	Unread *int64
}

// Authenticate returns the visitor of a session cookie's value. A missing
// or expired session is an anonymous visitor, not an error; expired is
// reported so that the page can say so.
func (s *Service) Authenticate(ctx context.Context, rawSession string) (v Visitor, expired bool, err error) {
	if rawSession == "" {
		return Visitor{}, false, nil
	}
	now := s.o.Now()
	sess, u, unread, err := s.sessions.load(ctx, rawSession, now)
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
	if u == nil {
		return Visitor{}, false, nil // the user is gone
	}
	if err := s.sessions.touch(ctx, sess, now); err != nil {
		return Visitor{}, false, apperr.Internalf("touch session: %w", err)
	}
	return Visitor{User: u, SessionID: rawSession, Unread: unread}, false, nil
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
	return s.endSessionURL(ctx, sess.data), nil
}

// Purge deletes expired sessions, and sign-in links and link requests
// older than a day; it returns how many sessions it deleted.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	now := s.o.Now()
	if err := s.purgeLinks(ctx, now); err != nil {
		return 0, apperr.Internalf("purge sign-in links: %w", err)
	}
	return s.sessions.purge(ctx, now)
}

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

// claimAt is the claim at a dotted path, nil when there is none.
func claimAt(claims map[string]any, path string) any {
	if path == "" {
		return nil
	}
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// claimValues reads a string or list claim at a dotted path.
func claimValues(claims map[string]any, path string) []string {
	switch v := claimAt(claims, path).(type) {
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
