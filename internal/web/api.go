package web

import (
	"context"
	_ "embed"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/api"
	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/auth"
	"portal/internal/ewp"
	"portal/internal/user"
)

// The JSON API under /api/v1 (issue 15). A personal token in
// "Authorization: Bearer" acts as its owner: the same services answer as
// for the pages, so the same access rules hold (a student's token sees
// their own applications only), and a refusal is the same coded error,
// written as JSON. The API is described by /api/openapi.json.

//go:embed api_openapi.json
var openAPIDocument []byte

const ctxToken = "api_token"

// apiRoutes registers the API outside the pages' session and CSRF.
func (s *Server) apiRoutes(e *echo.Echo) {
	if s.API == nil {
		return
	}
	e.GET("/api/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", openAPIDocument)
	})
	g := e.Group("/api/v1", s.apiErrors, s.apiAuth)
	g.GET("/institutions", s.apiInstitutions)
	g.GET("/agreements", s.apiAgreements)
	g.GET("/electives", s.apiElectives)
	g.GET("/electives/:id/periods", s.apiPeriods)
	g.GET("/applications", s.apiApplications)
	g.GET("/applications/:id", s.apiApplication)
	g.POST("/applications/:id/:action", s.apiTransition)
	g.GET("/rotations", s.apiRotations) // api_rotations.go
	g.GET("/rotations/:id", s.apiRotation)
	g.GET("/documents", s.apiDocuments)
	g.GET("/documents/:id", s.apiDocument)
	if s.EWP != nil {
		g.GET("/applications/:id/ewp", s.apiApplicationEWP)
		g.GET("/agreements/:id/ewp", s.apiAgreementEWP)
	}
}

// apiError is the body of every refusal.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Key     string            `json:"key"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiErrors writes any error as JSON with the status the pages would get.
func (s *Server) apiErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		lang := s.bundle.Negotiate("", c.Request().Header.Get("Accept-Language"))
		status, code, key := http.StatusInternalServerError, apperr.Internal, "error.internal"
		var args []any
		var fields map[string]string
		var ae *apperr.Error
		var he *echo.HTTPError
		switch {
		case errors.As(err, &ae):
			status, code, key, args = statusOf[ae.Code], ae.Code, ae.Key, ae.Args
			for f, m := range ae.Fields {
				if fields == nil {
					fields = map[string]string{}
				}
				fields[f] = s.bundle.T(lang, m.Key, m.Args...)
			}
		case errors.As(err, &he):
			status = he.Code
			code, key = map[int]apperr.Code{http.StatusNotFound: apperr.NotFound, http.StatusMethodNotAllowed: apperr.Invalid,
				http.StatusUnauthorized: apperr.Unauthorized, http.StatusForbidden: apperr.Forbidden, http.StatusTooManyRequests: "rate_limited",
				http.StatusRequestEntityTooLarge: apperr.Invalid, http.StatusBadRequest: apperr.Invalid}[he.Code], map[int]string{
				http.StatusNotFound: "error.not_found", http.StatusMethodNotAllowed: "error.method", http.StatusUnauthorized: "error.unauthorized",
				http.StatusForbidden: "error.forbidden", http.StatusTooManyRequests: "error.too_many", http.StatusRequestEntityTooLarge: "error.too_large",
				http.StatusBadRequest: "error.bad_request"}[he.Code]
			if code == "" {
				status, code, key = http.StatusInternalServerError, apperr.Internal, "error.internal"
			}
		}
		if status >= 500 {
			c.Logger().Error(err)
		}
		if !s.bundle.Has(key) {
			key, args = "error.internal", nil
		}
		return c.JSON(status, apiError{apiErrorBody{Code: string(code), Key: key, Message: s.bundle.T(lang, key, args...), Fields: fields}})
	}
}

// apiAuth admits a request with a live token, within its rate, and a
// read token to reading only. Every use is audited by the token service.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		plain, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portal"`)
			return apperr.New(apperr.Unauthorized, "api.token.invalid")
		}
		r := c.Request()
		u, t, err := s.API.Use(r.Context(), strings.TrimSpace(plain), r.Method, r.URL.Path, meta(c))
		if err != nil {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portal", error="invalid_token"`)
			return err
		}
		if ok, wait := s.API.Allow(t.ID); !ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
			return echo.NewHTTPError(http.StatusTooManyRequests)
		}
		if t.Scope != api.Write && r.Method != http.MethodGet && r.Method != http.MethodHead {
			return apperr.New(apperr.Forbidden, "api.token.read_only")
		}
		c.Set(ctxVisitor, auth.Visitor{User: u})
		c.Set(ctxToken, t)
		return next(c)
	}
}

// ---- the catalog

type apiInstitution struct {
	ID        int64  `json:"id"`
	NameEN    string `json:"name_en"`
	NameLocal string `json:"name_local"`
	Country   string `json:"country"`
	City      string `json:"city"`
	Kind      string `json:"kind"`
	SchacID   string `json:"schac_id"`
	IsHome    bool   `json:"is_home"`
}

func (s *Server) apiInstitutions(c echo.Context) error {
	is, err := s.Catalog.Institutions(c.Request().Context(), false)
	if err != nil {
		return err
	}
	out := make([]apiInstitution, 0, len(is))
	for _, i := range is {
		out = append(out, apiInstitution{i.ID, i.NameEN, i.NameLocal, i.Country, i.City, i.Kind, i.Identifier, i.IsHome})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type apiAgreement struct {
	ID            int64  `json:"id"`
	InstitutionID int64  `json:"institution_id"`
	Kind          string `json:"kind"`
	Title         string `json:"title"`
	ValidFrom     string `json:"valid_from"`
	ValidUntil    string `json:"valid_until"`
	QuotaOut      int    `json:"quota_out"`
	QuotaIn       int    `json:"quota_in"`
}

// apiAgreements is the office's, as the catalog's management pages are.
func (s *Server) apiAgreements(c echo.Context) error {
	if !office.admits(visitorOf(c).User) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	as, err := s.Catalog.Agreements(c.Request().Context(), 0, false)
	if err != nil {
		return err
	}
	out := make([]apiAgreement, 0, len(as))
	for _, a := range as {
		out = append(out, apiAgreement{a.ID, a.InstitutionID, a.Kind, a.Title, a.ValidFrom.Format(time.DateOnly),
			a.ValidUntil.Format(time.DateOnly), a.QuotaOut, a.QuotaIn})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type apiElective struct {
	ID            int64  `json:"id"`
	Direction     string `json:"direction"`
	InstitutionID int64  `json:"institution_id"`
	AgreementID   *int64 `json:"agreement_id"`
	Kind          string `json:"kind"`
	TitleEN       string `json:"title_en"`
	TitleZH       string `json:"title_zh"`
	Specialty     string `json:"specialty"`
	Language      string `json:"language"`
	DurationWeeks int    `json:"duration_weeks"`
}

func (s *Server) apiElectives(c echo.Context) error {
	var inst int64
	if v := c.QueryParam("institution"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return apperr.New(apperr.Invalid, "error.bad_request")
		}
		inst = n
	}
	es, err := s.Catalog.Electives(c.Request().Context(), inst, false)
	if err != nil {
		return err
	}
	out := make([]apiElective, 0, len(es))
	for _, e := range es {
		out = append(out, apiElective{e.ID, e.Direction, e.InstitutionID, e.AgreementID, e.Kind, e.TitleEN, e.TitleZH, e.Specialty, e.Language, e.DurationWeeks})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type apiPeriod struct {
	ID       int64  `json:"id"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Capacity int    `json:"capacity"`
	Taken    int    `json:"taken"`
}

func (s *Server) apiPeriods(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Catalog.ElectiveDetail(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]apiPeriod, 0, len(d.Periods))
	for _, p := range d.Periods {
		out = append(out, apiPeriod{p.ID, p.StartsOn.Format(time.DateOnly), p.EndsOn.Format(time.DateOnly), p.Capacity, p.Taken})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// ---- applications

type apiApplicationRow struct {
	ID            int64  `json:"id"`
	Version       int    `json:"version"`
	Stage         string `json:"stage"`
	Turn          string `json:"turn"`
	Specialty     string `json:"specialty"`
	CurrentChoice int    `json:"current_choice"`
	ElectiveID    int64  `json:"elective_id"`
	StageSince    string `json:"stage_since"`
}

// apiApplications lists applications: a reviewer's or the office's queue
// (filters stage, specialty, partner; keyset pages through "after"), or
// a student's own.
func (s *Server) apiApplications(c echo.Context) error {
	ctx, u := c.Request().Context(), visitorOf(c).User
	var out []apiApplicationRow
	next := ""
	if u.Has(user.Reviewer, user.Office, user.Admin) {
		f := application.QueueFilter{Specialty: c.QueryParam("specialty"), After: c.QueryParam("after")}
		for _, v := range c.QueryParams()["stage"] {
			st, ok := application.ParseStage(v)
			if !ok {
				return apperr.New(apperr.Invalid, "error.bad_request")
			}
			f.Stages = append(f.Stages, st)
		}
		if v := c.QueryParam("partner"); v != "" {
			f.PartnerID, _ = strconv.ParseInt(v, 10, 64)
		}
		if v := c.QueryParam("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 200 {
				return apperr.New(apperr.Invalid, "error.bad_request")
			}
			f.Limit = n
		}
		p, err := s.Applications.Queue(ctx, u, f)
		if err != nil {
			return err
		}
		ids := make([]int64, len(p.Rows))
		for i, r := range p.Rows {
			ids[i] = r.ID
			out = append(out, apiApplicationRow{r.ID, r.Version, string(r.Stage), string(r.Turn), r.Specialty, r.CurrentChoice, r.ElectiveID, r.StageSince.UTC().Format(time.RFC3339)})
		}
		if err := s.apiDisclose(c, "the stage", ids...); err != nil {
			return err
		}
		next = p.Next
	} else {
		mine, err := s.Applications.Mine(ctx, u)
		if err != nil {
			return err
		}
		for _, a := range mine {
			var el int64
			for _, ch := range a.Choices {
				if ch.Rank == max(a.CurrentChoice, 1) {
					el = ch.ElectiveID
				}
			}
			out = append(out, apiApplicationRow{a.ID, a.Version, string(a.Status), string(a.Turn), a.Specialty, a.CurrentChoice, el, a.StageSince.UTC().Format(time.RFC3339)})
		}
	}
	if out == nil {
		out = []apiApplicationRow{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next": next})
}

type apiChoice struct {
	Rank         int    `json:"rank"`
	ElectiveID   int64  `json:"elective_id"`
	PeriodID     int64  `json:"period_id"`
	Institution  string `json:"institution"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	HostDecision string `json:"host_decision"`
}

type apiEvent struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Role    string `json:"role"`
	Action  string `json:"action"`
	From    string `json:"from"`
	To      string `json:"to"`
	Comment string `json:"comment"`
}

type apiApplicationDetail struct {
	apiApplicationRow
	Statement string      `json:"statement"`
	Actions   []string    `json:"actions"`
	Choices   []apiChoice `json:"choices"`
	Events    []apiEvent  `json:"events"`
}

func (s *Server) apiApplication(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.apiShow(c, http.StatusOK, id)
}

func (s *Server) apiShow(c echo.Context, status int, id int64) error {
	d, err := s.Applications.Get(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	out := apiApplicationDetail{
		apiApplicationRow: apiApplicationRow{d.ID, d.Version, string(d.Status), string(d.Turn), d.Specialty, d.CurrentChoice, 0, d.StageSince.UTC().Format(time.RFC3339)},
		Statement:         d.Statement, Actions: []string{}, Choices: []apiChoice{}, Events: []apiEvent{},
	}
	for _, a := range d.Actions {
		out.Actions = append(out.Actions, string(a))
	}
	for _, ch := range d.Choices {
		if ch.Rank == max(d.CurrentChoice, 1) {
			out.ElectiveID = ch.ElectiveID
		}
		out.Choices = append(out.Choices, apiChoice{ch.Rank, ch.ElectiveID, ch.PeriodID, ch.InstitutionNameEN,
			ch.StartsOn.Format(time.DateOnly), ch.EndsOn.Format(time.DateOnly), ch.HostDecision})
	}
	for _, e := range d.Events {
		out.Events = append(out.Events, apiEvent{e.At.UTC().Format(time.RFC3339), e.ActorName, string(e.Role), string(e.Action),
			string(e.FromStage), string(e.ToStage), e.Comment})
	}
	if err := s.apiDisclose(c, "the statement, choices and events", d.ID); err != nil {
		return err
	}
	return c.JSON(status, out)
}

// apiTransitionInput is the body of a transition: the version the caller
// read (a stale one is refused with who changed it), and what the action
// needs.
type apiTransitionInput struct {
	Version  int    `json:"version"`
	Comment  string `json:"comment"`
	Internal bool   `json:"internal"`
	Rank     int    `json:"rank"`
	Decision string `json:"decision"`
}

// apiTransition runs one workflow action; the services decide whether the
// caller may, exactly as for the page's buttons.
func (s *Server) apiTransition(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in apiTransitionInput
	if err := c.Bind(&in); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "error.bad_request")
	}
	ctx, u := c.Request().Context(), visitorOf(c).User
	review := application.ReviewInput{Version: in.Version, Comment: in.Comment, Internal: in.Internal}
	answer := application.AnswerInput{Version: in.Version, Comment: in.Comment}
	steps := map[string]func(context.Context, *user.User, int64) (*application.Application, error){
		"start_review": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.StartReview(ctx, u, id, review)
		},
		"approve": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.Approve(ctx, u, id, review)
		},
		"return": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.ReturnForChanges(ctx, u, id, review)
		},
		"reject": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.Reject(ctx, u, id, review)
		},
		"nominate": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.Nominate(ctx, u, id, review)
		},
		"promote": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.PromoteFromWaitlist(ctx, u, id, review)
		},
		"host_decision": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.RecordHostDecision(ctx, u, id, application.HostDecisionInput{Version: in.Version, Rank: in.Rank,
				Decision: in.Decision, Comment: in.Comment, Internal: in.Internal})
		},
		"accept_offer": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.AcceptOffer(ctx, u, id, answer)
		},
		"decline_offer": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.DeclineOffer(ctx, u, id, answer)
		},
		"withdraw": func(ctx context.Context, u *user.User, id int64) (*application.Application, error) {
			return s.Applications.Withdraw(ctx, u, id, answer)
		},
	}
	step, ok := steps[c.Param("action")]
	if !ok {
		return echo.ErrNotFound
	}
	if _, err := step(ctx, u, id); err != nil {
		return err
	}
	return s.apiShow(c, http.StatusOK, id)
}

// ---- EWP

func (s *Server) apiApplicationEWP(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "json" {
		ex, err := s.EWP.Mobilities(c.Request().Context(), visitorOf(c).User, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ewpJSON(ex))
	}
	b, err := s.EWP.OmobilitiesXML(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", b)
}

func (s *Server) apiAgreementEWP(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, err := s.EWP.IIAXML(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", b)
}

// ewpJSON is a nomination's mobilities as JSON: the credit-bearing ones
// are also in the XML; the traineeships only here, since Outgoing
// Mobilities v3 knows only student-studies.
func ewpJSON(ex *ewp.Export) map[string]any {
	studies, trainee := ex.Studies, ex.Traineeships
	if studies == nil {
		studies = []ewp.Mobility{}
	}
	if trainee == nil {
		trainee = []ewp.Mobility{}
	}
	return map[string]any{"studies": studies, "traineeships": trainee,
		"note": "traineeships are outside EWP Outgoing Mobilities v3 (student-studies only): same fields, JSON only"}
}
