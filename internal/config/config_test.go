package config

import (
	"strings"
	"testing"
	"time"
)

var roles = []string{"student", "incoming", "reviewer", "office", "coordinator", "admin"}

func TestDevNeedsNothing(t *testing.T) {
	c, errs := Load(ModeDev, func(string) string { return "" })
	errs = append(errs, c.Validate(roles)...)
	if len(errs) > 0 {
		t.Fatalf("dev mode with no environment: %v", errs)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DatabaseURL != "var/portal.db" {
		t.Errorf("dev defaults: %+v", c)
	}
	if c.SessionIdle != 30*time.Minute || c.SessionAbsolute != 12*time.Hour {
		t.Errorf("session defaults: %s %s", c.SessionIdle, c.SessionAbsolute)
	}
	if c.DBMaxIdle != c.DBMaxOpen || c.DBMaxIdle < 2 {
		t.Errorf("pool keeps %d idle of %d open; idle must match open", c.DBMaxIdle, c.DBMaxOpen)
	}
	if c.Secure() {
		t.Error("http base URL reported secure")
	}
}

func TestServeReadsEverything(t *testing.T) {
	env := map[string]string{
		"PORTAL_DATABASE_URL":       "postgres://u@db/portal",
		"PORTAL_BASE_URL":           "https://exchange.example.edu/",
		"PORTAL_OIDC_ISSUER":        "https://sso.example.edu/realms/u",
		"PORTAL_OIDC_CLIENT_ID":     "portal",
		"PORTAL_OIDC_CLIENT_SECRET": "s3cret",
		"PORTAL_OIDC_SCOPES":        "openid,email profile groups",
		"PORTAL_OIDC_ROLE_MAP":      "intl-office=office, med-students=student",
		"PORTAL_OIDC_ROLES_CLAIM":   "realm_access.roles",
		"PORTAL_SESSION_IDLE":       "15m",
		"PORTAL_DB_MAX_OPEN":        "12",
		"PORTAL_SMTP_HOST":          "smtp.example.edu",
		"PORTAL_SMTP_FROM":          "Electives Office <electives@example.edu>",
	}
	c, errs := Load(ModeServe, func(k string) string { return env[k] })
	errs = append(errs, c.Validate(roles)...)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if c.BaseURL != "https://exchange.example.edu" || !c.Secure() {
		t.Errorf("base URL %q secure=%v", c.BaseURL, c.Secure())
	}
	if strings.Join(c.OIDCScopes, " ") != "openid email profile groups" {
		t.Errorf("scopes %v", c.OIDCScopes)
	}
	if c.OIDCRoleMap["intl-office"] != "office" || c.OIDCRoleMap["med-students"] != "student" {
		t.Errorf("role map %v", c.OIDCRoleMap)
	}
	if c.DBMaxOpen != 12 || c.DBMaxIdle != 12 || c.SessionIdle != 15*time.Minute || c.Metrics {
		t.Errorf("parsed %+v", c)
	}
}

func TestBadValuesAreEachNamed(t *testing.T) {
	env := map[string]string{
		"PORTAL_OIDC_SCOPES":   "profile",
		"PORTAL_OIDC_ROLE_MAP": "justaword",
		"PORTAL_LOG_FORMAT":    "xml",
		"PORTAL_METRICS":       "maybe",
		"PORTAL_DB_MAX_IDLE":   "0",
	}
	c, errs := Load(ModeDev, func(k string) string { return env[k] })
	errs = append(errs, c.Validate(roles)...)
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"PORTAL_OIDC_SCOPES must include openid", `"justaword" is not claimValue=role`, "PORTAL_LOG_FORMAT must be text or json", "PORTAL_METRICS must be true or false", "PORTAL_DB_MAX_IDLE must be a positive"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}
