package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/privacy"
)

// The office's side of privacy (issue 18): the queue of requests to
// correct or delete, nearest legal deadline first, and the retention
// rules with their dry run and run.

// privacyQueueView is /privacy/requests.
type privacyQueueView struct {
	Page
	Requests []privacyQueueRow
	Error    string // a refused answer, with the request it was for
	ErrorFor int64
}

type privacyQueueRow struct {
	accountRequest
	ID                 int64
	Person, Email, Act string
	PersonPage         string // the person's consents and disclosure log
}

func (s *Server) privacyQueue(c echo.Context) error {
	return s.privacyQueuePage(c, http.StatusOK, 0, "")
}

func (s *Server) privacyQueuePage(c echo.Context, status int, errFor int64, msg string) error {
	p := s.page(c, "privacy.queue.title")
	reqs, err := s.Privacy.Queue(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v := privacyQueueView{Page: p, Error: msg, ErrorFor: errFor}
	for i, r := range requestRows(p, reqs) {
		q := reqs[i]
		v.Requests = append(v.Requests, privacyQueueRow{accountRequest: r, ID: q.ID, Person: q.PersonName, Email: q.Email,
			Act:        "/privacy/requests/" + strconv.FormatInt(q.ID, 10) + "/answer",
			PersonPage: "/privacy/people/" + strconv.FormatInt(q.PersonID, 10)})
	}
	return s.render.render(c, status, pagePrivacyQueue, v)
}

func (s *Server) privacyAnswer(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := privacy.AnswerInput{Accept: c.FormValue("decision") == "accept", Answer: c.FormValue("answer")}
	err = s.Privacy.Answer(c.Request().Context(), visitorOf(c).User, id, in, meta(c))
	if code := apperr.CodeOf(err); err != nil && (code == apperr.Invalid || code == apperr.Conflict) {
		p := s.page(c, "privacy.queue.title")
		msg := p.T("privacy.error.answer_reason")
		if code == apperr.Conflict {
			msg = p.T("privacy.error.answered")
		}
		return s.privacyQueuePage(c, statusOf[code], id, msg)
	}
	if err != nil {
		return err
	}
	return s.done(c, "privacy_answered", "/privacy/requests")
}

// privacyRetentionView is /privacy/retention.
type privacyRetentionView struct {
	Page
	Rules  []privacyRule
	Report *privacyReport
	Last   []privacyReport
	Error  string
}

type privacyRule struct {
	Kind, Label, Field string
	Days               string // what the form shows: the rule's days, or what was typed
	Default            int
}

type privacyReport struct {
	At  string
	Dry bool
	Due []privacyDue
}

type privacyDue struct {
	Label string
	Count int
	Items []string
}

func reportOf(p Page, r privacy.Report) privacyReport {
	out := privacyReport{At: p.When(r.At), Dry: r.Dry}
	for _, d := range r.Due {
		out.Due = append(out.Due, privacyDue{Label: p.T("privacy.retention.kind." + d.Kind), Count: d.Count, Items: d.Items})
	}
	return out
}

func (s *Server) privacyRetention(c echo.Context) error {
	return s.privacyRetentionPage(c, http.StatusOK, nil, "", nil)
}

// privacyRetentionPage shows the rules (typed: the refused form's values),
// the report of a run just made, and the last runs.
func (s *Server) privacyRetentionPage(c echo.Context, status int, rep *privacy.Report, msg string, typed map[string]string) error {
	ctx := c.Request().Context()
	p := s.page(c, "privacy.retention.title")
	rules, err := s.Privacy.Rules(ctx)
	if err != nil {
		return err
	}
	v := privacyRetentionView{Page: p, Error: msg}
	for _, r := range rules {
		v.Rules = append(v.Rules, privacyRule{Kind: r.Kind, Label: p.T("privacy.retention.kind." + r.Kind), Field: "days_" + r.Kind,
			Days: strconv.Itoa(r.Days), Default: r.Default})
		if was, ok := typed["days_"+r.Kind]; ok {
			v.Rules[len(v.Rules)-1].Days = was
		}
	}
	if rep != nil {
		r := reportOf(p, *rep)
		v.Report = &r
	}
	last, err := s.Privacy.LastRuns(ctx, 5)
	if err != nil {
		return err
	}
	for _, r := range last {
		v.Last = append(v.Last, reportOf(p, r))
	}
	return s.render.render(c, status, pagePrivacyRetention, v)
}

// privacyRules saves the days the office changed. Every field is checked
// before any is saved: a refused form changes nothing and comes back as
// typed.
func (s *Server) privacyRules(c echo.Context) error {
	u := visitorOf(c).User
	rules, err := s.Privacy.Rules(c.Request().Context())
	if err != nil {
		return err
	}
	typed, changed := map[string]string{}, map[string]int{}
	bad := false
	for _, r := range rules {
		raw := c.FormValue("days_" + r.Kind)
		typed["days_"+r.Kind] = raw
		days, err := strconv.Atoi(raw)
		switch {
		case err != nil || days < 1 || days > 36500:
			bad = true
		case days != r.Days:
			changed[r.Kind] = days
		}
	}
	if bad {
		p := s.page(c, "privacy.retention.title")
		return s.privacyRetentionPage(c, http.StatusUnprocessableEntity, nil, p.T("privacy.error.days"), typed)
	}
	for _, r := range rules {
		if days, ok := changed[r.Kind]; ok {
			if err := s.Privacy.SetRule(c.Request().Context(), u, r.Kind, days, meta(c)); err != nil {
				return err
			}
		}
	}
	return s.done(c, "privacy_rules_saved", "/privacy/retention")
}

// privacyRun runs the rules now: a dry run lists what is due and erases
// nothing; the page answers with the report either way.
func (s *Server) privacyRun(c echo.Context) error {
	rep, err := s.Privacy.Retain(c.Request().Context(), visitorOf(c).User, c.FormValue("dry") == "1", meta(c))
	if err != nil {
		return err
	}
	return s.privacyRetentionPage(c, http.StatusOK, rep, "", nil)
}

// privacyPersonView is /privacy/people/:id: what the office may tell of a
// person's consents and who saw their records (the person's own page
// without its forms).
type privacyPersonView struct {
	Page
	Name, Email string
	Health      []accountHealth
	Disclosures []accountDisclosure
}

func (s *Server) privacyPerson(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, err := s.Users.Find(ctx, id)
	if err != nil {
		return err
	}
	p := s.page(c, "privacy.person.title")
	health, err := s.Privacy.HealthDocuments(ctx, id)
	if err != nil {
		return err
	}
	log, err := s.Privacy.Disclosures(ctx, id, 200)
	if err != nil {
		return err
	}
	v := privacyPersonView{Page: p, Name: who.Name, Email: who.Email, Health: consentRows(p, health), Disclosures: disclosureRows(p, log)}
	return s.render.render(c, http.StatusOK, pagePrivacyPerson, v)
}
