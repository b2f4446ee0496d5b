package web

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/application"
	"portal/internal/i18n"
	"portal/internal/sheet"
	"portal/internal/user"
)

// The office's export of a queue selection: a sheet for people, not for
// importing again: headers and values in the reader's language, times in
// the portal's time zone, dates as dates, every choice, the applicant's
// e-mail, student number and year of study, and only the columns the
// reader ticked.

// reviewExportColumns are the columns an export can hold, in order; each
// is on unless the form names others. choice_N stands for that choice's
// five columns.
var reviewExportColumns = []string{"id", "applicant", "email", "student_number", "year_of_study", "stage", "turn", "days_in_stage", "stage_since", "submitted_at",
	"specialty", "current_choice", "choice_1", "choice_2", "choice_3"}

// reviewChoiceParts are the columns of one choice.
var reviewChoiceParts = []string{"elective", "institution", "country", "start", "end"}

// reviewExportOption is a column the bulk form offers to tick.
type reviewExportOption struct {
	Value, Label string
}

func (v *reviewView) exportOptions() {
	for _, c := range reviewExportColumns {
		v.Columns = append(v.Columns, reviewExportOption{Value: c, Label: reviewColumnLabel(v.Page, c)})
	}
}

func reviewColumnLabel(p Page, col string) string {
	if n, ok := reviewChoiceRank(col); ok {
		return p.T("review.export.choice", n)
	}
	return p.T("review.export.col." + col)
}

// reviewChoiceRank reads "choice_N".
func reviewChoiceRank(col string) (int, bool) {
	if len(col) != len("choice_1") || col[:7] != "choice_" {
		return 0, false
	}
	n, err := strconv.Atoi(col[7:])
	return n, err == nil && n >= 1 && n <= 3
}

// export sends the selection as CSV or XLSX with the chosen columns.
func (rv *reviewer) export(c echo.Context, u *user.User, items []application.BulkItem, format string, chosen []string) error {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	rows, err := rv.Applications.Export(c.Request().Context(), u, ids)
	if err != nil {
		return reviewBulkError(err)
	}
	p := rv.page(c, "review.title")
	t := reviewExportTable(p, rows, chosen)
	var buf bytes.Buffer
	name := "applications-" + p.zone.In(rv.Applications.Now()).Format(time.DateOnly) + "." + format
	if format == "csv" {
		err = sheet.WriteCSV(&buf, t)
		return rv.reviewDownload(c, err, name, "text/csv; charset=utf-8", &buf)
	}
	err = sheet.WriteXLSX(&buf, t)
	return rv.reviewDownload(c, err, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &buf)
}

// reviewExportTable is rows as a sheet in p's language; chosen picks the
// columns (none or nothing known: all of them).
func reviewExportTable(p Page, rows []application.ExportRow, chosen []string) sheet.Table {
	var cols []string
	for _, c := range reviewExportColumns {
		if slices.Contains(chosen, c) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		cols = reviewExportColumns
	}
	// A student number stays text: "00123" must keep its zeros.
	t := sheet.Table{Name: "Applications", Numeric: map[string]bool{"id": true, "days_in_stage": true, "current_choice": true, "year_of_study": true},
		Dates: map[string]string{"stage_since": sheet.DateTimeLayout, "submitted_at": sheet.DateTimeLayout}}
	for _, c := range cols {
		n, ok := reviewChoiceRank(c)
		if !ok {
			t.Columns, t.Headers = append(t.Columns, c), append(t.Headers, reviewColumnLabel(p, c))
			continue
		}
		for _, part := range reviewChoiceParts {
			code := c + "_" + part
			t.Columns, t.Headers = append(t.Columns, code), append(t.Headers, p.T("review.export.choice."+part, n))
			if part == "start" || part == "end" {
				t.Dates[code] = sheet.DateLayout
			}
		}
	}
	for _, r := range rows {
		row := make([]string, 0, len(t.Columns))
		for _, c := range cols {
			if n, ok := reviewChoiceRank(c); ok {
				row = append(row, reviewChoiceCells(p, r.Choices, n)...)
				continue
			}
			row = append(row, reviewExportCell(p, r, c))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// reviewExportCell is one column's value of r, as the reader reads it.
func reviewExportCell(p Page, r application.ExportRow, col string) string {
	switch col {
	case "id":
		return strconv.FormatInt(r.ID, 10)
	case "applicant":
		return r.ApplicantName
	case "email":
		return r.Email
	case "student_number":
		return r.StudentNumber
	case "year_of_study":
		if r.YearOfStudy == 0 {
			return ""
		}
		return strconv.Itoa(r.YearOfStudy)
	case "stage":
		return p.T("application.stage." + string(r.Stage))
	case "turn":
		if r.Turn == "" {
			return p.T("review.turn.none")
		}
		return p.T("application.party." + string(r.Turn))
	case "days_in_stage":
		return strconv.Itoa(r.DaysInStage)
	case "stage_since":
		return reviewLocal(p, r.StageSince)
	case "submitted_at":
		return reviewLocal(p, r.SubmittedAt)
	case "specialty":
		if r.Specialty == "" {
			return ""
		}
		return p.T("specialty." + r.Specialty)
	case "current_choice":
		return strconv.Itoa(r.CurrentChoice)
	}
	return ""
}

// reviewChoiceCells are the five cells of choice n, empty when there is
// no such choice.
func reviewChoiceCells(p Page, choices []application.ExportChoice, n int) []string {
	i := slices.IndexFunc(choices, func(c application.ExportChoice) bool { return c.Rank == n })
	if i < 0 {
		return make([]string, len(reviewChoiceParts))
	}
	c := choices[i]
	title := c.ElectiveTitleEN
	if p.Lang == i18n.TraditionalChinese && c.ElectiveTitleZH != "" {
		title = c.ElectiveTitleZH
	}
	inst := c.InstitutionNameEN
	if c.InstitutionNameLocal != "" && c.InstitutionNameLocal != c.InstitutionNameEN {
		inst += " · " + c.InstitutionNameLocal
	}
	country := ""
	if c.Country != "" {
		country = p.T("country." + c.Country)
	}
	return []string{title, inst, country, reviewDate(c.StartsOn), reviewDate(c.EndsOn)}
}

// reviewLocal is a timestamp in the portal's time zone, as a date column
// of the sheet reads it.
func reviewLocal(p Page, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.zone.In(t).Format(sheet.DateTimeLayout)
}

// reviewDate is a calendar date (a period's first or last day): no zone.
func reviewDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(sheet.DateLayout)
}
