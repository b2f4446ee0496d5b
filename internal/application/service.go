package application

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Outbox stores a notification in the transaction of the change it is
// about, so that a committed change is always announced and a rolled-back
// one never is. The notifications package adapts its outbox to this; until
// then the Service runs with none. recipientUserID is the applicant; data
// carries the stage reached, whose turn it is and the specialty, from which
// the notifier finds the reviewers or the office to tell when it is theirs.
type Outbox = workflow.Outbox

// Options tune a Service; the zero value is the production default but
// for Zone, which the portal sets from PORTAL_TIME_ZONE.
type Options struct {
	Now       func() time.Time // the clock; time.Now when nil
	OfferDays int              // days a student has to answer an offer; DefaultOfferDays when zero
	Outbox    Outbox           // where transitions are announced; none when nil
	// Zone is the portal's time zone: an offer runs to the end of its
	// day, and messages show times in it. UTC when zero.
	Zone clock.Zone
}

// Service runs the workflow. Each method owns its transaction.
type Service struct {
	db        *db.DB
	now       func() time.Time
	offerDays int
	outbox    Outbox
	zone      clock.Zone
	flow      workflow.Flow[*Application, Choice, Stage, Action, Party]
}

// NewService returns the workflow on d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, offerDays: o.OfferDays, outbox: o.Outbox, zone: o.Zone}
	if s.now == nil {
		s.now = time.Now
	}
	if s.offerDays <= 0 {
		s.offerDays = DefaultOfferDays
	}
	s.flow = s.newFlow()
	return s
}

// OfferDays is how long a student has to answer an offer.
func (s *Service) OfferDays() int { return s.offerDays }

// offerDeadline is when an offer made at now expires: the end of the
// portal's calendar day OfferDays after today there, so that a student
// has every one of those days whole, whatever the hour of the offer.
func (s *Service) offerDeadline(now time.Time) time.Time { return s.zone.Deadline(now, s.offerDays) }

func (s *Service) clock() time.Time { return s.now().UTC() }

var errNotFound = workflow.ErrNotFound

// wrap passes coded errors through and codes anything else as internal.
func wrap(err error, what string) error { return workflow.Wrap(err, what) }

// lockRow locks the row read for the rest of the transaction on
// PostgreSQL; SQLite's immediate transactions already serialize writers.
func lockRow() clause.Expression { return clause.Locking{Strength: "UPDATE"} }

// load reads an application and its choices in rank order.
func load(tx *gorm.DB, id int64) (*Application, []Choice, error) {
	var a Application
	if err := tx.Take(&a, id).Error; err != nil {
		return nil, nil, err
	}
	var cs []Choice
	if err := tx.Where("application_id = ?", id).Order("rank").Find(&cs).Error; err != nil {
		return nil, nil, err
	}
	return &a, cs, nil
}

// partiesOf says who u is to a: its applicant, and nothing else, when it
// is theirs (nobody reviews their own application); otherwise a reviewer
// whose scope holds its specialty and the office, once it is submitted.
// No party at all (and so for a nil user, anonymous) means the
// application does not exist for u.
func partiesOf(tx *gorm.DB, u *user.User, a *Application) ([]Party, error) {
	if u == nil {
		return nil, nil
	}
	if u.ID == a.ApplicantID {
		return []Party{Applicant}, nil
	}
	if a.Status == Draft {
		return nil, nil
	}
	var out []Party
	if u.Has(PartyRoles[Reviewer]...) {
		ok, err := inScope(tx, u.ID, a.Specialty)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, Reviewer)
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
type change = workflow.Move[*Application, Choice, Stage, Action, Party]

// CaseID and the others let the kernel move an application.
func (a *Application) CaseID() int64     { return a.ID }
func (a *Application) CaseVersion() int  { return a.Version }
func (a *Application) CaseStage() Stage  { return a.Status }
func (a *Application) CasePerson() int64 { return a.ApplicantID }

// newFlow is the outgoing workflow as the kernel runs it.
func (s *Service) newFlow() workflow.Flow[*Application, Choice, Stage, Action, Party] {
	return workflow.Flow[*Application, Choice, Stage, Action, Party]{
		Table: table, Rows: "applications", System: System, Editable: []Stage{Draft, Returned}, Now: s.clock,
		Load: load,
		Parties: func(tx *gorm.DB, u *user.User, a *Application, _ []Choice) ([]Party, error) {
			return partiesOf(tx, u, a)
		},
		Changed: s.changed,
		Record:  s.record,
	}
}

// act runs one transition through the kernel, which loads the
// application, decides who u is to it, refuses a stale version with what
// changed, asks the table, runs the move's check, claims the row, makes
// the move's other changes and records the review event and its
// announcement, all in one transaction.
func (s *Service) act(ctx context.Context, u *user.User, id int64, c change) (*Application, error) {
	a, err := s.flow.Run(ctx, s.db.DB, u, id, c)
	return a, wrap(err, "application "+string(c.Action))
}

// hostActions are the moves about one choice, whose events name it.
var hostActions = []Action{Nominate, HostAccept, HostWaitlist, HostReject, Promote, AcceptOffer, DeclineOffer, Expire}

// record writes the review event of a transition, now at stage a.Status,
// and enqueues its notification with the names its mails quote (notify.go):
// an internal comment never goes into it.
func (s *Service) record(tx *gorm.DB, a *Application, _ []Choice, st workflow.Step[Stage, Action, Party]) error {
	e := Event{ApplicationID: a.ID, Role: st.By, FromStage: st.From, ToStage: a.Status, Action: st.Action,
		Comment: st.Comment, Internal: st.Internal, Via: st.Via, At: st.At}
	if slices.Contains(hostActions, st.Action) {
		e.Choice = a.CurrentChoice
	}
	if st.Actor != nil {
		e.ActorID = &st.Actor.ID
	}
	if err := tx.Create(&e).Error; err != nil {
		return err
	}
	if s.outbox == nil {
		return nil
	}
	data, err := announcement(tx, a, st, s.zone)
	if err != nil {
		return err
	}
	return s.outbox.Enqueue(tx, "application."+string(st.Action), a.ApplicantID, data, Link(a.ID))
}

// Link is the page of an application.
func Link(id int64) string { return fmt.Sprintf("/applications/%d", id) }

// changed is the refusal of a stale version: "this application changed",
// naming the latest transition, who made it and when (in the portal's
// zone, with its offset: the reader's language is not known here).
func (s *Service) changed(tx *gorm.DB, a *Application) error {
	action, actor, at, ok, err := workflow.LastMove(tx, "review_events", "application_id", a.ID, string(Note))
	switch {
	case err != nil:
		return err
	case !ok:
		// Only a draft has no event: its owner saved it from another tab.
		return apperr.New(apperr.Conflict, "application.changed.saved", s.zone.Time(a.UpdatedAt))
	case Action(action) == Expire:
		return apperr.New(apperr.Conflict, "application.changed.expire", s.zone.Time(at))
	case Action(action) == Nominate && actor == "":
		// A published selection round's own nomination (System).
		return apperr.New(apperr.Conflict, "application.changed.nominate_round", s.zone.Time(at))
	}
	return apperr.New(apperr.Conflict, "application.changed."+action, actor, s.zone.Time(at))
}

// ---- reading

// Detail is an application as one reader sees it: who they are to it, what
// they may do now, and the history they may read.
type Detail struct {
	Application
	Choices   []ChoiceDetail
	Parties   []Party    // who the reader is to it
	Actions   []Action   // what the reader may do now; computed here, never in templates
	Turn      Party      // whose move it waits for
	Events    []EventRow // oldest first; internal notes only for reviewers and the office
	Documents []int64    // ids of the attached document versions
}

// ChoiceDetail is a choice with what a page shows of it.
type ChoiceDetail struct {
	Choice
	ElectiveTitleEN, ElectiveTitleZH string
	Specialty                        string
	InstitutionNameEN                string
	InstitutionNameLocal             string
	AgreementID                      *int64
	StartsOn, EndsOn                 time.Time
	Capacity, Taken                  int
	ElectiveRetired, PeriodRetired   bool
}

// EventRow is an event with the name of its actor.
type EventRow struct {
	Event
	ActorName string
}

// Get returns application id as u sees it; NotFound when it is not theirs
// and not in their scope.
func (s *Service) Get(ctx context.Context, u *user.User, id int64) (*Detail, error) {
	var d Detail
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, _, err := load(tx, id)
		if err != nil {
			return err
		}
		parties, err := partiesOf(tx, u, a)
		if err != nil {
			return err
		}
		if u == nil || len(parties) == 0 {
			return errNotFound
		}
		d.Application, d.Parties, d.Turn = *a, parties, Turn(a.Status)
		if d.Choices, err = choiceDetails(tx, id); err != nil {
			return err
		}
		d.Actions = s.available(a, d.Choices, parties)
		q := tx.Table("review_events").Select("review_events.*, COALESCE(users.name, '') AS actor_name").
			Joins("LEFT JOIN users ON users.id = review_events.actor_id").
			Where("review_events.application_id = ?", id).Order("review_events.id")
		if slices.Equal(parties, []Party{Applicant}) {
			q = q.Where("NOT review_events.internal")
		}
		if err := q.Scan(&d.Events).Error; err != nil {
			return err
		}
		return tx.Table("document_attachments").Where("application_id = ?", id).Order("document_id").
			Pluck("document_id", &d.Documents).Error
	})
	if err != nil {
		return nil, wrap(err, "get application")
	}
	return &d, nil
}

func choiceDetails(tx *gorm.DB, id int64) ([]ChoiceDetail, error) {
	var out []ChoiceDetail
	err := tx.Table("application_choices AS c").
		Select("c.*, e.title_en AS elective_title_en, e.title_zh AS elective_title_zh, e.specialty, e.agreement_id, "+
			"i.name_en AS institution_name_en, i.name_local AS institution_name_local, p.starts_on, p.ends_on, p.capacity, p.taken, "+
			"e.retired_at IS NOT NULL AS elective_retired, p.retired_at IS NOT NULL AS period_retired").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("JOIN periods AS p ON p.id = c.period_id").
		Where("c.application_id = ?", id).Order("c.rank").Scan(&out).Error
	return out, err
}

// available narrows the table's actions with what only the application
// knows: an expired offer cannot be accepted, a rejected application can
// be nominated again only to a further choice, a recognition waits for the
// placement's last day.
func (s *Service) available(a *Application, cs []ChoiceDetail, parties []Party) []Action {
	now := s.clock()
	var out []Action
	for _, act := range ActionsAt(a.Status, parties...) {
		switch {
		case act == AcceptOffer && a.OfferExpiresAt != nil && now.After(*a.OfferExpiresAt):
			continue
		case act == Nominate && a.Status == HostRejected && nextChoice(a, choicesOf(cs)) == 0:
			continue
		case act == Recognise && !placementOver(cs, s.today()):
			continue
		case act == Expire:
			continue // the system's, never offered to a person
		}
		out = append(out, act)
	}
	return out
}

func choicesOf(cs []ChoiceDetail) []Choice {
	out := make([]Choice, len(cs))
	for i, c := range cs {
		out[i] = c.Choice
	}
	return out
}

// current is the choice being nominated or decided.
func current(a *Application, cs []Choice) *Choice {
	for i := range cs {
		if cs[i].Rank == a.CurrentChoice {
			return &cs[i]
		}
	}
	return nil
}

// nextChoice is the rank after the current one, 0 when there is none.
func nextChoice(a *Application, cs []Choice) int {
	for _, c := range cs {
		if c.Rank > a.CurrentChoice {
			return c.Rank
		}
	}
	return 0
}

// placementOver reports whether the last day of the placement, the
// choice holding a seat, has come.
func placementOver(cs []ChoiceDetail, today time.Time) bool {
	for _, c := range cs {
		if c.SeatReserved {
			return !today.Before(catalog.Day(c.EndsOn))
		}
	}
	return false
}

// today is the portal's calendar day now (its zone's date, kept as
// midnight UTC like catalog dates), the same day as the catalog's: a
// window the catalog shows open on 2 April takes drafts and submissions
// from midnight in Taipei.
func (s *Service) today() time.Time { return s.zone.Day(s.clock()) }
