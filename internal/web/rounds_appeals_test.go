package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portal/internal/wiring"
)

var (
	appealLink  = regexp.MustCompile(`href="(/rounds/\d+/appeals/\d+)"`)
	appealValue = regexp.MustCompile(`id="(c\d+)" name="c\d+" value="([^"]*)"`)
)

// appealRefusal sends the demo student's appeal without a reason, for a
// walk of the portal: the demo round shows its applicants their scores.
func appealRefusal(t *testing.T, p *portal, post func(path string, kv ...string)) {
	t.Helper()
	var app int64
	if err := p.App.DB.Raw(`SELECT a.id FROM applications AS a JOIN users AS u ON u.id = a.applicant_id
		JOIN application_choices AS c ON c.application_id = a.id
		JOIN selection_round_periods AS rp ON rp.period_id = c.period_id JOIN selection_rounds AS r ON r.id = rp.round_id
		WHERE u.subject = 'demo-student' AND r.scores_shown_at IS NOT NULL AND r.state = 'dry_run'
		AND a.status IN ('submitted', 'department_review', 'office_review') ORDER BY a.id LIMIT 1`).Scan(&app).Error; err != nil || app == 0 {
		t.Fatalf("the demo student has no score to appeal (%v)", err)
	}
	post("/applications/"+strconv.FormatInt(app, 10)+"/appeal", "reason", "")
}

// The office shows scores before publication; the demo student reads
// theirs on their application page and appeals it (an empty reason and a
// second appeal are refused, the typed reason kept); the office sees the
// appeal with its days open, upholds it with a better oral exam, which
// re-runs the dry run; the student reads the answer and gets a mail.
func TestAStudentAppealsTheirScoreAndTheOfficeUpholdsIt(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	b := p.browser()
	b.signIn("office")
	pg := newRound(t, b, "Appeal round")
	base := pg.URL.Path
	token := pg.csrf(t)
	scores := b.get(base + "/scores")
	fields := scoreInput.FindAllStringSubmatch(scores.Body, 2)
	for _, f := range scoreForm.FindAllStringSubmatch(scores.Body, -1) {
		b.post(f[2], url.Values{"_csrf": {token}, fields[0][1]: {"80"}, fields[1][1]: {"5"}})
	}
	if run := b.post(base+"/dry_run", url.Values{"_csrf": {token}, "version": {"1"}}); !strings.HasSuffix(run.URL.Path, "/dry-runs/1") {
		t.Fatalf("the dry run ended on %s", run.URL)
	}
	round := b.get(base)
	if !strings.Contains(round.Body, "Show applicants their scores now") {
		t.Fatal("the round's page offers no way to show scores")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(round.Body)[1]
	shown := b.post(base+"/show_scores", url.Values{"_csrf": {token}, "version": {version}})
	if shown.Status != http.StatusOK || !strings.Contains(shown.Body, "Applicants now see their scores") {
		t.Fatalf("showing scores: %d", shown.Status)
	}

	var app int64
	if err := p.App.DB.Raw(`SELECT a.id FROM applications AS a JOIN users AS u ON u.id = a.applicant_id
		JOIN application_choices AS c ON c.application_id = a.id
		JOIN selection_round_periods AS rp ON rp.period_id = c.period_id JOIN selection_rounds AS r ON r.id = rp.round_id
		WHERE u.subject = 'demo-student' AND r.name = 'Appeal round' AND a.status IN ('submitted', 'department_review', 'office_review')
		ORDER BY a.id LIMIT 1`).Scan(&app).Error; err != nil || app == 0 {
		t.Fatalf("the demo student has no application in the round (%v)", err)
	}
	path := "/applications/" + strconv.FormatInt(app, 10)
	student := p.browser()
	student.signIn("student")
	mine := student.get(path)
	if !strings.Contains(mine.Body, "Your score in Appeal round") || !strings.Contains(mine.Body, "Ask for a review of your score") {
		t.Fatalf("the student's page shows no score to appeal:\n%s", mine.Body)
	}
	st := mine.csrf(t)
	empty := student.post(path+"/appeal", url.Values{"_csrf": {st}, "reason": {"  "}})
	if empty.Status != http.StatusUnprocessableEntity || !strings.Contains(empty.Body, `id="appeal-reason-error"`) {
		t.Fatalf("an appeal without a reason: %d", empty.Status)
	}
	reason := "My oral exam was marked 5; the examiner's sheet says 9."
	sent := student.post(path+"/appeal", url.Values{"_csrf": {st}, "reason": {reason}})
	if sent.Status != http.StatusOK || sent.URL.Path != path || !strings.Contains(sent.Body, "Your appeal is sent") ||
		!strings.Contains(sent.Body, "Waiting for an answer") {
		t.Fatalf("the appeal: %d on %s", sent.Status, sent.URL)
	}
	again := student.post(path+"/appeal", url.Values{"_csrf": {st}, "reason": {"Once more."}})
	if again.Status != http.StatusUnprocessableEntity || !strings.Contains(again.Body, "You already have an appeal waiting") ||
		!strings.Contains(again.Body, ">Once more.</textarea>") {
		t.Fatalf("a second appeal: %d", again.Status)
	}
	if pg := student.get(base + "/appeals/1"); pg.Status != http.StatusForbidden && pg.Status != http.StatusNotFound {
		t.Fatalf("a student reaches the office's appeal page: %d", pg.Status)
	}

	round = b.get(base)
	m := appealLink.FindStringSubmatch(round.Body)
	if m == nil || !strings.Contains(round.Body, "Appeals waiting for an answer") || !strings.Contains(round.Body, "0 days") {
		t.Fatal("the round's page lists no open appeal with its days open")
	}
	answer := b.get(m[1])
	if !strings.Contains(answer.Body, html.EscapeString(reason)) {
		t.Fatal("the appeal's page does not show the student's reason")
	}
	values := appealValue.FindAllStringSubmatch(answer.Body, -1)
	if len(values) != 2 {
		t.Fatalf("the answer form has %d score values, want 2", len(values))
	}
	aversion := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(answer.Body)[1]
	form := url.Values{"_csrf": {token}, "version": {aversion}, "decision": {"upheld"}, "reply": {""},
		values[0][1]: {values[0][2]}, values[1][1]: {"9"}}
	noReply := b.post(m[1], form)
	if noReply.Status != http.StatusUnprocessableEntity || !strings.Contains(noReply.Body, `value="9"`) {
		t.Fatalf("an answer without a reply: %d; the typed values should stay", noReply.Status)
	}
	form.Set("reply", "The examiner's sheet says 9: corrected.")
	done := b.post(m[1], form)
	if done.Status != http.StatusOK || !strings.HasSuffix(done.URL.Path, "/dry-runs/2") || !strings.Contains(done.Body, "dry run was run again") {
		t.Fatalf("upholding ended on %s with %d", done.URL, done.Status)
	}

	read := student.get(path)
	if !strings.Contains(read.Body, "Upheld") || !strings.Contains(read.Body, "corrected.") || !strings.Contains(read.Body, "Your score changed from") {
		t.Fatal("the student does not read the answer")
	}
	var mails int64
	if err := p.App.DB.Table("outbox").Where("kind = ?", "selection_appeal_answered").Count(&mails).Error; err != nil || mails != 1 {
		t.Fatalf("%d answer mails (%v), want 1", mails, err)
	}
	student.Language = "ja"
	if ja := student.get(path); !strings.Contains(ja.Body, "認容") {
		t.Fatal("the answer is not in Japanese")
	}
}
