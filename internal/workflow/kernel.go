package workflow

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/user"
)

// The kernel below runs one transition of any workflow the same way: load
// the case, decide who the actor is to it, answer a retried request with
// the case as it stands, refuse a stale version with what changed, ask
// the table, run the move's own check, claim the row with
// UPDATE ... WHERE id = ? AND version = ?, make the move's other changes
// and record the event, all in one transaction. Each workflow supplies
// only what is its own (Flow), and each named operation only its hooks
// (Move): seats, quotas and mail stay in the domain packages.

// ErrNotFound is the answer for a case that does not exist, or does not
// exist for the person asking: the two are never told apart.
var ErrNotFound = apperr.New(apperr.NotFound, "error.not_found")

// ErrOverlap refuses a second confirmed placement of one person in
// overlapping days, when only the database noticed.
var ErrOverlap = apperr.New(apperr.Conflict, "workflow.err.overlap")

// Case is a row a workflow moves (an application, a rotation request), as
// the kernel sees it.
type Case[S comparable] interface {
	CaseID() int64
	CaseVersion() int
	CaseStage() S
	// CasePerson is whose case it is: rules that look across one person's
	// cases (overlapping placements) are serialised on this person.
	CasePerson() int64
}

// Flow is what one workflow gives the kernel once: C is its row, X the
// parts loaded with it (ranked choices).
type Flow[C Case[S], X any, S, A, P comparable] struct {
	Table Table[S, A, P]
	// Rows is the table the versioned update claims ("applications").
	Rows string
	// System is the party of the portal's own moves (offer expiry).
	System P
	// Editable are the stages at which the applicant may change the case.
	Editable []S
	// Now is the service's clock.
	Now func() time.Time
	// Load reads a case and its parts; gorm.ErrRecordNotFound when absent.
	Load func(tx *gorm.DB, id int64) (C, []X, error)
	// Parties says who u is to the case; none means it does not exist for u.
	Parties func(tx *gorm.DB, u *user.User, c C, xs []X) ([]P, error)
	// Changed is the refusal of a stale version: what changed, by whom, when.
	Changed func(tx *gorm.DB, c C) error
	// Record writes the event of a move and its announcement, with the
	// case as it now stands.
	Record func(tx *gorm.DB, c C, xs []X, st Step[S, A, P]) error
}

// Move is one transition as a named operation describes it; only the
// hooks it needs are set.
type Move[C Case[S], X any, S, A, P comparable] struct {
	Action A
	// ActionFor picks the action from the case when one request means
	// different actions (submit a draft, resubmit a returned one).
	ActionFor func(c C) A
	// Replay recognises a retried request that already took effect: it is
	// answered with the case as it stands, and nothing is written.
	Replay  func(c C) bool
	Version int // the version the actor saw
	// System marks the portal's own move, made by no user.
	System bool
	// As is the party of a move made by no user on a party's behalf: a
	// host answering through its dossier link (internal/host), whose
	// link, not an account, says who it is. Via names them for the event.
	As  P
	Via string
	// Exclusive serialises the move with every exclusive move of the same
	// person, because its Check reads the person's other cases: two
	// overlapping offers accepted at once must not both pass the check.
	Exclusive bool
	// What the event records besides the move: the actor's words, whether
	// they are for staff only, the choice the move is about.
	Comment  string
	Internal bool
	Choice   int
	// Check refuses the move with the reason, before anything is written.
	Check func(tx *gorm.DB, c C, xs []X) error
	// Set adds columns to the status update.
	Set func(c C, xs []X, now time.Time) map[string]any
	// After makes the move's other changes once the row is claimed (seats,
	// quotas); an error rolls everything back.
	After func(tx *gorm.DB, c C, xs []X, now time.Time) error
}

// Step is what the kernel tells Record about a move it made.
type Step[S, A, P comparable] struct {
	Action   A
	By       P
	From     S
	Actor    *user.User // nil for the system
	At       time.Time
	Comment  string
	Internal bool
	Choice   int
	Via      string // who acted for a party without an account (Move.Via)
}

// Run makes move m on case id for u in one transaction on d and returns
// the case as it stands afterwards. Errors come back as the hooks made
// them; callers pass them through Wrap.
func (f Flow[C, X, S, A, P]) Run(ctx context.Context, d *gorm.DB, u *user.User, id int64, m Move[C, X, S, A, P]) (C, error) {
	var out C
	err := d.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, xs, err := f.Load(tx, id)
		if err != nil {
			return err
		}
		parties := []P{f.System}
		var nobody P
		if m.As != nobody {
			parties = []P{m.As}
		} else if !m.System {
			if parties, err = f.Parties(tx, u, c, xs); err != nil {
				return err
			}
		}
		if len(parties) == 0 {
			return ErrNotFound
		}
		if m.Replay != nil && m.Replay(c) {
			out = c
			return nil
		}
		if c.CaseVersion() != m.Version {
			return f.Changed(tx, c)
		}
		action := m.Action
		if m.ActionFor != nil {
			action = m.ActionFor(c)
		}
		by, to, err := f.Table.AllowedFor(c.CaseStage(), action, parties)
		if err != nil {
			return err
		}
		if m.Exclusive {
			if err := LockPerson(tx, c.CasePerson()); err != nil {
				return err
			}
		}
		if m.Check != nil {
			if err := m.Check(tx, c, xs); err != nil {
				return err
			}
		}
		now := f.Now().UTC()
		set := map[string]any{"status": to, "version": gorm.Expr("version + 1"), "stage_since": now, "updated_at": now}
		if m.Set != nil {
			for k, v := range m.Set(c, xs, now) {
				set[k] = v
			}
		}
		claimed, err := Claim(tx, f.Rows, c.CaseID(), c.CaseVersion(), set)
		if err != nil {
			return err
		}
		if !claimed {
			// Someone moved it between the read and the update. When that
			// someone was this very request, retried, the answer is success.
			if c, _, err = f.Load(tx, id); err != nil {
				return err
			}
			if m.Replay != nil && m.Replay(c) {
				out = c
				return nil
			}
			return f.Changed(tx, c)
		}
		from := c.CaseStage()
		if m.After != nil {
			if err := m.After(tx, c, xs, now); err != nil {
				return err
			}
		}
		if c, xs, err = f.Load(tx, id); err != nil {
			return err
		}
		st := Step[S, A, P]{Action: action, By: by, From: from, Actor: u, At: now,
			Comment: m.Comment, Internal: m.Internal, Choice: m.Choice, Via: m.Via}
		if err := f.Record(tx, c, xs, st); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// Claim is the optimistic update: it writes set to row id of table rows
// only while its version is still the one read, and says whether it did.
func Claim(tx *gorm.DB, rows string, id int64, version int, set map[string]any) (bool, error) {
	res := tx.Table(rows).Where("id = ? AND version = ?", id, version).Updates(set)
	return res.RowsAffected > 0, res.Error
}

// Open loads case id for its applicant u to change: anyone else is told
// it does not exist, another stage "not now", a stale version what
// changed. Draft forms save through it.
func (f Flow[C, X, S, A, P]) Open(tx *gorm.DB, u *user.User, id int64, version int) (C, error) {
	var none C
	c, _, err := f.Load(tx, id)
	if err != nil {
		return none, err
	}
	if u == nil || c.CasePerson() != u.ID {
		return none, ErrNotFound
	}
	if c.CaseVersion() != version {
		return none, f.Changed(tx, c)
	}
	for _, s := range f.Editable {
		if c.CaseStage() == s {
			return c, nil
		}
	}
	return none, f.Table.NotNow
}

// LockPerson serialises, until the transaction ends, every transaction
// that looks across person's cases: on PostgreSQL by a row lock on the
// person (NO KEY UPDATE, so that rows referring to them are still
// written freely); SQLite's immediate transactions already serialise
// every writer, and GORM leaves the clause out there.
func LockPerson(tx *gorm.DB, person int64) error {
	var ids []int64
	return tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Table("users").
		Where("id = ?", person).Pluck("id", &ids).Error
}

// Wrap passes coded errors through, turns a missing row into ErrNotFound
// and codes anything else as internal, naming what was being done.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23P01" {
		// The database's backstop against overlapping placements
		// (migration 12) caught what a check should have.
		return ErrOverlap
	}
	return apperr.Internalf("%s: %w", what, err)
}

// CreateOnce makes what create makes, unless find finds what an earlier
// request with the same key made: a double click or a retried request
// creates one case. A concurrent twin that won the unique key is found
// after the duplicate-key refusal.
func CreateOnce[T any](ctx context.Context, d *gorm.DB, find func(tx *gorm.DB) (*T, error), create func(tx *gorm.DB) (*T, error)) (*T, error) {
	var out *T
	err := d.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if out, err = find(tx); err != nil || out != nil {
			return err
		}
		out, err = create(tx)
		return err
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		out, err = find(d.WithContext(ctx))
		if err == nil && out == nil {
			err = ErrNotFound
		}
	}
	return out, err
}

// LastMove is the latest event of case id in table events (its case
// column named by column) other than the actions skipped, with its
// actor's name: what a stale version's refusal tells. ok is false when
// the case has no event yet.
func LastMove(tx *gorm.DB, events, column string, id int64, skip ...string) (action, actor string, at time.Time, ok bool, err error) {
	var e struct {
		ID        int64
		Action    string
		At        time.Time
		ActorName string
	}
	q := tx.Table(events+" AS e").Select("e.id, e.action, e.at, COALESCE(u.name, '') AS actor_name").
		Joins("LEFT JOIN users AS u ON u.id = e.actor_id").Where("e."+column+" = ?", id)
	if len(skip) > 0 {
		q = q.Where("e.action NOT IN ?", skip)
	}
	if err = q.Order("e.id DESC").Limit(1).Scan(&e).Error; err != nil || e.ID == 0 {
		return "", "", time.Time{}, false, err
	}
	return e.Action, e.ActorName, e.At, true, nil
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,100}$`)

// ValidKey reports whether key looks like the idempotency key a form
// makes when it is shown (a double click or a retry sends the same one).
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// FindCreated finds the case person created with key, nil when none:
// CreateOnce's find for rows with applicant_id and create_key columns.
func FindCreated[T any](tx *gorm.DB, person int64, key string) (*T, error) {
	var rows []T
	if err := tx.Where("applicant_id = ? AND create_key = ?", person, key).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}
