package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/i18n"
	"portal/internal/report"
)

// The exchange's reports (issue 17, reports 3, 8 and 9): reciprocity
// balance per agreement, the funding register per student, completion and
// recognition per host. Each fills the same grid as the other reports
// (reports.go), so the page, the chart, the table and the exports are
// theirs; only the columns and the links are laid out here.

// exchangeReportKinds are this file's reports, in the order of their tabs.
var exchangeReportKinds = []string{"reciprocity", "funding", "completion"}

// exchangeNoSpecialty are the reports a specialty cannot narrow: an
// agreement's balance spans every specialty and incoming rotations have
// none.
var exchangeNoSpecialty = []string{"reciprocity"}

// exchangeQueueLink is the office's queue filtered to some stages at a partner.
func exchangeQueueLink(partner int64, stages ...string) string {
	q := url.Values{"stage": stages}
	if partner != 0 {
		q.Set("partner", strconv.FormatInt(partner, 10))
	}
	return "/review?" + q.Encode()
}

// reportExchange fills g with report kind for the reader of v.
func (s *Server) reportExchange(c echo.Context, v *reportsView, kind string, f report.Filter, g *reportGrid) error {
	ctx, u, p := c.Request().Context(), visitorOf(c).User, v.Page
	if v.HideSpecialty = containsString(exchangeNoSpecialty, kind); v.HideSpecialty {
		f.Specialty, v.Specialty = "", "" // a tab's address may carry one from another report
	}
	inst := func(en, loc string) string {
		if p.Lang != i18n.English && loc != "" {
			return loc
		}
		return en
	}
	num := func(n int, link string) reportCell { return reportCell{Text: strconv.Itoa(n), Num: true, Link: link} }
	instLink := func(id int64) string {
		if id == 0 {
			return ""
		}
		return "/institutions/" + strconv.FormatInt(id, 10)
	}
	switch kind {
	case "reciprocity":
		rows, err := s.Reports.Reciprocity(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"agreement", "institution", "out_students", "out_weeks", "in_students", "in_weeks",
			"net_students", "net_weeks", "balance", "ratio", "in_balance"}, 8, 0
		for _, r := range rows {
			g.Rows = append(g.Rows, []reportCell{{Text: r.Title}, {Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: instLink(r.InstitutionID)},
				num(r.OutStudents, exchangeQueueLink(r.InstitutionID, "confirmed", "completed")), num(r.OutWeeks, ""),
				num(r.InStudents, "/calendar/requests?home="+strconv.FormatInt(r.InstitutionID, 10)+"&stage=confirmed"), num(r.InWeeks, ""),
				num(r.NetStudents(), ""), num(r.NetWeeks(), ""), num(r.Balance(), ""),
				{Text: strconv.Itoa(r.RatioOut) + ":" + strconv.Itoa(r.RatioIn)}, {Text: p.T("reports.yes_no." + strconv.FormatBool(r.InBalance()))}})
		}
	case "funding":
		rows, err := s.Reports.Funding(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"student", "direction", "institution", "starts_on", "ends_on", "weeks", "currency",
			"awarded", "paid", "report"}, 7, 0
		for _, r := range rows {
			link, report := "/applications/"+strconv.FormatInt(r.ID, 10), p.T("reports.yes_no."+strconv.FormatBool(r.ReportSubmitted))
			if r.Direction == "incoming" {
				link, report = "/rotations/"+strconv.FormatInt(r.ID, 10), p.T("reports.funding.no_report")
			}
			g.Rows = append(g.Rows, []reportCell{{Text: r.StudentName, Link: link}, {Text: p.T("reports.funding.direction." + r.Direction)},
				{Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: instLink(r.InstitutionID)}, {Text: p.Day(r.StartsOn)}, {Text: p.Day(r.EndsOn)},
				num(r.Weeks, ""), {Text: r.Currency}, {Text: strconv.FormatInt(r.Awarded, 10), Num: true}, {Text: strconv.FormatInt(r.Paid, 10), Num: true},
				{Text: report}})
		}
	case "completion":
		rows, err := s.Reports.Completion(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"institution", "returned", "reports", "recognised", "credits", "median_days", "p90_days"}, 3, 0
		for _, r := range rows {
			g.Rows = append(g.Rows, []reportCell{{Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: instLink(r.InstitutionID)},
				num(r.Returned, exchangeQueueLink(r.InstitutionID, "confirmed", "completed")), num(r.Reports, "/evaluations"),
				num(r.Recognised, exchangeQueueLink(r.InstitutionID, "completed")),
				{Text: strconv.FormatFloat(r.Credits, 'f', -1, 64), Num: true}, num(r.MedianDays, ""), num(r.P90Days, "")})
		}
	}
	return nil
}
