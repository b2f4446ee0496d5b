package config

import (
	"strings"
	"testing"
)

// The portal shows times in Taipei unless told otherwise; a zone it does
// not know stops it at start, named.
func TestTimeZone(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0"}))
	if text != "" || c.TimeZone != "Asia/Taipei" {
		t.Errorf("unset: %q, %s", c.TimeZone, text)
	}
	if z, err := c.Zone(); err != nil || z.Name() != "Asia/Taipei" {
		t.Errorf("Zone() = %v, %v", z.Name(), err)
	}
	c, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_TIME_ZONE": "Europe/Paris", "PORTAL_WORKERS": "0"}))
	if text != "" || c.TimeZone != "Europe/Paris" {
		t.Errorf("PORTAL_TIME_ZONE=Europe/Paris: %q, %s", c.TimeZone, text)
	}
	for _, bad := range []string{"Asia/Taipe", "Local", "CST"} {
		_, text := problems(ModeDev, func(k string) string {
			if k == "PORTAL_TIME_ZONE" {
				return bad
			}
			return ""
		})
		if !strings.Contains(text, `PORTAL_TIME_ZONE: `) || !strings.Contains(text, `"`+bad+`"`) {
			t.Errorf("PORTAL_TIME_ZONE=%s: %q", bad, text)
		}
	}
}
