package application

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/user"
)

// Claims: who has taken an application that waits for a reviewer or the
// office, so that two people do not read the same file at once. A claim
// is one row of application_claims per application (migration 16); the
// primary key and the conditional writes below are what make it one
// holder at a time, whoever races. A claim is tagged with the stage it
// was taken at and holds only while the application stands there: the
// database ends it the moment the status moves (a trigger), so no path
// (the workflow, a bulk action, the expiry) can leave a stale holder.

// Audit actions of claims.
const (
	ClaimTaken    = "application.claim_taken"
	ClaimReleased = "application.claim_released"
	ClaimAssigned = "application.claim_assigned"
	ClaimTakeOver = "application.claim_taken_over" // a decision on an application someone else held
)

// claimRow is one claim as stored.
type claimRow struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID        int64
	Stage         Stage
	ClaimedAt     time.Time
	AssignedBy    *int64
}

func (claimRow) TableName() string { return "application_claims" }

// Holder is who holds an application now.
type Holder struct {
	UserID     int64
	Name       string
	Since      time.Time
	AssignedBy string // who assigned it to them; "" when they took it themselves
}

// Assignee is someone an application can be assigned to: a person whose
// turn its stage is (a reviewer in scope, or the office).
type Assignee struct {
	ID   int64
	Name string
}

// ClaimState is what a reader of an application sees of its claim and
// may do about it; computed here, never in templates.
type ClaimState struct {
	// Open says the application waits at a reviewer's or the office's
	// stage, so that it can be claimed at all.
	Open       bool
	Holder     *Holder // nil: nobody holds it
	Mine       bool    // the reader holds it
	CanClaim   bool
	CanRelease bool
	CanAssign  bool
	Assignees  []Assignee // when CanAssign: whom to, the holder left out
}

// ClaimInput is the state of the claim the reader saw, so that a claim
// that moved meanwhile is refused rather than overwritten.
type ClaimInput struct {
	Holder int64 // the holder's user id as shown; 0 when nobody
}

// ClaimOf is the claim of application id as u sees it; not found when u
// may not see the application.
func (s *Service) ClaimOf(ctx context.Context, u *user.User, id int64) (*ClaimState, error) {
	var st ClaimState
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, parties, err := claimCase(tx, u, id)
		if err != nil {
			return err
		}
		h, err := holderOf(tx, a)
		if err != nil {
			return err
		}
		st = ClaimState{Open: ReviewersTurn(a.Status), Holder: h}
		if !st.Open || slices.Equal(parties, []Party{Applicant}) {
			st = ClaimState{} // nothing to claim, or the applicant's own: not theirs to know
			return nil
		}
		turn := slices.Contains(parties, Turn(a.Status))
		office := slices.Contains(parties, Office)
		st.Mine = h != nil && h.UserID == u.ID
		st.CanClaim = turn && h == nil
		st.CanRelease = h != nil && (st.Mine || office)
		st.CanAssign = office || (turn && (h == nil || st.Mine))
		if st.CanAssign {
			all, err := assignees(tx, a)
			if err != nil {
				return err
			}
			for _, p := range all {
				if h == nil || p.ID != h.UserID {
					st.Assignees = append(st.Assignees, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "claim of application")
	}
	return &st, nil
}

// Claim lets u take application id: only a person whose turn its stage
// is, only while nobody holds it. Taking one already theirs changes
// nothing (a double click); one someone else took first is refused with
// their name.
func (s *Service) Claim(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, parties, err := claimCase(tx, u, id)
		if err != nil {
			return err
		}
		if !ReviewersTurn(a.Status) || !slices.Contains(parties, Turn(a.Status)) {
			return apperr.New(apperr.Invalid, "claim.err.not_your_turn")
		}
		won, err := takeFree(tx, a, u.ID, nil, now)
		if err != nil {
			return err
		}
		if !won {
			if mine, err := holds(tx, u, a); err != nil || mine {
				return err // theirs already: a double click changes nothing
			}
			return s.heldError(tx, a, u.ID)
		}
		return audit.Write(tx, audit.New(now, &u.ID, ClaimTaken, m, map[string]any{"stage": string(a.Status)}).On("application", id))
	}), "claim application")
}

// Release gives application id back: by its holder, or by the office for
// anyone. Releasing what nobody holds any more changes nothing.
func (s *Service) Release(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, parties, err := claimCase(tx, u, id)
		if err != nil {
			return err
		}
		h, err := holderOf(tx, a)
		if err != nil || h == nil {
			return err
		}
		if h.UserID != u.ID && !slices.Contains(parties, Office) {
			return apperr.New(apperr.Forbidden, "claim.err.not_holder", h.Name)
		}
		res := tx.Where("application_id = ? AND user_id = ?", id, h.UserID).Delete(&claimRow{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // gone meanwhile: released all the same
		}
		return audit.Write(tx, audit.New(now, &u.ID, ClaimReleased, m,
			map[string]any{"stage": string(a.Status), "holder": h.UserID}).On("application", id))
	}), "release application")
}

// Assign gives application id to the person to: the office may assign
// any application waiting at a reviewer's or its own stage; a person
// whose turn it is may hand over one nobody holds or they hold. The
// assignee must be someone whose turn the stage is. in is the holder the
// assigner saw: if it changed meanwhile, nothing is assigned.
func (s *Service) Assign(ctx context.Context, u *user.User, id, to int64, in ClaimInput, m audit.Meta) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, parties, err := claimCase(tx, u, id)
		if err != nil {
			return err
		}
		if !ReviewersTurn(a.Status) {
			return apperr.New(apperr.Invalid, "claim.err.not_your_turn")
		}
		h, err := holderOf(tx, a)
		if err != nil {
			return err
		}
		turn, office := slices.Contains(parties, Turn(a.Status)), slices.Contains(parties, Office)
		switch {
		case office:
		case turn && (h == nil || h.UserID == u.ID):
		case turn:
			return apperr.New(apperr.Forbidden, "claim.err.not_holder", h.Name)
		default:
			return apperr.New(apperr.Invalid, "claim.err.not_your_turn")
		}
		ok, err := canHold(tx, a, to)
		if err != nil {
			return err
		}
		if !ok {
			f := apperr.Fields{}
			f.Add("assignee", "claim.err.assignee")
			return f.Err()
		}
		seen := int64(0)
		if h != nil {
			seen = h.UserID
		}
		if seen != in.Holder {
			return s.heldError(tx, a, u.ID)
		}
		if h != nil && h.UserID == to {
			return nil // already theirs
		}
		var won bool
		if h == nil {
			won, err = takeFree(tx, a, to, &u.ID, now)
		} else {
			// Conditional on the holder seen: of two assigning at once,
			// the second finds the holder changed.
			res := tx.Model(&claimRow{}).Where("application_id = ? AND user_id = ? AND stage = ?", id, h.UserID, a.Status).
				Updates(map[string]any{"user_id": to, "claimed_at": now, "assigned_by": u.ID})
			won, err = res.RowsAffected == 1, res.Error
		}
		if err != nil {
			return err
		}
		if !won {
			return s.heldError(tx, a, u.ID)
		}
		return audit.Write(tx, audit.New(now, &u.ID, ClaimAssigned, m,
			map[string]any{"stage": string(a.Status), "to": to, "from": seen}).On("application", id))
	}), "assign application")
}

// takeFree makes who the holder of a at its stage if nobody holds it,
// in one conditional write: an insert, or the update of a claim left from
// a stage the application has since left. Of any number of concurrent
// takers exactly one gets true.
func takeFree(tx *gorm.DB, a *Application, who int64, by *int64, now time.Time) (bool, error) {
	res := tx.Exec("INSERT INTO application_claims (application_id, user_id, stage, claimed_at, assigned_by) VALUES (?, ?, ?, ?, ?)"+
		" ON CONFLICT (application_id) DO UPDATE SET user_id = excluded.user_id, stage = excluded.stage,"+
		" claimed_at = excluded.claimed_at, assigned_by = excluded.assigned_by WHERE application_claims.stage <> excluded.stage",
		a.ID, who, a.Status, now, by)
	return res.RowsAffected == 1, res.Error
}

// heldError is the refusal of a claim that someone holds (or that moved
// since it was shown): their name and since when.
func (s *Service) heldError(tx *gorm.DB, a *Application, reader int64) error {
	h, err := holderOf(tx, a)
	switch {
	case err != nil:
		return err
	case h == nil:
		return apperr.New(apperr.Conflict, "claim.err.moved")
	case h.UserID == reader:
		return apperr.New(apperr.Conflict, "claim.err.yours_now")
	}
	return apperr.New(apperr.Conflict, "claim.err.held", h.Name, s.zone.Time(h.Since))
}

// claimCase loads application id and who u is to it; none is not found,
// as everywhere else.
func claimCase(tx *gorm.DB, u *user.User, id int64) (*Application, []Party, error) {
	if u == nil {
		return nil, nil, errNotFound
	}
	var a Application
	if err := tx.Take(&a, id).Error; err != nil {
		return nil, nil, err
	}
	parties, err := partiesOf(tx, u, &a)
	if err != nil {
		return nil, nil, err
	}
	if len(parties) == 0 {
		return nil, nil, errNotFound
	}
	return &a, parties, nil
}

// holderOf is who holds a at its current stage, nil when nobody.
func holderOf(tx *gorm.DB, a *Application) (*Holder, error) {
	var row struct {
		UserID    int64
		Name      string
		ClaimedAt time.Time
		ByName    *string
	}
	err := tx.Raw("SELECT c.user_id, u.name, c.claimed_at, b.name AS by_name FROM application_claims AS c"+
		" JOIN users AS u ON u.id = c.user_id LEFT JOIN users AS b ON b.id = c.assigned_by"+
		" WHERE c.application_id = ? AND c.stage = ?", a.ID, a.Status).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h := &Holder{UserID: row.UserID, Name: row.Name, Since: row.ClaimedAt.UTC()}
	if row.ByName != nil && row.UserID != 0 {
		h.AssignedBy = *row.ByName
	}
	return h, nil
}

// canHold says whether user id may hold a: someone whose turn its stage
// is, never its applicant.
func canHold(tx *gorm.DB, a *Application, id int64) (bool, error) {
	all, err := assignees(tx, a)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(all, func(p Assignee) bool { return p.ID == id }), nil
}

// assignees are the people whose turn a's stage is, by name: department
// reviewers with its specialty in scope, or the office and admins. A role
// is a person's from their sign-in claims or granted (user_roles).
func assignees(tx *gorm.DB, a *Application) ([]Assignee, error) {
	var roles []user.Role
	q := tx.Table("users AS u").Select("u.id, u.name").Where("u.id <> ?", a.ApplicantID)
	switch Turn(a.Status) {
	case Reviewer:
		roles = PartyRoles[Reviewer]
		q = q.Where("EXISTS (SELECT 1 FROM reviewer_scopes AS rs WHERE rs.user_id = u.id AND rs.specialty = ?)", a.Specialty)
	case Office:
		roles = PartyRoles[Office]
	default:
		return nil, nil
	}
	names := make([]string, len(roles))
	likes := make([]any, 0, len(roles))
	cond := "EXISTS (SELECT 1 FROM user_roles AS ur WHERE ur.user_id = u.id AND ur.role IN ?)"
	for i, r := range roles {
		names[i] = string(r)
		cond += " OR ',' || u.claim_roles || ',' LIKE ?"
		likes = append(likes, "%,"+string(r)+",%")
	}
	var out []Assignee
	err := q.Where(cond, append([]any{names}, likes...)...).Order("u.name, u.id").Scan(&out).Error
	return out, err
}

// checkHolder is a decision's check of the claim: deciding on an
// application someone else holds needs the decider to say they take it
// over (in.TakeOver), and is then audited; otherwise it is refused with
// the holder's name, and the page asks.
func (s *Service) checkHolder(tx *gorm.DB, u *user.User, a *Application, takeOver bool, now time.Time) error {
	h, err := holderOf(tx, a)
	if err != nil || h == nil || u == nil || h.UserID == u.ID {
		return err
	}
	if !takeOver {
		return apperr.New(apperr.Conflict, "claim.err.held_decide", h.Name, s.zone.Time(h.Since))
	}
	return audit.Write(tx, audit.New(now, &u.ID, ClaimTakeOver, audit.Meta{},
		map[string]any{"stage": string(a.Status), "from": h.UserID}).On("application", a.ID))
}

// holds says whether u holds a at its stage now.
func holds(tx *gorm.DB, u *user.User, a *Application) (bool, error) {
	h, err := holderOf(tx, a)
	return err == nil && h != nil && u != nil && h.UserID == u.ID, err
}

// keepClaim gives u the claim of application id at stage: whoever starts
// the review of a claimed submitted application holds it under review.
func keepClaim(tx *gorm.DB, u *user.User, id int64, stage Stage, now time.Time) error {
	return tx.Create(&claimRow{ApplicationID: id, UserID: u.ID, Stage: stage, ClaimedAt: now}).Error
}
