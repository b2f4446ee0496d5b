package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"portal/internal/apperr"
	"portal/internal/user"
)

// Partner is an OpenID provider configured beside the university's, such
// as a partner university's. Its people are incoming applicants: they get
// the incoming role and nothing else, whatever its claims say, because the
// portal cannot trust another institution to hand out its roles.
type Partner struct {
	Name         string // in URLs: /login?provider=<name>
	Label        string // on the sign-in button
	Issuer       string
	DiscoveryURL string // optional, as Options.DiscoveryURL
	ClientID     string
	ClientSecret string
	TokenAuth    string   // as Options.TokenAuth
	Scopes       []string // empty: openid profile email
}

// ProviderChoice is a partner provider as the sign-in page offers it.
type ProviderChoice struct{ Name, Label string }

// relyingParty is the portal as the client of one provider: its
// registration there and the provider's discovered metadata.
type relyingParty struct {
	name                             string // "" for the university's provider
	issuer, discovery                string
	clientID, clientSecret, redirect string
	scopes                           []string
	authStyle                        oauth2.AuthStyle
	roles                            func(claims map[string]any) []user.Role
	student                          func(claims map[string]any) (number string, year int) // nil: not read (partners)
	mu                               sync.Mutex
	provider                         *oidc.Provider
	endSession                       string
	failed                           error     // the last discovery's failure, while there is no provider
	failedAt                         time.Time // when
	// status is failed (nil once discovered) for ProviderStatus, which
	// must not wait behind mu while a discovery hangs: /readyz asks it.
	status atomic.Pointer[error]
}

// retryAfter is how long a failed discovery is reported as is, instead of
// being tried again by every sign-in: during an outage each would wait for
// the provider's timeout while holding the lock.
const retryAfter = 5 * time.Second

// discover fetches the provider's discovery document once; a failure is
// retried on a later call (or by WatchProviders).
func (rp *relyingParty) discover(ctx context.Context) (*oidc.Provider, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, nil
	}
	if rp.failed != nil && time.Since(rp.failedAt) < retryAfter {
		return nil, apperr.Wrap(apperr.Unavailable, rp.failed, "auth.provider_unreachable")
	}
	where := rp.issuer
	if rp.discovery != "" && rp.discovery != rp.issuer {
		// The document is fetched from inside a container network, but
		// must still name the issuer the browser and the tokens know.
		ctx = oidc.InsecureIssuerURLContext(ctx, rp.issuer)
		where = rp.discovery
	}
	p, err := oidc.NewProvider(ctx, where)
	if err != nil {
		rp.failed, rp.failedAt = err, time.Now()
		rp.status.Store(&err)
		return nil, apperr.Wrap(apperr.Unavailable, err, "auth.provider_unreachable")
	}
	rp.failed = nil
	rp.status.Store(new(error))
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	rp.provider, rp.endSession = p, extra.EndSession
	return p, nil
}

func (rp *relyingParty) oauth(p *oidc.Provider) *oauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = rp.authStyle
	return &oauth2.Config{
		ClientID: rp.clientID, ClientSecret: rp.clientSecret, RedirectURL: rp.redirect,
		Endpoint: ep, Scopes: rp.scopes,
	}
}

// AuthStyle is the token endpoint's client authentication method of a
// setting: client_secret_basic (the default, what OpenID Connect says a
// provider must support) or client_secret_post. It is never guessed:
// x/oauth2's guessing retries a refused secret the other way and then
// reports the second refusal, a method mismatch, for a wrong secret.
func AuthStyle(method string) (oauth2.AuthStyle, error) {
	switch method {
	case "", "client_secret_basic":
		return oauth2.AuthStyleInHeader, nil
	case "client_secret_post":
		return oauth2.AuthStyleInParams, nil
	}
	return 0, fmt.Errorf("token auth method %q: use client_secret_basic or client_secret_post", method)
}

// ProviderStatus is whether the portal has reached one provider.
type ProviderStatus struct {
	Name   string // "" for the university's provider
	Issuer string
	Err    error // nil once its discovery document is read
}

// ProviderStatus reports every provider's discovery, for /readyz: an
// unreachable provider does not make the portal unready (signed-in people
// keep working), but operators must see it.
func (s *Service) ProviderStatus() []ProviderStatus {
	var out []ProviderStatus
	for _, rp := range s.all() {
		st := ProviderStatus{Name: rp.name, Issuer: rp.issuer}
		if err := rp.status.Load(); err != nil {
			st.Err = *err
		} // else not tried yet: dev mode discovers on first use
		out = append(out, st)
	}
	return out
}

// WatchProviders reads every provider's discovery document now and, for
// those that do not answer, again with a growing pause until they do or
// ctx ends. It never stops the portal: an identity provider's outage must
// not keep pods from starting. Each failure is logged as an error.
func (s *Service) WatchProviders(ctx context.Context) {
	for _, rp := range s.all() {
		go func() {
			pause := retryAfter
			for {
				_, err := rp.discover(s.ctx(ctx))
				if err == nil {
					if pause > retryAfter {
						slog.Info("identity provider reached", "provider", rp.label(), "issuer", rp.issuer)
					}
					return
				}
				slog.Error("identity provider unreachable; sign-in through it answers 503 until it is reached",
					"provider", rp.label(), "issuer", rp.issuer, "err", errors.Unwrap(err), "retry_in", pause)
				select {
				case <-ctx.Done():
					return
				case <-time.After(pause):
				}
				pause = min(pause*2, time.Minute)
			}
		}()
	}
}

func (rp *relyingParty) label() string {
	if rp.name == "" {
		return "university"
	}
	return rp.name
}

// all is every relying party, the university's first.
func (s *Service) all() []*relyingParty {
	out := []*relyingParty{s.main}
	for _, c := range s.choices {
		out = append(out, s.partners[c.Name])
	}
	return out
}

// incomingOnly is the role policy of partner providers.
func incomingOnly(map[string]any) []user.Role { return []user.Role{user.Incoming} }

// newPartners builds the relying parties of the partners; the callback is
// the university's, since the pending login says which provider began it.
func newPartners(o Options) (map[string]*relyingParty, []ProviderChoice) {
	rps := map[string]*relyingParty{}
	var choices []ProviderChoice
	for _, p := range o.Partners {
		scopes := p.Scopes
		if len(scopes) == 0 {
			scopes = []string{oidc.ScopeOpenID, "profile", "email"}
		}
		style, _ := AuthStyle(p.TokenAuth) // checked by the configuration
		rps[p.Name] = &relyingParty{
			name: p.Name, issuer: p.Issuer, discovery: p.DiscoveryURL,
			clientID: p.ClientID, clientSecret: p.ClientSecret, redirect: o.RedirectURL,
			scopes: scopes, roles: incomingOnly, authStyle: style,
		}
		choices = append(choices, ProviderChoice{Name: p.Name, Label: p.Label})
	}
	return rps, choices
}

// Partners lists the partner providers, in configuration order.
func (s *Service) Partners() []ProviderChoice { return s.choices }

// party returns the relying party of provider name ("" is the university's).
func (s *Service) party(name string) (*relyingParty, bool) {
	if name == "" {
		return s.main, true
	}
	rp, ok := s.partners[name]
	return rp, ok
}

// endSessionURL is where sign-out sends the browser for the provider of a
// session: the university provider's end-session endpoint with its hint.
// Partner and email sessions end here only: the portal has no business
// signing anyone out of another institution.
func (s *Service) endSessionURL(ctx context.Context, data SessionData) string {
	if data.Via != "" {
		return "/"
	}
	if _, err := s.main.discover(s.ctx(ctx)); err != nil || s.main.endSession == "" {
		return "/"
	}
	q := url.Values{"client_id": {s.main.clientID}, "post_logout_redirect_uri": {s.o.PostLogoutURL}}
	if data.IDToken != "" {
		q.Set("id_token_hint", data.IDToken)
	}
	sep := "?"
	if strings.Contains(s.main.endSession, "?") {
		sep = "&"
	}
	return s.main.endSession + sep + q.Encode()
}
