package auth

import (
	"context"
	"net/url"
	"strings"
	"sync"

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
	roles                            func(claims map[string]any) []user.Role
	mu                               sync.Mutex
	provider                         *oidc.Provider
	endSession                       string
}

// discover fetches the provider's discovery document once; a failure is
// retried on the next call.
func (rp *relyingParty) discover(ctx context.Context) (*oidc.Provider, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, nil
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
		return nil, apperr.Wrap(apperr.Unavailable, err, "auth.provider_unreachable")
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	rp.provider, rp.endSession = p, extra.EndSession
	return p, nil
}

func (rp *relyingParty) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: rp.clientID, ClientSecret: rp.clientSecret, RedirectURL: rp.redirect,
		Endpoint: p.Endpoint(), Scopes: rp.scopes,
	}
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
		rps[p.Name] = &relyingParty{
			name: p.Name, issuer: p.Issuer, discovery: p.DiscoveryURL,
			clientID: p.ClientID, clientSecret: p.ClientSecret, redirect: o.RedirectURL,
			scopes: scopes, roles: incomingOnly,
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
