package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/application"
	"portal/internal/i18n"
)

// The demo student signs in through the development provider, whose
// claims carry their student number (B10901001) and year of study (5):
// the office reads both on the application's page and in the review
// export, CSV and XLSX, under translated headers the column chooser
// offers; a department reviewer's page does not show them.
func TestOfficeSeesStudentNumberAndYear(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startReviewPortal(t, dialect) // signs the demo student in
		var got struct {
			StudentNumber *string
			YearOfStudy   *int
		}
		if err := p.App.DB.Raw("SELECT student_number, year_of_study FROM users WHERE subject = 'demo-student'").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.StudentNumber == nil || *got.StudentNumber != "B10901001" || got.YearOfStudy == nil || *got.YearOfStudy != 5 {
			t.Fatalf("the demo student's sign-in stored number %v, year %v; want B10901001, 5", got.StudentNumber, got.YearOfStudy)
		}
		now := time.Now().UTC()
		student := p.userID("demo-student")
		p.exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
			VALUES (?, 'outgoing', ?, 1, ?, 1, ?, ?, ?)`, student, application.OfficeReview, p.mine.Specialty, now.Add(-time.Hour), now, now)
		var id int64
		p.App.DB.Raw("SELECT id FROM applications WHERE applicant_id = ?", student).Scan(&id)
		p.exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)", id, p.mine.Elective, p.mine.Period)
		other := p.add("No Number Wu", p.mine, application.OfficeReview, now.Add(-2*time.Hour))

		// The application's page.
		pg := p.office.get(fmt.Sprintf("/applications/%d", id))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "students.number", "B10901001")
		wantText(t, pg, i18n.English, "students.year", 5)
		wantText(t, p.office.get(fmt.Sprintf("/applications/%d", other)), i18n.English, "students.none")
		if pg := p.reviewer.get(fmt.Sprintf("/applications/%d", id)); pg.Status != http.StatusOK || strings.Contains(pg.Body, "B10901001") {
			t.Errorf("a department reviewer's page (%d) shows the student number", pg.Status)
		}

		// The column chooser offers both columns, named.
		pg = p.office.get("/review?stage=office_review")
		for _, col := range []string{"student_number", "year_of_study"} {
			box := fmt.Sprintf(`name="col" value="%s"`, col)
			label := html.EscapeString(bundle.T(i18n.English, "review.export.col."+col))
			if !strings.Contains(pg.Body, box) || !strings.Contains(pg.Body, label) {
				t.Errorf("the column chooser has no %s box labelled %q", col, label)
			}
		}
		sel := selection(pg)
		if sel[id] == "" || sel[other] == "" {
			t.Fatalf("selection boxes %v", sel)
		}
		form := url.Values{"_csrf": {pg.csrf(t)}, "action": {"csv"}, "sel": {sel[id], sel[other]},
			"col": {"applicant", "student_number", "year_of_study"}}

		// CSV, in English.
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(pg.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("CSV export: %v %q", err, recs)
		}
		if want := []string{bundle.T(i18n.English, "review.export.col.applicant"), bundle.T(i18n.English, "review.export.col.student_number"),
			bundle.T(i18n.English, "review.export.col.year_of_study")}; !slices.Equal(recs[0], want) {
			t.Errorf("CSV header %q, want %q", recs[0], want)
		}
		rows := map[string][]string{}
		for _, r := range recs[1:] {
			rows[r[0]] = r
		}
		if r := rows["Lin Mei-Hua 林美華"]; r == nil || r[1] != "B10901001" || r[2] != "5" {
			t.Errorf("CSV row of the demo student %q (all %q)", r, recs)
		}
		if r := rows["No Number Wu"]; r == nil || r[1] != "" || r[2] != "" {
			t.Errorf("CSV row of a student without claims %q", r)
		}

		// XLSX, in Chinese: the year is a number, the student number text.
		p.office.Language = "zh-Hant"
		form.Set("action", "xlsx")
		pg = p.office.post("/review/bulk", form)
		wantStatus(t, pg, http.StatusOK)
		wb, err := excelize.OpenReader(bytes.NewReader([]byte(pg.Body)))
		if err != nil {
			t.Fatalf("XLSX export: %v", err)
		}
		defer wb.Close()
		const sh = "Applications"
		xrows, _ := wb.GetRows(sh)
		if len(xrows) != 3 || xrows[0][1] != bundle.T(i18n.TraditionalChinese, "review.export.col.student_number") ||
			xrows[0][2] != bundle.T(i18n.TraditionalChinese, "review.export.col.year_of_study") {
			t.Fatalf("XLSX rows %q", xrows)
		}
		line := slices.IndexFunc(xrows, func(r []string) bool { return len(r) > 0 && r[0] == "Lin Mei-Hua 林美華" })
		if line < 0 || len(xrows[line]) < 3 || xrows[line][1] != "B10901001" || xrows[line][2] != "5" {
			t.Fatalf("XLSX row of the demo student: %q", xrows)
		}
		cell := fmt.Sprintf("C%d", line+1)
		if typ, _ := wb.GetCellType(sh, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("the year of study %s is of type %v, not a number", cell, typ)
		}
		if typ, _ := wb.GetCellType(sh, fmt.Sprintf("B%d", line+1)); typ == excelize.CellTypeNumber {
			t.Error("the student number is a number; it must stay text")
		}
	})
}
