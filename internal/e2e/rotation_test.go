package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/ledongthuc/pdf"

	"portal/internal/clock"
	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// seedRotations gives the portal of a test the calendars and requests of
// `portal dev` (rotation.SeedDemo), unless it has them already:
// departments with rules and seats, and the demo coordinator in charge of
// internal medicine and pediatrics.
func seedRotations(t *testing.T, a *wiring.App) {
	t.Helper()
	if _, err := a.Rotations.SeedDemo(context.Background(), rotation.Demo{
		Issuer: a.Config.OIDCIssuer, Users: a.Users, Documents: a.Web.Documents}); err != nil {
		t.Fatalf("seed the demo rotations: %v", err)
	}
	var n int64
	if err := a.DB.Raw("SELECT COUNT(*) FROM rotation_coordinators").Scan(&n).Error; err != nil || n == 0 {
		t.Fatalf("no department has a coordinator after seeding the demo (%v)", err)
	}
}

// signInByEmail asks for a sign-in link for address, takes it from the
// mail the sink received and signs in with it.
func (tb *tab) signInByEmail(sink *smtpSink, address string) {
	tb.t.Helper()
	tb.open("/signin/email")
	tb.do("type the address", chromedp.SendKeys(chromedp.CSS("#signin-email"), address, chromedp.NodeVisible))
	if status := tb.click(`form[action="/signin/email"] button[type=submit]`); status != 200 {
		tb.t.Fatalf("asking for a link answered %d", status)
	}
	text := sink.wait(tb.t, address)
	link := mailedLink.FindString(text)
	if link == "" {
		tb.t.Fatalf("no sign-in link in the mail:\n%s", text)
	}
	if status := tb.open(strings.TrimPrefix(link, tb.base)); status != 200 {
		tb.t.Fatalf("the link answered %d", status)
	}
	if status := tb.click(`form[action="/signin/link"] button`); status != 200 {
		tb.t.Fatalf("signing in with the link answered %d", status)
	}
	if s := tb.state(); s.Who != address {
		tb.t.Fatalf("after the link, the header names %q, want %q", s.Who, address)
	}
}

// upload adds a file of type typ to the wallet, with an expiry date unless
// expires is empty.
func (tb *tab) upload(typ, expires string) {
	tb.t.Helper()
	tb.open("/wallet")
	steps := []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS("#wallet-type"), typ)}
	if expires != "" {
		steps = append(steps, chromedp.SetValue(chromedp.CSS("#wallet-expires"), expires))
	}
	steps = append(steps, chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{walletPDF(tb.t, typ+".pdf")}),
		// The health notice, shown until acknowledged: read and ticked.
		chromedp.Evaluate[chromedp.Void](`(() => { const c = document.querySelector("#wallet-ack-health"); if (c) c.checked = true; })()`))
	tb.do("fill the upload form for "+typ, steps...)
	if status := tb.click("form.wallet-form button[type=submit]"); status != 200 {
		tb.t.Fatalf("uploading %s answered %d", typ, status)
	}
	lang := i18n.Lang(eval[string](tb, "document.documentElement.lang"))
	wantEqual(tb.t, "flash after uploading "+typ, tb.state().Flash, e2eBundle(tb.t).T(lang, "flash.wallet_uploaded"))
}

// stage is the stage class of the request page the tab shows.
func (tb *tab) stage() string {
	tb.t.Helper()
	return eval[string](tb, `(() => { const e = document.querySelector(".rot-stage"); return e ? e.className.replace(/.*rot-stage-/, "") : ""; })()`)
}

// htmxSettled waits until selector finds an element and htmx has no
// request, swap or settle under way, so that the nodes found next stay.
func (tb *tab) htmxSettled(selector string) {
	tb.t.Helper()
	js := fmt.Sprintf(`document.querySelector(%q) !== null && document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") === null`, selector)
	testutil.Eventually(tb.t, 10*time.Second, selector+" to appear and htmx to settle", func() bool { return eval[bool](tb, js) })
}

// handOver opens a new tab in a browser context of its own with the
// cookies of tb, so that a long story goes on as the same person within
// a fresh time limit.
func (tb *tab) handOver() *tab {
	tb.t.Helper()
	cookies, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		tb.t.Fatalf("read the cookies: %v", err)
	}
	next := newTab(tb.t, tb.base)
	var params []*network.CookieParam
	for _, c := range cookies.Cookies {
		params = append(params, &network.CookieParam{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite})
	}
	if _, err := chromedp.Call(next.ctx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
		tb.t.Fatalf("set the cookies: %v", err)
	}
	return next
}

// calendarWeek is a week's row of a department's calendar as its
// coordinator sees it.
type calendarWeek struct {
	Seats, Used, Reserved, Free int
}

// calendarWeeks opens the calendar of department dep from week from and
// reads the rows of the weeks asked for.
func (tb *tab) calendarWeeks(dep int64, from string, weeks ...string) []calendarWeek {
	tb.t.Helper()
	if status := tb.open(fmt.Sprintf("/calendar?department=%d&from=%s", dep, from)); status != 200 {
		tb.t.Fatalf("the calendar answered %d", status)
	}
	out := make([]calendarWeek, len(weeks))
	for i, w := range weeks {
		out[i] = eval[calendarWeek](tb, fmt.Sprintf(`(() => {
			const row = Array.from(document.querySelectorAll(".rot-grid tbody tr")).find(r => r.querySelector("th").innerText.trim() === %q);
			if (!row) return {Seats: -1, Used: -1, Reserved: -1, Free: -1};
			const n = Array.from(row.querySelectorAll("td"), td => parseInt(td.innerText, 10));
			return {Seats: n[0], Used: n[1], Reserved: n[2], Free: n[3]};
		})()`, dayText(w)))
		if out[i].Seats < 0 {
			tb.t.Fatalf("the calendar from %s has no row for the week of %s", from, w)
		}
	}
	return out
}

// fetched is a response read by fetch() in the page.
type fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"` // base64
}

// download fetches path from the page the tab shows, with its cookies, as
// the browser's download of a link would, and returns the body.
func (tb *tab) download(path string) (int, string, []byte) {
	tb.t.Helper()
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
		return {status: r.status, type: r.headers.get("Content-Type") || "", body: btoa(s)};
	})`, path)
	f, err := chromedp.Run(tb.ctx, chromedp.Evaluate[fetched](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("fetch %s: %v", path, err)
	}
	body, err := base64.StdEncoding.DecodeString(f.Body)
	if err != nil {
		tb.t.Fatalf("fetch %s: %v", path, err)
	}
	return f.Status, f.Type, body
}

// pdfText is the text of every page of a PDF, as a reader extracts it.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the PDF does not parse: %v", err)
	}
	var sb strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("the text of page %d: %v", i, err)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

var letterCode = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// A foreign student with no university account signs in by an emailed
// link, writes a profile with the name in kanji, puts the documents in
// the wallet and asks for two weeks of internal medicine picked from the
// calendar. The department's coordinator forwards it, the office accepts
// (the coordinator's calendar shows the two seats reserved, then used),
// the student completes onboarding, confirms and downloads the acceptance
// letter: a PDF with both names whose code the public page says is
// genuine. Every page on the way passes axe. Then, on the same portal, a
// second applicant does the same in Japanese, chosen in the language
// switch before signing in: every page she sees is in Japanese, and so is
// her letter.
func TestRotationFromSignInToLetter(t *testing.T) {
	t.Parallel()
	sink := startSMTPSink(t)
	a, base := startPortalWith(t, sink.configure)
	seedRotations(t, a)
	t.Run("en", func(t *testing.T) { rotationStory(t, a, base, sink, i18n.English, "hanako.yamada@kyoto-u.test") })
	if t.Failed() {
		return
	}
	t.Run("ja", func(t *testing.T) { rotationStory(t, a, base, sink, i18n.Japanese, "hanako.yamada@kumamoto-u.test") })
}

// rotationStory is TestRotationFromSignInToLetter's story for one
// applicant, whose pages are in lang; the staff's pages stay in English.
func rotationStory(t *testing.T, a *wiring.App, base string, sink *smtpSink, lang i18n.Lang, address string) {
	tr := func(key string, args ...any) string { return e2eBundle(t).T(lang, key, args...) }
	day := func(iso string) string {
		if lang == i18n.English {
			return dayText(iso)
		}
		return clock.DayText(tr, rotationDay(t, iso))
	}

	// The applicant signs in, writes a profile and fills the wallet.
	ap := newTab(t, base)
	if lang != i18n.English {
		ap.open("/signin/email")
		if status := ap.click(fmt.Sprintf("form.lang button[value='%s']", lang)); status != 200 {
			t.Fatalf("switching to %s answered %d", lang, status)
		}
	}
	// apPage checks that a page the applicant sees is in lang and passes axe.
	apPage := func(label string) {
		t.Helper()
		wantEqual(t, label+": page language", eval[string](ap, "document.documentElement.lang"), string(lang))
		ap.checkA11y(label)
	}
	ap.signInByEmail(sink, address)
	apPage("signed in")
	ap.open("/incoming/profile")
	ap.do("fill the profile",
		chromedp.SendKeys(chromedp.CSS("#profile-given_names"), "Hanako", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#profile-family_name"), "Yamada", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#profile-name_latin"), "Yamada Hanako", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#profile-birth_date"), "2002-03-09"),
		chromedp.SendKeys(chromedp.CSS("#profile-name_native"), "山田花子", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#profile-nationality"), "JP"),
		chromedp.SetValue(chromedp.CSS("#profile-year_of_study"), "5"),
		chromedp.SendKeys(chromedp.CSS("#profile-home_institution_name"), "Kyoto University", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#profile-home_country"), "JP"),
	)
	if status := ap.click(`form[action="/incoming/profile"] button[type=submit]`); status != 200 {
		t.Fatalf("saving the profile answered %d", status)
	}
	wantEqual(t, "name in the header", ap.state().Who, "Yamada Hanako 山田花子")
	ap.upload("nomination_letter", "")
	ap.upload("immunization_record", "")
	ap.upload("insurance", time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly))
	apPage("wallet of an incoming applicant")

	// The request: internal medicine, the first week with free seats.
	if status := ap.click(`nav a[href="/rotations"]`); status != 200 {
		t.Fatalf("my requests answered %d", status)
	}
	apPage("no requests yet")
	if status := ap.open("/rotations/new"); status != 200 {
		t.Fatalf("the request form answered %d", status)
	}
	apPage("new request")
	var im int64
	if err := a.DB.Raw("SELECT id FROM departments WHERE code = 'IM'").Scan(&im).Error; err != nil || im == 0 {
		t.Fatalf("no internal medicine department: %v", err)
	}
	ap.do("choose internal medicine", chromedp.SetValue(chromedp.CSS("#choice-1-department"), fmt.Sprint(im)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#choice-1-department").dispatchEvent(new Event("change", {bubbles: true}))`))
	ap.htmxSettled(`#weeks-1 tbody tr`)
	apPage("request form with the department's weeks")
	// The first week the calendar says two weeks can start on (the
	// department's fewest, chosen by default), picked on the calendar.
	start := eval[string](ap, `(() => {
		const r = document.querySelector("#weeks-1 tbody tr.span-ok input[type=radio]");
		return r ? r.value : "";
	})()`)
	if start == "" {
		t.Fatalf("the calendar of internal medicine shows no week two weeks can start on:\n%s",
			eval[string](ap, `Array.from(document.querySelectorAll("#weeks-1 tbody tr"), r => r.className + " " + r.innerText).join("\n")`))
	}
	wantEqual(t, "weeks chosen by default", eval[string](ap, `document.querySelector("#choice-1-weeks").value`), "2")
	ap.do("pick the first week", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#weeks-1 input[value="%s"]`, start)), chromedp.NodeVisible))
	ap.htmxSettled(`#weeks-1 tr.in-span`)
	ap.do("write a message", chromedp.SendKeys(chromedp.CSS("#statement"), "I would like to see how an internal medicine ward is run in Taiwan.", chromedp.NodeVisible))
	attached := eval[int](ap, `document.querySelectorAll("input[name=documents]:checked").length`)
	wantEqual(t, "documents attached by default", attached, 3)
	if status := ap.click(`form.rot-form button.primary`); status != 200 {
		t.Fatalf("saving the request answered %d", status)
	}
	wantEqual(t, "flash after saving", ap.state().Flash, tr("flash.rotation_saved"))
	wantEqual(t, "stage after saving", ap.stage(), "draft")
	apPage("draft request")
	if status := ap.click(`form[action$="/submit"] button`); status != 200 {
		t.Fatalf("submitting answered %d", status)
	}
	s := ap.state()
	wantEqual(t, "flash after submitting", s.Flash, tr("flash.rotation_submitted"))
	wantEqual(t, "stage after submitting", ap.stage(), "submitted")
	wantContains(t, "the request's dates", s.Body, day(start))
	apPage("submitted request")
	path := strings.TrimPrefix(s.URL, base)
	if !regexp.MustCompile(`^/rotations/\d+$`).MatchString(path) {
		t.Fatalf("after submitting the tab is at %s", s.URL)
	}
	id := strings.TrimPrefix(path, "/rotations/")

	// The department's coordinator finds it in the queue and forwards it.
	co := newTab(t, base)
	co.signIn("coordinator")
	if status := co.open("/calendar/requests"); status != 200 {
		t.Fatalf("the coordinator's queue answered %d", status)
	}
	if n := eval[int](co, fmt.Sprintf(`document.querySelectorAll('a[href="%s"]').length`, path)); n == 0 {
		t.Errorf("the coordinator's queue does not link to %s", path)
	}
	co.checkA11y("coordinator's queue")
	if status := co.open(path); status != 200 {
		t.Fatalf("the request answered %d to its coordinator", status)
	}
	wantContains(t, "the applicant named to the coordinator", co.state().Body, address)
	co.checkA11y("request to review")
	second := rotationDay(t, start).AddDate(0, 0, 7).Format(time.DateOnly)
	before := co.calendarWeeks(im, start, start, second)
	co.checkA11y("coordinator's calendar")
	co.open(path)
	if status := co.click(`button[name=action][value=start_review]`); status != 200 {
		t.Fatalf("starting the review answered %d", status)
	}
	wantEqual(t, "stage after starting the review", co.stage(), "department_review")
	co.do("write a comment", chromedp.SendKeys(chromedp.CSS("#comment"), "Our ward can take her in these weeks.", chromedp.NodeVisible))
	if status := co.click(`button[name=action][value=forward]`); status != 200 {
		t.Fatalf("forwarding answered %d", status)
	}
	wantEqual(t, "stage after forwarding", co.stage(), "office_review")

	// The office accepts the only choice.
	of := newTab(t, base)
	of.signIn("office")
	if status := of.open(path); status != 200 {
		t.Fatalf("the request answered %d to the office", status)
	}
	of.checkA11y("request to accept")
	if status := of.click(fmt.Sprintf(`form[action="/rotations/%s/accept"] button`, id)); status != 200 {
		t.Fatalf("accepting answered %d", status)
	}
	wantEqual(t, "flash after accepting", of.state().Flash, "The request is accepted and the seats are reserved.")
	wantEqual(t, "stage after accepting", of.stage(), "accepted")
	for i, w := range co.calendarWeeks(im, start, start, second) {
		b := before[i]
		if w.Reserved != b.Reserved+1 || w.Free != b.Free-1 || w.Used != b.Used {
			t.Errorf("week %d of the calendar: %+v before the acceptance, %+v after; want one more seat reserved", i+1, b, w)
		}
	}

	// The applicant, in a fresh tab with the same session, completes the
	// onboarding: the wallet has the insurance and immunizations already.
	ap = ap.handOver()
	if status := ap.open(path); status != 200 {
		t.Fatalf("the accepted request answered %d", status)
	}
	wantEqual(t, "stage the applicant sees", ap.stage(), "accepted")
	apPage("accepted request with onboarding")
	arrival := rotationDay(t, start).AddDate(0, 0, -2).Format(time.DateOnly)
	ap.do("answer the onboarding", chromedp.SetValue(chromedp.CSS("#arrival_on"), arrival),
		chromedp.Click(chromedp.CSS("#visa_letter-yes"), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS("#housing-no"), chromedp.NodeVisible))
	if status := ap.click(`form.rot-onboarding button[type=submit]`); status != 200 {
		t.Fatalf("saving the onboarding answered %d", status)
	}
	wantEqual(t, "flash after the onboarding", ap.state().Flash, tr("flash.rotation_onboarding"))
	todo := eval[int](ap, `document.querySelectorAll(".rot-checklist .rot-todo").length`)
	done := eval[int](ap, `document.querySelectorAll(".rot-checklist .rot-done").length`)
	if todo != 0 || done != 5 {
		t.Errorf("onboarding checklist: %d done, %d to do; want 5 done: %s", done, todo,
			eval[string](ap, `document.querySelector(".rot-checklist").innerText`))
	}
	apPage("onboarding complete")
	if status := ap.click(`form[action$="/confirm"] button`); status != 200 {
		t.Fatalf("confirming answered %d", status)
	}
	wantEqual(t, "flash after confirming", ap.state().Flash, tr("flash.rotation_confirm"))
	wantEqual(t, "stage after confirming", ap.stage(), "confirmed")
	apPage("confirmed request with its letter")
	for i, w := range co.calendarWeeks(im, start, start, second) {
		if b := before[i]; w.Used != b.Used+1 || w.Reserved != b.Reserved {
			t.Errorf("week %d of the calendar: %+v before the acceptance, %+v after the confirmation; want one more seat used", i+1, b, w)
		}
	}

	// The acceptance letter: a PDF with both names, the department, the
	// dates and a code.
	href := eval[string](ap, `(() => { const a = document.querySelector('a[href$="/letters/acceptance"]'); return a ? a.getAttribute("href") : ""; })()`)
	if href == "" {
		t.Fatal("the confirmed request offers no acceptance letter")
	}
	status, typ, body := ap.download(href)
	if status != 200 || typ != "application/pdf" {
		t.Fatalf("the letter answered %d %s", status, typ)
	}
	text := pdfText(t, body)
	wants := []string{"Yamada Hanako", "山田花子", "Internal Medicine"}
	if lang == i18n.Japanese {
		wants = append(wants, "受入許可書", "殿が", "臨床実習")
	}
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("the letter lacks %q; its text:\n%s", want, text)
		}
	}
	code := letterCode.FindString(text)
	if code == "" {
		t.Fatalf("no verification code in the letter:\n%s", text)
	}

	// Anyone may check the code, without signing in.
	vt := newTab(t, base)
	if status := vt.open("/verify?code=" + strings.ToLower(code)); status != 200 {
		t.Fatalf("the verification of %s answered %d", code, status)
	}
	s = vt.state()
	wantContains(t, "verdict", s.Body, "Genuine: an acceptance letter issued on")
	wantContains(t, "verified name", s.Body, "Yamada Hanako")
	wantContains(t, "verified name", s.Body, "山田花子")
	vt.checkA11y("verified letter")
	tampered := code[:len(code)-1] + "A"
	if strings.HasSuffix(code, "A") {
		tampered = code[:len(code)-1] + "B"
	}
	if status := vt.open("/verify?code=" + tampered); status != 404 {
		t.Errorf("a changed code answered %d, want 404", status)
	}
	wantContains(t, "unknown code", vt.state().Body, "No letter with this code was issued.")
}

// rotationDay parses a date of the calendar.
func rotationDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return d
}

// dayText is an ISO day (2027-02-08) as English pages write it: "8 Feb 2027".
func dayText(iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return d.Format("2 Jan 2006")
}
