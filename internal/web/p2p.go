package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/p2p"
)

// Portal to portal (issue 15, docs/p2p.md): the endpoints partner portals
// post their signed messages to (no session, no CSRF: the signature is
// the authentication), and the office's page of trusted partner portals.

func (s *Server) p2pRoutes(e *echo.Echo) {
	if s.P2P == nil {
		return
	}
	e.POST(p2p.PathNominations, s.p2pNomination)
	e.POST(p2p.PathDecisions, s.p2pDecision)
}

func (s *Server) p2pOfficeRoutes(r router) {
	if s.P2P == nil {
		return
	}
	r.get("/manage/partner-portals", office, s.p2pPartners)
	r.post("/manage/partner-portals", office, s.p2pTrust)
	r.post("/manage/partner-portals/:id/remove", office, s.p2pDistrust)
}

// p2pAnswer writes a JSON answer: the coded refusal of err, else v.
func p2pAnswer(c echo.Context, status int, v any, err error) error {
	if err != nil {
		code, key := apperr.CodeOf(err), "p2p.internal"
		if ae, ok := err.(*apperr.Error); ok && code != apperr.Internal {
			key = ae.Key
		} else {
			c.Logger().Error(err)
		}
		st, ok := statusOf[code]
		if !ok {
			st = http.StatusInternalServerError
		}
		body := map[string]any{"code": key}
		if f := apperr.FieldsOf(err); len(f) > 0 {
			fields := map[string]string{}
			for k, m := range f {
				fields[k] = m.Key
			}
			body["fields"] = fields
		}
		return c.JSON(st, body)
	}
	return c.JSON(status, v)
}

// p2pOrigin marks, for the staff, a request that came from a partner's
// portal.
func (s *Server) p2pOrigin(c echo.Context, v *rotationShowView) error {
	if s.P2P == nil || !v.IsReviewer {
		return nil
	}
	name, err := s.P2P.Origin(c.Request().Context(), v.ID)
	if err != nil || name == "" {
		return err
	}
	v.FromPartner = v.T("p2p.from_partner", name)
	return nil
}

func (s *Server) p2pRead(c echo.Context) (p2p.Signed, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return p2p.Signed{}, apperr.New(apperr.Invalid, p2p.ErrMessage)
	}
	return p2p.SignedOf(c.Request(), body), nil
}

func (s *Server) p2pNomination(c echo.Context) error {
	m, err := s.p2pRead(c)
	if err != nil {
		return p2pAnswer(c, 0, nil, err)
	}
	out, err := s.P2P.ReceiveNomination(c.Request().Context(), m)
	return p2pAnswer(c, http.StatusCreated, out, err)
}

func (s *Server) p2pDecision(c echo.Context) error {
	m, err := s.p2pRead(c)
	if err != nil {
		return p2pAnswer(c, 0, nil, err)
	}
	err = s.P2P.ReceiveDecision(c.Request().Context(), m)
	return p2pAnswer(c, http.StatusOK, map[string]string{"recorded": "yes"}, err)
}

type p2pPartnersView struct {
	Page
	OwnKey       string
	Partners     []p2p.PartnerRow
	Institutions []p2p.Choice
	Messages     []p2pMessageRow
	Form         p2pForm
	Errors       map[string]string
	Error        string
}

type p2pMessageRow struct {
	Institution, Kind, Created, State, Error string
	Failed                                   bool
}

type p2pForm struct {
	InstitutionID      int64
	BaseURL, PublicKey string
}

func (s *Server) p2pPage(c echo.Context, status int, v p2pPartnersView) error {
	ctx, u := c.Request().Context(), visitorOf(c).User
	var err error
	if v.OwnKey, err = s.P2P.PublicKey(ctx, u); err != nil {
		return err
	}
	if v.Partners, err = s.P2P.Partners(ctx, u); err != nil {
		return err
	}
	if v.Institutions, err = s.P2P.Institutions(ctx, u); err != nil {
		return err
	}
	v.Page = s.page(c, "p2p.title")
	msgs, err := s.P2P.Messages(ctx, u)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		row := p2pMessageRow{Institution: m.Institution, Kind: v.T("p2p.kind.nomination"), Created: v.When(m.CreatedAt),
			State: v.T("p2p.state.waiting", m.Attempts)}
		if m.Path == p2p.PathDecisions {
			row.Kind = v.T("p2p.kind.decision")
		}
		switch {
		case m.SentAt != nil:
			row.State = v.T("p2p.state.sent", v.When(*m.SentAt))
		case m.FailedAt != nil:
			row.State, row.Error, row.Failed = v.T("p2p.state.failed", v.When(*m.FailedAt)), m.LastError, true
		}
		v.Messages = append(v.Messages, row)
	}
	return s.render.render(c, status, pageP2PPartners, v)
}

func (s *Server) p2pPartners(c echo.Context) error {
	return s.p2pPage(c, http.StatusOK, p2pPartnersView{})
}

func (s *Server) p2pTrust(c echo.Context) error {
	inst, _ := strconv.ParseInt(c.FormValue("institution_id"), 10, 64)
	in := p2p.TrustInput{InstitutionID: inst, BaseURL: c.FormValue("base_url"), PublicKey: c.FormValue("public_key")}
	if _, err := s.P2P.Trust(c.Request().Context(), visitorOf(c).User, in, meta(c)); err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			return err
		}
		p := s.page(c, "p2p.title")
		v := p2pPartnersView{Form: p2pForm{InstitutionID: inst, BaseURL: in.BaseURL, PublicKey: in.PublicKey}, Errors: map[string]string{}}
		for f, m := range apperr.FieldsOf(err) {
			v.Errors[f] = p.T(m.Key, m.Args...)
		}
		v.Error = p.T("p2p.refused")
		return s.p2pPage(c, http.StatusUnprocessableEntity, v)
	}
	return s.done(c, "p2p_trusted", "/manage/partner-portals")
}

func (s *Server) p2pDistrust(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.P2P.Distrust(c.Request().Context(), visitorOf(c).User, id, meta(c)); err != nil {
		return err
	}
	return s.done(c, "p2p_removed", "/manage/partner-portals")
}
