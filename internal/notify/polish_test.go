package notify

import (
	"strings"
	"testing"

	"portal/internal/db"
	"portal/internal/testutil"
)

// A mail names the application as its page does (#39) and its elective in
// the recipient's language, whatever language the event was recorded in.
func TestAMailNamesTheApplicationAsItsPageDoes(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		mails := NewCapture(10)
		s := newService(t, d, mails, Options{})
		en := addUser(t, d, "Wang Hsiao-Ming", "en")
		zh := addUser(t, d, "林美華", "zh-Hant")
		data := map[string]any{"application_id": 39, "ref": "A-2026-0039", "applicant": "林美華",
			"elective": "心臟內科見習", "elective_en": "Cardiology elective", "elective_zh": "心臟內科見習"}
		for _, p := range []person{en, zh} {
			enqueueT(t, d, Event{Kind: ApplicationSubmitted, RecipientUserID: p.ID, Data: data, Link: "/applications/39"})
		}
		drain(t, s)
		got := map[string]string{}
		for _, m := range mails.List() {
			got[m.To.Address] += m.Subject + "\n" + m.Text + "\n" + m.HTML + "\n"
		}
		for addr, w := range map[string][]string{
			en.Email: {"Application #39 submitted: Cardiology elective"},
			zh.Email: {"申請 #39 已送出：心臟內科見習"},
		} {
			for _, s := range w {
				if !strings.Contains(got[addr], s) {
					t.Errorf("mail to %s lacks %q:\n%s", addr, s, got[addr])
				}
			}
			if strings.Contains(got[addr], "A-2026-0039") {
				t.Errorf("mail to %s names A-2026-0039, which no page shows", addr)
			}
		}
		if strings.Contains(got[en.Email], "心臟") {
			t.Errorf("the English mail shows the Chinese title:\n%s", got[en.Email])
		}
	})
}

// A rotation request's department is named in the recipient's language.
func TestAMailNamesTheDepartmentInTheReadersLanguage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		mails := NewCapture(10)
		s := newService(t, d, mails, Options{})
		en := addUser(t, d, "Emma Schmidt", "en")
		zh := addUser(t, d, "林美華", "zh-Hant")
		data := map[string]any{"ref": "R-0007", "department": "Internal Medicine 內科部",
			"department_en": "Internal Medicine", "department_zh": "內科部", "comment": "Attach your dean's letter."}
		for _, p := range []person{en, zh} {
			enqueueT(t, d, Event{Kind: IncomingReturned, RecipientUserID: p.ID, Data: data, Link: "/rotations/7"})
		}
		drain(t, s)
		got := map[string]string{}
		for _, m := range mails.List() {
			got[m.To.Address] += m.Subject + "\n" + m.Text + "\n"
		}
		if !strings.Contains(got[en.Email], "Internal Medicine") || strings.Contains(got[en.Email], "內科部") {
			t.Errorf("the English mail:\n%s", got[en.Email])
		}
		if !strings.Contains(got[zh.Email], "內科部") || strings.Contains(got[zh.Email], "Internal Medicine") {
			t.Errorf("the Chinese mail:\n%s", got[zh.Email])
		}
	})
}
