package config

import (
	"strings"
	"testing"
)

// The office's contact is optional; when set it must be an address, or the
// portal refuses to start and says which setting is wrong.
func TestOfficeContact(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0"}))
	if text != "" || c.OfficeContact != "" {
		t.Errorf("unset: %q, %s", c.OfficeContact, text)
	}
	c, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0", "PORTAL_OFFICE_CONTACT": "exchange@med.example.edu"}))
	if text != "" || c.OfficeContact != "exchange@med.example.edu" {
		t.Errorf("an address: %q, %s", c.OfficeContact, text)
	}
	_, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0", "PORTAL_OFFICE_CONTACT": "room 301"}))
	if !strings.Contains(text, "PORTAL_OFFICE_CONTACT") {
		t.Errorf("not an address: %q", text)
	}
}
