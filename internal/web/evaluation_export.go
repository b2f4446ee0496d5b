package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/evaluation"
	"portal/internal/i18n"
	"portal/internal/sheet"
)

// The /evaluations lists as files (issue 16): the reports not yet in, the
// host evaluations, the placements waiting for recognition; CSV or XLSX,
// headers and values in the reader's language, dates as dates.

// evaluationExports are the lists, by the name in the URL.
var evaluationExports = []string{"reports", "hosts", "recognitions"}

// hostEvalRow is one row of the host evaluations' table on /evaluations.
type hostEvalRow struct {
	Student, Elective, Ended, State, Link string
	Outstanding                           bool
}

// hostEvalList is the host evaluations' section of /evaluations and the
// export links of all three lists.
type hostEvalList struct {
	Heading, None, Download string
	Headers                 []string
	Rows                    []hostEvalRow
	Exports                 []option // Value the path, Label what it downloads
}

func (s *Server) hostEvalListOf(c echo.Context, p Page) (*hostEvalList, error) {
	rows, err := s.Evaluations.HostEvaluations(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return nil, err
	}
	out := &hostEvalList{Heading: p.T("hosteval.list.heading"), None: p.T("evaluation.list.none"), Download: p.T("hosteval.list.export"),
		Headers: []string{p.T("evaluation.list.student"), p.T("evaluation.list.elective"), p.T("evaluation.list.ended"), p.T("hosteval.list.state")}}
	for _, r := range rows {
		row := hostEvalRow{Student: r.StudentName, Elective: localTitle(p, r.ElectiveEn, r.ElectiveZh) + " · " + r.Host, Ended: p.Day(r.PlacedUntil),
			Link: evaluation.HostPath(r.ApplicationID), State: hostEvalState(p, r), Outstanding: r.Evaluation == nil}
		out.Rows = append(out.Rows, row)
	}
	for _, l := range evaluationExports {
		for _, f := range []string{"csv", "xlsx"} {
			label := "hosteval.list.export_" + l
			if f == "xlsx" {
				label += "_xlsx"
			}
			out.Exports = append(out.Exports, option{Value: "/evaluations/export/" + l + "." + f, Label: p.T(label)})
		}
	}
	return out, nil
}

func localTitle(p Page, en, zh string) string {
	if p.Lang != i18n.English && zh != "" {
		return zh
	}
	return en
}

// hostEvalState is a row's state as the office reads it.
func hostEvalState(p Page, r evaluation.HostRow) string {
	if e := r.Evaluation; e != nil {
		return p.T("hosteval.list.received", p.T("hosteval.grade."+e.Grade))
	}
	asked := p.T("hosteval.list.not_asked")
	if r.AskedAt != nil {
		asked = p.T("hosteval.list.asked", p.Date(*r.AskedAt))
	}
	return p.T("hosteval.list.outstanding") + " · " + p.N("evaluation.list.days", r.Days) + " · " + asked
}

// evaluationExport sends one list as /evaluations/export/<list>.<csv|xlsx>.
func (s *Server) evaluationExport(c echo.Context) error {
	name, format, _ := strings.Cut(c.Param("list"), ".")
	if format != "csv" && format != "xlsx" {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	ctx := c.Request().Context()
	u := visitorOf(c).User
	p := s.page(c, "evaluation.list.title")
	h := func(k string) string { return p.T("hosteval.export." + k) }
	var t sheet.Table
	switch name {
	case "reports", "recognitions":
		o, err := s.Evaluations.Outstanding(ctx, u)
		if err != nil {
			return err
		}
		list, title := o.Reports, "Reports"
		if name == "recognitions" {
			list, title = o.Recognitions, "Recognitions"
		}
		t = sheet.Table{Name: title, Columns: []string{"application", "student", "elective", "host", "ended", "days_waiting", "report"},
			Numeric: map[string]bool{"application": true, "days_waiting": true}, Dates: map[string]string{"ended": sheet.DateLayout}}
		for _, w := range list {
			report := p.T("evaluation.list.report_missing")
			if w.ReportSubmitted {
				report = p.T("evaluation.list.report_in")
			}
			t.Rows = append(t.Rows, []string{strconv.FormatInt(w.ApplicationID, 10), w.StudentName, localTitle(p, w.ElectiveEn, w.ElectiveZh),
				w.Host, w.PlacedUntil.Format(sheet.DateLayout), strconv.Itoa(w.Days), report})
		}
	case "hosts":
		rows, err := s.Evaluations.HostEvaluations(ctx, u)
		if err != nil {
			return err
		}
		t = sheet.Table{Name: "Host evaluations",
			Columns: append([]string{"application", "student", "elective", "host", "ended", "state", "days_waiting", "supervisor", "source", "received",
				"days_present", "days_expected"}, append(evaluation.SupervisorRatings, "grade", "comments")...),
			Numeric: map[string]bool{"application": true, "days_waiting": true, "days_present": true, "days_expected": true},
			Dates:   map[string]string{"ended": sheet.DateLayout, "received": sheet.DateTimeLayout}}
		for _, r := range rows {
			row := []string{strconv.FormatInt(r.ApplicationID, 10), r.StudentName, localTitle(p, r.ElectiveEn, r.ElectiveZh), r.Host,
				r.PlacedUntil.Format(sheet.DateLayout)}
			e := r.Evaluation
			if e == nil {
				row = append(row, p.T("hosteval.list.outstanding"), strconv.Itoa(r.Days))
				t.Rows = append(t.Rows, append(row, make([]string, len(t.Columns)-len(row))...))
				continue
			}
			row = append(row, p.T("hosteval.list.received", p.T("hosteval.grade."+e.Grade)), "", e.SupervisorName,
				p.T("hosteval.office.source_"+e.Source), p.zone.In(e.CreatedAt).Format(sheet.DateTimeLayout),
				strconv.Itoa(e.DaysPresent), strconv.Itoa(e.DaysExpected))
			for _, name := range evaluation.SupervisorRatings {
				row = append(row, strconv.Itoa(e.Rating(name)))
				t.Numeric[name] = true
			}
			t.Rows = append(t.Rows, append(row, p.T("hosteval.grade."+e.Grade), e.Comments))
		}
	default:
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	for _, col := range t.Columns {
		if slices.Contains(evaluation.SupervisorRatings, col) {
			t.Headers = append(t.Headers, p.T("hosteval.rating."+col))
		} else {
			t.Headers = append(t.Headers, h(col))
		}
	}
	var buf bytes.Buffer
	file := name + "-" + p.zone.In(s.Evaluations.Now()).Format(time.DateOnly) + "." + format
	var err error
	mediaType := "text/csv; charset=utf-8"
	if format == "csv" {
		err = sheet.WriteCSV(&buf, t)
	} else {
		err = sheet.WriteXLSX(&buf, t)
		mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	if err != nil {
		return apperr.Internalf("export %s: %w", name, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+file+`"`)
	return c.Blob(http.StatusOK, mediaType, buf.Bytes())
}
