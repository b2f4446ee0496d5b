package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/privacy"
)

// The privacy page of every signed-in person, /account (issue 18): what the
// portal holds about them, the notices they acknowledged, their consents to
// show health documents, who else saw their records, the export, and their
// requests to correct or delete (privacy.Service). The office's queue of
// requests and the retention page are privacy_office.go.

// privacyRoutes are the routes of privacy; routes.go calls it once.
func (s *Server) privacyRoutes(r router) {
	if s.Privacy == nil {
		return
	}
	r.get("/account", signedIn, s.account)
	r.get("/account/notice", signedIn, s.accountNotice) // the general notice at first sign-in (privacy_notice.go)
	r.post("/account/notices/:kind", signedIn, s.accountAcknowledge)
	r.post("/account/consents/:id", signedIn, s.accountConsent)
	r.get("/account/export", signedIn, s.accountExport) // the ZIP; every export is logged
	r.post("/account/requests", signedIn, s.accountRequest)
	r.area("/privacy", office)
	r.get("/privacy/requests", office, s.privacyQueue)
	r.get("/privacy/people/:id", office, s.privacyPerson) // a person's consents and disclosure log, for the office
	r.post("/privacy/requests/:id/answer", office, s.privacyAnswer)
	r.get("/privacy/retention", office, s.privacyRetention)
	r.post("/privacy/retention/rules", office, s.privacyRules)
	r.post("/privacy/retention/run", office, s.privacyRun)
}

// accountView is /account.
type accountView struct {
	Page
	Holdings    []accountHolding
	Notices     []accountNotice
	Health      []accountHealth
	Disclosures []accountDisclosure
	Requests    []accountRequest
	Form        accountRequestForm
}

type accountHolding struct {
	Label string
	Count int64
}

type accountNotice struct {
	Kind, Version, Title string
	Body                 []string
	AckedAt              string // "" when the current version waits for acknowledgement
	Earlier              string
	Action               string
}

type accountHealth struct {
	Type, FileName string
	Consents       []accountConsent
}

type accountConsent struct {
	Recipient, State, At, Note string
	Action, Value              string // the form's address and its recipient
	Give                       bool   // the button gives (else revokes)
	Button                     string
}

type accountDisclosure struct {
	At, Actor, Action, Object, Basis string
}

type accountRequest struct {
	Kind, Detail, Received, Due, Status, Answer, Regimes string
	Overdue                                              bool
}

type accountRequestForm struct {
	Kind, Detail string
	Error        string
	Errors       map[string]string
}

// holdingsQueries count what the portal holds about a person, by area.
var holdingsQueries = []struct{ key, query string }{
	{"privacy.hold.applications", "SELECT COUNT(*) FROM applications WHERE applicant_id = ?"},
	{"privacy.hold.rotations", "SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ?"},
	{"privacy.hold.documents", "SELECT COUNT(*) FROM documents WHERE owner_id = ? AND deleted_at IS NULL"},
	{"privacy.hold.notifications", "SELECT COUNT(*) FROM notifications WHERE user_id = ?"},
	{"privacy.hold.disclosures", "SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ?"},
}

func (s *Server) account(c echo.Context) error {
	return s.accountPage(c, http.StatusOK, accountRequestForm{})
}

func (s *Server) accountPage(c echo.Context, status int, form accountRequestForm) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	p := s.page(c, "privacy.account.title")
	v := accountView{Page: p, Form: form}
	for _, h := range holdingsQueries {
		var n int64
		if err := s.DB.WithContext(ctx).Raw(h.query, u.ID).Scan(&n).Error; err != nil {
			return apperr.Internalf("count holdings: %w", err)
		}
		v.Holdings = append(v.Holdings, accountHolding{Label: p.T(h.key), Count: n})
	}
	notices, err := s.Privacy.NoticeStates(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, n := range notices {
		an := accountNotice{Kind: n.Kind, Version: n.Version, Title: p.T("privacy.notice." + n.Kind + ".title"),
			Action: "/account/notices/" + n.Kind}
		for _, part := range []string{"what", "why", "who", "how_long", "rights"} {
			an.Body = append(an.Body, p.T("privacy.notice."+n.Kind+"."+part))
		}
		if n.AckedAt != nil {
			an.AckedAt = p.When(*n.AckedAt)
		}
		for i, e := range n.Earlier {
			if i > 0 {
				an.Earlier += ", "
			}
			an.Earlier += e
		}
		v.Notices = append(v.Notices, an)
	}
	health, err := s.Privacy.HealthDocuments(ctx, u.ID)
	if err != nil {
		return err
	}
	v.Health = consentRows(p, health)
	log, err := s.Privacy.Disclosures(ctx, u.ID, 100)
	if err != nil {
		return err
	}
	v.Disclosures = disclosureRows(p, log)
	reqs, err := s.Privacy.Requests(ctx, u.ID)
	if err != nil {
		return err
	}
	v.Requests = requestRows(p, reqs)
	return s.render.render(c, status, pageAccount, v)
}

// consentRows are a person's health documents and consents as pages show them.
func consentRows(p Page, health []privacy.HealthDocument) []accountHealth {
	var out []accountHealth
	for _, h := range health {
		ah := accountHealth{Type: p.T("doc." + h.Type), FileName: h.FileName}
		for _, c := range h.Consents {
			recipient := p.T("privacy.recipient." + string(c.Recipient))
			if _, host := c.Recipient.Host(); host {
				recipient = p.T("privacy.recipient.host", c.HostName)
			}
			ac := accountConsent{Recipient: recipient, State: p.T("privacy.consent." + string(c.State)),
				Action: "/account/consents/" + strconv.FormatInt(h.DocumentID, 10), Value: string(c.Recipient),
				Give: c.State != privacy.Given}
			if c.At != nil {
				ac.At = p.When(*c.At)
			}
			if c.Kept {
				ac.Note = p.T("privacy.consent.kept")
			}
			ac.Button = p.T("privacy.consent.revoke", ac.Recipient)
			switch {
			case ac.Give && c.Unshared:
				// Given again by sharing it again, on the application.
				ac.Button, ac.Note = "", p.T("privacy.consent.share_again")
			case ac.Give:
				ac.Button = p.T("privacy.consent.give", ac.Recipient)
			}
			ah.Consents = append(ah.Consents, ac)
		}
		out = append(out, ah)
	}
	return out
}

// disclosureRows are a disclosure log as pages show it.
func disclosureRows(p Page, log []privacy.Disclosure) []accountDisclosure {
	var out []accountDisclosure
	for _, d := range log {
		out = append(out, accountDisclosure{At: p.When(d.At), Actor: d.Actor, Action: p.T("privacy.action." + d.Action),
			Object: d.Object, Basis: p.T("privacy.basis." + d.Basis)})
	}
	return out
}

func requestRows(p Page, reqs []privacy.Request) []accountRequest {
	var out []accountRequest
	for _, r := range reqs {
		ar := accountRequest{Kind: p.T("privacy.kind." + r.Kind), Detail: r.Detail, Received: p.When(r.ReceivedAt), Due: p.Date(r.DueAt),
			Status: p.T("privacy.status." + r.Status), Answer: r.Answer, Overdue: r.Overdue}
		for i, g := range r.Regimes {
			if i > 0 {
				ar.Regimes += ", "
			}
			ar.Regimes += p.T("privacy.regime." + string(g))
		}
		out = append(out, ar)
	}
	return out
}

func (s *Server) accountAcknowledge(c echo.Context) error {
	err := s.Privacy.Acknowledge(c.Request().Context(), visitorOf(c).User, c.Param("kind"), meta(c))
	if err != nil {
		return err
	}
	to := "/account#notices"
	if next := c.FormValue("next"); next != "" {
		to = auth.SafeReturn(next) // from the notice at sign-in: where they were going
	}
	return s.done(c, "privacy_acknowledged", to)
}

func (s *Server) accountConsent(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	give := c.FormValue("give") == "1"
	err = s.Privacy.SetConsent(c.Request().Context(), visitorOf(c).User, id, privacy.Recipient(c.FormValue("recipient")), give, meta(c))
	if err != nil {
		return err
	}
	flash := "privacy_consent_revoked"
	if give {
		flash = "privacy_consent_given"
	}
	return s.done(c, flash, "/account#consents")
}

// accountExport sends the person's ZIP. The service records the export
// before the first byte; an error after that can only cut the download.
func (s *Server) accountExport(c echo.Context) error {
	u := visitorOf(c).User
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="portal-export-%d.zip"`, u.ID))
	h.Set("Cache-Control", "no-store")
	w := &lazyWriter{c: c}
	if err := s.Privacy.WriteExport(c.Request().Context(), u, w, meta(c)); err != nil {
		if !w.started {
			h.Del(echo.HeaderContentDisposition)
			h.Del(echo.HeaderContentType)
			return err
		}
		c.Logger().Error("export cut short: ", err)
	}
	if !w.started {
		c.Response().WriteHeader(http.StatusOK)
	}
	return nil
}

// lazyWriter writes the status with the first byte, so that an error
// before it still gets an error page.
type lazyWriter struct {
	c       echo.Context
	started bool
}

func (w *lazyWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.started = true
		w.c.Response().WriteHeader(http.StatusOK)
	}
	return w.c.Response().Write(b)
}

func (s *Server) accountRequest(c echo.Context) error {
	form := accountRequestForm{Kind: c.FormValue("kind"), Detail: c.FormValue("detail")}
	_, err := s.Privacy.Ask(c.Request().Context(), visitorOf(c).User, privacy.RequestInput{Kind: form.Kind, Detail: form.Detail}, meta(c))
	if f := apperr.FieldsOf(err); f != nil {
		p := s.page(c, "privacy.account.title")
		form.Errors = map[string]string{}
		for k, m := range f {
			form.Errors[k] = p.T(m.Key, m.Args...)
		}
		form.Error = p.T("privacy.request.refused")
		return s.accountPage(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	return s.done(c, "privacy_requested", "/account#requests")
}
