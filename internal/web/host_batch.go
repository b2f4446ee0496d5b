package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/host"
)

// The batch link (issue 15): the office sends a partner's contact one
// link for all of its pending nominees of a round; the host answers each
// nominee on one page, each answer its own move by the Host party. The
// host service decides; a link that no longer answers gets the same
// pages as a nominee's own link.

func (s *Server) hostBatchRoutes(r router) {
	if s.Host == nil {
		return
	}
	r.get("/dossier/batch/:token", public, s.batchShow)
	r.post("/dossier/batch/:token/:id", public, s.batchAnswer)
	r.get("/dossier/batch/:token/:id/documents/:doc", public, s.batchDocument)
	r.get("/manage/hosts/batches", office, s.hostBatches)
	r.post("/manage/hosts/batches", office, s.hostBatchSend)
	r.post("/manage/hosts/batches/:id/revoke", office, s.hostBatchRevoke)
}

type batchView struct {
	Page
	Institution, Contact, Expires string
	Nominees                      []batchNomineeView
	Decisions                     []tieOption
	Pending                       int
}

type batchNomineeView struct {
	ID                                         int64
	Anchor, Action, Ref, NameLatin, NameNative string
	Elective, Period, Statement, State         string
	Version                                    int
	Pending                                    bool
	Documents                                  []dossierDoc
	Verified                                   string
	Decision, Comment, Refusal                 string
	Errors                                     map[string]string
}

func (s *Server) batchShow(c echo.Context) error {
	b, err := s.Host.OpenBatch(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.batchRender(c, http.StatusOK, b, 0, "", "", nil)
}

// batchRender shows the batch; failedID is the nominee whose answer was
// refused, shown again as typed with the reason.
func (s *Server) batchRender(c echo.Context, status int, b *host.Batch, failedID int64, decision, comment string, failed error) error {
	tok := c.Param("token")
	p := s.page(c, "host.batch.title")
	v := batchView{Page: p, Institution: b.Institution, Contact: b.Contact, Expires: p.When(b.ExpiresAt), Pending: b.Pending}
	for _, dec := range application.HostDecisions {
		v.Decisions = append(v.Decisions, tieOption{Value: dec, Label: p.T("host.decision." + dec)})
	}
	for _, n := range b.Nominees {
		id := strconv.FormatInt(n.ApplicationID, 10)
		nv := batchNomineeView{ID: n.ApplicationID, Anchor: "nominee-" + id, Action: host.BatchPath(tok) + "/" + id, Ref: n.Ref,
			NameLatin: n.NameLatin, NameNative: n.NameNative, Elective: n.ElectiveEN, Period: p.Day(n.StartsOn) + " – " + p.Day(n.EndsOn),
			Statement: n.Statement, State: p.T("host.batch.state." + n.State), Version: n.Version, Pending: n.State == host.NomineePending}
		for _, doc := range n.Documents {
			nv.Documents = append(nv.Documents, dossierDoc{Type: p.T("doc." + doc.Type), Name: doc.FileName,
				Path: nv.Action + "/documents/" + strconv.FormatInt(doc.ID, 10)})
		}
		if n.Verification != nil {
			nv.Verified = p.T("host.dossier.verified", p.T(yesNo(n.Verification.GoodStanding)), p.T(yesNo(n.Verification.Immunization)), p.Date(n.Verification.VerifiedAt))
		} else {
			nv.Verified = p.T("host.dossier.not_verified")
		}
		if n.ApplicationID == failedID && failed != nil {
			nv.Decision, nv.Comment, nv.Errors = decision, comment, map[string]string{}
			for f, m := range apperr.FieldsOf(failed) {
				nv.Errors[f] = p.T(m.Key, m.Args...)
			}
			if ae, ok := failed.(*apperr.Error); ok && ae.Key != "" {
				nv.Refusal = p.T(ae.Key, ae.Args...)
			}
		}
		v.Nominees = append(v.Nominees, nv)
	}
	return s.render.render(c, status, pageHostBatch, v)
}

func (s *Server) batchAnswer(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var f dossierForm
	if err := c.Bind(&f); err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	tok := c.Param("token")
	ctx := c.Request().Context()
	_, err = s.Host.AnswerBatch(ctx, tok, id, host.AnswerInput{Version: f.Version, Decision: f.Decision, Comment: f.Comment})
	if err == nil {
		return s.done(c, "host_batch_answered", host.BatchPath(tok))
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		return err // a link or a nominee that no longer answers: its own page
	}
	b, berr := s.Host.OpenBatch(ctx, tok)
	if berr != nil {
		return berr
	}
	return s.batchRender(c, http.StatusUnprocessableEntity, b, id, f.Decision, f.Comment, err)
}

type hostBatchesView struct {
	Page
	Rounds, Hosts []tieOption
	Round, Host   string
	Rows          []hostBatchRow
	Refusal       string
	Errors        map[string]string
}

type hostBatchRow struct {
	Round, Institution, To, Sent, State, Revoke string
	Nominees, Answered                          int
}

func (s *Server) hostBatches(c echo.Context) error {
	return s.hostBatchesRender(c, http.StatusOK, "", "", nil)
}

func (s *Server) hostBatchesRender(c echo.Context, status int, round, inst string, failed error) error {
	ctx, u := c.Request().Context(), visitorOf(c).User
	p := s.page(c, "host.batches.title")
	v := hostBatchesView{Page: p, Round: round, Host: inst}
	rounds, hosts, err := s.Host.BatchChoices(ctx, u)
	if err != nil {
		return err
	}
	for _, r := range rounds {
		v.Rounds = append(v.Rounds, tieOption{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
	}
	for _, h := range hosts {
		v.Hosts = append(v.Hosts, tieOption{Value: strconv.FormatInt(h.ID, 10), Label: h.Name})
	}
	rows, err := s.Host.Batches(ctx, u)
	if err != nil {
		return err
	}
	now := s.Applications.Now()
	for _, r := range rows {
		row := hostBatchRow{Round: r.Round, Institution: r.Institution, To: r.ContactName + " <" + r.ContactEmail + ">", Sent: p.When(r.CreatedAt),
			Nominees: r.Nominees, Answered: r.Answered}
		switch {
		case r.RevokedAt != nil:
			row.State = p.T("ui_links.link.revoked", p.When(*r.RevokedAt))
		case !now.Before(r.ExpiresAt):
			row.State = p.T("ui_links.link.expired", p.When(r.ExpiresAt))
		default:
			row.State = p.T("ui_links.link.open", p.When(r.ExpiresAt))
			row.Revoke = "/manage/hosts/batches/" + strconv.FormatInt(r.ID, 10) + "/revoke"
		}
		v.Rows = append(v.Rows, row)
	}
	if failed != nil {
		v.Refusal, v.Errors = fieldErrors(p, failed)
	}
	return s.render.render(c, status, pageHostBatches, v)
}

func (s *Server) hostBatchSend(c echo.Context) error {
	round, inst := c.FormValue("round_id"), c.FormValue("institution_id")
	in := host.BatchInput{}
	fs := apperr.Fields{}
	var err error
	if in.RoundID, err = strconv.ParseInt(round, 10, 64); err != nil || in.RoundID <= 0 {
		fs.Add("round_id", "form.required")
	}
	if in.InstitutionID, err = strconv.ParseInt(inst, 10, 64); err != nil || in.InstitutionID <= 0 {
		fs.Add("institution_id", "form.required")
	}
	err = fs.Err()
	var sent *host.BatchSent
	if err == nil {
		sent, err = s.Host.IssueBatch(c.Request().Context(), visitorOf(c).User, in, meta(c))
	}
	if invalid(err) || apperr.CodeOf(err) == apperr.NotFound {
		status := http.StatusUnprocessableEntity
		return s.hostBatchesRender(c, status, round, inst, err)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "host_batch_sent")
	_ = sent
	return c.Redirect(http.StatusSeeOther, "/manage/hosts/batches")
}

func (s *Server) hostBatchRevoke(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Host.RevokeBatch(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "host_batch_revoked", "/manage/hosts/batches")
}

// batchDocument downloads one document a pending nominee shared with
// this host; the host service logs the transfer.
func (s *Server) batchDocument(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	docID, err := idParam(c, "doc")
	if err != nil {
		return err
	}
	d, err := s.Host.BatchDossier(ctx, c.Param("token"), id)
	if err != nil {
		return err
	}
	doc, r, err := s.Host.Document(ctx, d, docID)
	if err != nil {
		return err
	}
	defer r.Close()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, doc.FileName))
	return c.Stream(http.StatusOK, doc.MediaType, r)
}
