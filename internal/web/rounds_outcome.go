package web

import (
	"github.com/labstack/echo/v4"

	"portal/internal/selection"
)

// roundOutcomeView is a student's published selection outcome on their
// application's page: what they were given, their score, and why each
// higher choice was not, in their language. Nothing before publication.
type roundOutcomeView struct {
	Title, Outcome, Score string
	WhyHead, OpenHead     string
	Placed                bool
	Why                   []string
	Open                  []string // a student not placed: the round's periods with seats left
	Reason                string   // why it changed after publication (rounds_auto.go)
	RuleHead              string   // the round's published rule after publication, when it applies
	Rule                  []string
	Offer                 *roundOfferView
}

func (s *Server) roundOutcome(c echo.Context, p Page, appID int64) (*roundOutcomeView, error) {
	if s.Selection == nil {
		return nil, nil
	}
	o, err := s.Selection.ForApplication(c.Request().Context(), visitorOf(c).User, appID)
	if err != nil || o == nil {
		return nil, err
	}
	yours := float64(o.ScoreCenti) / 100
	v := &roundOutcomeView{Title: p.T("rounds.outcome.title", o.RoundName), Score: p.T("rounds.outcome.score", score(yours)),
		WhyHead: p.T("rounds.outcome.why"), OpenHead: p.T("rounds.outcome.open"), Placed: o.Outcome == selection.OutcomePlaced}
	switch o.Outcome {
	case selection.OutcomePlaced:
		v.Outcome = p.T("rounds.outcome.placed", o.RankGiven, periodLabel(p, o.Period.PeriodOption))
	case selection.OutcomeWaitlisted:
		v.Outcome = p.T("rounds.outcome.waitlisted", o.WaitlistPos, periodLabel(p, o.Period.PeriodOption))
	default:
		v.Outcome = p.T("rounds.outcome.unplaced")
	}
	for _, sk := range o.Skips {
		v.Why = append(v.Why, explainSkip(p, sk, o.Periods, yours))
	}
	for _, per := range o.Open {
		v.Open = append(v.Open, periodLabel(p, per.PeriodOption))
	}
	if o.Reason != "" {
		v.Reason = p.T("rounds.outcome.reason." + o.Reason)
	}
	if o.Auto {
		v.RuleHead = p.T("rounds.auto.student_head")
		v.Rule = []string{p.T("rounds.auto.rule_reject"), p.T("rounds.auto.rule_offer", o.OfferDays)}
	}
	if v.Offer, err = s.roundOffer(c.Request().Context(), p, visitorOf(c).User, appID); v.Offer != nil {
		v.Offer.CSRF = p.CSRF
	}
	return v, err
}

// roundCutoffs is the last published round's figures on an elective's
// page: per period its cutoff score and first-choice demand per seat.
type roundCutoffs struct {
	Title, Caption, When, Cutoff, Demand string
	Rows                                 []roundCutoffRow
}

type roundCutoffRow struct{ Dates, Cutoff, Demand string }

func (s *Server) roundCutoffs(c echo.Context, p Page, electiveID int64) (*roundCutoffs, error) {
	if s.Selection == nil {
		return nil, nil
	}
	cs, err := s.Selection.Cutoffs(c.Request().Context(), electiveID)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	v := &roundCutoffs{Title: p.T("rounds.cutoffs.title", cs[0].Round), Caption: p.T("rounds.cutoffs.caption"),
		When: p.T("browse.period.when"), Cutoff: p.T("rounds.dry.cutoff"), Demand: p.T("rounds.cutoffs.demand")}
	for _, x := range cs {
		row := roundCutoffRow{Dates: p.T("rounds.cutoffs.dates", dateString(x.StartsOn), dateString(x.EndsOn)), Cutoff: "–",
			Demand: p.T("rounds.cutoffs.demand_value", x.FirstChoice, x.Seats)}
		if x.HasCutoff {
			row.Cutoff = score(x.Cutoff)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}
