package application

import (
	"context"

	"gorm.io/gorm"
)

// HostAnswer is a host's own answer through its dossier link: the same
// move as the office recording it, made by the Host party with no user.
type HostAnswer struct {
	HostDecisionInput
	// Via is the contact the link was sent to, named by the timeline.
	Via string
	// Spend marks the link used inside the move's transaction, refusing
	// when it no longer answers (used, revoked, expired), so that a link
	// answers once and a refused answer changes nothing.
	Spend func(tx *gorm.DB) error
}

// AnswerAsHost records the host's answer on application id. The version
// is the one the dossier showed; a reason is required to reject.
func (s *Service) AnswerAsHost(ctx context.Context, id int64, in HostAnswer) (*Application, error) {
	action, c, err := s.hostDecision(in.HostDecisionInput)
	if err != nil {
		return nil, err
	}
	if err := checkComment(in.Comment, action == HostReject); err != nil {
		return nil, err
	}
	check := c.Check
	c.Check = func(tx *gorm.DB, a *Application, cs []Choice) error {
		if err := check(tx, a, cs); err != nil {
			return err
		}
		return in.Spend(tx)
	}
	c.Action, c.Version, c.Comment, c.As, c.Via = action, in.Version, in.Comment, Host, in.Via
	return s.act(ctx, nil, id, c)
}
