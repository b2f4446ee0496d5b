package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/document"
	"portal/internal/evaluation"
)

// The host supervisor's evaluation of an outgoing student (issue 16): the
// supervisor's page, reached without an account through the link of the
// mail; the office's page of one placement's host evaluation (ask the
// supervisor, revoke the links, record a paper form, download it). The
// rules are internal/evaluation's; this file only words them.

// hostEvalPaperPath is the paper form's upload, which bodyLimits gives
// the wallet's upload limit.
const hostEvalPaperPath = "/evaluations/host/:id/paper"

func (s *Server) hostEvaluationRoutes(r router) {
	if s.Evaluations == nil {
		return
	}
	r.get("/evaluate/done", public, s.hostEvalDone)
	r.get("/evaluate/:token", public, s.hostEvalForm)
	r.post("/evaluate/:token", public, s.hostEvalSend)
	r.get("/evaluations/host/:id", office, s.hostEvalOffice)
	r.post("/evaluations/host/:id/request", office, s.hostEvalRequest)
	r.post("/evaluations/host/:id/revoke", office, s.hostEvalRevoke)
	r.post(hostEvalPaperPath, office, s.hostEvalPaper)
	r.get("/evaluations/host/:id/paper", office, s.hostEvalPaperFile)
	r.get("/evaluations/export/:list", office, s.evaluationExport)
}

// hostEvalFields are the answers' inputs, with what was typed and the
// refusals: shared by the supervisor's page and the office's paper form.
type hostEvalFields struct {
	Supervisor evaluationField
	Present    evaluationField
	Expected   evaluationField
	Ratings    []ratingField
	Grade      ratingField
	Comments   evaluationField
}

func hostEvalFieldsOf(p Page, in evaluation.HostEvaluationInput, refused error) hostEvalFields {
	fields := apperr.FieldsOf(refused)
	msg := func(name string) string {
		if m, ok := fields[name]; ok {
			return p.T(m.Key, m.Args...)
		}
		return ""
	}
	f := func(name, label, value string) evaluationField {
		return evaluationField{Name: name, Label: p.T(label), Value: value, Error: msg(name)}
	}
	out := hostEvalFields{
		Supervisor: f("supervisor_name", "hosteval.form.supervisor_name", in.SupervisorName),
		Present:    f("days_present", "hosteval.form.days_present", in.DaysPresent),
		Expected:   f("days_expected", "hosteval.form.days_expected", in.DaysExpected),
		Comments:   f("comments", "hosteval.form.comments", in.Comments),
		Grade:      ratingField{evaluationField: f("grade", "hosteval.form.grade", in.Grade)},
	}
	for _, name := range evaluation.SupervisorRatings {
		r := ratingField{evaluationField: f(name, "hosteval.rating."+name, in.Ratings[name])}
		for n := 1; n <= 5; n++ {
			v := strconv.Itoa(n)
			r.Options = append(r.Options, option{Value: v, Label: p.T("hosteval.form.level_" + v), Selected: v == in.Ratings[name]})
		}
		out.Ratings = append(out.Ratings, r)
	}
	for _, g := range evaluation.Grades {
		out.Grade.Options = append(out.Grade.Options, option{Value: g, Label: p.T("hosteval.grade." + g), Selected: g == in.Grade})
	}
	return out
}

// hostEvalInput reads the answers from a form's values.
func hostEvalInput(get func(string) string) evaluation.HostEvaluationInput {
	in := evaluation.HostEvaluationInput{SupervisorName: get("supervisor_name"), DaysPresent: get("days_present"),
		DaysExpected: get("days_expected"), Grade: get("grade"), Comments: get("comments"), Ratings: map[string]string{}}
	for _, name := range evaluation.SupervisorRatings {
		in.Ratings[name] = get(name)
	}
	return in
}

// refusalOf is the message above a refused form: the error's own when it
// is not about fields, else general.
func refusalOf(p Page, refused error, general string) string {
	if refused == nil {
		return ""
	}
	var ae *apperr.Error
	if apperr.FieldsOf(refused) == nil && errors.As(refused, &ae) {
		return p.T(ae.Key, ae.Args...)
	}
	return p.T(general)
}

// hostEvalFormView is the supervisor's page.
type hostEvalFormView struct {
	Page
	Action, Lede, Once, Refusal string
	hostEvalFields
}

func (s *Server) hostEvalForm(c echo.Context) error {
	f, err := s.Evaluations.HostForm(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.hostEvalFormPage(c, http.StatusOK, f, evaluation.HostEvaluationInput{SupervisorName: f.Supervisor}, nil)
}

func (s *Server) hostEvalFormPage(c echo.Context, status int, f *evaluation.SupervisorForm, in evaluation.HostEvaluationInput, refused error) error {
	p := s.page(c, "hosteval.form.title")
	period := p.Day(f.Until)
	if f.From != nil {
		period = p.Day(*f.From) + " – " + period
	}
	v := hostEvalFormView{Page: p, Action: evaluation.SupervisorPath(c.Param("token")),
		Lede: p.T("hosteval.form.lede", f.Student, f.Ref, f.Elective, f.Host, period), Once: p.T("hosteval.form.once", p.When(f.ExpiresAt)),
		Refusal: refusalOf(p, refused, "hosteval.form.refused"), hostEvalFields: hostEvalFieldsOf(p, in, refused)}
	return s.render.render(c, status, pageHostEvalForm, v)
}

func (s *Server) hostEvalSend(c echo.Context) error {
	tok := c.Param("token")
	ctx := c.Request().Context()
	in := hostEvalInput(c.FormValue)
	err := s.Evaluations.EvaluateAsHost(ctx, tok, in)
	if err == nil {
		return s.done(c, "", "/evaluate/done")
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		return err // a link that no longer answers: its own page
	}
	f, ferr := s.Evaluations.HostForm(ctx, tok)
	if ferr != nil {
		return ferr
	}
	return s.hostEvalFormPage(c, http.StatusUnprocessableEntity, f, in, err)
}

func (s *Server) hostEvalDone(c echo.Context) error {
	return s.render.render(c, http.StatusOK, pageHostEvalDone, dossierDoneView{s.page(c, "hosteval.done.title")})
}

// hostEvalOfficeView is the office's page of one placement's host evaluation.
type hostEvalOfficeView struct {
	Page
	Base, Lede, State, Refusal string
	Evaluated                  bool
	Received, Attendance       string
	Grade, Comments, Paper     string
	Ratings                    []evaluationField
	Links                      []uiLinkRow
	CanRevoke                  bool
	ContactHint, PaperError    string
	Name, Email                evaluationField
	MailLang                   ratingField // the supervisor's language: Lang is the page's
	hostEvalFields
}

func (s *Server) hostEvalOffice(c echo.Context) error {
	return s.hostEvalOfficePage(c, http.StatusOK, "", nil, nil)
}

// hostEvalOfficePage shows the page; form says which of its forms was
// refused (request, paper) with what was typed (typed) and why (refused).
func (s *Server) hostEvalOfficePage(c echo.Context, status int, form string, typed url.Values, refused error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	hs, err := s.Evaluations.HostStatusOf(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	p := s.page(c, "hosteval.office.title")
	pl := hs.Placement
	v := hostEvalOfficeView{Page: p, Base: evaluation.HostPath(id), Lede: p.T("hosteval.office.lede", hs.Student, pl.ElectiveEn+" · "+pl.Host, p.Day(*pl.PlacedUntil))}
	switch e := hs.Evaluation; {
	case e != nil:
		v.Evaluated = true
		src := p.T("hosteval.office.source_" + e.Source)
		v.Received = p.T("hosteval.office.received", p.When(e.CreatedAt), e.SupervisorName, src)
		v.Attendance = p.T("hosteval.office.attendance", e.DaysPresent, e.DaysExpected)
		v.Grade, v.Comments = p.T("hosteval.grade."+e.Grade), e.Comments
		for _, name := range evaluation.SupervisorRatings {
			v.Ratings = append(v.Ratings, evaluationField{Label: p.T("hosteval.rating." + name), Value: fmt.Sprintf("%d / 5", e.Rating(name))})
		}
		if e.PaperKey != nil {
			v.Paper = v.Base + "/paper"
		}
	case hs.Over:
		v.State = p.T("hosteval.office.outstanding", p.N("evaluation.list.days", hs.Days))
	default:
		v.State = p.T("hosteval.office.not_over", p.Day(*pl.PlacedUntil))
	}
	now := s.Evaluations.Now()
	for _, l := range hs.Links {
		row := uiLinkRow{Sent: p.When(l.CreatedAt), To: l.SupervisorName + " <" + l.SupervisorEmail + ">"}
		switch {
		case l.UsedAt != nil:
			row.State = p.T("hosteval.office.link_used", p.When(*l.UsedAt))
		case l.RevokedAt != nil:
			row.State = p.T("hosteval.office.link_revoked", p.When(*l.RevokedAt))
		case !now.Before(l.ExpiresAt):
			row.State = p.T("hosteval.office.link_expired", p.When(l.ExpiresAt))
		default:
			row.State = p.T("hosteval.office.link_open", p.When(l.ExpiresAt))
			v.CanRevoke = true
		}
		if l.RemindedAt != nil && l.RequestedBy == nil && l.UsedAt == nil {
			row.State += " · " + p.T("hosteval.office.reminded")
		}
		v.Links = append(v.Links, row)
	}
	if hs.Contact != nil {
		v.ContactHint = p.T("hosteval.office.request_contact", hs.Contact.Name, hs.Contact.Email)
	} else {
		v.ContactHint = p.T("hosteval.office.request_none")
	}
	if typed == nil {
		typed = url.Values{}
	}
	var reqErr, paperErr error
	if form == "request" {
		reqErr = refused
	} else {
		paperErr = refused
	}
	v.Refusal = refusalOf(p, refused, "hosteval.office.refused")
	fields := apperr.FieldsOf(reqErr)
	msg := func(name string) string {
		if m, ok := fields[name]; ok {
			return p.T(m.Key, m.Args...)
		}
		return ""
	}
	v.Name = evaluationField{Name: "supervisor_name", Label: p.T("hosteval.export.supervisor"), Value: typed.Get("supervisor_name"), Error: msg("supervisor_name")}
	if form != "request" {
		v.Name.Value = ""
	}
	v.Email = evaluationField{Name: "supervisor_email", Label: p.T("hosteval.office.supervisor_email"), Value: typed.Get("supervisor_email"), Error: msg("supervisor_email")}
	lang := typed.Get("supervisor_lang")
	if lang == "" {
		lang = "en"
	}
	v.MailLang = ratingField{evaluationField: evaluationField{Name: "supervisor_lang", Label: p.T("hosteval.office.supervisor_lang"), Error: msg("supervisor_lang")}}
	for _, l := range evaluation.HostLanguages {
		v.MailLang.Options = append(v.MailLang.Options, option{Value: l, Label: p.T("host.lang." + l), Selected: l == lang})
	}
	var in evaluation.HostEvaluationInput
	if form == "paper" {
		in = hostEvalInput(typed.Get)
	} else {
		in = hostEvalInput(func(string) string { return "" })
	}
	v.hostEvalFields = hostEvalFieldsOf(p, in, paperErr)
	v.Supervisor.Label = p.T("hosteval.export.supervisor") // the office types it, not the supervisor
	if m, ok := apperr.FieldsOf(paperErr)["paper"]; ok {
		v.PaperError = p.T(m.Key, m.Args...)
	}
	return s.render.render(c, status, pageHostEvalOffice, v)
}

func (s *Server) hostEvalRequest(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evaluation.SupervisorInput{Name: c.FormValue("supervisor_name"), Email: c.FormValue("supervisor_email"), Lang: c.FormValue("supervisor_lang")}
	err = s.Evaluations.RequestHostEvaluation(c.Request().Context(), visitorOf(c).User, id, in, meta(c))
	typed, _ := c.FormParams()
	return s.finish(c, err, outcome{flash: "hosteval_requested", to: evaluation.HostPath(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.hostEvalOfficePage(c, status, "request", typed, err) }})
}

func (s *Server) hostEvalRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.Evaluations.RevokeHostLinks(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "hosteval_revoked", evaluation.HostPath(id))
}

// hostEvalPaper records a paper form: the upload streams part by part
// through the wallet's checks (document.Receive) into the storage, never
// whole into memory; a refused form leaves nothing stored.
func (s *Server) hostEvalPaper(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	typed := url.Values{}
	var rec *document.Received
	var fileErr error
	readErr := func() error {
		r := c.Request()
		mr, err := r.MultipartReader()
		if err != nil {
			return apperr.Wrap(apperr.Invalid, err, "wallet.err.not_multipart")
		}
		for parts := 0; ; parts++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return s.walletBodyError(err)
			}
			if parts == 16 {
				return apperr.New(apperr.Invalid, "wallet.err.too_many_parts")
			}
			if part.FormName() == "paper" {
				name, ok := walletRawName(part)
				if rec != nil || !ok {
					return apperr.New(apperr.Invalid, "wallet.err.one_file")
				}
				if name == "" {
					continue // no file chosen: the service names the field
				}
				rec, fileErr = s.Documents.Receive(ctx, document.File{Name: name, DeclaredType: part.Header.Get(echo.HeaderContentType), Body: part})
				if errors.Is(fileErr, document.ErrTooLarge) {
					return fileErr
				}
				continue
			}
			value, err := io.ReadAll(io.LimitReader(part, evaluation.MaxText*4+1))
			if err != nil {
				return s.walletBodyError(err)
			}
			typed.Set(part.FormName(), string(value))
		}
	}()
	if name, bad := unreadable(typed); bad && readErr == nil {
		readErr = apperr.New(apperr.Invalid, "input.bad_field", name) // the input layer's check, which uploads skip
	}
	if readErr != nil {
		s.Documents.Discard(ctx, rec)
		return readErr
	}
	var paper *evaluation.Paper
	if rec != nil {
		paper = &evaluation.Paper{Key: rec.Key, Name: rec.Name, MediaType: rec.MediaType, Size: rec.Size}
	}
	err = s.Evaluations.RecordPaper(ctx, visitorOf(c).User, id, hostEvalInput(typed.Get), paper, meta(c))
	if fileErr != nil {
		f := apperr.FieldsOf(err)
		if f == nil {
			f = apperr.Fields{}
		}
		var ae *apperr.Error
		if errors.As(fileErr, &ae) {
			if m, ok := ae.Fields["file"]; ok {
				f["paper"] = m
			} else {
				f.Add("paper", ae.Key, ae.Args...)
			}
		}
		err = f.Err()
	}
	if err != nil {
		s.Documents.Discard(ctx, rec)
	}
	return s.finish(c, err, outcome{flash: "hosteval_paper", to: evaluation.HostPath(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.hostEvalOfficePage(c, status, "paper", typed, err) }})
}

func (s *Server) hostEvalPaperFile(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, rc, err := s.Evaluations.PaperOf(c.Request().Context(), visitorOf(c).User, id, meta(c))
	if err != nil {
		return err
	}
	defer rc.Close()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, *e.PaperName))
	return c.Stream(http.StatusOK, *e.PaperType, rc)
}

// uiHostEval is the host evaluation's line on the office's application
// page: its state, and the way to its page.
type uiHostEval struct{ Path, State string }

func (s *Server) uiHostEvalOf(c echo.Context, p Page, id int64) (*uiHostEval, error) {
	hs, err := s.Evaluations.HostStatusOf(c.Request().Context(), visitorOf(c).User, id)
	switch {
	case apperr.CodeOf(err) == apperr.Invalid || apperr.CodeOf(err) == apperr.NotFound:
		return nil, nil // an incoming rotation, or no placement: nothing to evaluate
	case err != nil:
		return nil, err
	}
	out := &uiHostEval{Path: evaluation.HostPath(id)}
	switch e := hs.Evaluation; {
	case e != nil:
		out.State = p.T("hosteval.list.received", p.T("hosteval.grade."+e.Grade)) + " · " + p.T("hosteval.office.attendance", e.DaysPresent, e.DaysExpected)
	case hs.Over:
		out.State = p.T("hosteval.office.outstanding", p.N("evaluation.list.days", hs.Days))
	default:
		out.State = p.T("hosteval.office.not_over", p.Day(*hs.Placement.PlacedUntil))
	}
	return out, nil
}
