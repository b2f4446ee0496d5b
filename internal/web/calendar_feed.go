package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/watch"
)

// The private calendar feed (issue 13): each person subscribes their
// calendar app to /calendar/feed/<token>.ics. The address is the only key,
// so it is served without a session (calendar apps have none) and a wrong
// or reset token is simply not found.

// feedPrefix is where the feeds are served.
const feedPrefix = "/calendar/feed/"

// calendarFeedView is the settings page of one's feed.
type calendarFeedView struct {
	Page
	Since  string // when the current address was made; "" without one
	NewURL string // the address just made: shown this once, only its hash is kept
	WebCal string // the same as webcal://, which calendar apps open directly
	Action string
}

func (s *Server) calendarFeedSettings(c echo.Context) error {
	since, err := s.Watch.FeedSince(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	return s.calendarFeedPage(c, since, "")
}

func (s *Server) calendarFeedPage(c echo.Context, since *time.Time, token string) error {
	v := calendarFeedView{Page: s.page(c, "watch.feed.title"), Action: "/settings/calendar/reset"}
	if since != nil {
		v.Since = v.When(*since)
	}
	if token != "" {
		// Said on this page, not by a flash cookie: the answer is not a redirect.
		v.Flash = v.T("flash.watch_feed_reset")
		v.NewURL = s.Config.BaseURL + feedPrefix + token + ".ics"
		if u, err := url.Parse(v.NewURL); err == nil {
			u.Scheme = "webcal"
			v.WebCal = u.String()
		}
	}
	return s.render.render(c, http.StatusOK, pageWatchCalendar, v)
}

// calendarFeedReset makes a new address, ending the old one, and shows it
// on the page it answers with: the token must not travel in a redirect.
func (s *Server) calendarFeedReset(c echo.Context) error {
	u := visitorOf(c).User
	token, err := s.Watch.ResetFeed(c.Request().Context(), u)
	if err != nil {
		return err
	}
	since, err := s.Watch.FeedSince(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return s.calendarFeedPage(c, since, token)
}

// calendarFeed serves a feed as text/calendar, its words in its owner's
// language and its times in UTC (a calendar app shows them in its own zone).
func (s *Server) calendarFeed(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok {
		return echo.ErrNotFound
	}
	f, err := s.Watch.Feed(c.Request().Context(), token)
	if apperr.CodeOf(err) == apperr.NotFound {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	lang := s.bundle.Negotiate(f.Locale, f.Locale)
	t := func(key string, args ...any) string { return s.bundle.T(lang, key, args...) }
	cal := watch.Calendar{
		ProdID: "-//Clinical Electives Portal//Calendar feed//EN", Name: t("watch.feed.name", f.Name),
		Domain: feedDomain(s.Config.BaseURL), Stamp: time.Now(),
	}
	for _, e := range f.Events {
		ev := watch.ICSEvent{UID: e.UID, Summary: feedSummary(t, e), AllDay: e.AllDay, Start: e.Start, End: e.End, At: e.At,
			URL: s.Config.BaseURL + e.Link}
		if !e.AllDay {
			ev.Description = t("watch.feed.at", s.Zone.Phrase(t, e.At))
		}
		cal.Events = append(cal.Events, ev)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex") // the address is a secret, whoever leaks it
	h.Set("Content-Disposition", `inline; filename="portal.ics"`)
	h.Set("Content-Language", string(lang))
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", cal.Bytes())
}

// feedSummary is an event's title in the feed: what the date is, and of what.
func feedSummary(t func(string, ...any) string, e watch.Event) string {
	if e.Kind == watch.EventDeptRotation {
		return t("watch.feed.event."+e.Kind, e.Who, e.Title)
	}
	return t("watch.feed.event."+e.Kind, e.Title)
}

// feedDomain is the host of the portal, which makes the events' UIDs its own.
func feedDomain(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "portal.invalid"
}
