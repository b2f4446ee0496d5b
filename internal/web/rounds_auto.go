package web

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/selection"
	"portal/internal/user"
)

// A published round's automatic handling (internal/selection/auto.go):
// the office's switch on the round's page, and the student's answer to
// the offer of a freed seat on their application's page.

// roundAutoView is the round page's section on what happens after
// publication: the rule in words, and for the office of a published round
// the switch and the days of an offer, kept as typed on a refusal.
type roundAutoView struct {
	RuleReject, RuleOffer, State string
	Offers                       string // the office's count of open offers
	Form                         bool   // the office may change it now
	On                           bool
	OfferDays                    string
	Error                        string // the refusal of the form, translated
}

// roundAuto builds the section of round f; in is what the office typed
// when refused is its refusal.
func roundAuto(p Page, f *selection.Full, offers int, in *selection.AutoInput, refused error) *roundAutoView {
	days := f.OfferDays
	if days <= 0 {
		days = selection.DefaultOfferDays
	}
	v := &roundAutoView{RuleReject: p.T("rounds.auto.rule_reject"), RuleOffer: p.T("rounds.auto.rule_offer", days),
		State: p.T("rounds.auto.off"), On: f.AutoPromote, OfferDays: strconv.Itoa(days),
		Form: f.Office && f.State == selection.Published}
	if f.AutoPromote {
		v.State = p.T("rounds.auto.on")
	}
	if v.Form {
		v.Offers = p.T("rounds.auto.offers", offers)
	}
	if in != nil {
		v.On, v.OfferDays = in.On, in.OfferDays
	}
	if refused != nil {
		var ae *apperr.Error
		if fields := apperr.FieldsOf(refused); len(fields) > 0 {
			for _, m := range fields {
				v.Error = p.T(m.Key, m.Args...)
			}
		} else if errors.As(refused, &ae) {
			v.Error = p.T(ae.Key, ae.Args...)
		}
	}
	return v
}

// roundAutoSave: the office turns a published round's automatic handling
// on or off and sets the days of its offers.
func (s *Server) roundAutoSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := selection.AutoInput{Version: version, On: c.FormValue("auto") == "1", OfferDays: c.FormValue("offer_days")}
	err = s.Selection.SetAuto(c.Request().Context(), visitorOf(c).User, id, in)
	return s.finish(c, err, outcome{flash: "rounds_auto", to: roundPath(id) + "#round-auto",
		shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error {
			return s.roundPageWith(c, status, id, err, &in)
		}})
}

// roundOfferView is an open offer on the student's application page.
type roundOfferView struct {
	Title, Text                string
	OfferID                    int64
	AcceptPath, DeclinePath    string
	AcceptLabel, DeclineLabel  string
	ExpiresISO, ExpiresVisible string
	CSRF                       string
}

// roundOffer is the open offer of application appID for the visitor, nil
// when there is none.
func (s *Server) roundOffer(ctx context.Context, p Page, u *user.User, appID int64) (*roundOfferView, error) {
	o, per, err := s.Selection.OpenOffer(ctx, u, appID)
	if err != nil || o == nil {
		return nil, err
	}
	label := ""
	if per != nil {
		label = periodLabel(p, *per)
	}
	base := "/applications/" + strconv.FormatInt(appID, 10) + "/round-offer/"
	return &roundOfferView{Title: p.T("rounds.offer.title"), Text: p.T("rounds.offer.text", label, o.Rank, p.When(o.ExpiresAt)),
		OfferID: o.ID, AcceptPath: base + "accept", DeclinePath: base + "decline",
		AcceptLabel: p.T("rounds.offer.accept"), DeclineLabel: p.T("rounds.offer.decline"),
		ExpiresISO: o.ExpiresAt.Format(time.RFC3339), ExpiresVisible: p.When(o.ExpiresAt)}, nil
}

func (s *Server) roundOfferAccept(c echo.Context) error {
	return s.roundOfferAnswer(c, "round_offer_accept", func(sel *selection.Service) offerAnswer { return sel.AcceptOffer })
}

func (s *Server) roundOfferDecline(c echo.Context) error {
	return s.roundOfferAnswer(c, "round_offer_decline", func(sel *selection.Service) offerAnswer { return sel.DeclineOffer })
}

type offerAnswer = func(context.Context, *user.User, int64, selection.OfferInput) error

// roundOfferAnswer runs the student's answer to the offer the form names;
// a refusal (expired, no longer open) shows the application page again.
func (s *Server) roundOfferAnswer(c echo.Context, action string, of func(*selection.Service) offerAnswer) error {
	if s.Selection == nil {
		return echo.ErrNotFound
	}
	return s.applicationAct(c, action, func(ctx context.Context, u *user.User, id int64, f applicationFields) (string, error) {
		offer, _ := strconv.ParseInt(f.Get("offer"), 10, 64)
		return action, of(s.Selection)(ctx, u, id, selection.OfferInput{OfferID: offer})
	})
}
