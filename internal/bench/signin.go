package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/user"
)

// ClientID is the id the portal is registered under at the run's provider.
const ClientID = "portal-bench"

// Provider is the development OpenID provider of a run, served by the
// benchmark process on a loopback port of its own, as a university's
// identity provider would be served apart from the portal.
type Provider struct {
	Issuer       string
	ClientSecret string
	ln           net.Listener
	srv          *http.Server
}

// ListenProvider reserves the provider's address, so that its issuer URL
// is known before the users are generated.
func ListenProvider() (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &Provider{Issuer: "http://" + ln.Addr().String(), ClientSecret: rand.Text(), ln: ln}, nil
}

// Serve starts answering with the personas as users, each under its
// role's name as username, for the portal at portalURL.
func (p *Provider) Serve(personas map[user.Role]user.User, portalURL string) error {
	var users []devoidc.User
	for role, u := range personas {
		users = append(users, devoidc.User{
			Username: string(role), Subject: u.Subject, Email: u.Email, Name: u.Name,
			Locale: u.Locale, Groups: []string{string(role)},
		})
	}
	h, err := devoidc.New(p.Issuer, users, devoidc.Client{
		ID: ClientID, Secret: p.ClientSecret,
		RedirectURIs:           []string{portalURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{portalURL + "/"},
	})
	if err != nil {
		return err
	}
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(p.ln) }()
	return nil
}

// Close stops the provider.
func (p *Provider) Close() error {
	if p.srv == nil {
		return p.ln.Close()
	}
	return p.srv.Close()
}

// SignIn signs username in at the portal through the real code flow, as a
// browser would, and returns the cookies the portal set (the session among
// them). `portal serve` never passes a login_hint to the provider, so the
// hint is added to the provider's URL here, which is what the user's choice
// at a real provider amounts to.
func SignIn(ctx context.Context, portalURL, username string) ([]*http.Cookie, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	first := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := get(ctx, first, portalURL+"/login?return_to=/")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("sign in: /login answered %s, want a redirect to the provider", resp.Status)
	}
	authURL, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	q := authURL.Query()
	q.Set("login_hint", username)
	authURL.RawQuery = q.Encode()

	// The provider redirects to /auth/callback, which redirects to /.
	resp, err = get(ctx, client, authURL.String())
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		return nil, fmt.Errorf("sign in as %s: ended at %s with %s, want / with 200", username, resp.Request.URL.Redacted(), resp.Status)
	}
	u, _ := url.Parse(portalURL)
	cookies := jar.Cookies(u)
	if len(cookies) == 0 {
		return nil, errors.New("sign in: the portal set no cookie")
	}
	return cookies, nil
}

// get does a GET and reads and closes the body.
func get(ctx context.Context, client *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, err
}
