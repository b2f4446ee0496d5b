package rotation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Options tune a Service; the zero value is the production default but
// for Zone, which the portal sets from PORTAL_TIME_ZONE.
type Options struct {
	Now    func() time.Time // the clock; time.Now when nil
	Outbox workflow.Outbox  // where moves are announced (mail); none when nil
	// Zone is the portal's time zone, which messages show times in; UTC
	// when zero.
	Zone clock.Zone
}

// Service runs the calendar and the workflow. Each method owns its
// transaction.
type Service struct {
	db     *db.DB
	now    func() time.Time
	outbox workflow.Outbox
	zone   clock.Zone
	flow   workflow.Flow[*Request, Choice, Stage, Action, Party]
}

// NewService returns the rotations of d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, outbox: o.Outbox, zone: o.Zone}
	if s.now == nil {
		s.now = time.Now
	}
	s.flow = s.newFlow()
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Today is the service's calendar day in the portal's zone, like the
// catalog's: at 01:30 on a Monday in Taipei that Monday's week has begun.
func (s *Service) Today() time.Time { return s.zone.Day(s.clock()) }

var (
	errNotFound = workflow.ErrNotFound
	errFull     = apperr.New(apperr.Conflict, "rotation.err.full")
)

// wrap passes coded errors through, turns a missing row into NotFound and
// codes anything else as internal.
func wrap(err error, what string) error { return workflow.Wrap(err, what) }

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

// change is one transition as a named operation describes it: the
// shared kernel (workflow.Flow.Run) owns the steps, the operation only
// its hooks.
type change = workflow.Move[*Request, Choice, Stage, Action, Party]

// CaseID and the others let the kernel move a request.
func (r *Request) CaseID() int64     { return r.ID }
func (r *Request) CaseVersion() int  { return r.Version }
func (r *Request) CaseStage() Stage  { return r.Status }
func (r *Request) CasePerson() int64 { return r.ApplicantID }

// newFlow is the incoming workflow as the kernel runs it.
func (s *Service) newFlow() workflow.Flow[*Request, Choice, Stage, Action, Party] {
	return workflow.Flow[*Request, Choice, Stage, Action, Party]{
		Table: table, Rows: "rotation_requests", Editable: []Stage{Draft, Returned}, Now: s.clock,
		Load: load, Parties: partiesOf, Changed: s.changed, Record: s.record,
	}
}

// act runs one transition through the kernel: load, decide who u is,
// refuse a stale version, ask the table, run the move's check, claim the
// row, make the other changes and record the event, in one transaction.
func (s *Service) act(ctx context.Context, u *user.User, id int64, c change) (*Request, error) {
	r, err := s.flow.Run(ctx, s.db.DB, u, id, c)
	return r, wrap(err, "rotation "+string(c.Action))
}

// record writes the event of a move and announces it.
func (s *Service) record(tx *gorm.DB, r *Request, cs []Choice, st workflow.Step[Stage, Action, Party]) error {
	e := Event{RequestID: r.ID, Role: st.By, FromStage: st.From, ToStage: r.Status, Action: st.Action,
		Choice: st.Choice, Comment: st.Comment, At: st.At}
	if st.Actor != nil {
		e.ActorID = &st.Actor.ID
	}
	if err := tx.Create(&e).Error; err != nil {
		return err
	}
	return s.announce(tx, r, cs, st.Action, st.Comment)
}

// changed is the refusal of a stale version, naming who made the latest
// move and when (in the portal's zone, with its offset: the reader's
// language is not known here).
func (s *Service) changed(tx *gorm.DB, r *Request) error {
	_, actor, at, ok, err := workflow.LastMove(tx, "rotation_events", "request_id", r.ID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Conflict, "rotation.changed.saved", s.zone.Time(r.UpdatedAt))
	}
	return apperr.New(apperr.Conflict, "rotation.changed.by", actor, s.zone.Time(at))
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

// announce stores a move's announcement in its transaction, with the names
// its mails quote: the department of the accepted choice (and its dates),
// or else of the first, and the reviewer's words. Which moves mail whom is
// the wiring's business.
func (s *Service) announce(tx *gorm.DB, l *Request, cs []Choice, action Action, comment string) error {
	if s.outbox == nil {
		return nil
	}
	data := map[string]any{"ref": Ref(l.ID), "department": "", "comment": strings.TrimSpace(comment)}
	c := choiceOf(cs, 1)
	if l.AcceptedChoice > 0 {
		c = choiceOf(cs, l.AcceptedChoice)
	}
	if c != nil {
		var d catalog.Department
		if err := tx.Take(&d, c.DepartmentID).Error; err != nil {
			return err
		}
		data["department"] = departmentName(d)
		// notify shows a reader the name in their language of the moment
		data["department_en"], data["department_zh"] = d.NameEN, d.NameZH
		if l.AcceptedChoice > 0 {
			data["from"], data["until"] = Day(c.StartsOn).Format(time.DateOnly), c.EndsOn().Format(time.DateOnly)
		}
	}
	return s.outbox.Enqueue(tx, "rotation."+string(action), l.ApplicantID, data, Link(l.ID))
}

// confirmedClash is the applicant's confirmed rotation, other than except,
// whose weeks overlap choice c; nil when there is none.
func confirmedClash(tx *gorm.DB, applicant, except int64, c Choice) (*Choice, error) {
	var held []Choice
	err := tx.Table("rotation_choices AS c").Select("c.*").
		Joins("JOIN rotation_requests AS r ON r.id = c.request_id AND r.accepted_choice = c.rank").
		Where("r.applicant_id = ? AND r.id <> ? AND r.status = ?", applicant, except, Confirmed).Find(&held).Error
	if err != nil {
		return nil, err
	}
	for i, h := range held {
		if !Day(h.StartsOn).After(c.EndsOn()) && !Day(c.StartsOn).After(h.EndsOn()) {
			return &held[i], nil
		}
	}
	return nil, nil
}

// overlapErr refuses a rotation overlapping the confirmed one h.
func overlapErr(h *Choice) error {
	return apperr.New(apperr.Invalid, "rotation.err.overlap", Day(h.StartsOn).Format(time.DateOnly), h.EndsOn().Format(time.DateOnly))
}
