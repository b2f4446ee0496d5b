package web

import (
	"context"
	"slices"

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

// walletConsent asks, on the upload form, who may open the document if it
// is a health document: consent at collection, so that a student need not
// find /account before a reviewer can check their immunization record.
// Nothing is ticked until the student ticks it (PDPA Art. 6 wants consent
// in writing, GDPR Art. 9 explicit).
type walletConsent struct {
	Legend, Hint string
	Choices      []walletConsentChoice
}

type walletConsentChoice struct {
	ID, Value, Label string
	Checked          bool
}

// walletConsentOf is the consent boxes of the upload form, ticked again as
// they were on a refused upload.
func (s *Server) walletConsentOf(p Page, at *walletAttempt) *walletConsent {
	if s.Privacy == nil {
		return nil
	}
	wc := &walletConsent{Legend: p.T("privacy.upload_consent.legend"), Hint: p.T("privacy.upload_consent.hint")}
	for _, r := range privacy.Recipients {
		wc.Choices = append(wc.Choices, walletConsentChoice{ID: "wallet-consent-" + string(r), Value: string(r),
			Label:   p.T("privacy.upload_consent." + string(r)),
			Checked: at != nil && at.form == "upload" && slices.Contains(at.consents, r)})
	}
	return wc
}

// walletHealthConsents gives the consents ticked on the upload of health
// document docID; for any other document the boxes mean nothing.
func (s *Server) walletHealthConsents(c echo.Context, docID int64, up walletPost) error {
	if s.Privacy == nil || !privacy.IsHealth(up.in.Type) {
		return nil
	}
	for _, r := range up.consents {
		if err := s.Privacy.SetConsent(c.Request().Context(), visitorOf(c).User, docID, r, true, meta(c)); err != nil {
			return err
		}
	}
	return nil
}
