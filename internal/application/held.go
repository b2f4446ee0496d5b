package application

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Held is one of a student's applications, not ended, that chooses a
// period of an elective: what the elective's page shows them before it
// offers to start another.
type Held struct {
	ApplicationID    int64
	Status           Stage
	Rank             int
	PeriodID         int64
	StartsOn, EndsOn time.Time
	// Placement: the application is confirmed and its seat is this period.
	Placement bool
}

// Holding is what a student already has for one elective: their live
// applications choosing it, and which of its periods overlap a placement
// they hold elsewhere (period id -> that placement's period).
type Holding struct {
	Mine     []Held
	Overlaps map[int64]catalog.Period
}

// Placement is the confirmed placement the student holds in the elective,
// if any.
func (h *Holding) Placement() *Held {
	for i := range h.Mine {
		if h.Mine[i].Placement {
			return &h.Mine[i]
		}
	}
	return nil
}

// For is the live application already choosing period, if any.
func (h *Holding) For(period int64) *Held {
	for i := range h.Mine {
		if h.Mine[i].PeriodID == period {
			return &h.Mine[i]
		}
	}
	return nil
}

// HeldFor answers, for student u and an elective with periods, what they
// already have there. Someone who is not a student holds nothing.
func (s *Service) HeldFor(ctx context.Context, u *user.User, electiveID int64, periods []catalog.Period) (*Holding, error) {
	return heldFor(s.db.WithContext(ctx), u, electiveID, periods)
}

// heldFor is HeldFor read in tx: Start reads it in the transaction that
// creates the draft, after locking the person.
func heldFor(tx *gorm.DB, u *user.User, electiveID int64, periods []catalog.Period) (*Holding, error) {
	h := &Holding{Overlaps: map[int64]catalog.Period{}}
	if u == nil || !u.Has(PartyRoles[Applicant]...) {
		return h, nil
	}
	var rows []struct {
		ApplicationID    int64
		Status           Stage
		Rank             int
		PeriodID         int64
		StartsOn, EndsOn time.Time
		SeatReserved     bool
	}
	err := tx.Table("application_choices AS c").
		Select("c.application_id, a.status, c.rank, c.period_id, p.starts_on, p.ends_on, c.seat_reserved").
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Joins("JOIN periods AS p ON p.id = c.period_id").
		Where("a.applicant_id = ? AND c.elective_id = ? AND a.status NOT IN ?", u.ID, electiveID, ended()).
		Order("a.id, c.rank").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "held for elective")
	}
	for _, r := range rows {
		// A confirmed application counts only for the period of its seat.
		if r.Status == Confirmed && !r.SeatReserved {
			continue
		}
		h.Mine = append(h.Mine, Held{ApplicationID: r.ApplicationID, Status: r.Status, Rank: r.Rank, PeriodID: r.PeriodID,
			StartsOn: r.StartsOn, EndsOn: r.EndsOn, Placement: r.Status == Confirmed})
	}
	held, err := confirmedPeriods(tx, u.ID, 0)
	if err != nil {
		return nil, wrap(err, "placements held")
	}
	for _, p := range periods {
		for _, c := range held {
			if c.ID != p.ID && overlaps(p, c) {
				h.Overlaps[p.ID] = c
			}
		}
	}
	return h, nil
}

// ended are the stages after which an application holds nothing.
func ended() []Stage {
	var out []Stage
	for _, st := range Stages {
		if Final(st) {
			out = append(out, st)
		}
	}
	return out
}

// Start starts a draft from an elective's page, as CreateDraft does, but
// refuses a period the student already has a live application for (they
// are sent to it) and one overlapping a placement they hold. The same key
// again still answers with the draft it started.
//
// The check and the draft are one transaction serialised per student
// (workflow.LockPerson): two starts of one period from two tabs, or a
// retry racing the first try with a new key, would otherwise both see no
// application and make two drafts.
func (s *Service) Start(ctx context.Context, u *user.User, in StartInput) (*Application, error) {
	return s.createDraft(ctx, u, in, func(tx *gorm.DB) (*Application, error) {
		if a, err := workflow.FindCreated[Application](tx, u.ID, in.Key); err != nil || a != nil {
			return a, err // the twin with this key won the lock: its draft
		}
		var p catalog.Period
		if err := tx.Where("id = ? AND elective_id = ?", in.PeriodID, in.ElectiveID).Limit(1).Find(&p).Error; err != nil || p.ID == 0 {
			return nil, err // no such period: the choice's check says so
		}
		h, err := heldFor(tx, u, in.ElectiveID, []catalog.Period{p})
		if err != nil {
			return nil, err
		}
		if mine := h.For(p.ID); mine != nil {
			return nil, apperr.New(apperr.Conflict, "home.start.err.same_period", mine.ApplicationID)
		}
		if c, ok := h.Overlaps[p.ID]; ok {
			return nil, apperr.New(apperr.Invalid, "application.err.overlap", c.StartsOn.Format(time.DateOnly), c.EndsOn.Format(time.DateOnly))
		}
		return nil, nil
	})
}
