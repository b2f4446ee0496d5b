package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// reviewPortal is a dev portal with the office, a department reviewer and
// a student signed in, and two outgoing electives of different
// specialties to put applications on.
type reviewPortal struct {
	*portal
	office, reviewer, student *browser
	// mine is the reviewer's specialty, theirs another one.
	mine, theirs reviewElective
}

type reviewElective struct {
	Elective, Period int64
	Specialty        string
}

func startReviewPortal(t *testing.T, dialect string) *reviewPortal {
	t.Helper()
	return startReviewPortalWith(t, dialect, nil)
}

func startReviewPortalWith(t *testing.T, dialect string, configure func(*config.Config)) *reviewPortal {
	t.Helper()
	return startReviewPortalOptions(t, dialect, wiring.Options{}, configure)
}

// startReviewPortalOptions is startReviewPortalWith with the app's options
// too (more people to sign in as, for one).
func startReviewPortalOptions(t *testing.T, dialect string, o wiring.Options, configure func(*config.Config)) *reviewPortal {
	t.Helper()
	p := &reviewPortal{portal: startPortalWith(t, dialect, o, configure)}
	p.office, p.reviewer, p.student = p.browser(), p.browser(), p.browser()
	p.office.signIn("office")
	p.reviewer.signIn("reviewer")
	p.student.signIn("student")
	var es []reviewElective
	err := p.App.DB.Raw(`SELECT e.id AS elective, p.id AS period, e.specialty FROM electives AS e JOIN periods AS p ON p.elective_id = e.id
		WHERE e.direction = 'outgoing' AND e.retired_at IS NULL AND p.retired_at IS NULL ORDER BY e.id, p.id`).Scan(&es).Error
	if err != nil || len(es) == 0 {
		t.Fatalf("demo electives: %v (%d)", err, len(es))
	}
	p.mine = es[0]
	for _, e := range es {
		if e.Specialty != p.mine.Specialty {
			p.theirs = e
			break
		}
	}
	if p.theirs.Elective == 0 {
		t.Fatal("the demo catalog has one specialty only")
	}
	// Nominations and acceptances here test the queue, not quotas and seats.
	p.exec("UPDATE agreements SET quota_out = 1000")
	p.exec("UPDATE periods SET capacity = 100")
	if err := p.App.Applications.GrantScope(context.Background(), p.userID("demo-reviewer"), p.mine.Specialty,
		p.userID("demo-office"), audit.Meta{}); err != nil {
		t.Fatal(err)
	}
	return p
}

// add puts an application of a new applicant named name at stage on e,
// in that stage since the given time, straight into the database: the
// queue reads what the workflow wrote, whichever way it got there.
func (p *reviewPortal) add(name string, e reviewElective, stage application.Stage, since time.Time) int64 {
	p.t.Helper()
	now := time.Now().UTC()
	p.exec("INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", "test", name, name, now, now)
	var uid, id int64
	p.App.DB.Raw("SELECT id FROM users WHERE issuer = 'test' AND subject = ?", name).Scan(&uid)
	p.exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', ?, 1, ?, 1, ?, ?, ?)`, uid, stage, e.Specialty, since.UTC(), now, now)
	p.App.DB.Raw("SELECT id FROM applications WHERE applicant_id = ?", uid).Scan(&id)
	p.exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)", id, e.Elective, e.Period)
	return id
}

func (p *reviewPortal) stage(id int64) (string, int) {
	p.t.Helper()
	var row struct {
		Status  string
		Version int
	}
	if err := p.App.DB.Raw("SELECT status, version FROM applications WHERE id = ?", id).Scan(&row).Error; err != nil {
		p.t.Fatal(err)
	}
	return row.Status, row.Version
}

var reviewSel = regexp.MustCompile(`name="sel" value="([^"]+)"`)

// selection is the values of the page's selection boxes, by application id.
func selection(pg *page) map[int64]string {
	out := map[int64]string{}
	for _, m := range reviewSel.FindAllStringSubmatch(pg.Body, -1) {
		var id int64
		fmt.Sscanf(m[1], "%d:", &id)
		out[id] = html.UnescapeString(m[1])
	}
	return out
}

// rowOf is the table row of application id on the page, "" when absent.
func rowOf(pg *page, id int64) string {
	link := fmt.Sprintf(`href="/applications/%d"`, id)
	i := strings.Index(pg.Body, link)
	if i < 0 { // a queue's row links with the queue it is in
		i = strings.Index(pg.Body, fmt.Sprintf(`href="/applications/%d?queue=`, id))
	}
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(pg.Body[:i], "<tr")
	end := strings.Index(pg.Body[i:], "</tr>")
	return pg.Body[start : i+end]
}

// The queue shows a department reviewer their specialties only and the
// office everything, highlights rows waiting too long, filters by GET
// without JavaScript and answers htmx with the queue alone; students are
// refused and anonymous visitors sent to sign in.
func TestReviewQueuePage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		now := time.Now()
		old := p.add("Old Wang 王", p.mine, application.Submitted, now.AddDate(0, 0, -10))
		fresh := p.add("Fresh Lee", p.mine, application.DepartmentReview, now.Add(-time.Hour))
		other := p.add("Other Chen", p.theirs, application.Submitted, now.AddDate(0, 0, -2))
		draft := p.add("Draft Hsu", p.mine, application.Draft, now.AddDate(0, 0, -20))

		pg := p.reviewer.get("/review")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "review.title")
		if rowOf(pg, old) == "" || rowOf(pg, fresh) == "" {
			t.Errorf("the reviewer does not see the applications of their specialty:\n%s", pg.Body)
		}
		if rowOf(pg, other) != "" || rowOf(pg, draft) != "" {
			t.Error("the reviewer sees another specialty's application or a draft")
		}
		if len(selection(pg)) != 0 {
			t.Error("a department reviewer is offered bulk selection")
		}
		if !strings.Contains(rowOf(pg, old), `class="stale"`) || strings.Contains(rowOf(pg, fresh), `class="stale"`) {
			t.Errorf("stale highlight wrong:\n%s\n%s", rowOf(pg, old), rowOf(pg, fresh))
		}
		wantText(t, pg, i18n.English, "review.stale")
		if !strings.Contains(pg.Body, `href="/review"`) || !strings.Contains(pg.Body, bundle.T(i18n.English, "nav.review")) {
			t.Error("no navigation entry for the queue")
		}

		pg = p.office.get("/review?stage=open")
		wantStatus(t, pg, http.StatusOK)
		for _, id := range []int64{old, fresh, other} {
			if rowOf(pg, id) == "" {
				t.Errorf("the office does not see application %d", id)
			}
		}
		if rowOf(pg, draft) != "" {
			t.Error("the office sees a draft")
		}
		if len(selection(pg)) < 3 {
			t.Error("the office is offered no bulk selection")
		}
		if i, j := strings.Index(pg.Body, fmt.Sprintf("/applications/%d?", old)), strings.Index(pg.Body, fmt.Sprintf("/applications/%d?", fresh)); i > j {
			t.Error("the longest waiting is not first")
		}
		tab := regexp.MustCompile(`href="/review\?stage=submitted"[^>]*>[^<]*<span class="count">(\d+)</span>`).FindStringSubmatch(pg.Body)
		if tab == nil || tab[1] == "0" {
			t.Errorf("no count on the submitted tab:\n%s", pg.Body)
		}

		// Filters: a GET form, re-rendered with what was typed.
		pg = p.office.get("/review?stage=submitted&specialty=" + url.QueryEscape(p.theirs.Specialty) + "&waiting=1")
		wantStatus(t, pg, http.StatusOK)
		if rowOf(pg, other) == "" || rowOf(pg, old) != "" || rowOf(pg, fresh) != "" {
			t.Errorf("filtered queue wrong:\n%s", pg.Body)
		}
		for _, want := range []string{`<option value="submitted" selected>`, `<option value="` + p.theirs.Specialty + `" selected>`, `inputmode="numeric" value="1"`} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the form does not show the filter chosen: no %s", want)
			}
		}
		pg = p.office.get("/review?stage=open&waiting=2&specialty=" + url.QueryEscape(p.mine.Specialty))
		if rowOf(pg, old) == "" || rowOf(pg, fresh) != "" {
			t.Error("waiting filter wrong")
		}
		var partner int64
		if err := p.App.DB.Raw("SELECT id FROM institutions WHERE NOT is_home ORDER BY id DESC LIMIT 1").Scan(&partner).Error; err != nil || partner == 0 {
			t.Fatalf("a partner: %d, %v", partner, err)
		}
		chosen := fmt.Sprintf(`<option value="%d" selected>`, partner)
		if pg = p.office.get("/review"); strings.Contains(pg.Body, chosen) || !strings.Contains(pg.Body, fmt.Sprintf(`<option value="%d">`, partner)) {
			t.Errorf("the partner list is missing partner %d or has it chosen", partner)
		}
		if pg = p.office.get(fmt.Sprintf("/review?partner=%d", partner)); strings.Count(pg.Body, " selected>") != 4 || !strings.Contains(pg.Body, chosen) {
			t.Errorf("the form does not show partner %d chosen (and one choice in each other list: sort, specialty, holder)", partner)
		}
		pg = p.office.get("/review?month=2027-13&waiting=abc")
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "review.err.month")
		wantText(t, pg, i18n.English, "review.err.number")
		if !strings.Contains(pg.Body, `value="2027-13"`) || !strings.Contains(pg.Body, `value="abc"`) {
			t.Error("the form does not keep what was typed")
		}

		// htmx gets the queue alone.
		pg = p.office.do(p.office.follow, http.MethodGet, "/review?stage=submitted", nil, http.Header{"Hx-Request": {"true"}})
		wantStatus(t, pg, http.StatusOK)
		if strings.Contains(pg.Body, "<html") || rowOf(pg, old) == "" || rowOf(pg, fresh) != "" {
			t.Errorf("htmx fragment wrong:\n%s", pg.Body)
		}

		// Traditional Chinese.
		p.office.Language = "zh-Hant"
		pg = p.office.get("/review?stage=open")
		wantText(t, pg, i18n.TraditionalChinese, "review.title")
		wantText(t, pg, i18n.TraditionalChinese, "review.days", 10)
		p.office.Language = ""

		wantStatus(t, p.student.get("/review"), http.StatusForbidden)
		anon := p.browser().step(http.MethodGet, "/review", nil, nil)
		if anon.Status != http.StatusSeeOther || !strings.HasPrefix(anon.Header.Get("Location"), "/login") {
			t.Errorf("anonymous: %d %s", anon.Status, anon.Header.Get("Location"))
		}
	})
}

// The queue opens on what waits for its reader: a department reviewer's
// submitted and department_review rows, the office's office_review and
// nominations; rows whose turn is the student's are under "All open" and
// never flagged as waiting too long.
func TestReviewWaitingForMe(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		long := time.Now().AddDate(0, 0, -40)
		submitted := p.add("Waiting Submitted", p.mine, application.Submitted, long)
		office := p.add("Waiting Office", p.mine, application.OfficeReview, long)
		returned := p.add("Student Returned", p.mine, application.Returned, long)
		confirmed := p.add("Student Confirmed", p.mine, application.Confirmed, long)

		pg := p.reviewer.get("/review")
		wantStatus(t, pg, http.StatusOK)
		if rowOf(pg, submitted) == "" || rowOf(pg, office) != "" || rowOf(pg, returned) != "" || rowOf(pg, confirmed) != "" {
			t.Errorf("the reviewer's default view is not what waits for them:\n%s", pg.Body)
		}
		if !strings.Contains(pg.Body, `aria-current="page">`+bundle.T(i18n.English, "review.tab.mine")) {
			t.Error("the waiting-for-me tab is not the current one")
		}
		pg = p.office.get("/review")
		if rowOf(pg, office) == "" || rowOf(pg, submitted) != "" || rowOf(pg, returned) != "" || rowOf(pg, confirmed) != "" {
			t.Errorf("the office's default view is not what waits for it:\n%s", pg.Body)
		}
		// Everything open, on request; the student's rows are not late.
		pg = p.office.get("/review?stage=open")
		for _, id := range []int64{submitted, office, returned, confirmed} {
			if rowOf(pg, id) == "" {
				t.Fatalf("application %d is missing from all open", id)
			}
		}
		for _, id := range []int64{returned, confirmed} {
			if strings.Contains(rowOf(pg, id), `class="stale"`) {
				t.Errorf("application %d, the student's turn, is flagged as waiting too long", id)
			}
		}
		if !strings.Contains(rowOf(pg, office), `class="stale"`) {
			t.Error("the office's own late row is not flagged")
		}
	})
}

// The next page starts after the last row of this one, whatever moved.
func TestReviewQueueNextPage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		// The queue may hold demo applications too; these come first.
		base := time.Now().AddDate(-1, 0, 0)
		var ids []int64
		for i := range application.QueuePageSize + 5 {
			ids = append(ids, p.add(fmt.Sprintf("Applicant %02d", i), p.mine, application.Submitted, base.Add(time.Duration(i)*time.Minute)))
		}
		pg := p.office.get("/review?stage=submitted")
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(pg.Body)
		if next == nil {
			t.Fatalf("no next page link:\n%s", pg.Body)
		}
		if rowOf(pg, ids[application.QueuePageSize-1]) == "" || rowOf(pg, ids[application.QueuePageSize]) != "" {
			t.Error("the first page does not end at the page size")
		}
		// A row of the first page moves on; the second page still starts
		// with the row after the first page.
		p.exec("UPDATE applications SET status = 'department_review', stage_since = ? WHERE id = ?", time.Now().UTC(), ids[0])
		pg = p.office.get(html.UnescapeString(next[1]))
		wantStatus(t, pg, http.StatusOK)
		for _, id := range ids[application.QueuePageSize:] {
			if rowOf(pg, id) == "" {
				t.Errorf("application %d missing from the second page", id)
			}
		}
		if rowOf(pg, ids[application.QueuePageSize-1]) != "" {
			t.Error("the second page repeats a row of the first")
		}
		wantText(t, pg, i18n.English, "review.first")
	})
}

// GET /review as the office costs the session lookup, the bell and one
// statement for the queue (rows and counts together).
func TestReviewQueueQueries(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		for i := range 5 {
			p.add(fmt.Sprintf("Applicant %d", i), p.mine, application.OfficeReview, time.Now().AddDate(0, 0, -i))
		}
		measure := func(path string) int64 {
			before := p.App.DB.Queries()
			wantStatus(t, p.office.get(path), http.StatusOK)
			return p.App.DB.Queries() - before
		}
		measure("/review") // fills the partner list, kept a minute
		// The layout of any page: the session with its user and the
		// bell's count, in one statement.
		p.office.get("/no-such-page")
		before := p.App.DB.Queries()
		p.office.get("/no-such-page")
		layout := p.App.DB.Queries() - before
		total := measure("/review?partner=1&waiting=1")
		if total-layout != 1 {
			t.Errorf("the queue ran %d statements of its own (total %d, layout %d), want 1", total-layout, total, layout)
		}
		if layout != 1 || total > 3 {
			t.Errorf("GET /review as the office: %d statements, of which the session and layout %d; want at most 3, and 1", total, layout)
		}
	})
}

// Bulk actions: each application changes on its own with the version the
// page showed; a stale one is reported and left as it was; reviewers and
// students are refused and nothing changes; exports hold the selection
// with formulas neutralised.
func TestReviewBulk(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		now := time.Now()
		a := p.add("Bulk A", p.mine, application.OfficeReview, now.AddDate(0, 0, -3))
		b := p.add("=cmd|' /C calc'!A0", p.mine, application.OfficeReview, now.AddDate(0, 0, -2))
		c := p.add("Bulk C", p.theirs, application.OfficeReview, now.AddDate(0, 0, -1))

		pg := p.office.get("/review?stage=office_review")
		sel := selection(pg)
		if sel[a] == "" || sel[b] == "" || sel[c] == "" {
			t.Fatalf("selection boxes %v", sel)
		}
		form := url.Values{"_csrf": {pg.csrf(t)}, "return_to": {"/review?stage=office_review"}, "sel": {sel[a], sel[b], sel[c]}}

		// Refused for a reviewer and a student: 403, nothing changed.
		for _, br := range []*browser{p.reviewer, p.student} {
			other := br.get("/")
			f := url.Values{"_csrf": {other.csrf(t)}, "action": {"nominate"}, "sel": form["sel"]}
			wantStatus(t, br.post("/review/bulk", f), http.StatusForbidden)
		}
		for _, id := range []int64{a, b, c} {
			if st, v := p.stage(id); st != "office_review" || v != 1 {
				t.Fatalf("a refused bulk action changed application %d: %s v%d", id, st, v)
			}
		}

		// Exports.
		form.Set("action", "csv")
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(pg.Body, "\uFEFF") {
			t.Fatalf("CSV export: %v\n%s", pg.Header, pg.Body)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(pg.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("CSV export: %v %q", err, recs)
		}
		if !strings.Contains(pg.Body, `'=cmd|' /C calc'!A0`) || strings.Contains(pg.Body, "\n=cmd") || strings.Contains(pg.Body, ",=cmd") {
			t.Errorf("the formula is not neutralised:\n%s", pg.Body)
		}
		form.Set("action", "xlsx")
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		wb, err := excelize.OpenReader(bytes.NewReader([]byte(pg.Body)))
		if err != nil {
			t.Fatalf("XLSX export: %v", err)
		}
		rows, _ := wb.GetRows("Applications")
		wb.Close()
		if len(rows) != 4 || rows[2][1] != `'=cmd|' /C calc'!A0` {
			t.Errorf("XLSX export rows %q", rows)
		}

		// c changes behind the office's back: the rest are nominated.
		office, err := p.App.Users.Find(context.Background(), p.userID("demo-office"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.App.Applications.ReturnForChanges(context.Background(), office, c, application.ReviewInput{Version: 1, Comment: "Add a CV."}); err != nil {
			t.Fatal(err)
		}
		form.Set("action", "nominate")
		pg = p.office.post("/review/bulk", form)
		wantText(t, pg, i18n.English, "review.bulk.confirm.nominate", 3)
		form.Set("confirm", "yes")
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "review.bulk.done.nominate", 2)
		wantText(t, pg, i18n.English, "review.bulk.refused", 1)
		// The skipped row says who, where it stands, and why.
		if !strings.Contains(pg.Body, fmt.Sprintf(`href="/applications/%d">Bulk C</a>`, c)) || !strings.Contains(pg.Body, "changed since you opened it") ||
			!strings.Contains(pg.Body, bundle.T(i18n.English, "application.stage.returned")) {
			t.Errorf("the stale application is not reported with name, stage and reason:\n%s", pg.Body)
		}
		for id, want := range map[int64]string{a: "nominated", b: "nominated", c: "returned"} {
			if st, _ := p.stage(id); st != want {
				t.Errorf("application %d at %s, want %s", id, st, want)
			}
		}

		// Replayed: everything is stale now, nothing changes twice, and
		// "0 nominated" is not announced as a success.
		pg = p.office.post("/review/bulk", form)
		wantText(t, pg, i18n.English, "review.bulk.none_done.nominate")
		wantText(t, pg, i18n.English, "review.bulk.refused", 3)
		if strings.Contains(pg.Body, `class="flash"`) {
			t.Errorf("nothing done, shown as a success:\n%s", pg.Body)
		}

		// Host decisions on a fresh page.
		pg = p.office.get("/review?stage=nominated")
		sel = selection(pg)
		pg = p.office.post("/review/bulk", url.Values{"_csrf": {pg.csrf(t)}, "action": {"accepted"}, "sel": {sel[a]}, "confirm": {"yes"}})
		wantText(t, pg, i18n.English, "review.bulk.done.accepted", 1)
		if st, _ := p.stage(a); st != "host_accepted" {
			t.Errorf("application %d at %s after a bulk acceptance", a, st)
		}

		// Bad input: a forged selection, an unknown action.
		for _, f := range []url.Values{
			{"action": {"nominate"}, "sel": {"1;DROP"}},
			{"action": {"approve"}, "sel": {sel[b]}},
		} {
			f.Set("_csrf", pg.csrf(t))
			wantStatus(t, p.office.post("/review/bulk", f), http.StatusUnprocessableEntity)
		}
		if st, _ := p.stage(b); st != "nominated" {
			t.Errorf("bad input changed application %d to %s", b, st)
		}
	})
}

// A bulk host rejection is never one click: the office is asked, with the
// count and the names, and nothing changes until it confirms.
func TestReviewBulkRejectionAsksFirst(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		now := time.Now()
		a := p.add("Reject Lin 林", p.mine, application.Nominated, now.AddDate(0, 0, -3))
		b := p.add("Reject Wu", p.theirs, application.Nominated, now.AddDate(0, 0, -2))
		pg := p.office.get("/review?stage=nominated")
		sel := selection(pg)
		form := url.Values{"_csrf": {pg.csrf(t)}, "return_to": {"/review?stage=nominated"}, "action": {"rejected"}, "sel": {sel[a], sel[b]}}
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "review.bulk.confirm.rejected", 2)
		wantText(t, pg, i18n.English, "review.bulk.confirm_button.rejected", 2)
		for _, name := range []string{"Reject Lin 林", "Reject Wu"} {
			if !strings.Contains(pg.Body, name) {
				t.Errorf("the confirmation does not name %s:\n%s", name, pg.Body)
			}
		}
		if !strings.Contains(pg.Body, `name="confirm" value="yes"`) || !strings.Contains(pg.Body, `href="/review?stage=nominated"`) {
			t.Errorf("no confirm button or way back:\n%s", pg.Body)
		}
		for _, id := range []int64{a, b} {
			if st, v := p.stage(id); st != "nominated" || v != 1 {
				t.Fatalf("asking changed application %d: %s v%d", id, st, v)
			}
		}
		// Confirmed: the form as the page holds it.
		confirm := url.Values{"_csrf": {pg.csrf(t)}}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(pg.Body, -1) {
			if m[1] != "_csrf" {
				confirm.Add(m[1], html.UnescapeString(m[2]))
			}
		}
		pg = p.office.post("/review/bulk", confirm)
		wantText(t, pg, i18n.English, "review.bulk.done.rejected", 2)
		for _, id := range []int64{a, b} {
			if st, _ := p.stage(id); st != "host_rejected" {
				t.Errorf("application %d at %s after a confirmed rejection", id, st)
			}
		}
	})
}

// Nothing selected: the queue comes back as it was filtered, saying so,
// not an error page.
func TestReviewBulkNothingSelected(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		id := p.add("Kept Chen", p.mine, application.OfficeReview, time.Now().AddDate(0, 0, -3))
		pg := p.office.get("/review?stage=office_review")
		for _, action := range []string{"nominate", "rejected", "xlsx"} {
			got := p.office.post("/review/bulk", url.Values{"_csrf": {pg.csrf(t)}, "action": {action}, "return_to": {"/review?stage=office_review"}})
			wantStatus(t, got, http.StatusOK)
			if got.URL.Path != "/review" || got.URL.Query().Get("stage") != "office_review" {
				t.Errorf("%s with nothing selected lands on %s", action, got.URL)
			}
			wantText(t, got, i18n.English, "review.notice.none_selected")
			if rowOf(got, id) == "" || !strings.Contains(got.Body, `<option value="office_review" selected>`) {
				t.Errorf("%s: the filtered queue is lost:\n%s", action, got.Body)
			}
		}
		if st, v := p.stage(id); st != "office_review" || v != 1 {
			t.Errorf("application changed to %s v%d", st, v)
		}
	})
}

// PORTAL_REVIEW_STALE_DAYS sets the highlight; nonsense is refused.
func TestReviewStaleDaysConfig(t *testing.T) {
	t.Parallel()
	p := startReviewPortalWith(t, "sqlite", func(c *config.Config) { c.ReviewStaleDays = 30 })
	id := p.add("Patient Wu", p.mine, application.Submitted, time.Now().AddDate(0, 0, -10))
	pg := p.reviewer.get("/review")
	wantText(t, pg, i18n.English, "review.lede", 30)
	if row := rowOf(pg, id); row == "" || strings.Contains(row, `class="stale"`) {
		t.Errorf("10 days highlighted with a 30-day limit:\n%s", row)
	}

	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PORTAL_REVIEW_STALE_DAYS" {
				return v
			}
			return ""
		}
	}
	c, errs := config.Load(config.ModeDev, env(""))
	if len(errs) != 0 || c.StaleDays() != config.DefaultReviewStaleDays {
		t.Errorf("default: %d %v", c.StaleDays(), errs)
	}
	c, errs = config.Load(config.ModeDev, env("14"))
	if len(errs) != 0 || c.StaleDays() != 14 {
		t.Errorf("14: %d %v", c.StaleDays(), errs)
	}
	for _, bad := range []string{"0", "-3", "week", "400"} {
		if _, errs := config.Load(config.ModeDev, env(bad)); len(errs) == 0 {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The rows QueueRows renders are the rows of the page.
// Rendering is the same on any database: SQLite only.
func TestReviewQueueRowsRenderAsThePage(t *testing.T) {
	t.Parallel()
	p := startReviewPortal(t, "sqlite")
	id := p.add("Render Lin 林", p.mine, application.OfficeReview, time.Now().AddDate(0, 0, -9))
	office, err := p.App.Users.Find(context.Background(), p.userID("demo-office"))
	if err != nil {
		t.Fatal(err)
	}
	qp, err := p.App.Applications.Queue(context.Background(), office, application.QueueFilter{Mine: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.App.Web.QueueRows().Render(&buf, i18n.English, qp.Rows); err != nil {
		t.Fatal(err)
	}
	pg := p.office.get("/review")
	row := rowOf(&page{Body: buf.String()}, id)
	if row == "" || row != rowOf(pg, id) {
		t.Errorf("rendered row\n%s\nis not the page's\n%s", row, rowOf(pg, id))
	}
}

// An export is for people: a bold frozen header with filters in the
// reader's language, real dates in the portal's time (Taipei), the
// applicant's e-mail, every choice, and only the columns ticked.
func TestReviewExportWorkbook(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		since := time.Date(2026, 12, 7, 1, 32, 0, 0, time.UTC) // 09:32 in Taipei
		a := p.add("Export Lin 林", p.mine, application.OfficeReview, since)
		p.exec("UPDATE users SET email = 'lin@example.edu.tw' WHERE subject = 'Export Lin 林'")
		p.exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 2, ?, ?)", a, p.theirs.Elective, p.theirs.Period)
		p.office.Language = "zh-Hant"
		pg := p.office.get("/review?stage=office_review")
		sel := selection(pg)
		form := url.Values{"_csrf": {pg.csrf(t)}, "action": {"xlsx"}, "sel": {sel[a]},
			"col": {"applicant", "email", "stage", "stage_since", "choice_1", "choice_2"}}
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		wb, err := excelize.OpenReader(strings.NewReader(pg.Body))
		if err != nil {
			t.Fatalf("XLSX export: %v", err)
		}
		defer wb.Close()
		const sh = "Applications"
		rows, _ := wb.GetRows(sh)
		if len(rows) != 2 {
			t.Fatalf("rows %q", rows)
		}
		head := rows[0]
		if len(head) != 4+2*5 || head[0] != bundle.T(i18n.TraditionalChinese, "review.export.col.applicant") ||
			head[4] != bundle.T(i18n.TraditionalChinese, "review.export.choice.elective", 1) {
			t.Errorf("header %q", head)
		}
		row := rows[1]
		if row[0] != "Export Lin 林" || row[1] != "lin@example.edu.tw" || row[2] != bundle.T(i18n.TraditionalChinese, "application.stage.office_review") {
			t.Errorf("row %q", row)
		}
		if row[9] == "" {
			t.Errorf("the second choice is missing: %q", row)
		}
		style, _ := wb.GetCellStyle(sh, "A1")
		if s, err := wb.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
			t.Error("the header is not bold")
		}
		if panes, err := wb.GetPanes(sh); err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("the header is not frozen: %+v %v", panes, err)
		}
		if names := wb.GetDefinedName(); len(names) == 0 || names[0].Name != "_xlnm._FilterDatabase" {
			t.Errorf("no filters on the header: %+v", names)
		}
		if raw, _ := wb.GetCellValue(sh, "D2", excelize.Options{RawCellValue: true}); strings.Contains(raw, "-") || raw == "" {
			t.Errorf("in stage since is %q, not a date", raw)
		}
		if v, _ := wb.GetCellValue(sh, "D2"); v != "2026-12-07 09:32" {
			t.Errorf("in stage since shows %q, want Taipei time 2026-12-07 09:32", v)
		}
		if raw, _ := wb.GetCellValue(sh, "H2", excelize.Options{RawCellValue: true}); strings.Contains(raw, "-") || raw == "" {
			t.Errorf("choice 1 starts %q, not a date", raw)
		}
	})
}

// A reviewer moves through the queue: a row opens its application with
// the queue's previous and next, and a decision lands on the next
// application waiting, not back on the list.
func TestReviewNextAfterDecision(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect)
		base := time.Now().AddDate(-1, 0, 0) // before any demo application
		a := p.add("First Wang", p.mine, application.DepartmentReview, base)
		b := p.add("Second Lee", p.mine, application.DepartmentReview, base.Add(time.Hour))
		pg := p.reviewer.get("/review")
		link := regexp.MustCompile(fmt.Sprintf(`href="(/applications/%d\?queue=[^"]+)"`, a)).FindStringSubmatch(pg.Body)
		if link == nil {
			t.Fatalf("the row does not open the application within the queue:\n%s", rowOf(pg, a))
		}
		pg = p.reviewer.get(html.UnescapeString(link[1]))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "review.nav.next")
		if !strings.Contains(pg.Body, `name="queue" value="/review"`) {
			t.Fatalf("the decision forms do not carry the queue:\n%s", pg.Body)
		}
		// Next from a is b; previous from a is the end of the queue.
		if nx := p.reviewer.get(fmt.Sprintf("/review/next/%d", a)); nx.URL.Path != fmt.Sprintf("/applications/%d", b) {
			t.Errorf("next of %d is %s, want %d", a, nx.URL, b)
		}
		if pv := p.reviewer.get(fmt.Sprintf("/review/next/%d?dir=prev", a)); pv.URL.Path != "/review" {
			t.Errorf("previous of the first is %s", pv.URL)
		}

		// An empty Return names the field to fill.
		ret := p.reviewer.post(fmt.Sprintf("/applications/%d/return", a), url.Values{"_csrf": {pg.csrf(t)}, "version": {"1"}, "queue": {"/review"}})
		wantStatus(t, ret, http.StatusUnprocessableEntity)
		if want := html.EscapeString(bundle.T(i18n.English, "application.form.return.comment")) + ": "; !strings.Contains(ret.Body, want) {
			t.Errorf("the refused Return does not name the field %q:\n%s", want, ret.Body)
		}
		if !strings.Contains(ret.Body, `name="queue" value="/review"`) {
			t.Error("the refused form lost its queue")
		}
		// One decision open at a time: folded, and the refused one open.
		if n := strings.Count(pg.Body, `name="app-decision"`); n < 2 || strings.Contains(pg.Body, `name="app-decision" open`) {
			t.Errorf("%d folded decisions, some open, on a fresh page", n)
		}
		if strings.Count(ret.Body, `name="app-decision" open`) != 1 || !regexp.MustCompile(`name="app-decision" open>\s*<summary><h3 id="return-h">`).MatchString(ret.Body) {
			t.Error("the refused Return is not the one decision open")
		}
		pg = p.reviewer.post(fmt.Sprintf("/applications/%d/approve", a), url.Values{"_csrf": {pg.csrf(t)}, "version": {"1"},
			"queue": {"/review"}, "comment": {"Complete."}})
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != fmt.Sprintf("/applications/%d", b) {
			t.Errorf("after approving %d the reviewer is at %s, want application %d", a, pg.URL, b)
		}
		if st, _ := p.stage(a); st != "office_review" {
			t.Errorf("application %d at %s", a, st)
		}
		// A student's page never offers a queue.
		if sp := p.student.get(fmt.Sprintf("/review/next/%d", a)); sp.Status != http.StatusForbidden {
			t.Errorf("a student reached the queue: %d", sp.Status)
		}
	})
}
