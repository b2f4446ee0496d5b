package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/application"
	"portal/internal/i18n"
)

// checkDepartureChecklist goes through the pre-departure checklist of
// application id, which st owns, over HTTP with CSRF: once confirmed the
// application page links to it; a refused item comes back with what was
// typed and a translated message and stores nothing; saved items show as
// done; the office reads it and lists the student as not ready, then
// ready, while another student, a reviewer without the scope and the
// office's own writes are refused. It is one step of
// TestTheApplicationPageReachesTheHostLoop, whose portal it shares.
func checkDepartureChecklist(t *testing.T, p *appPortal, st, of *browser, id int64) {
	t.Helper()
	p.exec("UPDATE applications SET status = ?, placed_from = ?, placed_until = ? WHERE id = ?",
		application.Confirmed, walletDay(20), walletDay(47), id)
	dep := link(id, "departure")
	pg := st.get(link(id))
	if !strings.Contains(pg.Body, `href="`+dep+`"`) {
		t.Fatalf("the confirmed application does not link to its checklist:\n%s", pg.Body)
	}
	wantText(t, pg, i18n.English, "departure.progress", 0, 6)

	pg = st.get(dep)
	wantStatus(t, pg, http.StatusOK)
	form := url.Values{"_csrf": {pg.csrf(t)}, "insurance_provider": {"Cathay Life"}, "insurance_policy": {"CL-2026-889"},
		"insurance_until": {walletDay(40)}}
	pg = st.post(dep+"/insurance", form)
	wantStatus(t, pg, http.StatusUnprocessableEntity)
	wantText(t, pg, i18n.English, "departure.err.insurance_short", walletDay(47))
	if !strings.Contains(pg.Body, `value="CL-2026-889"`) || !strings.Contains(pg.Body, `value="`+walletDay(40)+`"`) {
		t.Errorf("the refused insurance lost what was typed:\n%s", pg.Body)
	}
	if n := p.count("SELECT COUNT(*) FROM departure_checklists WHERE application_id = ?", id); n != 0 {
		t.Fatalf("a refused item stored a checklist")
	}
	form.Set("insurance_until", walletDay(47))
	pg = st.post(dep+"/insurance", form)
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "flash.departure_saved")
	wantText(t, pg, i18n.English, "departure.progress", 1, 6)
	if r := st.post(dep+"/housing", url.Values{"housing": {"Dorm"}}); r.Status != http.StatusForbidden {
		t.Errorf("a save without the CSRF token answered %d", r.Status)
	}

	other, rv := p.browser(), p.browser()
	other.signIn("student2")
	rv.signIn("reviewer2")
	wantStatus(t, other.get(dep), http.StatusNotFound)
	wantStatus(t, rv.get(dep), http.StatusNotFound)
	pg = of.get(dep)
	wantStatus(t, pg, http.StatusOK)
	if strings.Contains(pg.Body, `action="`+dep+`/`) || !strings.Contains(pg.Body, "CL-2026-889") {
		t.Errorf("the office's view of the checklist: forms offered or answers missing:\n%s", pg.Body)
	}
	if r := of.post(dep+"/housing", url.Values{"_csrf": {pg.csrf(t)}, "housing": {"Dorm"}}); r.Status != http.StatusForbidden {
		t.Errorf("the office writing a student's checklist answered %d", r.Status)
	}
	pg = of.get("/departures")
	wantStatus(t, pg, http.StatusOK)
	if !strings.Contains(pg.Body, `id="departures-not-ready"`) || !strings.Contains(pg.Body, `href="`+dep+`"`) {
		t.Errorf("the office's departures do not list the student as not ready:\n%s", pg.Body)
	}
	wantStatus(t, st.get("/departures"), http.StatusForbidden)

	pg = st.get(dep)
	for item, f := range map[string]url.Values{
		"visa":       {"visa": {"not_needed"}},
		"travel":     {"arrive_on": {walletDay(18)}, "leave_on": {walletDay(49)}},
		"housing":    {"housing": {"International House, room 12"}},
		"emergency":  {"emergency_name": {"Chen Mei"}, "emergency_relation": {"mother"}, "emergency_phone": {"+886 912 345 678"}},
		"onboarding": {"onboarding_read": {"1"}},
	} {
		f.Set("_csrf", pg.csrf(t))
		pg = st.post(dep+"/"+item, f)
		wantStatus(t, pg, http.StatusOK)
	}
	wantText(t, pg, i18n.English, "departure.ready")
	pg = of.get("/departures?month=" + walletDay(20)[:7])
	if !strings.Contains(pg.Body, `id="departures-ready"`) || strings.Contains(pg.Body, `id="departures-not-ready"`) {
		t.Errorf("the office's departures of the month do not list the student ready:\n%s", pg.Body)
	}
	pg = of.get("/departures.csv?month=" + walletDay(20)[:7])
	if wantStatus(t, pg, http.StatusOK); !strings.Contains(pg.Body, walletDay(20)+","+walletDay(47)+",true,") {
		t.Errorf("the CSV does not list the student ready:\n%s", pg.Body)
	}
	pg = of.get("/departures?month=soon")
	wantStatus(t, pg, http.StatusUnprocessableEntity)
	wantText(t, pg, i18n.English, "departure.err.month")
}
