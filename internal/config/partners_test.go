package config

import (
	"strings"
	"testing"
)

// Partner providers are read per name, and every problem of each is named
// with its variable. An issuer is kept exactly as given, a trailing slash
// included: discovery and every token must name it so.
func TestPartnerProviders(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{
		"PORTAL_WORKERS":                         "0",
		"PORTAL_PARTNER_PROVIDERS":               "kumamoto, uni-lille",
		"PORTAL_PARTNER_KUMAMOTO_ISSUER":         "https://sso.kumamoto-u.ac.jp/",
		"PORTAL_PARTNER_KUMAMOTO_CLIENT_ID":      "portal",
		"PORTAL_PARTNER_KUMAMOTO_CLIENT_SECRET":  "s",
		"PORTAL_PARTNER_KUMAMOTO_LABEL":          "Kumamoto University",
		"PORTAL_PARTNER_UNI_LILLE_ISSUER":        "https://cas.univ-lille.fr",
		"PORTAL_PARTNER_UNI_LILLE_CLIENT_ID":     "portal",
		"PORTAL_PARTNER_UNI_LILLE_CLIENT_SECRET": "t",
		"PORTAL_PARTNER_UNI_LILLE_LABEL":         "Université de Lille",
	}))
	if text != "" {
		t.Fatal(text)
	}
	if len(c.PartnerProviders) != 2 || c.PartnerProviders[0] != (PartnerProvider{Name: "kumamoto", Label: "Kumamoto University",
		Issuer: "https://sso.kumamoto-u.ac.jp/", ClientID: "portal", ClientSecret: "s"}) || c.PartnerProviders[1].Issuer != "https://cas.univ-lille.fr" {
		t.Errorf("partners %+v", c.PartnerProviders)
	}

	_, text = problems(ModeServe, serveEnv(map[string]string{
		"PORTAL_WORKERS":                 "0",
		"PORTAL_PARTNER_PROVIDERS":       "a,B!,a,b,c",
		"PORTAL_PARTNER_A_ISSUER":        "https://sso.example.edu/realms/u",
		"PORTAL_PARTNER_B_ISSUER":        "ftp://x",
		"PORTAL_PARTNER_B_CLIENT_ID":     "p",
		"PORTAL_PARTNER_B_CLIENT_SECRET": "s",
		"PORTAL_PARTNER_B_LABEL":         "B",
		"PORTAL_PARTNER_B_TOKEN_AUTH":    "private_key_jwt",
		"PORTAL_PARTNER_C_TOKEN_AUTH":    "client_secret_post",
		"PORTAL_PARTNER_C_ISSUER":        "https://c.example",
		"PORTAL_PARTNER_C_CLIENT_ID":     "p",
		"PORTAL_PARTNER_C_CLIENT_SECRET": "s",
		"PORTAL_PARTNER_C_LABEL":         "C",
	}))
	for _, want := range []string{
		`PORTAL_PARTNER_PROVIDERS: "B!" is not a provider name`,
		`PORTAL_PARTNER_PROVIDERS names "a" twice`,
		"PORTAL_PARTNER_A_ISSUER is the university's issuer",
		"PORTAL_PARTNER_A_CLIENT_ID is missing",
		"PORTAL_PARTNER_A_CLIENT_SECRET is missing",
		"PORTAL_PARTNER_A_LABEL is missing",
		`PORTAL_PARTNER_B_ISSUER must be an absolute http(s) URL, got "ftp://x"`,
		`PORTAL_PARTNER_B_TOKEN_AUTH is "private_key_jwt"`,
	} {
		if strings.Count(text, want) != 1 {
			t.Errorf("want %q once in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "PORTAL_PARTNER_C") {
		t.Errorf("a well configured partner is reported:\n%s", text)
	}
}
