package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/wiring"
)

var (
	fundingOption = regexp.MustCompile(`<option value="(\d+)">`)
	callLink      = regexp.MustCompile(`^/scholarships/(\d+)$`)
	scoreAction   = regexp.MustCompile(`action="(/scholarships/\d+/scores/\d+)"`)
	valueInput    = regexp.MustCompile(`name="(c\d+)" value=`)
	letterLink    = regexp.MustCompile(`href="(/scholarships/awards/\d+/letter)"`)
	awardCode     = regexp.MustCompile(`<td>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</td>`)
)

func TestAStudentRequestsFundingAndTheOfficeAwardsItWithAVerifiableLetter(t *testing.T) {
	p := startPortal(t, "sqlite", wiring.Options{})
	office := p.browser()
	office.signIn("office")
	form := office.get("/scholarships/new")
	m := fundingOption.FindStringSubmatch(form.Body)
	if form.Status != http.StatusOK || m == nil {
		t.Fatalf("the call's form: %d, offers no funding", form.Status)
	}
	token := form.csrf(t)
	call := url.Values{"_csrf": {token}, "funding": {m[1]}, "name": {"Study abroad 2027"}, "year": {"2027"},
		"deadline": {time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}, "per_award": {"60000"}, "max_awards": {""},
		"c1_name_en": {"Grades"}, "c1_name_zh": {"成績"}, "c1_weight": {"100"}, "c1_max": {"100"}}
	refused := office.post("/scholarships", call)
	if refused.Status != http.StatusUnprocessableEntity || !strings.Contains(refused.Body, "Set the number of awards, the total, or both.") ||
		!strings.Contains(refused.Body, `value="Study abroad 2027"`) {
		t.Fatalf("a call without a budget: %d, the form should come back as typed with its refusal", refused.Status)
	}
	call.Set("max_awards", "1")
	call.Set("tie1", "component:1") // the keys in the office's order (scholarships_ties.go)
	call.Set("tie2", "year")
	pg := office.post("/scholarships", call)
	cm := callLink.FindStringSubmatch(pg.URL.Path)
	if pg.Status != http.StatusOK || cm == nil {
		t.Fatalf("opening a call ended on %s with %d", pg.URL, pg.Status)
	}
	base := pg.URL.Path
	if !strings.Contains(pg.Body, "Grades, higher first → Year of study, senior first → lottery (seed") {
		t.Fatal("the call's page does not show its tie-break keys in order")
	}

	// The demo student holds a nominated application.
	student := p.browser()
	student.signIn("student")
	var sid, elective, period int64
	db := p.App.DB
	if err := db.Raw(`SELECT id FROM users WHERE subject = 'demo-student'`).Scan(&sid).Error; err != nil || sid == 0 {
		t.Fatalf("no demo student (%v)", err)
	}
	if err := db.Raw(`SELECT p.elective_id, p.id FROM periods p JOIN electives e ON e.id = p.elective_id
		WHERE e.direction = 'outgoing' ORDER BY p.id LIMIT 1`).Row().Scan(&elective, &period); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := db.Exec(`INSERT INTO applications (applicant_id, direction, status, version, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', 'nominated', 1, ?, ?, ?)`, sid, now, now, now).Error; err != nil {
		t.Fatal(err)
	}
	var app int64
	db.Raw(`SELECT id FROM applications WHERE applicant_id = ?`, sid).Scan(&app)
	if err := db.Exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)`, app, elective, period).Error; err != nil {
		t.Fatal(err)
	}

	page := student.get(base)
	stoken := page.csrf(t)
	if !strings.Contains(page.Body, `<option value="`+strconv.FormatInt(app, 10)+`"`) {
		t.Fatal("the call does not offer the student's nominated application")
	}
	bad := student.post(base+"/request", url.Values{"_csrf": {stoken}, "application": {strconv.FormatInt(app, 10)}, "submit": {"1"}, "version": {"0"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a request without motivation: %d", bad.Status)
	}
	ok := student.post(base+"/request", url.Values{"_csrf": {stoken}, "application": {strconv.FormatInt(app, 10)},
		"motivation": {"Travel to Kumamoto costs more than I can pay."}, "submit": {"1"}, "version": {"0"}})
	if ok.Status != http.StatusOK || !strings.Contains(ok.Body, "Submitted") {
		t.Fatalf("submitting the request: %d", ok.Status)
	}

	// The office scores, reads the dry run, awards.
	call1 := office.get(base)
	sa, vi := scoreAction.FindStringSubmatch(call1.Body), valueInput.FindStringSubmatch(call1.Body)
	if sa == nil || vi == nil {
		t.Fatal("the office's call page has no score form")
	}
	if r := office.post(sa[1], url.Values{"_csrf": {token}, vi[1]: {"101"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="101"`) {
		t.Fatalf("a score of 101: %d", r.Status)
	}
	scored := office.post(sa[1], url.Values{"_csrf": {token}, vi[1]: {"88.5"}})
	if !strings.Contains(scored.Body, "88.50") || !strings.Contains(scored.Body, "Funded") || !strings.Contains(scored.Body, "Cutoff score: 88.50.") {
		t.Fatalf("the dry run after scoring: %d", scored.Status)
	}
	awarded := office.post(base+"/award", url.Values{"_csrf": {token}})
	code := awardCode.FindStringSubmatch(awarded.Body)
	if awarded.Status != http.StatusOK || code == nil {
		t.Fatalf("awarding: %d, no award listed", awarded.Status)
	}

	// The student downloads the letter; nobody else can; /verify confirms it.
	mine := student.get(base)
	lm := letterLink.FindStringSubmatch(mine.Body)
	if lm == nil {
		t.Fatal("the student's call page offers no award letter")
	}
	pdf := student.get(lm[1])
	if pdf.Status != http.StatusOK || !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Fatalf("the award letter: %d", pdf.Status)
	}
	other := p.browser()
	other.signIn("incoming")
	if got := other.get(lm[1]); got.Status != http.StatusNotFound && got.Status != http.StatusForbidden {
		t.Fatalf("another person's award letter: %d", got.Status)
	}
	verify := p.browser().get("/verify?code=" + url.QueryEscape(strings.ToLower(code[1])))
	if verify.Status != http.StatusOK || !strings.Contains(verify.Body, "scholarship award letter") || !strings.Contains(verify.Body, "60,000 TWD") {
		t.Fatalf("/verify of the award's code: %d", verify.Status)
	}
	student.Language = "zh-Hant"
	if zh := student.get(base); !strings.Contains(zh.Body, "獲獎證明書") {
		t.Fatal("the student's call page is not in Chinese")
	}

	// The register and its CSV.
	csv := office.get("/scholarships/register.csv?year=2027")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Body, "year,call,funding") || !strings.Contains(csv.Body, ",60000,TWD,88.50,awarded,") {
		t.Fatalf("register.csv: %d %q", csv.Status, csv.Body)
	}
	if got := student.get("/scholarships/register"); got.Status != http.StatusForbidden {
		t.Fatalf("a student reaches the register: %d", got.Status)
	}
}
