package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/report"
	"portal/internal/user"
)

// The office's home shows the key figures of the current year (issue 17)
// with a small trend chart each, drawn here as SVG: this year's months as
// a solid line, last year's as a dashed one, so that the two differ by
// more than colour. Each chart has a title and its figures as a table, so
// that a screen reader has every number the picture shows.

// homeTrends is the section of key figures.
type homeTrends struct {
	Heading, Legend, Figures, Month string
	ThisYear, LastYear              string
	Items                           []homeTrend
}

// homeTrend is one key figure and its chart.
type homeTrend struct {
	ID, Heading, Figure, Compare string
	ChartTitle, Link, LinkText   string
	ThisPoints, LastPoints       string // SVG polyline points
	Months                       []homeTrendMonth
}

type homeTrendMonth struct{ Label, This, Last string }

// The charts' geometry: 12 months across, counts up.
const trendW, trendH, trendPad = 240, 64, 4

// homeTrendsFor builds the section for the office and admins; nil for
// everyone else or when the portal has no reports.
func (s *Server) homeTrendsFor(c echo.Context, p Page, u *user.User) (*homeTrends, error) {
	if s.Reports == nil || !u.Has(user.Office, user.Admin) {
		return nil, nil
	}
	ts, err := s.Reports.Trends(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, nil
	}
	year := ts[0].Year
	v := &homeTrends{Heading: p.T("home.trends.title", year), Legend: p.T("home.trends.legend", year, year-1),
		Figures: p.T("home.trends.figures"), Month: p.T("home.trends.month"), ThisYear: strconv.Itoa(year), LastYear: strconv.Itoa(year - 1)}
	for _, t := range ts {
		name := p.T("home.trends." + t.Key)
		it := homeTrend{ID: "trend-" + t.Key, Heading: name, Figure: p.T("home.trends.figure", t.ToDate),
			Compare:    p.T("home.trends.compare", t.LastToDate, year-1),
			ChartTitle: p.T("home.trends.chart", name, year, year-1),
			Link:       t.DrillDown, LinkText: p.T("home.trends.more")}
		it.ThisPoints, it.LastPoints = trendPoints(t)
		for m := 0; m < 12; m++ {
			this := ""
			if m < t.Months {
				this = strconv.Itoa(t.ThisYear[m])
			}
			it.Months = append(it.Months, homeTrendMonth{Label: fmt.Sprintf("%d-%02d", year, m+1), This: this, Last: strconv.Itoa(t.LastYear[m])})
		}
		v.Items = append(v.Items, it)
	}
	return v, nil
}

// trendPoints lays both years on one scale: this year's months so far,
// last year's twelve.
func trendPoints(t report.Trend) (this, last string) {
	top := 1
	for m := 0; m < 12; m++ {
		top = max(top, t.LastYear[m])
		if m < t.Months {
			top = max(top, t.ThisYear[m])
		}
	}
	pts := func(v [12]int, n int) string {
		var b strings.Builder
		for m := 0; m < n; m++ {
			x := trendPad + m*(trendW-2*trendPad)/11
			y := trendH - trendPad - v[m]*(trendH-2*trendPad)/top
			fmt.Fprintf(&b, "%d,%d ", x, y)
		}
		return strings.TrimSpace(b.String())
	}
	return pts(t.ThisYear, t.Months), pts(t.LastYear, 12)
}
