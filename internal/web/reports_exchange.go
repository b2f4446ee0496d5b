package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
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
		g.Columns, g.Chart, g.Label = []string{"student", "direction", "institution", "starts_on", "ends_on", "weeks", "currency",
			"awarded", "paid", "report"}, 7, 0
		add := func(r report.FundingRow) error {
			link, report := "/applications/"+strconv.FormatInt(r.ID, 10), p.T("reports.yes_no."+strconv.FormatBool(r.ReportSubmitted))
			if r.Direction == "incoming" {
				link, report = "/rotations/"+strconv.FormatInt(r.ID, 10), p.T("reports.funding.no_report")
			}
			g.Rows = append(g.Rows, []reportCell{{Text: r.StudentName, Link: link}, {Text: p.T("reports.funding.direction." + r.Direction)},
				{Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: instLink(r.InstitutionID)}, {Text: p.Day(r.StartsOn)}, {Text: p.Day(r.EndsOn)},
				num(r.Weeks, ""), {Text: r.Currency}, {Text: strconv.FormatInt(r.Awarded, 10), Num: true}, {Text: strconv.FormatInt(r.Paid, 10), Num: true},
				{Text: report}})
			return nil
		}
		if format := c.QueryParam("format"); format == "csv" || format == "xlsx" {
			return s.Reports.FundingEach(ctx, u, f, add) // the export is the whole register, never a page
		}
		n, err := reportPage(c)
		if err != nil {
			return err
		}
		page, err := s.Reports.FundingPage(ctx, u, f, n, report.FundingPageSize)
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			_ = add(r)
		}
		v.Pager = pagerOf(c, p, "funding", page.Page, page.Pages, page.Offset, len(page.Rows), page.Total)
		if len(page.Money) > 0 {
			more := reportMore{Title: p.T("reports.funding.totals")}
			for _, col := range []string{"currency", "rows", "awarded", "paid"} {
				more.Headers = append(more.Headers, p.T("reports.funding.total."+col))
			}
			for _, m := range page.Money {
				more.Rows = append(more.Rows, []reportCell{{Text: m.Currency}, {Text: groupDigits(int64(m.Rows)), Num: true},
					{Text: groupDigits(m.Awarded), Num: true}, {Text: groupDigits(m.Paid), Num: true}})
			}
			v.More = append(v.More, more)
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

// reportPager is where a paged report's rows stand and the links to the
// pages around them, which keep the reader's filters.
type reportPager struct {
	Text       string // "Rows 101-200 of 4,213"
	Prev, Next string // "" on the first or the last page
}

// pagerOf lays out a paged report's position: page of pages, the rows
// from offset, shown of total.
func pagerOf(c echo.Context, p Page, kind string, page, pages, offset, shown, total int) *reportPager {
	link := func(n int) string {
		q := c.QueryParams()
		q.Del("format")
		q.Set("page", strconv.Itoa(n))
		return "/reports/" + kind + "?" + q.Encode()
	}
	if total == 0 {
		return nil // the page says nothing matches already
	}
	pg := &reportPager{Text: p.T("reports.pager.rows", groupDigits(int64(offset+1)), groupDigits(int64(offset+shown)), groupDigits(int64(total)))}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pages {
		pg.Next = link(page + 1)
	}
	return pg
}

// reportPage reads the page asked for, from 1; anything else is refused.
func reportPage(c echo.Context) (int, error) {
	v := c.QueryParam("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apperr.New(apperr.Invalid, "reports.err.filter")
	}
	return n, nil
}

// groupDigits writes n with its thousands set apart by commas, as
// English, Chinese and Japanese readers all write them.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
