package web

import (
	"context"
	"net/url"
	"strconv"

	"portal/internal/report"
	"portal/internal/user"
)

// Reports 6 and 7 (issue 17): selection rounds and the departments' load
// of incoming rotations, laid out as reports.go lays out the others, and
// who besides the office opens /reports: reviewers (pipeline and seat
// fill of their specialties) and host coordinators (their departments'
// load). internal/report decides what each may read and narrows it.

// reportReaders passes everyone who may open some report; each report's
// service refuses the rest, and the tabs show only what the reader may open.
var reportReaders = guard{name: "reportReaders", roles: []user.Role{user.Reviewer, user.Coordinator, user.Office, user.Admin}}

// reportMore is a second table under a report (a round's cutoffs).
type reportMore struct {
	Title   string
	Headers []string
	Rows    [][]reportCell
}

// reportKindsFor are the tabs u may open, in reportKinds' order.
func reportKindsFor(u *user.User) []string {
	var out []string
	for _, k := range reportKinds {
		if report.Readable(u, k) {
			out = append(out, k)
		}
	}
	return out
}

// centi shows a score kept in hundredths.
func centi(n int) string { return strconv.FormatFloat(float64(n)/100, 'f', 2, 64) }

// reportRounds lays out report 6: a row per published round, its
// placements at each choice, and the cutoffs of its periods below.
func (s *Server) reportRounds(ctx context.Context, u *user.User, f report.Filter, p Page, g *reportGrid, v *reportsView) error {
	r, err := s.Reports.Rounds(ctx, u, f)
	if err != nil {
		return err
	}
	local := p.Lang != "en"
	g.Columns, g.Chart, g.Label = []string{"round", "term", "published", "applicants", "choice1", "choice2", "choice3", "placed", "waitlisted", "unplaced"}, 7, 0
	num := func(n int, link string) reportCell { return reportCell{Text: strconv.Itoa(n), Num: true, Link: link} }
	for _, row := range r.Rows {
		link := "/rounds/" + strconv.FormatInt(row.ID, 10)
		g.Rows = append(g.Rows, []reportCell{{Text: row.Name, Link: link}, {Text: row.Term}, {Text: p.Date(row.PublishedAt)},
			num(row.Applicants, link), num(row.Placed[0], link), num(row.Placed[1], link), num(row.Placed[2], link), num(row.PlacedAll(), link),
			num(row.Waitlisted, link), num(row.Unplaced, link)})
	}
	if len(r.Cutoffs) == 0 {
		return nil
	}
	more := reportMore{Title: p.T("reports.rounds.cutoffs")}
	for _, col := range []string{"round", "elective", "institution", "starts_on", "ends_on", "placed", "cutoff"} {
		more.Headers = append(more.Headers, p.T("reports.rounds.cut."+col))
	}
	for _, c := range r.Cutoffs {
		title, inst := c.TitleEN, c.InstitutionEN
		if local && c.TitleZH != "" {
			title = c.TitleZH
		}
		if local && c.InstitutionLocal != "" {
			inst = c.InstitutionLocal
		}
		cut := reportCell{Text: "–", Num: true}
		if c.HasCutoff {
			cut.Text = centi(c.CutoffCenti)
		}
		more.Rows = append(more.Rows, []reportCell{{Text: c.Round, Link: "/rounds/" + strconv.FormatInt(c.RoundID, 10)},
			{Text: title, Link: "/electives/" + strconv.FormatInt(c.ElectiveID, 10)}, {Text: inst}, {Text: p.Day(c.StartsOn)}, {Text: p.Day(c.EndsOn)},
			num(c.Placed, ""), cut})
	}
	v.More = append(v.More, more)
	return nil
}

// reportDepartments lays out report 7: a row per department and month.
func (s *Server) reportDepartments(ctx context.Context, u *user.User, f report.Filter, p Page, g *reportGrid, v *reportsView) error {
	rows, err := s.Reports.Departments(ctx, u, f)
	if err != nil {
		return err
	}
	v.HidePartner, v.HideSpecialty = true, true
	g.Columns, g.Chart, g.Label = []string{"department", "month", "requests", "waiting", "accepted", "outstanding", "seats", "taken"}, 2, 0
	num := func(n int, link string) reportCell { return reportCell{Text: strconv.Itoa(n), Num: true, Link: link} }
	for _, r := range rows {
		name := r.NameEN
		if p.Lang != "en" && r.NameZH != "" {
			name = r.NameZH
		}
		month := r.Month.Format("2006-01")
		cal := "/calendar?" + url.Values{"department": {strconv.FormatInt(r.DepartmentID, 10)}, "from": {r.Month.Format("2006-01-02")}}.Encode()
		g.Rows = append(g.Rows, []reportCell{{Text: name + " · " + month, Link: cal}, {Text: month},
			num(r.Requests, "/calendar/requests"), num(r.Waiting, "/calendar/requests"), num(r.Accepted, "/calendar/requests?stage=accepted"),
			num(r.Outstanding, "/rotations/outstanding"), num(r.Seats, cal), num(r.Taken, cal)})
	}
	return nil
}

// seatCutoff is seat fill's cutoff cell: the last published round's
// lowest placed score in the period, a dash when it placed nobody there,
// empty when no round took the period in.
func seatCutoff(r report.SeatRow) reportCell {
	switch {
	case r.HasCutoff:
		return reportCell{Text: centi(r.CutoffCenti), Num: true}
	case r.Round != "":
		return reportCell{Text: "–", Num: true}
	}
	return reportCell{Num: true}
}
