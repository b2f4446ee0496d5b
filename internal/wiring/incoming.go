package wiring

import (
	"portal/internal/auth"
	"portal/internal/auth/devoidc"
	"portal/internal/config"
)

// devPartner starts dev mode's partner university provider at
// BaseURL/dev/partner-oidc and configures it as a partner, so that a
// newcomer sees a foreign student sign in with their home university.
func (a *App) devPartner() error {
	cfg := &a.Config
	p := config.PartnerProvider{
		Name: "demo-partner", Label: "Kumamoto University (demo)", Issuer: cfg.BaseURL + "/dev/partner-oidc",
		ClientID: "portal-partner-dev", ClientSecret: randomHex(16),
	}
	dev, err := devoidc.New(p.Issuer, devoidc.PartnerUsers(), devoidc.Client{
		ID: p.ClientID, Secret: p.ClientSecret,
		RedirectURIs: []string{cfg.BaseURL + "/auth/callback"},
	})
	if err != nil {
		return err
	}
	a.DevPartner = dev
	cfg.PartnerProviders = append(cfg.PartnerProviders, p)
	return nil
}

// partners are the partner providers of the configuration, for auth.
func partners(ps []config.PartnerProvider) []auth.Partner {
	out := make([]auth.Partner, 0, len(ps))
	for _, p := range ps {
		out = append(out, auth.Partner{Name: p.Name, Label: p.Label, Issuer: p.Issuer, DiscoveryURL: p.DiscoveryURL,
			ClientID: p.ClientID, ClientSecret: p.ClientSecret, TokenAuth: p.TokenAuth})
	}
	return out
}
