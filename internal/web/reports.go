package web

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/report"
	"portal/internal/sheet"
)

// Reports (issue 17): the office's reports, each a page of filters, a bar
// chart drawn here as SVG with the same figures in a table, an export as
// CSV or XLSX in the reader's language, and links from figures to the
// applications behind them. The figures are internal/report's; this file
// only lays them out.

// reportKinds are the reports, in the order of their tabs.
var reportKinds = append([]string{"pipeline", "seats", "agreements", "outcomes", "rounds", "departments"}, exchangeReportKinds...)

// reportCell is one figure or label; Link leads to the list behind it.
type reportCell struct {
	Text, Link string
	Num        bool
}

// reportGrid is a report as columns and rows: what the page's table, its
// chart and its export all show.
type reportGrid struct {
	Columns []string // codes; headers are reports.<kind>.col.<code>
	Numeric map[string]bool
	Rows    [][]reportCell
	Chart   int // the column the chart draws, -1 for none
	Label   int // the column naming each bar
}

type reportTab struct {
	Label, Path string
	Current     bool
}

type reportOption struct {
	Value, Label string
	Selected     bool
}

type reportBar struct {
	Label, Value string
	Y, TextY, W  int
}

type reportChart struct {
	Title  string
	Height int
	Bars   []reportBar
	Marks  template.HTML // Bars as SVG (reportMarks)
}

// reportRowsHTML writes a report's rows as the table's body: the first
// cell a row header, numbers marked, each linked cell a link. A report of
// a few hundred rows of a dozen cells is tens of thousands of template
// actions, each escaped in its context: written here, the page costs a
// fraction of that. Text and links are escaped for HTML text and
// double-quoted attributes; links are the portal's own paths.
func reportRowsHTML(rows [][]reportCell) template.HTML {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("\n  <tr>")
		for i, c := range r {
			switch {
			case i == 0:
				b.WriteString(`<th scope="row">`)
			case c.Num:
				b.WriteString(`<td class="num">`)
			default:
				b.WriteString("<td>")
			}
			if c.Link != "" && strings.HasPrefix(c.Link, "/") {
				b.WriteString(`<a href="`)
				b.WriteString(html.EscapeString(c.Link))
				b.WriteString(`">`)
				b.WriteString(html.EscapeString(c.Text))
				b.WriteString("</a>")
			} else {
				b.WriteString(html.EscapeString(c.Text))
			}
			if i == 0 {
				b.WriteString("</th>")
			} else {
				b.WriteString("</td>")
			}
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}

// reportMarks writes a chart's bars as SVG, for the reason reportRowsHTML
// writes the rows.
func reportMarks(bars []reportBar) template.HTML {
	var b strings.Builder
	for _, r := range bars {
		y, ty, w := strconv.Itoa(r.Y), strconv.Itoa(r.TextY), strconv.Itoa(r.W)
		b.WriteString("\n  <text x=\"0\" y=\"" + ty + "\" class=\"report-chart-label\">" + html.EscapeString(r.Label) + "</text>")
		b.WriteString("\n  <rect x=\"220\" y=\"" + y + "\" width=\"" + w + "\" height=\"18\" class=\"report-chart-bar\"></rect>")
		b.WriteString("\n  <text x=\"" + w + "\" dx=\"226\" y=\"" + ty + "\" class=\"report-chart-value\">" + html.EscapeString(r.Value) + "</text>")
	}
	return template.HTML(b.String())
}

type reportsView struct {
	Page
	Kind, Lede            string
	Tabs                  []reportTab
	Years, Institutions   []reportOption
	Specialty             string
	Headers               []string
	Rows                  [][]reportCell
	Body                  template.HTML // Rows as the table's body (reportRowsHTML)
	Chart                 *reportChart
	ExportCSV, ExportXLSX string
	Chase                 []reportChaseRow
	AsOf                  string
	More                  []reportMore // tables under the main one (reports_rounds.go)
	Pager                 *reportPager // a paged report's position (reports_exchange.go)
	// HidePartner and HideSpecialty leave out filters a report has no use for.
	HidePartner, HideSpecialty bool
}

type reportChaseRow struct {
	Link, ID, Stage, Since string
	Days, Target           int
}

func (s *Server) reportsIndex(c echo.Context) error {
	kinds := reportKindsFor(visitorOf(c).User)
	if len(kinds) == 0 {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return c.Redirect(http.StatusSeeOther, "/reports/"+kinds[0])
}

// reportFilter reads the filters from the address; anything unreadable
// is refused with a translated message rather than silently dropped.
func reportFilter(c echo.Context) (report.Filter, error) {
	var f report.Filter
	bad := false
	if v := c.QueryParam("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			bad = true
		}
		f.Year = y
	}
	if v := c.QueryParam("institution"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad = true
		}
		f.InstitutionID = id
	}
	f.Specialty = strings.TrimSpace(c.QueryParam("specialty"))
	if len(f.Specialty) > 100 {
		bad = true
	}
	if bad {
		return report.Filter{}, apperr.New(apperr.Invalid, "reports.err.filter")
	}
	return f, nil
}

func (s *Server) reportShow(c echo.Context) error {
	kind := c.Param("kind")
	if !containsString(reportKinds, kind) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	f, err := reportFilter(c)
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), visitorOf(c).User
	p := s.page(c, "reports."+kind+".title")
	year := s.Reports.Year(f)
	if kind != "pipeline" {
		f.Year = year
	}
	g := reportGrid{Chart: -1}
	v := reportsView{Page: p, Kind: kind, Lede: p.T("reports." + kind + ".lede"), Specialty: f.Specialty, HideSpecialty: kind == "agreements"}
	local := p.Lang != i18n.English
	inst := func(en, loc string) string {
		if local && loc != "" {
			return loc
		}
		return en
	}
	num := func(n int, link string) reportCell { return reportCell{Text: strconv.Itoa(n), Num: true, Link: link} }
	query := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" && kv[i+1] != "0" {
				q.Set(kv[i], kv[i+1])
			}
		}
		return "/review?" + q.Encode()
	}
	partner := strconv.FormatInt(f.InstitutionID, 10)
	switch kind {
	case "pipeline":
		r, err := s.Reports.Pipeline(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"stage", "count", "oldest", "oldest_days", "median_days", "p90_days", "target_days", "over"}, 1, 0
		for _, row := range r.Rows {
			oldest := ""
			if row.Oldest != nil {
				oldest = p.Date(*row.Oldest)
			}
			g.Rows = append(g.Rows, []reportCell{{Text: p.T("application.stage." + row.Stage)},
				num(row.Count, query("stage", row.Stage, "partner", partner, "specialty", f.Specialty)),
				{Text: oldest}, num(row.OldestDays, ""), num(row.MedianDays, ""), num(row.P90Days, ""), num(row.TargetDays, ""), num(row.Over, "")})
		}
		for _, ch := range r.Chase {
			v.Chase = append(v.Chase, reportChaseRow{Link: "/applications/" + strconv.FormatInt(ch.ID, 10), ID: strconv.FormatInt(ch.ID, 10),
				Stage: p.T("application.stage." + ch.Stage), Since: p.Date(ch.Since), Days: ch.Days, Target: ch.TargetDays})
		}
	case "seats":
		var rows []report.SeatRow
		if format := c.QueryParam("format"); format == "csv" || format == "xlsx" {
			if rows, err = s.Reports.Seats(ctx, u, f); err != nil { // the export is every period, never a page
				return err
			}
		} else {
			n, err := reportPage(c)
			if err != nil {
				return err
			}
			page, err := s.Reports.SeatsPage(ctx, u, f, n, report.SeatPageSize)
			if err != nil {
				return err
			}
			rows, v.Pager = page.Rows, pagerOf(c, p, "seats", page.Page, page.Pages, page.Offset, len(page.Rows), page.Total)
		}
		g.Columns, g.Chart, g.Label = []string{"elective", "institution", "starts_on", "ends_on", "capacity", "nominated", "accepted", "confirmed", "waitlisted", "fill_percent", "first_choice", "demand_per_seat", "cutoff"}, 9, 0
		for _, r := range rows {
			title := r.TitleEN
			if local && r.TitleZH != "" {
				title = r.TitleZH
			}
			period := strconv.FormatInt(r.PeriodID, 10)
			g.Rows = append(g.Rows, []reportCell{{Text: title, Link: "/electives/" + strconv.FormatInt(r.ElectiveID, 10)}, {Text: inst(r.InstitutionEN, r.InstitutionLocal)},
				{Text: p.Day(r.StartsOn)}, {Text: p.Day(r.EndsOn)}, num(r.Capacity, ""),
				num(r.Nominated, query("stage", "nominated", "period", period)), num(r.Accepted, query("stage", "host_accepted", "period", period)),
				num(r.Confirmed, query("stage", "confirmed", "period", period)), num(r.Waitlisted, query("stage", "waitlisted", "period", period)),
				num(r.FillPercent(), ""), num(r.FirstChoice, ""), {Text: fmt.Sprintf("%.2f", r.DemandPerSeat()), Num: true}, seatCutoff(r)})
		}
	case "agreements":
		rows, err := s.Reports.Agreements(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"agreement", "institution", "valid_from", "valid_until", "in_effect", "years_left", "months_left", "last_mobility", "quota_out", "used_out", "quota_percent"}, 6, 0
		for _, r := range rows {
			last := ""
			if r.LastMobility != 0 {
				last = strconv.Itoa(r.LastMobility)
			}
			g.Rows = append(g.Rows, []reportCell{{Text: r.Title}, {Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: "/institutions/" + strconv.FormatInt(r.InstitutionID, 10)},
				{Text: p.Day(r.ValidFrom)}, {Text: p.Day(r.ValidUntil)}, {Text: p.T("reports.yes_no." + strconv.FormatBool(r.InEffect))},
				num(r.YearsLeft, ""), num(r.MonthsLeft, ""), {Text: last, Num: true}, num(r.QuotaOut, ""), num(r.UsedOut, ""), num(r.QuotaPercent(), "")})
		}
	case "reciprocity", "funding", "completion":
		if err := s.reportExchange(c, &v, kind, f, &g); err != nil { // reports_exchange.go
			return err
		}
	case "outcomes":
		rows, err := s.Reports.Outcomes(ctx, u, f)
		if err != nil {
			return err
		}
		g.Columns, g.Chart, g.Label = []string{"institution", "nominations", "pending", "accepted", "waitlisted", "rejected", "cancelled", "median_days"}, 1, 0
		for _, r := range rows {
			id := strconv.FormatInt(r.InstitutionID, 10)
			g.Rows = append(g.Rows, []reportCell{{Text: inst(r.InstitutionEN, r.InstitutionLocal), Link: "/institutions/" + id},
				num(r.Nominations, ""), num(r.Pending, query("stage", "nominated", "partner", id)), num(r.Accepted, ""), num(r.Waitlisted, query("stage", "waitlisted", "partner", id)),
				num(r.Rejected, ""), num(r.Cancelled, ""), num(r.MedianDays, "")})
		}
	case "rounds":
		if err := s.reportRounds(ctx, u, f, p, &g, &v); err != nil {
			return err
		}
	case "departments":
		if err := s.reportDepartments(ctx, u, f, p, &g, &v); err != nil {
			return err
		}
	}
	if format := c.QueryParam("format"); format == "csv" || format == "xlsx" {
		return s.reportExport(c, p, kind, g, format)
	}
	for _, col := range g.Columns {
		v.Headers = append(v.Headers, p.T("reports."+kind+".col."+col))
	}
	v.Rows, v.Body = g.Rows, reportRowsHTML(g.Rows)
	if g.Chart >= 0 && len(g.Rows) > 0 {
		v.Chart = reportChartOf(p.T("reports.chart", v.Headers[g.Chart], v.Headers[g.Label]), g)
	}
	// Tabs, filters and exports keep the reader's filters, not a page.
	q := c.QueryParams()
	q.Del("page")
	for _, k := range reportKindsFor(u) {
		v.Tabs = append(v.Tabs, reportTab{Label: p.T("reports." + k + ".title"), Path: "/reports/" + k + "?" + q.Encode(), Current: k == kind})
	}
	cur := s.Reports.Year(report.Filter{})
	if kind == "pipeline" {
		v.Years = append(v.Years, reportOption{Value: "", Label: p.T("reports.filter.all_years"), Selected: f.Year == 0})
	}
	for y := cur + 1; y >= cur-5; y-- {
		v.Years = append(v.Years, reportOption{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: f.Year == y})
	}
	insts, err := s.Catalog.Institutions(ctx, false)
	if err != nil {
		return err
	}
	v.Institutions = append(v.Institutions, reportOption{Value: "", Label: p.T("reports.filter.all_institutions"), Selected: f.InstitutionID == 0})
	for _, in := range insts {
		if in.IsHome {
			continue
		}
		v.Institutions = append(v.Institutions, reportOption{Value: strconv.FormatInt(in.ID, 10), Label: inst(in.NameEN, in.NameLocal), Selected: in.ID == f.InstitutionID})
	}
	q.Set("format", "csv")
	v.ExportCSV = "/reports/" + kind + "?" + q.Encode()
	q.Set("format", "xlsx")
	v.ExportXLSX = "/reports/" + kind + "?" + q.Encode()
	v.AsOf = p.When(s.Reports.Now())
	return s.render.render(c, http.StatusOK, pageReports, v)
}

// reportChartOf draws one column as horizontal bars scaled to the largest.
func reportChartOf(title string, g reportGrid) *reportChart {
	const barH, gap, width = 18, 8, 360
	ch := &reportChart{Title: title}
	max := 0
	vals := make([]int, len(g.Rows))
	for i, r := range g.Rows {
		vals[i], _ = strconv.Atoi(r[g.Chart].Text)
		if vals[i] < 0 { // a balance below zero: the bar's length, its label keeps the sign
			vals[i] = -vals[i]
		}
		if vals[i] > max {
			max = vals[i]
		}
	}
	for i, r := range g.Rows {
		w := 0
		if max > 0 {
			w = vals[i] * width / max
		}
		y := i * (barH + gap)
		ch.Bars = append(ch.Bars, reportBar{Label: r[g.Label].Text, Value: r[g.Chart].Text, Y: y, TextY: y + barH - 4, W: w})
	}
	ch.Height = len(g.Rows) * (barH + gap)
	ch.Marks = reportMarks(ch.Bars)
	return ch
}

// reportExport sends the grid as a sheet with headers in the reader's
// language; figures go in as numbers.
func (s *Server) reportExport(c echo.Context, p Page, kind string, g reportGrid, format string) error {
	t := sheet.Table{Name: kind, Columns: g.Columns, Numeric: map[string]bool{}}
	for _, col := range g.Columns {
		t.Headers = append(t.Headers, p.T("reports."+kind+".col."+col))
	}
	if len(g.Rows) > 0 {
		for i, cell := range g.Rows[0] {
			t.Numeric[g.Columns[i]] = cell.Num
		}
	}
	for _, r := range g.Rows {
		row := make([]string, len(r))
		for i, cell := range r {
			row[i] = cell.Text
		}
		t.Rows = append(t.Rows, row)
	}
	var buf bytes.Buffer
	name := "report-" + kind + "-" + p.zone.In(s.Reports.Now()).Format("2006-01-02") + "." + format
	if format == "csv" {
		if err := sheet.WriteCSV(&buf, t); err != nil {
			return apperr.Internalf("write report: %w", err)
		}
		return importDownload(c, name, "text/csv; charset=utf-8", buf.Bytes())
	}
	if err := sheet.WriteXLSX(&buf, t); err != nil {
		return apperr.Internalf("write report: %w", err)
	}
	return importDownload(c, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// reportsRoutes are the reports' pages, for the office and admins, and
// for reviewers and coordinators the parts of their scope.
func (s *Server) reportsRoutes(r router) {
	if s.Reports == nil {
		return
	}
	r.area("/reports", reportReaders)
	r.get("/reports", reportReaders, s.reportsIndex)
	r.get("/reports/:kind", reportReaders, s.reportShow)
}
