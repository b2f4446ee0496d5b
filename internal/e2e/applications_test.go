package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/wiring"
)

// appWorld is the portal of the application tests and what they look up.
type appWorld struct {
	t    *testing.T
	a    *wiring.App
	base string
	have map[string]bool // document types in the student's wallet
}

func (w *appWorld) userID(username string) int64 {
	w.t.Helper()
	var id int64
	w.a.DB.Raw("SELECT id FROM users WHERE subject = ?", "demo-"+username).Scan(&id)
	if id == 0 {
		w.t.Fatalf("no user %s", username)
	}
	return id
}

// kumamoto returns two open choices at Kumamoto (or, for the second,
// anywhere) whose periods do not overlap, and the specialty of each.
func (w *appWorld) choices() (first, second application.Option, specialties []string) {
	w.t.Helper()
	opts, err := w.a.Applications.Options(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	found := false
	for _, o := range opts {
		if strings.HasPrefix(o.InstitutionNameEN, "Kumamoto") {
			first, found = o, true
			break
		}
	}
	if !found {
		w.t.Fatal("the demo catalog has no open Kumamoto elective")
	}
	found = false
	for _, o := range opts {
		if o.ElectiveID != first.ElectiveID && (o.StartsOn.After(first.EndsOn) || o.EndsOn.Before(first.StartsOn)) {
			second, found = o, true
			break
		}
	}
	if !found {
		w.t.Fatal("no second open elective that does not overlap the first")
	}
	for _, o := range []application.Option{first, second} {
		var e catalog.Elective
		w.a.DB.Take(&e, o.ElectiveID)
		specialties = append(specialties, e.Specialty)
		w.wallet(e.RequiredDocList())
	}
	return first, second, specialties
}

// wallet puts a valid document of each type in the demo student's wallet.
func (w *appWorld) wallet(types []string) {
	w.t.Helper()
	owner := w.userID("student")
	for _, typ := range types {
		if w.have[typ] {
			continue
		}
		w.have[typ] = true
		exp := time.Now().UTC().AddDate(3, 0, 0)
		d := &document.Document{OwnerID: owner, Version: 1, Type: typ, StorageKey: "e2e-" + typ, FileName: typ + ".pdf",
			MediaType: "application/pdf", Size: 1000, SHA256: fmt.Sprintf("%064d", len(w.have)), UploadedAt: time.Now().UTC(), ExpiresOn: &exp}
		if err := w.a.DB.Create(d).Error; err != nil {
			w.t.Fatal(err)
		}
		w.a.DB.Model(d).Update("chain_id", d.ID)
	}
}

// act clicks the button of the action's form on the tab's application page.
func (tb *tab) act(action string, wantStatus int64) pageState {
	tb.t.Helper()
	// A reviewer's decisions are folded, one open at a time: unfold this one.
	eval[bool](tb, `(f => (f && f.closest("details") && (f.closest("details").open = true), true))(document.querySelector(".app-form-`+action+`"))`)
	if status := tb.click(".app-form-" + action + " button[type=submit]"); status != wantStatus {
		tb.t.Fatalf("%s answered %d, want %d: %s", action, status, wantStatus, tb.state().Body)
	}
	return tb.state()
}

func (tb *tab) fill(selector, value string) {
	tb.t.Helper()
	tb.do("fill "+selector, chromedp.SetValue(chromedp.CSS(selector), value))
}

// The whole path in Chromium: a student applies to a Kumamoto elective,
// the department reviewer returns it, the student fixes and resubmits, the
// reviewer approves, the office nominates and records the host's
// acceptance, the student accepts. Then a second application in
// Traditional Chinese as far as the return and the resubmission. Every new
// page passes axe; the student's pages fit a phone.
func TestApplicationWholePath(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil) // no demo applications: the wallet and placements are the test's
	w := &appWorld{t: t, a: a, base: base, have: map[string]bool{}}
	st, rv, of := newTab(t, base), newTab(t, base), newTab(t, base)
	st.signIn("student")
	rv.signIn("reviewer")
	of.signIn("office")
	first, second, specialties := w.choices()
	for _, sp := range specialties {
		if err := a.Applications.GrantScope(context.Background(), w.userID("reviewer"), sp, w.userID("office"), audit.Meta{}); err != nil {
			t.Fatal(err)
		}
	}

	// Apply from the elective's page.
	st.open(fmt.Sprintf("/electives/%d", first.ElectiveID))
	st.checkA11y("elective page with the Apply form")
	st.do("choose the period", chromedp.SetValue(chromedp.CSS("#apply-period"), fmt.Sprint(first.PeriodID)))
	if status := st.click(".app-apply button[type=submit]"); status != 200 {
		t.Fatalf("apply answered %d", status)
	}
	s := st.state()
	wantEqual(t, "flash after applying", s.Flash, "Your draft application is started. Complete it and submit it.")
	var id int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(s.URL, base), "/applications/%d", &id); err != nil {
		t.Fatalf("applying ended on %s", s.URL)
	}
	page := fmt.Sprintf("/applications/%d", id)
	st.checkA11y("draft")
	st.fill("#statement", "I want to learn hepatology at Kumamoto.")
	st.click("form[action$='/save'] button") // Save
	wantEqual(t, "flash after saving", st.state().Flash, "Your application is saved.")
	s = st.act("submit", 200)
	wantEqual(t, "flash after submitting", s.Flash, "Your application is submitted.")

	// The reviewer returns it with a message.
	rv.open(page)
	rv.checkA11y("reviewer's page of a submitted application")
	rv.act("start_review", 200)
	rv.act("return", 422) // the message is required
	wantContains(t, "refused return", rv.state().Body, "Please fill this in.")
	rv.checkA11y("refused return")
	rv.fill("#return-comment", "Please say what you already know about MAFLD.")
	wantEqual(t, "flash after returning", rv.act("return", 200).Flash, "The application is returned to the student.")

	// The student sees the message, fixes and resubmits, on a phone.
	st.emulatePhone()
	st.open(page)
	s = st.state()
	wantContains(t, "returned page", s.Body, "Changes requested")
	wantContains(t, "returned page", s.Body, "Please say what you already know about MAFLD.")
	st.checkA11y("returned application on a phone")
	st.checkNoHorizontalScroll("returned application on a phone")
	st.fill("#statement", "I have read about MAFLD and want to see the liver clinic.")
	st.click("form[action$='/save'] button")
	wantEqual(t, "resubmit button", eval[string](st, `document.querySelector(".app-form-submit button").innerText`), "Resubmit")
	st.act("submit", 200)

	// The reviewer approves; the office nominates and records the host's acceptance.
	rv.open(page)
	rv.act("start_review", 200)
	wantEqual(t, "flash after approving", rv.act("approve", 200).Flash, "The application is approved and passed to the international office.")
	of.open(page)
	of.checkA11y("office's page in office review")
	of.act("nominate", 200)
	of.do("choose accepted", chromedp.Click(chromedp.CSS("input[name=decision][value=accepted]")))
	of.checkA11y("office's page with the host's answer")
	wantEqual(t, "flash after the host's answer", of.act("host_decision", 200).Flash, "The host's acceptance is recorded; the student has an offer.")

	// The student accepts the offer before its deadline.
	st.open(page)
	wantContains(t, "offer", st.state().Body, "Answer the offer by")
	st.checkA11y("offer on a phone")
	wantEqual(t, "flash after accepting", st.act("accept_offer", 200).Flash, "You accepted the offer. Your placement is confirmed.")
	st.open("/applications")
	wantContains(t, "dashboard", st.state().Body, "Placement confirmed")
	st.checkA11y("dashboard on a phone")
	st.checkNoHorizontalScroll("dashboard on a phone")
	w.checklist(st, of, id) // before leaving (departure_test.go)

	// Partly in Traditional Chinese: apply, get it returned, resubmit.
	zh, rz := newTab(t, base), newTab(t, base)
	zh.signIn("student")
	rz.signIn("reviewer")
	zh.click("form.lang button[value='zh-Hant']")
	rz.click("form.lang button[value='zh-Hant']")
	zh.open(fmt.Sprintf("/electives/%d", second.ElectiveID))
	wantEqual(t, "Apply heading in Chinese", eval[string](zh, `document.querySelector("#apply-h").innerText`), "申請")
	zh.do("choose the period", chromedp.SetValue(chromedp.CSS("#apply-period"), fmt.Sprint(second.PeriodID)))
	zh.click(".app-apply button[type=submit]")
	s = zh.state()
	wantEqual(t, "flash in Chinese", s.Flash, "已建立申請草稿。請完成後送出。")
	wantEqual(t, "page language", s.Lang, "zh-Hant")
	zh.checkA11y("draft in Chinese")
	zh.fill("#statement", "我想在國外學習。")
	zh.click("form[action$='/save'] button")
	wantEqual(t, "flash after saving, in Chinese", zh.act("submit", 200).Flash, "您的申請已送出。")
	page2 := strings.TrimPrefix(zh.state().URL, base)

	rz.open(page2)
	rz.checkA11y("reviewer's page in Chinese")
	rz.act("start_review", 200)
	rz.fill("#return-comment", "請補充說明。")
	wantEqual(t, "flash after returning, in Chinese", rz.act("return", 200).Flash, "申請已退回給學生。")
	zh.open(page2)
	wantContains(t, "returned, in Chinese", zh.state().Body, "需要修改")
	wantContains(t, "returned, in Chinese", zh.state().Body, "請補充說明。")
	zh.checkA11y("returned application in Chinese")
	zh.fill("#statement", "我想在國外學習，並已補充說明。")
	zh.click("form[action$='/save'] button")
	zh.act("submit", 200)
	zh.open("/applications")
	body := zh.state().Body
	wantContains(t, "dashboard in Chinese", body, "已確認")
	wantContains(t, "dashboard in Chinese", body, "等待科部審查人員受理。")
	zh.checkA11y("dashboard in Chinese")
}
