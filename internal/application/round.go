package application

import (
	"context"

	"gorm.io/gorm"
)

// NominateForRound nominates application id, at version, by the portal
// itself (the System party) for a published selection round: the
// round's rule after publication (internal/selection/auto.go) gives a
// student rejected by a host their next choice with a seat, and nominates
// a student who accepts the offer of a freed seat. pick runs in the
// move's transaction, before the claim: it takes the round's own locks,
// names the rank to nominate and records the round's side, so that the
// nomination and the round's record commit or roll back together. The
// move is otherwise the office's nomination: the seat and the quota are
// checked again, the review event written and the student mailed.
func (s *Service) NominateForRound(ctx context.Context, id int64, version int, pick func(tx *gorm.DB, a *Application, cs []Choice) (int, error)) (*Application, error) {
	var rank int
	c := nominateTo(func(*Application, []Choice) (int, error) { return rank, nil })
	check := c.Check
	c.Check = func(tx *gorm.DB, a *Application, cs []Choice) error {
		var err error
		if rank, err = pick(tx, a, cs); err != nil {
			return err
		}
		return check(tx, a, cs)
	}
	// Serialised per student, like accepting an offer: the round's
	// overlap check reads the student's other placements.
	c.Action, c.Version, c.System, c.Exclusive = Nominate, version, true, true
	return s.act(ctx, nil, id, c)
}
