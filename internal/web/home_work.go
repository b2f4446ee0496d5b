package web

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/user"
)

// The home page is each person's worklist (issue 13): per role, what waits
// for them now, most urgent first, each item a link to where it is done.
// The lists come from the services; this file only words them.

// homeSection is one list of the worklist.
type homeSection struct {
	ID, Heading    string
	Items          []homeItem
	Empty          string // shown when Items is empty; a section without it is left out when empty
	More, MoreText string
}

// homeItem is one thing to do.
type homeItem struct {
	Title, Detail, Link string
	Count               string // a figure shown large (the office's counts per stage)
	Urgent              bool
}

const homeListLimit = 5

// homeWork builds u's worklist, role by role.
func (s *Server) homeWork(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	var out []homeSection
	add := func(sec []homeSection, err error) error {
		out = append(out, sec...)
		return err
	}
	if u.Has(user.Student) {
		if err := add(s.homeStudent(c, p, u)); err != nil {
			return nil, err
		}
	}
	if u.Has(user.Incoming) {
		if err := add(s.homeIncoming(c, p, u)); err != nil {
			return nil, err
		}
	}
	if u.Has(user.Office, user.Admin) {
		if err := add(s.homeOffice(c, p, u)); err != nil {
			return nil, err
		}
	} else if u.Has(user.Reviewer) {
		if err := add(s.homeReviewer(c, p, u)); err != nil {
			return nil, err
		}
	}
	if u.Has(user.Coordinator) {
		if err := add(s.homeCoordinator(c, p, u)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) homeStudent(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	w, err := s.Applications.StudentWork(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	title := func(it application.WorkItem) string {
		return p.T("home.work.elective", applicationTitle(p, it.ElectiveTitleEN, it.ElectiveTitleZH), it.InstitutionNameEN)
	}
	missing := func(it application.WorkItem) string {
		if it.Missing == 0 {
			return ""
		}
		return " · " + p.T("home.work.missing", it.Missing)
	}
	sec := homeSection{ID: "work-student", Heading: p.T("home.work.student.title"), Empty: p.T("home.work.student.empty"),
		More: "/applications", MoreText: p.T("home.work.student.more")}
	for _, it := range w.Offers {
		sec.Items = append(sec.Items, homeItem{Title: p.T("home.work.offer", title(it)), Urgent: true,
			Detail: p.T("home.work.offer.due", p.When(it.Due)), Link: application.Link(it.ApplicationID)})
	}
	for _, it := range w.Returned {
		sec.Items = append(sec.Items, homeItem{Title: p.T("home.work.returned", title(it)), Urgent: true,
			Detail: p.T("home.work.returned.detail") + missing(it), Link: application.Link(it.ApplicationID)})
	}
	for _, it := range w.Closing {
		sec.Items = append(sec.Items, homeItem{Title: p.T("home.work.closing", title(it)),
			Detail: p.T("home.work.closing.due", p.Day(it.Due)) + missing(it), Link: application.Link(it.ApplicationID)})
	}
	for _, d := range w.Expiring {
		key := "home.work.doc.expires"
		if d.ExpiresOn.Before(s.Applications.Now()) {
			key = "home.work.doc.expired"
		}
		sec.Items = append(sec.Items, homeItem{Title: p.T("doc."+d.Type) + ": " + d.FileName,
			Detail: p.T(key, p.Day(*d.ExpiresOn)), Link: "/wallet"})
	}
	if n := w.Next; n != nil {
		sec.Items = append(sec.Items, homeItem{Title: p.T("home.work.next", title(*n)),
			Detail: p.T("application.choice.dates", p.Day(n.StartsOn), p.Day(n.EndsOn)), Link: application.Link(n.ApplicationID)})
	}
	return []homeSection{sec}, nil
}

// homeReviewer lists what waits for a department reviewer, oldest first.
func (s *Server) homeReviewer(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	stages := application.TurnStages(application.Reviewer)
	q, err := s.Applications.Queue(c.Request().Context(), u, application.QueueFilter{Stages: stages, Limit: homeListLimit})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, n := range q.Counts {
		for _, st := range stages {
			if n.Stage == st {
				total += n.N
			}
		}
	}
	sec := homeSection{ID: "work-review", Heading: p.T("home.work.review.title", total), Empty: p.T("home.work.review.empty"),
		More: "/review", MoreText: p.T("home.work.review.more")}
	s.homeQueueItems(p, &sec, q.Rows)
	return []homeSection{sec}, nil
}

func (s *Server) homeQueueItems(p Page, sec *homeSection, rows []application.QueueRow) {
	stale := s.Config.StaleDays()
	for _, r := range rows {
		sec.Items = append(sec.Items, homeItem{
			Title:  p.T("home.work.queue.item", r.ID, r.ApplicantName, applicationTitle(p, r.ElectiveTitleEN, r.ElectiveTitleZH)),
			Detail: p.T("home.work.queue.detail", p.T("application.stage."+string(r.Stage)), r.DaysInStage),
			Link:   application.Link(r.ID), Urgent: r.DaysInStage >= stale,
		})
	}
}

// homeOffice: counts per stage, what waits too long, agreements expiring.
func (s *Server) homeOffice(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	ctx := c.Request().Context()
	all, err := s.Applications.Queue(ctx, u, application.QueueFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	counts := homeSection{ID: "work-stages", Heading: p.T("home.work.stages.title"), More: "/review", MoreText: p.T("home.work.review.more")}
	for _, n := range all.Counts {
		shown := strconv.Itoa(n.N)
		if n.More {
			shown += "+"
		}
		counts.Items = append(counts.Items, homeItem{Title: p.T("application.stage." + string(n.Stage)), Count: shown,
			Link: "/review?" + url.Values{"stage": {string(n.Stage)}}.Encode()})
	}
	stale := s.Config.StaleDays()
	late, err := s.Applications.Queue(ctx, u, application.QueueFilter{Stages: application.TurnStages(application.Office),
		WaitingDays: stale, Limit: homeListLimit})
	if err != nil {
		return nil, err
	}
	waiting := homeSection{ID: "work-late", Heading: p.T("home.work.late.title", stale), Empty: p.T("home.work.late.empty"),
		More: "/review?" + url.Values{"waiting": {strconv.Itoa(stale)}}.Encode(), MoreText: p.T("home.work.review.more")}
	s.homeQueueItems(p, &waiting, late.Rows)
	agreements, err := s.Catalog.AgreementsExpiring(ctx, catalog.AgreementExpiryDays)
	if err != nil {
		return nil, err
	}
	ending := homeSection{ID: "work-agreements", Heading: p.T("home.work.agreements.title"),
		Empty: p.T("home.work.agreements.empty", catalog.AgreementExpiryDays)}
	for _, a := range agreements {
		ending.Items = append(ending.Items, homeItem{Title: a.InstitutionNameEN + " · " + browseData(p, "agreement_title", a.Title).Text,
			Detail: p.T("home.work.agreements.until", p.Day(a.ValidUntil)),
			Link:   fmt.Sprintf("/institutions/%d", a.InstitutionID)})
	}
	return []homeSection{counts, waiting, ending}, nil
}

// homeCoordinator lists the rotation requests waiting for the coordinator.
func (s *Server) homeCoordinator(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	rs, err := s.Rotations.Waiting(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	sec := homeSection{ID: "work-rotations", Heading: p.T("home.work.rotations.title", len(rs)), Empty: p.T("home.work.rotations.empty"),
		More: "/calendar", MoreText: p.T("home.work.rotations.more")}
	for i, r := range rs {
		if i == homeListLimit {
			break
		}
		it := homeItem{Title: p.T("home.work.rotation.item", r.ID, r.ApplicantName), Link: rotation.Link(r.ID),
			Detail: p.T("home.work.rotation.detail", p.T("rotation.stage."+string(r.Status)), p.Date(r.StageSince))}
		if ch := r.Shown(); ch != nil {
			it.Title += " · " + ch.NameEN
		}
		sec.Items = append(sec.Items, it)
	}
	weeks, err := s.Rotations.Filling(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	filling := homeSection{ID: "work-weeks", Heading: p.T("home.work.weeks.title"),
		Empty: p.T("home.work.weeks.empty", rotation.FillingWeeksAhead)}
	for _, w := range weeks {
		name := w.DepartmentEN
		if p.Lang == i18n.TraditionalChinese && w.DepartmentZH != "" {
			name = w.DepartmentZH
		}
		filling.Items = append(filling.Items, homeItem{Title: p.T("home.work.week", name, p.Day(w.Week)),
			Detail: p.T("home.work.week.free", w.Free, w.Seats), Urgent: w.Free == 0,
			Link: "/calendar?" + url.Values{"department": {strconv.FormatInt(w.DepartmentID, 10)}, "from": {w.Week.Format(time.DateOnly)}}.Encode()})
	}
	return []homeSection{sec, filling}, nil
}

// homeIncoming says an incoming applicant's next step on each request.
func (s *Server) homeIncoming(c echo.Context, p Page, u *user.User) ([]homeSection, error) {
	rs, err := s.Rotations.Mine(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	sec := homeSection{ID: "work-incoming", Heading: p.T("home.work.incoming.title"), Empty: p.T("home.work.incoming.empty"),
		More: "/rotations", MoreText: p.T("home.work.incoming.more")}
	todo, err := s.profileTodo(c, p, u)
	if err != nil {
		return nil, err
	}
	sec.Items = append(sec.Items, todo...)
	for _, r := range rs {
		if rotation.Final(r.Status) {
			continue
		}
		next := "home.work.incoming.wait"
		switch r.Status {
		case rotation.Draft, rotation.Returned:
			next = "home.work.incoming.finish"
		case rotation.Accepted:
			next = "home.work.incoming.onboard"
		}
		sec.Items = append(sec.Items, homeItem{Title: p.T("home.work.incoming.item", r.ID, p.T("rotation.stage."+string(r.Status))),
			Detail: p.T(next), Link: rotation.Link(r.ID), Urgent: next != "home.work.incoming.wait"})
	}
	return []homeSection{sec}, nil
}
