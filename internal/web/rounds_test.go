package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portal/internal/wiring"
)

var (
	periodBoxes = regexp.MustCompile(`name="period" value="(\d+)"`)
	roundLink   = regexp.MustCompile(`/rounds/(\d+)$`)
	scoreForm   = regexp.MustCompile(`<form id="s(\d+)" method="post" action="(/rounds/\d+/scores/\d+)"`)
	scoreInput  = regexp.MustCompile(`form="s\d+" name="(c\d+)"`)
)

// roundForm is a whole round's form: every period offered, a rubric of
// grades and an oral exam weighted as given.
func roundForm(token, name string, periods []string, gradesWeight, oralWeight string) url.Values {
	f := url.Values{"_csrf": {token}, "name": {name}, "term": {"2027 spring"}, "deadline": {"2027-01-15"},
		"appeal_days": {"7"}, "rule_min_year": {"1"}, "rule_language": {"1"}, "rule_prior": {"1"},
		"c1_name_en": {"Grades"}, "c1_name_zh": {"成績"}, "c1_weight": {gradesWeight}, "c1_min": {"0"}, "c1_max": {"100"},
		"c2_name_en": {"Oral exam"}, "c2_name_zh": {"口試"}, "c2_weight": {oralWeight}, "c2_min": {"0"}, "c2_max": {"10"},
		"tie1": {"component:2"}, "tie2": {"submitted"}}
	f["period"] = periods
	return f
}

// newRound creates a round over every period the form offers, as the
// office signed in on b, and returns its page.
func newRound(t *testing.T, b *browser, name string) *page {
	t.Helper()
	form := b.get("/rounds/new")
	if form.Status != http.StatusOK {
		t.Fatalf("GET /rounds/new: %d", form.Status)
	}
	var periods []string
	for _, m := range periodBoxes.FindAllStringSubmatch(form.Body, -1) {
		periods = append(periods, m[1])
	}
	if len(periods) == 0 {
		t.Fatal("the round's form offers no period")
	}
	pg := b.post("/rounds", roundForm(form.csrf(t), name, periods, "70", "30"))
	if pg.Status != http.StatusOK || !roundLink.MatchString(pg.URL.Path) {
		t.Fatalf("creating a round ended on %s with %d", pg.URL, pg.Status)
	}
	return pg
}

// roundRefusals creates a round, sends it refused forms and runs two dry
// runs, so that a walk of the portal meets every rounds page.
func roundRefusals(t *testing.T, b *browser, post func(path string, kv ...string)) {
	post("/rounds")
	pg := newRound(t, b, "Walk round")
	base := pg.URL.Path
	token := pg.csrf(t)
	scores := b.get(base + "/scores")
	if m := scoreForm.FindStringSubmatch(scores.Body); m != nil {
		in := scoreInput.FindStringSubmatch(scores.Body)
		post(m[2], in[1], "1000")
	}
	b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {"1"}})
	b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {"1"}}) // stale: refused on the round's page
	b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {"2"}})
	roundImportWalk(t, b, base, token) // rounds_import_test.go
}

func TestTheOfficeScoresRunsComparesAndPublishesARound(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})

	student := p.browser()
	student.signIn("student")
	if pg := student.get("/rounds"); pg.Status != http.StatusForbidden {
		t.Fatalf("a student reaches /rounds: %d", pg.Status)
	}

	b := p.browser()
	b.signIn("office")
	list := b.get("/rounds")
	token := list.csrf(t)
	if !strings.Contains(list.Body, "2027 spring exchange") || !strings.Contains(list.Body, "Dry run") {
		t.Fatal("dev mode has no demo round in dry run")
	}
	refused := b.post("/rounds", url.Values{"_csrf": {token}, "name": {"Half typed"}, "deadline": {"soon"}})
	if refused.Status != http.StatusUnprocessableEntity || !strings.Contains(refused.Body, `value="Half typed"`) ||
		!strings.Contains(refused.Body, "Enter a date as YYYY-MM-DD.") {
		t.Fatalf("a half-typed round: %d, the form should come back as typed with its refusal", refused.Status)
	}

	pg := newRound(t, b, "Spring exchange 2027")
	base := pg.URL.Path
	if !strings.Contains(pg.Body, "Spring exchange 2027") || !strings.Contains(pg.Body, "Open") {
		t.Fatal("the new round's page does not show its name and state")
	}

	// Scores: the rubric is beside them; a value out of range comes back.
	scores := b.get(base + "/scores")
	forms := scoreForm.FindAllStringSubmatch(scores.Body, -1)
	if len(forms) < 2 || !strings.Contains(scores.Body, "0 to 100, weight 70") {
		t.Fatalf("the scoring page shows %d applicants and no rubric", len(forms))
	}
	fields := scoreInput.FindAllStringSubmatch(scores.Body, 2)
	grades, oral := fields[0][1], fields[1][1]
	bad := b.post(forms[0][2], url.Values{"_csrf": {token}, grades: {"101"}, oral: {"5"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Enter a number from 0 to 100") ||
		!strings.Contains(bad.Body, `value="101"`) {
		t.Fatalf("a grade of 101: %d", bad.Status)
	}
	for i, f := range forms {
		ok := b.post(f[2], url.Values{"_csrf": {token}, grades: {[]string{"91.2", "89.5", "88.1", "70", "95"}[i%5]}, oral: {"5"}})
		if ok.Status != http.StatusOK {
			t.Fatalf("scoring %s: %d", f[2], ok.Status)
		}
	}

	// A dry run, a change of weights, a second dry run, the comparison.
	run := b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {"1"}})
	if run.Status != http.StatusOK || !strings.HasSuffix(run.URL.Path, "/dry-runs/1") || !strings.Contains(run.Body, "placed at choice 1") {
		t.Fatalf("the dry run ended on %s with %d", run.URL, run.Status)
	}
	csv := b.get(run.URL.Path + "/applicants.csv")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Body, "applicant_id,score,priority_class,tiebreak") {
		t.Fatalf("applicants.csv: %d %q", csv.Status, csv.Body[:min(len(csv.Body), 80)])
	}
	for _, f := range []string{"choices.csv", "seats.csv", "result.csv"} {
		if got := b.get(run.URL.Path + "/" + f); got.Status != http.StatusOK || !strings.Contains(got.Header.Get("Content-Disposition"), f) {
			t.Fatalf("%s: %d", f, got.Status)
		}
	}
	edit := b.get(base + "/edit")
	var periods []string
	for _, m := range regexp.MustCompile(`name="period" value="(\d+)" checked`).FindAllStringSubmatch(edit.Body, -1) {
		periods = append(periods, m[1])
	}
	ids := regexp.MustCompile(`name="c(\d)_id" value="(\d+)"`).FindAllStringSubmatch(edit.Body, -1)
	form := roundForm(token, "Spring exchange 2027", periods, "30", "70")
	for _, m := range ids {
		form.Set("c"+m[1]+"_id", m[2])
	}
	form.Set("version", regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.Body)[1])
	if saved := b.post(base, form); saved.Status != http.StatusOK || saved.URL.Path != base {
		t.Fatalf("changing the weights: %d on %s", saved.Status, saved.URL)
	}
	if again := b.get(base + "/scores"); strings.Count(again.Body, `value="5"`) < len(forms) {
		t.Fatal("the scores did not survive a change of weights")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.get(base).Body)[1]
	second := b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {version}})
	if !strings.HasSuffix(second.URL.Path, "/dry-runs/2") {
		t.Fatalf("the second dry run ended on %s", second.URL)
	}
	cmp := b.get(base + "/compare?a=1&b=2")
	if cmp.Status != http.StatusOK || !strings.Contains(cmp.Body, "Dry run 1") || !strings.Contains(cmp.Body, "Dry run 2") {
		t.Fatalf("compare: %d", cmp.Status)
	}

	// Publish, once.
	round := b.get(base)
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(round.Body)[1]
	var start int64
	if err := p.App.DB.Table("review_events").Where("action = ?", "nominate").Count(&start).Error; err != nil {
		t.Fatal(err)
	}
	pub := b.post(base+"/publish", url.Values{"_csrf": {token}, "version": {version}})
	if pub.Status != http.StatusOK || !strings.Contains(pub.Body, "Published") || !strings.Contains(pub.Body, "placed applications nominated") {
		t.Fatalf("publish: %d", pub.Status)
	}
	nominations := func() int64 {
		var n int64
		if err := p.App.DB.Table("review_events").Where("action = ?", "nominate").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := nominations()
	if before <= start {
		t.Fatal("publishing nominated nobody")
	}
	if twice := b.post(base+"/publish", url.Values{"_csrf": {token}, "version": {version}}); twice.Status != http.StatusOK {
		t.Fatalf("publishing again: %d", twice.Status)
	}
	if after := nominations(); after != before {
		t.Fatalf("publishing again made %d more nominations", after-before)
	}
	if again := b.get(base); strings.Contains(again.Body, "/publish") {
		t.Fatal("a published round still offers to publish")
	}

	// The demo student reads their outcome and its explanation, in both
	// languages; an application of theirs took part in the round.
	var app int64
	if err := p.App.DB.Raw(`SELECT o.application_id FROM selection_outcomes AS o
		JOIN applications AS a ON a.id = o.application_id JOIN users AS u ON u.id = a.applicant_id
		WHERE u.subject = 'demo-student' ORDER BY o.application_id LIMIT 1`).Scan(&app).Error; err != nil || app == 0 {
		t.Fatalf("the demo student has no outcome in the round (%v)", err)
	}
	mine := student.get("/applications/" + strconv.FormatInt(app, 10))
	if !strings.Contains(mine.Body, "Selection round: Spring exchange 2027") || !strings.Contains(mine.Body, "Your score:") {
		t.Fatalf("the student's application page shows no outcome:\n%s", mine.Body)
	}
	student.Language = "zh-Hant"
	zh := student.get("/applications/" + strconv.FormatInt(app, 10))
	if !strings.Contains(zh.Body, "甄選梯次：Spring exchange 2027") || !strings.Contains(zh.Body, "您的分數") {
		t.Fatal("the student's outcome is not in Chinese")
	}

	// The elective pages show the round's figures to anyone, names never.
	var elective int64
	if err := p.App.DB.Raw(`SELECT p.elective_id FROM selection_round_periods AS rp
		JOIN selection_rounds AS r ON r.id = rp.round_id JOIN periods AS p ON p.id = rp.period_id
		WHERE r.name = 'Spring exchange 2027' ORDER BY p.id LIMIT 1`).Scan(&elective).Error; err != nil || elective == 0 {
		t.Fatalf("no elective in the round (%v)", err)
	}
	public := p.browser().get("/electives/" + strconv.FormatInt(elective, 10))
	if !strings.Contains(public.Body, "Last selection round: Spring exchange 2027") || !strings.Contains(public.Body, "First choices per seat") {
		t.Fatal("the elective's page shows no cutoff of the published round")
	}
}
