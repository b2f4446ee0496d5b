package e2e

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// The office filters the reciprocity report to one partner, follows the
// outgoing figure to the applications behind it and exports the report as
// XLSX, which the test opens and reads (issue 17). The partner has one
// confirmed placement each way in the year of one of its periods; the
// report page passes axe, its chart included.
func TestTheOfficeFiltersTheReciprocityReportFollowsAFigureAndExportsIt(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil)
	var x struct {
		ElectiveID, PeriodID, InstitutionID int64
		StartsOn                            time.Time
		Title, Partner                      string
	}
	if err := a.DB.Raw(`SELECT e.id AS elective_id, pr.id AS period_id, e.institution_id, pr.starts_on, g.title, i.name_en AS partner
		FROM periods pr JOIN electives e ON e.id = pr.elective_id JOIN agreements g ON g.id = e.agreement_id JOIN institutions i ON i.id = e.institution_id
		WHERE e.direction = 'outgoing' AND g.retired_at IS NULL AND g.valid_from <= pr.starts_on AND g.valid_until >= pr.starts_on
		ORDER BY pr.id LIMIT 1`).Scan(&x).Error; err != nil || x.PeriodID == 0 {
		t.Fatalf("no outgoing period under an agreement in the catalog: %v", err)
	}
	now := time.Now().UTC()
	insert := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := a.DB.Raw(q+" RETURNING id", args...).Scan(&id).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := a.DB.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	student := insert(`INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', 'reciprocity-out', 'Mei Outgoing', ?, ?)`, now, now)
	app := insert(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, confirmed_at, created_at, updated_at)
		VALUES (?, 'outgoing', 'confirmed', 'internal_medicine', 1, ?, ?, ?, ?, ?)`, student, now, now, now, now, now)
	exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id, host_decision) VALUES (?, 1, ?, ?, 'accepted')`, app, x.ElectiveID, x.PeriodID)
	visitor := insert(`INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', 'reciprocity-in', 'Aiko Incoming', ?, ?)`, now, now)
	exec(`INSERT INTO incoming_profiles (user_id, name_latin, nationality, home_institution_id, year_of_study, updated_at) VALUES (?, 'Aiko Incoming', 'JP', ?, 5, ?)`,
		visitor, x.InstitutionID, now)
	dep := insert(`INSERT INTO departments (code, name_en, name_zh, created_at, updated_at) VALUES ('RCP', 'Reciprocity ward', '互惠病房', ?, ?)`, now, now)
	rot := insert(`INSERT INTO rotation_requests (applicant_id, status, accepted_choice, stage_since, created_at, updated_at) VALUES (?, 'confirmed', 1, ?, ?, ?)`,
		visitor, now, now, now)
	exec(`INSERT INTO rotation_choices (request_id, rank, department_id, starts_on, weeks) VALUES (?, 1, ?, ?, 3)`, rot, dep, x.StartsOn)
	year, partner := strconv.Itoa(x.StartsOn.Year()), strconv.FormatInt(x.InstitutionID, 10)

	of := newTab(t, base)
	of.signIn("office")
	if status := of.open("/reports/reciprocity"); status != 200 {
		t.Fatalf("the reciprocity report answered %d", status)
	}
	of.do("filter to the partner and the placement's year",
		chromedp.SetValue(chromedp.CSS(`form.report-filters select[name=year]`), year),
		chromedp.SetValue(chromedp.CSS(`form.report-filters select[name=institution]`), partner))
	if status := of.click(`form.report-filters button[type=submit]`); status != 200 {
		t.Fatalf("filtering answered %d", status)
	}
	s := of.state()
	wantContains(t, "filtered address", s.URL, "institution="+partner)
	wantContains(t, "filtered address", s.URL, "year="+year)
	partners := eval[[]string](of, `Array.from(document.querySelectorAll(".report-table tbody tr td:nth-child(2)"), td => td.innerText.trim())`)
	if len(partners) == 0 {
		t.Fatalf("no agreement of %s in the filtered report:\n%s", x.Partner, s.Body)
	}
	for _, p := range partners {
		wantEqual(t, "partner of a row", p, x.Partner)
	}
	wantEqual(t, "the chart's title", eval[string](of, `document.querySelector("svg[role=img] title").textContent`) != "", true)
	of.checkA11y("the reciprocity report filtered to one partner")

	// The outgoing figure of the agreement leads to its applications.
	row := eval[int](of, fmt.Sprintf(`Array.from(document.querySelectorAll(".report-table tbody tr th")).findIndex(th => th.innerText.trim() === %q)`, x.Title))
	if row < 0 {
		t.Fatalf("no row for the agreement %q", x.Title)
	}
	out := fmt.Sprintf(`.report-table tbody tr:nth-child(%d) td a[href^="/review?partner=%s"]`, row+1, partner)
	figure := eval[string](of, fmt.Sprintf(`document.querySelector(%q).innerText`, out))
	if n, _ := strconv.Atoi(figure); n < 1 {
		t.Fatalf("the outgoing figure reads %q", figure)
	}
	if status := of.click(out); status != 200 {
		t.Fatalf("following the figure answered %d", status)
	}
	wantContains(t, "the figure's list", of.state().URL, "/review?")
	if !eval[bool](of, fmt.Sprintf(`document.querySelector('a[href="/applications/%d"], a[href^="/applications/%d?"]') !== null`, app, app)) {
		t.Errorf("the figure's list does not link the confirmed application %d:\n%s", app, of.state().Body)
	}

	// The export, as linked from the filtered report, read as a workbook.
	of.open("/reports/reciprocity?year=" + year + "&institution=" + partner)
	href := eval[string](of, `document.querySelector('.report-export a[href*="format=xlsx"]').getAttribute("href")`)
	wantContains(t, "export link", href, "institution="+partner)
	status, typ, body := of.download(href)
	if status != 200 || !strings.Contains(typ, "spreadsheetml") {
		t.Fatalf("the export answered %d %s", status, typ)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	rows, err := f.GetRows("reciprocity")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[0][0] != "Agreement" || rows[0][2] != "Outgoing students" || rows[0][4] != "Incoming students" {
		t.Fatalf("the workbook's rows: %v", rows)
	}
	var outN, inN, inWeeks int
	for _, r := range rows[1:] {
		wantEqual(t, "partner in the workbook", r[1], x.Partner)
		o, _ := strconv.Atoi(r[2])
		i, _ := strconv.Atoi(r[4])
		w, _ := strconv.Atoi(r[5])
		outN, inN, inWeeks = outN+o, inN+i, inWeeks+w
	}
	if fmt.Sprint(outN) != figure || inN != 1 || inWeeks != 3 {
		t.Errorf("the workbook counts %d out (the page %s), %d in over %d weeks; want 1 in over 3 weeks", outN, figure, inN, inWeeks)
	}
}
