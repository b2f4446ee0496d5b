package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/signintech/gopdf"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/letter"
)

// The partner's answer loop (issue 15): the host's dossier page, reached
// without an account through the link of its mail, where the host
// answers; the dossier's PDF and ZIP; the office's host contacts beside
// the catalog, and its revocation of an application's links.

func (s *Server) hostRoutes(r router) {
	if s.Host == nil {
		return
	}
	r.get("/dossier/answered", public, s.dossierAnswered)
	r.get("/dossier/:token", public, s.dossierShow)
	r.post("/dossier/:token", public, s.dossierAnswer)
	r.get("/dossier/:token/dossier.pdf", public, s.dossierPDF)
	r.get("/dossier/:token/dossier.zip", public, s.dossierZIP)
	r.get("/dossier/:token/documents/:doc", public, s.dossierDocument)
	r.get("/manage/hosts", office, s.hostContacts)
	r.post("/manage/hosts", office, s.hostContactAdd)
	r.post("/manage/hosts/:id/delete", office, s.hostContactDelete)
	r.post("/applications/:id/host/revoke", office, s.hostRevoke)
	r.post("/applications/:id/host/verify", office, s.hostVerify)
}

type dossierView struct {
	Page
	Token, Action, Ref, Contact                  string
	NameLatin, NameNative, Institution, Elective string
	Period, Statement, Expires                   string
	Version                                      int
	Documents                                    []dossierDoc
	Verified                                     bool
	GoodStanding, Immunization, VerifiedOn       string
	Decisions                                    []tieOption
	Decision, Comment, Refusal                   string
	Errors                                       map[string]string
}

type dossierDoc struct{ Type, Name, Path string }

// dossierPage is the host's page in the visitor's language (the language
// switch is on every page; the mail was in the contact's).
func (s *Server) dossierPage(c echo.Context, _ *host.Dossier) Page {
	return s.page(c, "host.dossier.title")
}

func (s *Server) dossierShow(c echo.Context) error {
	d, err := s.Host.Dossier(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.dossierRender(c, http.StatusOK, d, "", "", nil)
}

func (s *Server) dossierRender(c echo.Context, status int, d *host.Dossier, decision, comment string, failed error) error {
	tok := c.Param("token")
	p := s.dossierPage(c, d)
	v := dossierView{Page: p, Token: tok, Action: host.Path(tok), Ref: d.Ref, Contact: d.Contact,
		NameLatin: d.NameLatin, NameNative: d.NameNative, Institution: d.Institution, Elective: d.ElectiveEN,
		Period: p.Day(d.StartsOn) + " – " + p.Day(d.EndsOn), Statement: d.Statement, Expires: p.When(d.ExpiresAt),
		Version: d.Version, Decision: decision, Comment: comment}
	for _, doc := range d.Documents {
		v.Documents = append(v.Documents, dossierDoc{Type: p.T("doc." + doc.Type), Name: doc.FileName,
			Path: host.Path(tok) + "/documents/" + strconv.FormatInt(doc.ID, 10)})
	}
	if d.Verification != nil {
		v.Verified = true
		v.GoodStanding, v.Immunization = p.T(yesNo(d.Verification.GoodStanding)), p.T(yesNo(d.Verification.Immunization))
		v.VerifiedOn = p.Date(d.Verification.VerifiedAt)
	}
	for _, dec := range application.HostDecisions {
		v.Decisions = append(v.Decisions, tieOption{Value: dec, Label: p.T("host.decision." + dec)})
	}
	if failed != nil {
		v.Errors = map[string]string{}
		for f, m := range apperr.FieldsOf(failed) {
			v.Errors[f] = p.T(m.Key, m.Args...)
		}
		var ae *apperr.Error
		if e, ok := failed.(*apperr.Error); ok {
			ae = e
		}
		if ae != nil && ae.Key != "" {
			v.Refusal = p.T(ae.Key, ae.Args...)
		}
	}
	return s.render.render(c, status, pageHostDossier, v)
}

func yesNo(b bool) string {
	if b {
		return "host.yes"
	}
	return "host.no"
}

type dossierForm struct {
	Version  int    `form:"version"`
	Decision string `form:"decision"`
	Comment  string `form:"comment"`
}

func (s *Server) dossierAnswer(c echo.Context) error {
	var f dossierForm
	if err := c.Bind(&f); err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	tok := c.Param("token")
	ctx := c.Request().Context()
	_, err := s.Host.Answer(ctx, tok, host.AnswerInput{Version: f.Version, Decision: f.Decision, Comment: f.Comment})
	if err == nil {
		return s.done(c, "host_answered", "/dossier/answered")
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		return err // a link that no longer answers: its own page
	}
	d, derr := s.Host.Dossier(ctx, tok)
	if derr != nil {
		return derr
	}
	return s.dossierRender(c, http.StatusUnprocessableEntity, d, f.Decision, f.Comment, err)
}

type dossierDoneView struct{ Page }

func (s *Server) dossierAnswered(c echo.Context) error {
	return s.render.render(c, http.StatusOK, pageHostAnswered, dossierDoneView{s.page(c, "host.answered.title")})
}

// dossierCover is the PDF's cover in the contact's language and English
// (Traditional Chinese for an English-reading contact).
func (s *Server) dossierCover(d *host.Dossier) letter.DossierText {
	lang := i18n.Lang(d.Lang)
	other := i18n.English
	if lang == i18n.English {
		other = i18n.TraditionalChinese
	}
	b := s.bundle
	t := func(k string, a ...any) string { return b.T(lang, k, a...) }
	docs := []string{}
	for _, doc := range d.Documents {
		docs = append(docs, t("doc."+doc.Type)+" ("+doc.FileName+")")
	}
	verified := t("host.dossier.not_verified")
	if v := d.Verification; v != nil {
		verified = t("host.dossier.verified_pdf", t(yesNo(v.GoodStanding)), t(yesNo(v.Immunization)), v.VerifiedAt.Format("2006-01-02"))
	}
	return letter.DossierText{
		Org:      [2]string{b.T(i18n.English, "host.pdf.org"), b.T(i18n.TraditionalChinese, "host.pdf.org")},
		Title:    [2]string{t("host.dossier.title"), b.T(other, "host.dossier.title")},
		Subtitle: d.Ref,
		Facts: [][2]string{
			{t("host.dossier.name"), strings.TrimSpace(d.NameLatin + "  " + d.NameNative)},
			{t("host.dossier.institution"), strings.TrimSpace(d.Institution + "  " + d.InstitutionLocal)},
			{t("host.dossier.elective"), d.ElectiveEN},
			{t("host.dossier.period"), d.StartsOn.Format("2006-01-02") + " – " + d.EndsOn.Format("2006-01-02")},
			{t("host.dossier.verification"), verified},
		},
		Statement: [2]string{t("host.dossier.statement"), d.Statement},
		Appended:  t("host.dossier.documents"),
		Documents: docs,
		Meta:      gopdf.PdfInfo{Title: d.Ref},
	}
}

func (s *Server) dossierPDF(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.Host.Dossier(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	out, err := s.Host.PDF(ctx, d, s.dossierCover(d))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-dossier.pdf"`, d.Ref))
	return c.Blob(http.StatusOK, "application/pdf", out)
}

func (s *Server) dossierZIP(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.Host.Dossier(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	pdf, err := s.Host.PDF(ctx, d, s.dossierCover(d))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := s.Host.ZIP(ctx, d, pdf, &b); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-dossier.zip"`, d.Ref))
	return c.Blob(http.StatusOK, "application/zip", b.Bytes())
}

func (s *Server) dossierDocument(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.Host.Dossier(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	id, err := idParam(c, "doc")
	if err != nil {
		return err
	}
	doc, r, err := s.Host.Document(ctx, d, id)
	if err != nil {
		return err
	}
	defer r.Close()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, doc.FileName))
	return c.Stream(http.StatusOK, doc.MediaType, r)
}
