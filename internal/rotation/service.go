package rotation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/user"
)

// Options tune a Service; the zero value is the production default.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
}

// Service runs the calendar and the workflow. Each method owns its
// transaction.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the rotations of d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Today is the service's calendar day.
func (s *Service) Today() time.Time { return Day(s.clock()) }

var (
	errNotFound = apperr.New(apperr.NotFound, "error.not_found")
	errChanged  = apperr.New(apperr.Conflict, "rotation.err.changed")
	errFull     = apperr.New(apperr.Conflict, "rotation.err.full")
)

// wrap passes coded errors through, turns a missing row into NotFound and
// codes anything else as internal.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errNotFound
	}
	return apperr.Internalf("%s: %w", what, err)
}

// Link is the page of a request.
func Link(id int64) string { return fmt.Sprintf("/rotations/%d", id) }

func load(tx *gorm.DB, id int64) (*Request, []Choice, error) {
	var r Request
	if err := tx.Take(&r, id).Error; err != nil {
		return nil, nil, err
	}
	var cs []Choice
	if err := tx.Where("request_id = ?", id).Order("rank").Find(&cs).Error; err != nil {
		return nil, nil, err
	}
	return &r, cs, nil
}

// partiesOf says who u is to r: its applicant and nothing else when it is
// theirs; otherwise, once it is submitted, a coordinator of one of the
// departments it asks for, and the office. No party means the request does
// not exist for u.
func partiesOf(tx *gorm.DB, u *user.User, r *Request, cs []Choice) ([]Party, error) {
	if u == nil {
		return nil, nil
	}
	if u.ID == r.ApplicantID {
		return []Party{Applicant}, nil
	}
	if r.Status == Draft {
		return nil, nil
	}
	var out []Party
	if u.Has(PartyRoles[Coordinator]...) && len(cs) > 0 {
		deps := make([]int64, len(cs))
		for i, c := range cs {
			deps[i] = c.DepartmentID
		}
		var n int64
		if err := tx.Model(&coordinatorRow{}).Where("user_id = ? AND department_id IN ?", u.ID, deps).Count(&n).Error; err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, Coordinator)
		}
	}
	if u.Has(PartyRoles[Office]...) {
		out = append(out, Office)
	}
	return out, nil
}

// change is one transition as a named operation describes it.
type change struct {
	action Action
	// actionFor picks the action from the stage (submit or resubmit).
	actionFor func(r *Request) Action
	// replay recognises a retried request that already took effect.
	replay  func(r *Request) bool
	version int
	comment string
	choice  int // the choice an event is about
	// check refuses the move before anything is written.
	check func(tx *gorm.DB, r *Request, cs []Choice) error
	// set adds columns to the status update.
	set func(r *Request, now time.Time) map[string]any
	// after makes the move's other changes once the row is claimed; an
	// error rolls everything back.
	after func(tx *gorm.DB, r *Request, cs []Choice, now time.Time) error
}

// act runs one transition in one transaction: load, decide who u is,
// refuse a stale version, ask the table, run the move's check, claim the
// row with UPDATE ... WHERE id = ? AND version = ?, make the other
// changes and write the event.
func (s *Service) act(ctx context.Context, u *user.User, id int64, c change) (*Request, error) {
	var out *Request
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, cs, err := load(tx, id)
		if err != nil {
			return err
		}
		parties, err := partiesOf(tx, u, r, cs)
		if err != nil {
			return err
		}
		if len(parties) == 0 {
			return errNotFound
		}
		if c.replay != nil && c.replay(r) {
			out = r
			return nil
		}
		if r.Version != c.version {
			return errChanged
		}
		if c.actionFor != nil {
			c.action = c.actionFor(r)
		}
		by, to, err := allowedFor(r.Status, c.action, parties)
		if err != nil {
			return err
		}
		if c.check != nil {
			if err := c.check(tx, r, cs); err != nil {
				return err
			}
		}
		now := s.clock()
		set := map[string]any{"status": to, "version": gorm.Expr("version + 1"), "stage_since": now, "updated_at": now}
		if c.set != nil {
			for k, v := range c.set(r, now) {
				set[k] = v
			}
		}
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Take(r, r.ID).Error; err != nil {
				return err
			}
			if c.replay != nil && c.replay(r) {
				out = r
				return nil
			}
			return errChanged
		}
		from := r.Status
		if c.after != nil {
			if err := c.after(tx, r, cs, now); err != nil {
				return err
			}
		}
		if err := tx.Take(r, r.ID).Error; err != nil {
			return err
		}
		e := Event{RequestID: r.ID, Role: by, FromStage: from, ToStage: r.Status, Action: c.action, Choice: c.choice, Comment: c.comment, At: now}
		if u != nil {
			e.ActorID = &u.ID
		}
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, wrap(err, "rotation "+string(c.action))
	}
	return out, nil
}

// allowedFor tries each party u is to the request and returns the first
// the table lets take action; otherwise the most telling refusal.
func allowedFor(stage Stage, action Action, parties []Party) (Party, Stage, error) {
	var refusal error
	for _, p := range parties {
		to, err := Allowed(stage, action, p)
		if err == nil {
			return p, to, nil
		}
		if refusal == nil || errors.Is(err, errNotYours) {
			refusal = err
		}
	}
	return "", "", refusal
}

func choiceOf(cs []Choice, rank int) *Choice {
	for i := range cs {
		if cs[i].Rank == rank {
			return &cs[i]
		}
	}
	return nil
}

// isCoordinatorOf reports whether u looks after department dep.
func isCoordinatorOf(tx *gorm.DB, u *user.User, dep int64) (bool, error) {
	if u == nil || !u.Has(PartyRoles[Coordinator]...) {
		return false, nil
	}
	var n int64
	err := tx.Model(&coordinatorRow{}).Where("user_id = ? AND department_id = ?", u.ID, dep).Count(&n).Error
	return n > 0, err
}

// canManage reports whether u may edit department dep's calendar: its
// coordinators and the office.
func canManage(tx *gorm.DB, u *user.User, dep int64) (bool, error) {
	if u == nil {
		return false, nil
	}
	if u.Has(PartyRoles[Office]...) {
		return true, nil
	}
	return isCoordinatorOf(tx, u, dep)
}
