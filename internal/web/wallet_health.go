package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"portal/internal/privacy"
)

// The health notice before the first health document (issue 18): until a
// person acknowledged it, the wallet's upload form shows it with a box to
// tick, and an immunization record or background check sent without the
// box ticked is refused with what was typed kept (privacy.ReadyForHealth).

// walletHealth is the health notice on the upload form.
type walletHealth struct {
	Title, Lede, Label string
	Body               []string
}

// walletHealthNotice is the notice for the upload form of uid, nil once
// acknowledged.
func (s *Server) walletHealthNotice(ctx context.Context, p Page, uid int64) (*walletHealth, error) {
	if s.Privacy == nil {
		return nil, nil
	}
	pending, err := s.Privacy.Pending(ctx, uid, privacy.HealthNotice.Kind)
	if err != nil || !pending {
		return nil, err
	}
	h := &walletHealth{Title: p.T("privacy.notice.health.title"), Lede: p.T("privacy.notice.health.upload_lede"),
		Label: p.T("privacy.notice.health.upload_ack")}
	for _, part := range []string{"what", "why", "who", "how_long", "rights"} {
		h.Body = append(h.Body, p.T("privacy.notice.health."+part))
	}
	return h, nil
}

// walletHealthReady refuses a health document sent before the health
// notice was acknowledged, and acknowledges it when the box was ticked.
func (s *Server) walletHealthReady(c echo.Context, up walletPost) error {
	if s.Privacy == nil {
		return nil
	}
	return s.Privacy.ReadyForHealth(c.Request().Context(), visitorOf(c).User, up.in.Type, up.ackHealth, meta(c))
}
