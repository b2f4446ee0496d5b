package config

import (
	"strings"
	"testing"
)

func serveEnv(extra map[string]string) func(string) string {
	env := map[string]string{
		"PORTAL_DATABASE_URL":       "postgres://u@db/portal",
		"PORTAL_BASE_URL":           "https://exchange.example.edu",
		"PORTAL_OIDC_ISSUER":        "https://sso.example.edu/realms/u",
		"PORTAL_OIDC_CLIENT_ID":     "portal",
		"PORTAL_OIDC_CLIENT_SECRET": "s3cret",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func problems(mode Mode, getenv func(string) string) (Config, string) {
	c, errs := Load(mode, getenv)
	errs = append(errs, c.Validate(roles)...)
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	return c, strings.Join(all, "\n")
}

func TestServeNeedsAMailServerWhenItSendsMail(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(nil))
	if c.Workers != DefaultWorkers {
		t.Errorf("workers %d, want %d", c.Workers, DefaultWorkers)
	}
	for _, want := range []string{"PORTAL_SMTP_HOST is missing", "PORTAL_SMTP_FROM is missing"} {
		if strings.Count(text, want) != 1 {
			t.Errorf("want %q once in:\n%s", want, text)
		}
	}
	// A replica that sends no mail needs no mail server.
	if _, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0"})); text != "" {
		t.Errorf("PORTAL_WORKERS=0: %s", text)
	}
	// Dev mode captures mail and needs nothing.
	if c, text := problems(ModeDev, func(string) string { return "" }); text != "" || c.Workers != DefaultWorkers || c.SMTPTLSMode() != "none" {
		t.Errorf("dev: workers %d, TLS %q, problems %s", c.Workers, c.SMTPTLSMode(), text)
	}
}

func TestMailSettingsAreRead(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{
		"PORTAL_WORKERS": "4", "PORTAL_SMTP_HOST": "smtp.example.edu", "PORTAL_SMTP_PORT": "465", "PORTAL_SMTP_TLS": "tls",
		"PORTAL_SMTP_USERNAME": "portal", "PORTAL_SMTP_PASSWORD": " pass word ", "PORTAL_SMTP_FROM": "Electives Office <electives@example.edu>",
		"PORTAL_MAIL_MAX_ATTEMPTS": "5",
	}))
	if text != "" {
		t.Fatal(text)
	}
	if c.Workers != 4 || c.SMTPHost != "smtp.example.edu" || c.SMTPPort != 465 || c.SMTPTLSMode() != "tls" ||
		c.SMTPUsername != "portal" || c.SMTPPassword != " pass word " || c.MailAttempts() != 5 {
		t.Errorf("parsed %+v", c)
	}
	if c, _ := problems(ModeServe, serveEnv(nil)); c.SMTPTLSMode() != "starttls" || c.MailAttempts() != DefaultMailMaxAttempts {
		t.Errorf("serve defaults: TLS %q, attempts %d", c.SMTPTLSMode(), c.MailAttempts())
	}
}

func TestBadMailSettingsAreEachNamed(t *testing.T) {
	_, text := problems(ModeServe, serveEnv(map[string]string{
		"PORTAL_WORKERS": "-1", "PORTAL_SMTP_HOST": "smtp.example.edu", "PORTAL_SMTP_PORT": "99999", "PORTAL_SMTP_TLS": "ssl3",
		"PORTAL_SMTP_FROM": "electives at example", "PORTAL_SMTP_PASSWORD": "x", "PORTAL_MAIL_MAX_ATTEMPTS": "0",
	}))
	for _, want := range []string{
		`PORTAL_WORKERS must be a whole number from 0 to 64, got "-1"`,
		`PORTAL_SMTP_PORT must be a whole number from 1 to 65535, got "99999"`,
		`PORTAL_SMTP_TLS must be none, starttls or tls, got "ssl3"`,
		`PORTAL_SMTP_FROM must be an address`,
		`PORTAL_SMTP_PASSWORD is set without PORTAL_SMTP_USERNAME`,
		`PORTAL_MAIL_MAX_ATTEMPTS must be a whole number from 1 to 50, got "0"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}
