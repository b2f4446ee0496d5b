package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/i18n"
	"portal/internal/user"
)

// applicationKey is a fresh idempotency key for a form: the same form
// posted twice (a double click, a retry) carries the same key.
func applicationKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// applicationTitle is an elective's title in the page's language.
func applicationTitle(p Page, en, zh string) string {
	if p.Lang == i18n.TraditionalChinese && zh != "" {
		return zh
	}
	return en
}

// ---- starting from an elective's page

// ApplyForm is the "Apply" box of an elective's page, for a student while
// the elective's window is open.
type ApplyForm struct {
	CSRF, Key                                    string
	ElectiveID                                   int64
	Periods                                      []option
	None                                         bool // no period has a seat left
	Heading, NoneText, PeriodLabel, Help, Button string
}

// applyForm is nil unless u is a student and the elective takes
// applications today, and u holds no confirmed placement in it. Periods
// the student already applied for, or that overlap a placement they hold
// elsewhere, are not offered (the Held box says why).
func applyForm(p Page, u *user.User, d *catalog.ElectiveDetail, today time.Time, h *application.Holding) *ApplyForm {
	e := d.Elective
	if u == nil || !u.Has(application.PartyRoles[application.Applicant]...) || e.Direction != catalog.Outgoing ||
		e.RetiredAt != nil || today.Before(catalog.Day(e.OpensOn)) || today.After(catalog.Day(e.ClosesOn)) ||
		h.Placement() != nil {
		return nil
	}
	f := &ApplyForm{CSRF: p.CSRF, Key: applicationKey(), ElectiveID: e.ID,
		Heading: p.T("application.apply.title"), NoneText: p.T("application.apply.none"), PeriodLabel: p.T("application.apply.period_label"),
		Help: p.T("application.apply.help", application.MaxChoices), Button: p.T("application.apply.button")}
	held := 0
	for _, per := range d.Periods {
		if per.RetiredAt != nil || !catalog.Day(per.StartsOn).After(today) || per.SeatsLeft() == 0 {
			continue
		}
		if _, clash := h.Overlaps[per.ID]; clash || h.For(per.ID) != nil {
			held++
			continue
		}
		f.Periods = append(f.Periods, option{Value: strconv.FormatInt(per.ID, 10),
			Label: p.T("application.apply.period", p.Day(per.StartsOn), p.Day(per.EndsOn), per.SeatsLeft())})
	}
	f.None = len(f.Periods) == 0
	if f.None && held > 0 {
		f.NoneText = p.T("home.held.none")
	}
	return f
}

// applicationStart creates a draft from the Apply form; the form's key
// makes a double click one draft.
func (s *Server) applicationStart(c echo.Context) error {
	elective, _ := strconv.ParseInt(c.FormValue("elective"), 10, 64)
	period, _ := strconv.ParseInt(c.FormValue("period"), 10, 64)
	a, err := s.Applications.Start(c.Request().Context(), visitorOf(c).User, application.StartInput{
		Key: c.FormValue("key"), ElectiveID: elective, PeriodID: period,
	})
	if err != nil {
		return err
	}
	s.setFlash(c, "application_started")
	return c.Redirect(http.StatusSeeOther, application.Link(a.ID))
}

// electiveHeld is the box of an elective's page that tells a student
// what they already have there: a placement, applications choosing it, and
// periods a placement elsewhere rules out.
type electiveHeld struct {
	Heading   string
	Placement string // "You hold a confirmed placement here", with its dates
	Items     []electiveHeldItem
	Overlaps  []string
}

type electiveHeldItem struct {
	Text, Link, LinkText string
}

func electiveHeldOf(p Page, h *application.Holding) *electiveHeld {
	if len(h.Mine) == 0 && len(h.Overlaps) == 0 {
		return nil
	}
	v := &electiveHeld{Heading: p.T("home.held.title")}
	// One line per application (Mine is in application order), its
	// choices of this elective after its stage.
	for _, m := range h.Mine {
		dates := p.T("application.choice.dates", p.Day(m.StartsOn), p.Day(m.EndsOn))
		if m.Placement {
			v.Placement = p.T("home.held.placement", dates)
			v.Items = append(v.Items, electiveHeldItem{Text: p.T("home.held.placement_item", dates),
				Link: application.Link(m.ApplicationID), LinkText: p.T("home.held.open", m.ApplicationID)})
			continue
		}
		choice := p.T("home.held.choice", m.Rank, dates)
		if n := len(v.Items); n > 0 && v.Items[n-1].Link == application.Link(m.ApplicationID) {
			v.Items[n-1].Text += p.T("home.held.and") + choice
			continue
		}
		v.Items = append(v.Items, electiveHeldItem{Text: p.T("application.stage."+string(m.Status)) + p.T("home.held.colon") + choice,
			Link: application.Link(m.ApplicationID), LinkText: p.T("home.held.open", m.ApplicationID)})
	}
	ids := make([]int64, 0, len(h.Overlaps))
	for id := range h.Overlaps {
		ids = append(ids, id)
	}
	slices.Sort(ids) // period ids follow the periods' order closely enough, and the page must be stable
	for _, id := range ids {
		c := h.Overlaps[id]
		v.Overlaps = append(v.Overlaps, p.T("home.held.overlap", p.Day(c.StartsOn), p.Day(c.EndsOn)))
	}
	v.Overlaps = slices.Compact(v.Overlaps)
	return v
}

// ---- the dashboard

type applicationDashboardView struct {
	Page
	Items []applicationCard
}

// applicationCard is one application on the dashboard.
type applicationCard struct {
	Link, Heading, Institution string
	Number                     string
	Tracker                    applicationTracker
}

// applicationTracker draws where an application stands: the steps of the
// main path, the stage in words, whose turn, days in stage and next step.
type applicationTracker struct {
	Stage, StageLabel string
	Steps             []applicationStep
	Ended             bool // left the main path (rejected, withdrawn, declined, expired)
	Turn              string
	Days              string
	Next              string
	TurnLabel         string
	DaysLabel         string
	NextLabel         string
}

type applicationStep struct {
	Label string
	State string // done, current, todo, or off (the application left the path)
	Done  string // "done", for screen readers, which do not see the colour
}

// applicationTrackerOf draws a for a reader who is parties to it: "yours"
// when the turn is one of them; the next step is the applicant's.
func applicationTrackerOf(p Page, a application.Application, parties []application.Party, now time.Time) applicationTracker {
	mine := slices.Contains(parties, application.Applicant)
	t := applicationTracker{Stage: string(a.Status), StageLabel: p.T("application.stage." + string(a.Status)),
		TurnLabel: p.T("application.tracker.turn"), DaysLabel: p.T("application.tracker.days"), NextLabel: p.T("application.tracker.next")}
	at, on := application.PathStep(a.Status)
	t.Ended = !on
	for i, st := range application.Path {
		step := applicationStep{Label: p.T("application.step." + string(st)), State: "todo"}
		switch {
		case !on:
			step.State = "off"
		case i < at || (i == at && application.Final(a.Status)):
			step.State, step.Done = "done", p.T("application.step.done")
		case i == at:
			step.State = "current"
		}
		t.Steps = append(t.Steps, step)
	}
	switch turn := application.Turn(a.Status); {
	case turn == "":
		t.Turn = p.T("application.turn.none")
	case slices.Contains(parties, turn):
		t.Turn = p.T("application.turn.you")
	default:
		t.Turn = p.T("application.party." + string(turn))
	}
	if !application.Final(a.Status) {
		t.Days = p.T("application.days", a.DaysInStage(now))
	}
	if mine {
		if a.Status == application.HostAccepted && a.OfferExpiresAt != nil {
			t.Next = p.T("application.next.host_accepted", p.When(*a.OfferExpiresAt))
		} else {
			t.Next = p.T("application.next." + string(a.Status))
		}
	}
	return t
}

// applicationDashboard lists the student's applications, newest first,
// each as a progress tracker.
func (s *Server) applicationDashboard(c echo.Context) error {
	v := applicationDashboardView{Page: s.page(c, "application.dashboard.title")}
	list, err := s.Applications.Mine(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	now := s.Applications.Now()
	for _, a := range list {
		card := applicationCard{Link: application.Link(a.ID), Number: v.T("application.number", a.ID),
			Tracker: applicationTrackerOf(v.Page, a.Application, []application.Party{application.Applicant}, now)}
		if len(a.Choices) > 0 {
			ch := a.Choices[0]
			card.Heading = applicationTitle(v.Page, ch.ElectiveTitleEN, ch.ElectiveTitleZH)
			card.Institution = ch.InstitutionNameEN
			if ch.InstitutionNameLocal != "" && ch.InstitutionNameLocal != ch.InstitutionNameEN {
				card.Institution += " " + ch.InstitutionNameLocal
			}
		} else {
			card.Heading = card.Number
		}
		v.Items = append(v.Items, card)
	}
	return s.render.render(c, http.StatusOK, pageApplications, v)
}
