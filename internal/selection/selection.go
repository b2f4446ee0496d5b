// Package selection runs selection rounds (issue 14): the office's yearly or
// termly allocation of students' ranked choices to seats. A round gathers
// the applications whose choices fall in its periods, scores them with a
// weighted rubric, asks the matching engine (selection/match) for a dry run
// the office can read and compare, and publishes it through the
// application workflow: each placed application is nominated by the
// application service's own operation. The round's states are data
// (rounds.go); every change is audited in its own transaction.
package selection

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
	"portal/internal/workflow"
)

// State is where a round stands; stored in selection_rounds.state.
type State string

// The states of a round, in order.
const (
	Open      State = "open"      // applications come in; the rubric may change
	Scoring   State = "scoring"   // reviewers and the office enter scores
	DryRun    State = "dry_run"   // at least one dry run exists; nothing changed yet
	Published State = "published" // nominated and waitlisted through the workflow
	Closed    State = "closed"
)

// States lists every state in display order.
var States = []State{Open, Scoring, DryRun, Published, Closed}

// Action is what the office does to a round.
type Action string

// The actions of the round's table.
const (
	StartScoring Action = "start_scoring"
	RunDry       Action = "dry_run"
	Rescore      Action = "rescore" // back from a dry run to scoring
	Publish      Action = "publish"
	Close        Action = "close"
)

// Actions lists every action in display order.
var Actions = []Action{StartScoring, RunDry, Rescore, Publish, Close}

// Party is who acts on a round: only the office (admins included); the
// reviewers' part, entering scores, is no transition.
type Party string

// OfficeParty is the office.
const OfficeParty Party = "office"

type transition struct {
	From   State
	Action Action
	To     State
	By     Party
}

// Transitions is the round's life: a dry run may be repeated (after a
// change of weights, say), and scoring may resume after one; publication
// is final but for closing.
var Transitions = []transition{
	{Open, StartScoring, Scoring, OfficeParty},
	{Open, RunDry, DryRun, OfficeParty},
	{Scoring, RunDry, DryRun, OfficeParty},
	{DryRun, RunDry, DryRun, OfficeParty},
	{DryRun, Rescore, Scoring, OfficeParty},
	{DryRun, Publish, Published, OfficeParty},
	{Published, Close, Closed, OfficeParty},
}

// table answers "may the office do this now"; its refusals are the
// selection.err.* messages.
var table = workflow.NewTable("selection", States, Actions, workflow.Rows[transition, State, Action, Party](Transitions))

// ActionsAt is what the office may do to a round at state.
func ActionsAt(st State) []Action { return table.ActionsAt(st, OfficeParty) }

// Editable reports whether a round's rubric, periods and scores may still
// change: until publication.
func Editable(st State) bool { return st == Open || st == Scoring || st == DryRun }

// Options tune a Service.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // deadlines end with the portal's day
	// Applications nominates the placed applications at publication,
	// through the workflow's own operation (its transition, event, mail).
	Applications *application.Service
}

// Service keeps the rounds. Each method owns its transaction.
type Service struct {
	db   *db.DB
	now  func() time.Time
	zone clock.Zone
	apps *application.Service
}

// NewService returns the rounds on d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, zone: o.Zone, apps: o.Applications}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// isOffice reports whether u acts as the office.
func isOffice(u *user.User) bool { return u != nil && u.Has(user.Office, user.Admin) }

// mayScore reports whether u may see a round at all: the office, or a
// reviewer (who sees and scores only the applicants in their scope).
func mayScore(u *user.User) bool { return u != nil && u.Has(user.Office, user.Admin, user.Reviewer) }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

// wrap passes coded errors through and codes anything else as internal.
func wrap(err error, what string) error { return workflow.Wrap(err, what) }

// record writes an audit event about round id by u in tx.
func (s *Service) record(tx *gorm.DB, u *user.User, action string, id int64, detail map[string]any) error {
	return audit.Write(tx, audit.New(s.clock(), &u.ID, action, audit.Meta{}, detail).On("selection_round", id))
}

// tx runs fn in one transaction on ctx.
func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// lockRow locks the row read for the rest of the transaction on
// PostgreSQL; SQLite's immediate transactions already serialise writers.
func lockRow() clause.Expression { return clause.Locking{Strength: "UPDATE"} }
