package web_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/testutil"
	"portal/internal/wiring"
)

// TestTheOfficeTrustsAPartnerPortalByItsKey: the office sees its portal's
// own public key to give the partner, a wrong key is refused with the
// typed address kept and nothing stored, the right one is stored and
// audited; a student may not see the page.
func TestTheOfficeTrustsAPartnerPortalByItsKey(t *testing.T) {
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("office")
		page := b.get("/manage/partner-portals")
		wantStatus(t, page, 200)
		if !regexp.MustCompile(`<code>[A-Za-z0-9+/]{43}=</code>`).MatchString(html.UnescapeString(page.Body)) {
			t.Fatalf("the page shows no public key of this portal:\n%s", page.Body)
		}
		inst := itoa(p.count("SELECT id FROM institutions WHERE NOT is_home ORDER BY id LIMIT 1"))
		refused := b.post("/manage/partner-portals", url.Values{"_csrf": {page.csrf(t)}, "institution_id": {inst},
			"base_url": {"https://portal.partner.example"}, "public_key": {"not a key"}})
		wantStatus(t, refused, 422)
		if !strings.Contains(refused.Body, `value="https://portal.partner.example"`) || p.count("SELECT COUNT(*) FROM p2p_partners") != 0 {
			t.Fatal("a refused partner portal keeps what was typed and stores nothing")
		}
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		key := base64.StdEncoding.EncodeToString(pub)
		saved := b.post("/manage/partner-portals", url.Values{"_csrf": {page.csrf(t)}, "institution_id": {inst},
			"base_url": {"https://portal.partner.example/"}, "public_key": {key}})
		wantStatus(t, saved, 200)
		if !strings.Contains(html.UnescapeString(saved.Body), key) || p.count("SELECT COUNT(*) FROM p2p_partners WHERE public_key = ? AND base_url = ?", key, "https://portal.partner.example") != 1 {
			t.Fatalf("the partner portal is not listed:\n%s", saved.Body)
		}
		if p.audits("p2p.trust") != 1 {
			t.Error("trusting a partner portal is not audited")
		}
		// A message the partner refused for good is shown to the office.
		partner := p.count("SELECT id FROM p2p_partners")
		now := time.Now().UTC()
		p.exec("INSERT INTO p2p_jobs (partner_id, path, body, dedup_key, attempts, next_at, failed_at, last_error, created_at) VALUES (?, '/p2p/v1/nominations', '{}', 'k1', 1, ?, ?, ?, ?)",
			partner, now, now, `422 {"code":"p2p.no_department"}`, now)
		if list := b.get("/manage/partner-portals"); !strings.Contains(list.Body, "Given up") || !strings.Contains(html.UnescapeString(list.Body), "p2p.no_department") {
			t.Errorf("the office does not see the message given up:\n%s", list.Body)
		}
		student := p.browser()
		student.signIn("student")
		wantStatus(t, student.get("/manage/partner-portals"), 403)
	})
}

// TestARequestFromAPartnerPortalIsMarkedForTheStaff: the office reading a
// request that a partner's portal sent sees whose portal it came from;
// the applicant's own view is unchanged.
func TestARequestFromAPartnerPortalIsMarkedForTheStaff(t *testing.T) {
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	req := p.count("SELECT id FROM rotation_requests WHERE status = 'submitted' ORDER BY id LIMIT 1")
	inst := p.count("SELECT id FROM institutions WHERE identifier = 'kyoto-u.ac.jp'")
	now := time.Now().UTC()
	p.exec("INSERT INTO p2p_partners (institution_id, base_url, public_key, created_at, updated_at) VALUES (?, 'https://portal.kyoto.example', 'k', ?, ?)", inst, now, now)
	p.exec("INSERT INTO p2p_received (request_id, partner_id, remote_id, created_at) VALUES (?, (SELECT id FROM p2p_partners), '5-1', ?)", req, now)
	b := p.browser()
	b.signIn("office")
	page := b.get("/rotations/" + itoa(req))
	wantStatus(t, page, 200)
	if !strings.Contains(page.Body, "From the partner portal of Kyoto University") {
		t.Errorf("the office's page does not say where the request came from:\n%s", page.Body)
	}
}
