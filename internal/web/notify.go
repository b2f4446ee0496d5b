package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/notify"
	"portal/internal/user"
)

// notifyPageSize is how many notifications a page of the list shows.
const notifyPageSize = 20

// ---- the bell

// Bell is the header's link to the notifications, with the unread count.
type Bell struct {
	Count   int64
	Shown   string // the count as the badge shows it: "3", "99+"
	Label   string // accessible name: "Notifications, 3 unread"
	Current bool
}

// bell counts the visitor's unread notifications: one indexed COUNT query
// on every page a signed-in person sees. When it fails the page still
// renders, with a bell that shows no count.
func (s *Server) bell(c echo.Context, userID int64, p Page) *Bell {
	if s.Notify == nil {
		return nil
	}
	b := &Bell{Current: p.Path == "/notifications", Label: p.T("notify.list.title")}
	var n int64
	var err error
	if v := visitorOf(c); v.Unread != nil {
		n = *v.Unread // read with the session
	} else {
		n, err = s.Notify.Unread(c.Request().Context(), userID)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			slog.Warn("bell: count unread notifications", "err", err)
		}
		return b
	}
	b.Count, b.Label = n, p.T("notify.bell.none")
	if n > 0 {
		b.Label, b.Shown = p.T("notify.bell.label", n), strconv.FormatInt(n, 10)
		if n > 99 {
			b.Shown = "99+"
		}
	}
	return b
}

// ---- the list

type notificationsView struct {
	Page
	Items   []noteItem
	Unread  int64
	Older   string // link to the next, older page
	Newest  bool   // a link back to the first page is shown
	Admin   bool   // the link to failed mail is shown
	DevMail bool   // the link to dev mode's captured mail is shown
}

type noteItem struct {
	ID       int64
	Title    string
	Link     string
	At, When string // shown, and machine-readable
	Unread   bool
}

// notifications lists the visitor's notifications, newest first, a page at
// a time (?before=<id>).
func (s *Server) notifications(c echo.Context) error {
	u := visitorOf(c).User
	v := notificationsView{Page: s.page(c, "notify.list.title"), Admin: u.Has(user.Admin), DevMail: s.DevProvider != nil && s.MailCapture != nil}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	notes, more, err := s.Notify.List(c.Request().Context(), u.ID, v.Lang, max(before, 0), notifyPageSize)
	if err != nil {
		return err
	}
	for _, n := range notes {
		v.Items = append(v.Items, noteItem{
			ID: n.ID, Title: n.Title, Link: n.Link, Unread: !n.Read,
			At: v.When(n.CreatedAt), When: n.CreatedAt.UTC().Format(time.RFC3339),
		})
	}
	if more {
		v.Older = "/notifications?before=" + strconv.FormatInt(notes[len(notes)-1].ID, 10)
	}
	v.Newest = before > 0
	if v.Bell != nil {
		v.Unread = v.Bell.Count
	}
	return s.render.render(c, http.StatusOK, pageNotifications, v)
}

// notificationRead marks one notification read, then goes to what it is
// about (open=1) or back to the list. Another person's notification is not
// found.
func (s *Server) notificationRead(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	link, err := s.Notify.MarkRead(c.Request().Context(), visitorOf(c).User.ID, id)
	if err != nil {
		return err
	}
	if c.FormValue("open") == "1" && link != "" {
		return c.Redirect(http.StatusSeeOther, link)
	}
	s.setFlash(c, "notify_read")
	return c.Redirect(http.StatusSeeOther, notificationsBack(c.FormValue("return_to")))
}

func (s *Server) notificationsReadAll(c echo.Context) error {
	if _, err := s.Notify.MarkAllRead(c.Request().Context(), visitorOf(c).User.ID); err != nil {
		return err
	}
	s.setFlash(c, "notify_read_all")
	return c.Redirect(http.StatusSeeOther, notificationsBack(c.FormValue("return_to")))
}

// notificationsBack is where a form of the list returns: a page of the
// list, never anywhere else.
func notificationsBack(to string) string {
	if b, ok := strings.CutPrefix(to, "/notifications?before="); ok {
		if n, err := strconv.ParseInt(b, 10, 64); err == nil && n > 0 {
			return "/notifications?before=" + strconv.FormatInt(n, 10)
		}
	}
	return "/notifications"
}

// ---- preferences

type prefsView struct {
	Page
	Kinds       []prefKind
	Choosable   bool // some kind is not mandatory: there is something to choose
	Reviewer    bool // the digest choice is shown
	Digest      string
	Errors      []string
	KindsError  string
	DigestError string
}

type prefKind struct {
	Value, Label string
	On, Locked   bool
}

// reviewerRoles are the roles with review queues, who choose between a
// daily digest and a mail for each application.
var reviewerRoles = []user.Role{user.Reviewer, user.Coordinator, user.Office}

func (s *Server) notificationPrefs(c echo.Context) error {
	p, err := s.Notify.Preferences(c.Request().Context(), visitorOf(c).User.ID)
	if err != nil {
		return err
	}
	return s.prefsPage(c, http.StatusOK, p, nil)
}

// kindAudience is whom each kind of mail can reach (wiring decides whom a
// move mails): the preferences page offers a person only the kinds their
// roles can receive, so a student is not asked about reviewers' mail nor
// an incoming applicant about outgoing applications. Every kind is listed
// (TestEveryMailKindHasAnAudience); one missing would be offered to all.
var kindAudience = map[notify.Kind][]user.Role{
	notify.ApplicationSubmitted: {user.Student, user.Reviewer, user.Office}, // the student's receipt; the reviewers' queue
	notify.ApplicationApproved:  {user.Student, user.Office},                // the office's queue after a department's approval
	notify.ApplicationReturned:  {user.Student},
	notify.ApplicationNominated: {user.Student},
	notify.ApplicationRejected:  {user.Student},
	notify.ApplicationMessage:   {user.Student},
	notify.HostDecision:         {user.Student},
	notify.OfferWaiting:         {user.Student},
	notify.OfferExpiring:        {user.Student},
	notify.OfferExpired:         {user.Student},
	notify.IncomingAccepted:     {user.Incoming},
	notify.IncomingReturned:     {user.Incoming},
	notify.IncomingRejected:     {user.Incoming},
	notify.DocumentExpiring:     {user.Student, user.Incoming},
	notify.SigninLink:           {user.Incoming},
	notify.ReviewerDigest:       reviewerRoles,
	notify.WatchWindowOpen:      {user.Student}, // stars and saved searches are students'
	notify.WatchWindowClosing:   {user.Student},
	notify.WatchSearchNew:       {user.Student},
	notify.HostNomination:       {}, // host contacts have no account
	notify.HostReminder:         {},
	notify.HostBatch:            {},
	notify.HostBatchReminder:    {},
	notify.ScholarshipAwarded:   {user.Student}, // scholarships

	// evaluation: the outgoing student's loop after a placement
	notify.EvaluationReportReminder: {user.Student},
	notify.EvaluationReportReceived: {user.Student},
	notify.EvaluationRecognised:     {user.Student},
	notify.MentorIntroduction:       user.Roles, // mentors are of any role; their students incoming

	// selection rounds: a freed seat offered to a waitlisted student
	notify.RoundSeatOffer:        {user.Student},
	notify.RoundSeatOfferExpired: {user.Student},

	// reports: agreement expiry notices
	notify.AgreementExpiring: {user.Office},

	// selection rounds: the answer to a student's appeal of their score
	notify.SelectionAppealAnswered: {user.Student},

	// the close of an incoming rotation (rotation_close.go)
	notify.IncomingEvaluated:          {user.Incoming},
	notify.IncomingCompleted:          {user.Incoming},
	notify.IncomingEvaluationHome:     {}, // home schools have no account
	notify.IncomingDepartmentReviewed: {user.Coordinator},
	notify.IncomingSupervisorLink:     {}, // supervisors answer through the link
	notify.IncomingMidterm:            {user.Incoming},
	notify.IncomingCloseReminder:      {user.Coordinator},

	// the host supervisor's evaluation link (hosteval.go): supervisors have no account
	notify.HostEvaluationRequest:  {},
	notify.HostEvaluationReminder: {},
}

// reaches reports whether mail of kind k can reach u.
func reaches(k notify.Kind, u *user.User) bool {
	roles, ok := kindAudience[k]
	return !ok || u.Has(roles...)
}

func (s *Server) prefsPage(c echo.Context, status int, p notify.Prefs, failed error) error {
	u := visitorOf(c).User
	v := prefsView{Page: s.page(c, "notify.prefs.title"), Reviewer: u.Has(reviewerRoles...), Digest: p.Digest}
	for _, k := range notify.Kinds {
		if k == notify.ReviewerDigest || !reaches(k, u) {
			continue // the digest is chosen below; other people's mail is not the visitor's business
		}
		v.Kinds = append(v.Kinds, prefKind{Value: string(k), Label: v.T("notify.kind." + string(k)), On: p.MailOn(k), Locked: notify.Mandatory(k)})
		v.Choosable = v.Choosable || !notify.Mandatory(k)
	}
	if f := apperr.FieldsOf(failed); f != nil {
		if m, ok := f["mail"]; ok {
			v.KindsError = v.T(m.Key, m.Args...)
			v.Errors = append(v.Errors, v.KindsError)
		}
		if m, ok := f["digest"]; ok {
			v.DigestError = v.T(m.Key, m.Args...)
			v.Errors = append(v.Errors, v.DigestError)
			v.Reviewer = true // show the field the message is about
		}
	}
	return s.render.render(c, status, pageNotificationPrefs, v)
}

// notificationPrefsSave stores the optional mails the visitor keeps (the
// checked boxes) and, for reviewers, the digest mode; a person without
// queues keeps the digest mode they had.
func (s *Server) notificationPrefsSave(c echo.Context) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	current, err := s.Notify.Preferences(ctx, u.ID)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "error.bad_request")
	}
	on := form["mail"]
	for _, k := range notify.Optional() {
		if !reaches(k, u) && current.MailOn(k) {
			on = append(on, string(k)) // not on the form: left as it was
		}
	}
	digest := current.Digest
	if u.Has(reviewerRoles...) || form.Has("digest") {
		digest = form.Get("digest")
	}
	if err := s.Notify.SavePreferences(ctx, u.ID, on, digest); err != nil {
		if apperr.FieldsOf(err) == nil {
			return err
		}
		return s.prefsPage(c, http.StatusUnprocessableEntity, current, err)
	}
	s.setFlash(c, "notify_prefs_saved")
	return c.Redirect(http.StatusSeeOther, "/notifications/preferences")
}

// ---- failed mail, for admins

type failedView struct {
	Page
	Rows []failedRow
}

type failedRow struct {
	ID                                  int64
	Kind, Recipient, Error, When, Tried string
	Attempts                            int
}

// failedLimit is how many failed mails the admin page lists.
const failedLimit = 200

func (s *Server) notificationsFailed(c echo.Context) error {
	v := failedView{Page: s.page(c, "notify.failed.title")}
	list, err := s.Notify.Failed(c.Request().Context(), failedLimit)
	if err != nil {
		return err
	}
	for _, f := range list {
		v.Rows = append(v.Rows, failedRow{
			ID: f.ID, Kind: v.T("notify.kind." + string(f.Kind)), Recipient: f.Recipient, Error: f.LastError,
			When: v.When(f.LastAttempt), Tried: f.LastAttempt.UTC().Format(time.RFC3339), Attempts: f.Attempts,
		})
	}
	return s.render.render(c, http.StatusOK, pageNotificationsFailed, v)
}

func (s *Server) notificationRetry(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Notify.Retry(c.Request().Context(), id, visitorOf(c).User.ID, meta(c)); err != nil {
		return err
	}
	s.setFlash(c, "notify_retried")
	return c.Redirect(http.StatusSeeOther, "/admin/notifications/failed")
}

func (s *Server) notificationsRetryAll(c echo.Context) error {
	if _, err := s.Notify.Retry(c.Request().Context(), 0, visitorOf(c).User.ID, meta(c)); err != nil {
		return err
	}
	s.setFlash(c, "notify_retried_all")
	return c.Redirect(http.StatusSeeOther, "/admin/notifications/failed")
}
