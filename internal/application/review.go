package application

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/user"
)

// ReviewInput is what a reviewer or the office sends with an action:
// the version they saw, and a comment, internal (never shown to the
// applicant) or not.
type ReviewInput struct {
	Version  int
	Comment  string
	Internal bool
	// TakeOver says the decider knows someone else holds the application
	// (claim.go) and decides all the same; without it such a decision is
	// refused with the holder's name.
	TakeOver bool
}

// HostDecisionInput records a host's answer for one choice: the one
// nominated, named by its rank so that a form for another choice cannot
// record it on the wrong one.
type HostDecisionInput struct {
	Version  int
	Rank     int
	Decision string // HostDecisionAccepted, HostDecisionRejected or HostDecisionWaitlisted
	Comment  string
	Internal bool
	TakeOver bool // as in ReviewInput
}

// checkComment refuses a comment that is too long, or missing when the
// action needs one (a return's message, a rejection's reason).
func checkComment(comment string, required bool) error {
	f := apperr.Fields{}
	f.Text("comment", comment, required, MaxComment)
	return f.Err()
}

// review runs a reviewer's or the office's transition with its comment.
func (s *Service) review(ctx context.Context, u *user.User, id int64, action Action, in ReviewInput, required bool, c change) (*Application, error) {
	if err := checkComment(in.Comment, required); err != nil {
		return nil, err
	}
	c.Action, c.Version, c.Comment, c.Internal = action, in.Version, in.Comment, in.Internal
	check := c.Check
	// Someone else's claim is the decider's to take over knowingly
	// (claim.go), checked in the transaction of the move.
	c.Check = func(tx *gorm.DB, a *Application, cs []Choice) error {
		if err := s.checkHolder(tx, u, a, in.TakeOver, s.clock()); err != nil {
			return err
		}
		if check != nil {
			return check(tx, a, cs)
		}
		return nil
	}
	return s.act(ctx, u, id, c)
}

// StartReview: a department reviewer in scope picks up a submitted
// application. A claimed one stays claimed under review, by the starter:
// the holder keeps what they took it for, and one who took it over (the
// claim's check, in review) holds it now.
func (s *Service) StartReview(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	held := false
	return s.review(ctx, u, id, StartReview, in, false, change{
		Check: func(tx *gorm.DB, a *Application, _ []Choice) error {
			h, err := holderOf(tx, a)
			held = h != nil
			return err
		},
		After: func(tx *gorm.DB, a *Application, _ []Choice, now time.Time) error {
			if !held {
				return nil
			}
			return keepClaim(tx, u, a.ID, DepartmentReview, now)
		},
	})
}

// Approve: a department reviewer in scope passes the application to the
// office.
func (s *Service) Approve(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	return s.review(ctx, u, id, Approve, in, false, change{
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"approved_at": now}
		},
	})
}

// ReturnForChanges sends the application back to its applicant with a
// message saying what to change. The message is always shown to them.
func (s *Service) ReturnForChanges(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	in.Internal = false
	return s.review(ctx, u, id, Return, in, true, change{})
}

// Reject ends the application with a reason shown to the applicant.
func (s *Service) Reject(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	in.Internal = false
	return s.review(ctx, u, id, Reject, in, true, change{
		Set: closedNow,
	})
}

func closedNow(_ *Application, _ []Choice, now time.Time) map[string]any {
	return map[string]any{"closed_at": now}
}

// Nominate: the office sends the application to the host of its first
// choice, or, after a host rejected it, of the next ranked choice. The
// nomination holds a place in the yearly outgoing quota of the elective's
// agreement (the academic year of the period's start) and is refused when
// the quota is used up; nominations to one agreement take turns on its row,
// so that concurrent ones never exceed it.
func (s *Service) Nominate(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	return s.review(ctx, u, id, Nominate, in, false, nominateTo(func(a *Application, cs []Choice) (int, error) {
		if a.Status != HostRejected {
			return a.CurrentChoice, nil
		}
		if next := nextChoice(a, cs); next != 0 {
			return next, nil
		}
		return 0, apperr.New(apperr.Invalid, "application.err.no_next_choice")
	}))
}

// nominateTo is the nomination's move to the choice pick names, whoever
// nominates: the office (Nominate) or a published selection round
// (round.go).
func nominateTo(pick func(a *Application, cs []Choice) (int, error)) change {
	target := 0
	return change{
		Check: func(tx *gorm.DB, a *Application, cs []Choice) error {
			var err error
			if target, err = pick(a, cs); err != nil {
				return err
			}
			c := rankOf(cs, target)
			if c == nil {
				return apperr.New(apperr.Invalid, "application.err.no_choice")
			}
			e, p, err := choiceRows(tx, c)
			if err != nil {
				return err
			}
			switch {
			case e.RetiredAt != nil || p.RetiredAt != nil:
				return apperr.New(apperr.Conflict, "application.err.retired")
			case p.Taken >= p.Capacity:
				return apperr.New(apperr.Conflict, "application.err.period_full")
			}
			return nil
		},
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"current_choice": target, "nominated_at": now, "offer_expires_at": nil}
		},
		After: func(tx *gorm.DB, _ *Application, cs []Choice, now time.Time) error {
			c := rankOf(cs, target)
			e, p, err := choiceRows(tx, c)
			if err != nil {
				return err
			}
			set := map[string]any{"nominated_at": now, "host_decision": "", "decided_at": nil}
			if e.AgreementID != nil {
				year, err := holdQuota(tx, *e.AgreementID, p.StartsOn)
				if err != nil {
					return err
				}
				set["quota_agreement_id"], set["quota_year"] = *e.AgreementID, year
			}
			return tx.Model(&Choice{}).Where("application_id = ? AND rank = ?", c.ApplicationID, c.Rank).Updates(set).Error
		},
	}
}

// holdQuota checks, under the agreement's row lock, that one more
// nomination fits its yearly outgoing quota, and returns the academic year.
func holdQuota(tx *gorm.DB, agreementID int64, startsOn time.Time) (int, error) {
	var ag catalog.Agreement
	if err := tx.Clauses(lockRow()).Take(&ag, agreementID).Error; err != nil {
		return 0, err
	}
	year := catalog.AcademicYear(startsOn)
	var used int64
	if err := tx.Model(&Choice{}).Where("quota_agreement_id = ? AND quota_year = ?", agreementID, year).Count(&used).Error; err != nil {
		return 0, err
	}
	if int(used) >= ag.QuotaOut {
		return 0, apperr.New(apperr.Conflict, "application.err.quota_exceeded", year, year+1, used, ag.QuotaOut)
	}
	return year, nil
}

func rankOf(cs []Choice, rank int) *Choice {
	for i := range cs {
		if cs[i].Rank == rank {
			return &cs[i]
		}
	}
	return nil
}

func choiceRows(tx *gorm.DB, c *Choice) (catalog.Elective, catalog.Period, error) {
	var e catalog.Elective
	var p catalog.Period
	if err := tx.Take(&e, c.ElectiveID).Error; err != nil {
		return e, p, err
	}
	err := tx.Take(&p, c.PeriodID).Error
	return e, p, err
}

// RecordHostDecision records the host's answer on the nominated choice:
// accepted reserves a seat in its period (refused when the period is
// full) and starts the offer's clock; rejected gives the quota place back;
// waitlisted waits for a seat.
func (s *Service) RecordHostDecision(ctx context.Context, u *user.User, id int64, in HostDecisionInput) (*Application, error) {
	action, c, err := s.hostDecision(in)
	if err != nil {
		return nil, err
	}
	return s.review(ctx, u, id, action, ReviewInput{Version: in.Version, Comment: in.Comment, Internal: in.Internal, TakeOver: in.TakeOver}, false, c)
}

// hostDecision is the move of a host's answer, whoever records it: the
// office (RecordHostDecision) or the host itself (AnswerAsHost).
func (s *Service) hostDecision(in HostDecisionInput) (Action, change, error) {
	action, ok := map[string]Action{
		HostDecisionAccepted: HostAccept, HostDecisionRejected: HostReject, HostDecisionWaitlisted: HostWaitlist,
	}[in.Decision]
	if !ok {
		f := apperr.Fields{}
		f.Add("decision", "form.not_a_choice")
		return "", change{}, f.Err()
	}
	c := change{
		Check: func(_ *gorm.DB, a *Application, _ []Choice) error {
			if in.Rank != a.CurrentChoice {
				return apperr.New(apperr.Invalid, "application.err.wrong_choice", a.CurrentChoice)
			}
			return nil
		},
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			set := map[string]any{"decided_at": now}
			if action == HostAccept {
				set["offer_expires_at"] = s.offerDeadline(now)
			}
			return set
		},
		After: func(tx *gorm.DB, a *Application, cs []Choice, now time.Time) error {
			c := current(a, cs)
			switch action {
			case HostAccept:
				return reserveSeat(tx, c, now)
			case HostReject:
				if err := releaseQuota(tx, a.ID); err != nil {
					return err
				}
			}
			return tx.Model(&Choice{}).Where("application_id = ? AND rank = ?", c.ApplicationID, c.Rank).
				Updates(map[string]any{"host_decision": in.Decision, "decided_at": now}).Error
		},
	}
	return action, c, nil
}

// PromoteFromWaitlist turns a waitlisted choice into an offer when its
// period has a seat again; refused while it is full.
func (s *Service) PromoteFromWaitlist(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Application, error) {
	return s.review(ctx, u, id, Promote, in, false, change{
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"decided_at": now, "offer_expires_at": s.offerDeadline(now)}
		},
		After: func(tx *gorm.DB, a *Application, cs []Choice, now time.Time) error {
			return reserveSeat(tx, current(a, cs), now)
		},
	})
}

// reserveSeat takes one seat of c's period for c, in one conditional
// update: of any number of concurrent acceptances, only as many as there
// are seats succeed.
func reserveSeat(tx *gorm.DB, c *Choice, now time.Time) error {
	res := tx.Exec("UPDATE periods SET taken = taken + 1 WHERE id = ? AND taken < capacity AND retired_at IS NULL", c.PeriodID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		var p catalog.Period
		if err := tx.Take(&p, c.PeriodID).Error; err != nil {
			return err
		}
		if p.RetiredAt != nil {
			return apperr.New(apperr.Conflict, "application.err.retired")
		}
		return apperr.New(apperr.Conflict, "application.err.period_full")
	}
	return tx.Model(&Choice{}).Where("application_id = ? AND rank = ?", c.ApplicationID, c.Rank).
		Updates(map[string]any{"host_decision": HostDecisionAccepted, "decided_at": now, "seat_reserved": true}).Error
}

// releaseSeats gives back the seat an application holds, if any.
func releaseSeats(tx *gorm.DB, cs []Choice) error {
	for _, c := range cs {
		if !c.SeatReserved {
			continue
		}
		if err := tx.Exec("UPDATE periods SET taken = taken - 1 WHERE id = ? AND taken > 0", c.PeriodID).Error; err != nil {
			return err
		}
		if err := tx.Model(&Choice{}).Where("application_id = ? AND rank = ?", c.ApplicationID, c.Rank).
			Update("seat_reserved", false).Error; err != nil {
			return err
		}
	}
	return nil
}

// releaseQuota gives back the quota place a nomination holds.
func releaseQuota(tx *gorm.DB, id int64) error {
	return tx.Model(&Choice{}).Where("application_id = ? AND quota_agreement_id IS NOT NULL", id).
		Updates(map[string]any{"quota_agreement_id": nil, "quota_year": nil}).Error
}

// NoteInput is a comment on an application outside any transition.
type NoteInput struct {
	Comment  string
	Internal bool // reviewers' and the office's only; never shown to the applicant
}

// AddNote adds a message or an internal note to the history of an
// application that is out of draft, by its applicant (never internal), a
// reviewer in scope or the office. It changes no stage and no version, so
// it never makes anyone's action stale. A message to the applicant is
// announced through the outbox.
func (s *Service) AddNote(ctx context.Context, u *user.User, id int64, in NoteInput) (*Event, error) {
	if err := checkComment(in.Comment, true); err != nil {
		return nil, err
	}
	var e Event
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		parties, err := partiesOf(tx, u, &a)
		if err != nil {
			return err
		}
		if u == nil || len(parties) == 0 {
			return errNotFound
		}
		if a.Status == Draft {
			return errNotNow
		}
		by := parties[len(parties)-1] // the office over a reviewer, for the record
		if by == Applicant {
			in.Internal = false
		}
		e = Event{ApplicationID: id, ActorID: &u.ID, Role: by, FromStage: a.Status, ToStage: a.Status, Action: Note,
			Comment: in.Comment, Internal: in.Internal, At: s.clock()}
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		if s.outbox == nil || in.Internal || by == Applicant {
			return nil
		}
		data := map[string]any{
			"application_id": id, "action": string(Note), "from": string(a.Status), "to": string(a.Status),
			"turn": string(Turn(a.Status)), "specialty": a.Specialty, "by": string(by), DataComment: in.Comment,
		}
		n, err := lookupNames(tx, &a)
		if err != nil {
			return err
		}
		n.fill(&a, data, s.zone)
		return s.outbox.Enqueue(tx, "application.note", a.ApplicantID, data, Link(id))
	})
	if err != nil {
		return nil, wrap(err, "add note")
	}
	return &e, nil
}
