package application

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
	"portal/internal/workflow"
)

// Limits of what a student writes.
const (
	MaxStatement = 4000 // characters of the statement
	MaxComment   = 2000 // characters of a message, reason, note or report
)

// StartInput starts an application from an elective's page. Key is made
// by the form when it is shown, so that a double click or a retried
// request starts one application.
type StartInput struct {
	Key        string
	ElectiveID int64
	PeriodID   int64
}

// ChoiceInput is one slot of the choices form; an empty slot (both 0) is
// skipped and the others are ranked in slot order.
type ChoiceInput struct {
	ElectiveID, PeriodID int64
}

// DraftInput is the whole draft form. Version is the version the form was
// shown at. It has no stage, applicant or reviewer: those never come from
// a form.
type DraftInput struct {
	Version   int
	Choices   []ChoiceInput
	Statement string
}

// SubmitInput submits (or resubmits) an application. Key is made by the
// form when it is shown: the same key twice is one submission.
type SubmitInput struct {
	Version int
	Key     string
}

func checkKey(key string) error {
	if !workflow.ValidKey(key) {
		return apperr.New(apperr.Invalid, "application.err.key")
	}
	return nil
}

// CreateDraft starts an outgoing application for student u with one
// choice. The same key again returns the application it started.
func (s *Service) CreateDraft(ctx context.Context, u *user.User, in StartInput) (*Application, error) {
	return s.createDraft(ctx, u, in, nil)
}

// createDraft is CreateDraft with a guard: when given, it runs in the
// creating transaction after the student is locked (workflow.LockPerson),
// and answers with an application to return instead (a twin's), a
// refusal, or neither to go on and create.
func (s *Service) createDraft(ctx context.Context, u *user.User, in StartInput, guard func(tx *gorm.DB) (*Application, error)) (*Application, error) {
	if u == nil || !u.Has(PartyRoles[Applicant]...) {
		return nil, apperr.New(apperr.Forbidden, "application.err.not_student")
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	find := func(tx *gorm.DB) (*Application, error) { return workflow.FindCreated[Application](tx, u.ID, in.Key) }
	out, err := workflow.CreateOnce(ctx, s.db.DB, find, func(tx *gorm.DB) (*Application, error) {
		if guard != nil {
			if err := workflow.LockPerson(tx, u.ID); err != nil {
				return nil, err
			}
			if a, err := guard(tx); err != nil || a != nil {
				return a, err
			}
		}
		f := apperr.Fields{}
		e := checkChoice(tx, f, "choice_1", ChoiceInput{in.ElectiveID, in.PeriodID}, s.today())
		if err := f.Err(); err != nil {
			return nil, err
		}
		now := s.clock()
		key := in.Key
		a := Application{ApplicantID: u.ID, Direction: catalog.Outgoing, Status: Draft, Version: 1, Specialty: e.Specialty,
			CurrentChoice: 1, CreateKey: &key, StageSince: now, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return nil, err
		}
		return &a, tx.Create(&Choice{ApplicationID: a.ID, Rank: 1, ElectiveID: in.ElectiveID, PeriodID: in.PeriodID}).Error
	})
	if err != nil {
		return nil, wrap(err, "create draft")
	}
	return out, nil
}

// checkChoice checks one choice as of day today: a live outgoing elective,
// one of its live periods not yet started. It returns the elective, and
// adds a message for field to f when something is wrong.
func checkChoice(tx *gorm.DB, f apperr.Fields, field string, c ChoiceInput, today time.Time) catalog.Elective {
	var e catalog.Elective
	var p catalog.Period
	switch {
	case c.ElectiveID == 0 || c.PeriodID == 0:
		f.Add(field, "application.err.choice_incomplete")
	case tx.Take(&e, c.ElectiveID).Error != nil || e.Direction != catalog.Outgoing:
		f.Add(field, "form.not_a_choice")
	case tx.Take(&p, c.PeriodID).Error != nil || p.ElectiveID != e.ID:
		f.Add(field, "application.err.period_other")
	case e.RetiredAt != nil || p.RetiredAt != nil:
		f.Add(field, "application.err.retired")
	case !catalog.Day(p.StartsOn).After(today):
		f.Add(field, "application.err.period_started", p.StartsOn.Format(time.DateOnly))
	}
	return e
}

// SaveDraft replaces the choices and statement of a draft, or of an
// application returned for changes. Only its applicant may, at the
// version they saw.
func (s *Service) SaveDraft(ctx context.Context, u *user.User, id int64, in DraftInput) (*Application, error) {
	var out *Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := s.editable(tx, u, id, in.Version)
		if err != nil {
			return err
		}
		f := apperr.Fields{}
		f.Text("statement", in.Statement, false, MaxStatement)
		var choices []Choice
		specialty := ""
		seen := map[int64]bool{}
		today := s.today()
		if len(in.Choices) > MaxChoices {
			f.Add("choices", "application.err.too_many_choices", MaxChoices)
		}
		for i, c := range in.Choices {
			if c == (ChoiceInput{}) || i >= MaxChoices {
				continue
			}
			field := fmt.Sprintf("choice_%d", i+1)
			if seen[c.PeriodID] {
				f.Add(field, "application.err.duplicate_choice")
				continue
			}
			seen[c.PeriodID] = true
			e := checkChoice(tx, f, field, c, today)
			if len(choices) == 0 {
				specialty = e.Specialty
			}
			choices = append(choices, Choice{ApplicationID: id, Rank: len(choices) + 1, ElectiveID: c.ElectiveID, PeriodID: c.PeriodID})
		}
		if len(choices) == 0 {
			f.Add("choice_1", "application.err.no_choice")
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.clock()
		res := tx.Model(&Application{}).Where("id = ? AND version = ?", id, a.Version).Updates(map[string]any{
			"statement": in.Statement, "specialty": specialty, "current_choice": 1,
			"version": gorm.Expr("version + 1"), "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return s.changed(tx, a)
		}
		if err := tx.Where("application_id = ?", id).Delete(&Choice{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&choices).Error; err != nil {
			return err
		}
		out = a
		return tx.Take(out, id).Error
	})
	if err != nil {
		return nil, wrap(err, "save draft")
	}
	return out, nil
}

// editable loads application id for its applicant u to change, refusing
// anyone else (not found), another stage (not now) and a stale version.
func (s *Service) editable(tx *gorm.DB, u *user.User, id int64, version int) (*Application, error) {
	return s.flow.Open(tx, u, id, version)
}

// AttachDocument attaches a document of the applicant's wallet (its
// current version) to their draft or returned application.
func (s *Service) AttachDocument(ctx context.Context, u *user.User, id, documentID int64) error {
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := s.attachable(tx, u, id)
		if err != nil {
			return err
		}
		var d document.Document
		err = tx.Where("id = ? AND owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", documentID, a.ApplicantID).Take(&d).Error
		if err != nil {
			return err
		}
		return attach(tx, id, []int64{d.ID}, s.clock())
	}), "attach document")
}

// DetachDocument removes a document version from the applicant's draft or
// returned application.
func (s *Service) DetachDocument(ctx context.Context, u *user.User, id, documentID int64) error {
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.attachable(tx, u, id); err != nil {
			return err
		}
		res := tx.Exec("DELETE FROM document_attachments WHERE application_id = ? AND document_id = ?", id, documentID)
		if res.Error == nil && res.RowsAffected == 0 {
			return errNotFound
		}
		return res.Error
	}), "detach document")
}

func (s *Service) attachable(tx *gorm.DB, u *user.User, id int64) (*Application, error) {
	var a Application
	if err := tx.Take(&a, id).Error; err != nil {
		return nil, err
	}
	if u == nil || a.ApplicantID != u.ID {
		return nil, errNotFound
	}
	if a.Status != Draft && a.Status != Returned {
		return nil, errNotNow
	}
	return &a, nil
}

type attachment struct {
	DocumentID    int64 `gorm:"primaryKey;autoIncrement:false"`
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	AttachedAt    time.Time
}

func (attachment) TableName() string { return "document_attachments" }

// attach links document versions to application id. It locks their rows
// first, as the wallet's Delete does: a document deleted meanwhile is not
// attached (the request is refused), and a Delete waiting on the lock then
// sees the attachment and refuses in turn.
func attach(tx *gorm.DB, id int64, docs []int64, now time.Time) error {
	docs = slices.Compact(slices.Sorted(slices.Values(docs)))
	var live []int64
	err := tx.Clauses(lockRow()).Model(&document.Document{}).Where("id IN ? AND deleted_at IS NULL", docs).
		Order("id").Pluck("id", &live).Error
	if err != nil {
		return err
	}
	if len(live) != len(docs) {
		return apperr.New(apperr.Conflict, "application.err.documents_changed")
	}
	for _, d := range docs {
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&attachment{DocumentID: d, ApplicationID: id, AttachedAt: now}).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// Submit sends a draft to review, or a returned application back to it.
// It is refused, with a message per choice and per document, when a window
// is closed (first submission only: a returned application was in time), a
// choice is retired, started or full, a required document is missing from
// the wallet or expired by a period's first day, or the student holds a
// confirmed placement overlapping a period. The wallet documents that meet
// the requirements are attached, so that reviewers see the versions it was
// submitted with. The same key again answers with the application, and
// changes nothing.
func (s *Service) Submit(ctx context.Context, u *user.User, id int64, in SubmitInput) (*Application, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	var docs []int64
	a, err := s.act(ctx, u, id, change{
		Version: in.Version, Exclusive: true,
		ActionFor: func(a *Application) Action {
			if a.Status == Returned {
				return Resubmit
			}
			return Submit
		},
		Replay: func(a *Application) bool {
			return a.SubmitKey != nil && *a.SubmitKey == in.Key && a.Status != Draft && a.Status != Returned
		},
		Check: func(tx *gorm.DB, a *Application, cs []Choice) (err error) {
			docs, err = s.checkSubmit(tx, a, cs)
			return err
		},
		Set: func(a *Application, _ []Choice, now time.Time) map[string]any {
			set := map[string]any{"submit_key": in.Key, "current_choice": 1}
			if a.SubmittedAt == nil {
				set["submitted_at"] = now
			}
			return set
		},
		After: func(tx *gorm.DB, a *Application, _ []Choice, now time.Time) error {
			return attach(tx, a.ID, docs, now)
		},
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, apperr.New(apperr.Invalid, "application.err.key")
	}
	return a, err
}

// checkSubmit collects every reason to refuse a submission and returns the
// documents that meet the requirements.
func (s *Service) checkSubmit(tx *gorm.DB, a *Application, cs []Choice) ([]int64, error) {
	f := apperr.Fields{}
	f.Text("statement", a.Statement, true, MaxStatement)
	if len(cs) == 0 {
		f.Add("choice_1", "application.err.no_choice")
	}
	var wallet []document.Document
	if err := tx.Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", a.ApplicantID).Order("id").Find(&wallet).Error; err != nil {
		return nil, err
	}
	held, err := confirmedPeriods(tx, a.ApplicantID, a.ID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var docs []int64
	for _, c := range cs {
		field := fmt.Sprintf("choice_%d", c.Rank)
		var e catalog.Elective
		var p catalog.Period
		if err := tx.Take(&e, c.ElectiveID).Error; err != nil {
			return nil, err
		}
		if err := tx.Take(&p, c.PeriodID).Error; err != nil {
			return nil, err
		}
		switch {
		case e.RetiredAt != nil || p.RetiredAt != nil:
			f.Add(field, "application.err.retired")
		case a.Status == Draft && (today.Before(catalog.Day(e.OpensOn)) || today.After(catalog.Day(e.ClosesOn))):
			f.Add(field, "application.err.window_closed", e.OpensOn.Format(time.DateOnly), e.ClosesOn.Format(time.DateOnly))
		case !catalog.Day(p.StartsOn).After(today):
			f.Add(field, "application.err.period_started", p.StartsOn.Format(time.DateOnly))
		case p.Taken >= p.Capacity:
			f.Add(field, "application.err.period_full")
		}
		for _, h := range held {
			if overlaps(p, h) {
				f.Add(field, "application.err.overlap", h.StartsOn.Format(time.DateOnly), h.EndsOn.Format(time.DateOnly))
			}
		}
		list := document.Evaluate(wallet, e.RequiredDocList(), p)
		for _, n := range list.Needs {
			switch n.Status {
			case document.Missing:
				f.Add("doc_"+n.Type, "application.err.doc_missing")
			case document.ExpiredBefore:
				f.Add("doc_"+n.Type, "application.err.doc_expired", n.Document.ExpiresOn.Format(time.DateOnly), p.StartsOn.Format(time.DateOnly))
			default:
				docs = append(docs, n.Document.ID)
			}
		}
	}
	return docs, f.Err()
}

// confirmedPeriods are the periods of the placements applicant holds
// (confirmed applications other than except).
func confirmedPeriods(tx *gorm.DB, applicant, except int64) ([]catalog.Period, error) {
	var out []catalog.Period
	err := tx.Table("periods").Select("periods.*").
		Joins("JOIN application_choices AS c ON c.period_id = periods.id AND c.seat_reserved").
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Where("a.applicant_id = ? AND a.id <> ? AND a.status = ?", applicant, except, Confirmed).Find(&out).Error
	return out, err
}

func overlaps(a, b catalog.Period) bool {
	return !catalog.Day(a.StartsOn).After(catalog.Day(b.EndsOn)) && !catalog.Day(b.StartsOn).After(catalog.Day(a.EndsOn))
}

// Checklist answers, for each choice of an application its applicant may
// edit or anyone may read, what its elective requires of the applicant's
// wallet for its period, and what is still missing.
func (s *Service) Checklist(ctx context.Context, u *user.User, id int64) ([]document.Checklist, error) {
	var out []document.Checklist
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, cs, err := load(tx, id)
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
		var wallet []document.Document
		if err := tx.Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", a.ApplicantID).Order("id").Find(&wallet).Error; err != nil {
			return err
		}
		for _, c := range cs {
			var e catalog.Elective
			var p catalog.Period
			if err := tx.Take(&e, c.ElectiveID).Error; err != nil {
				return err
			}
			if err := tx.Take(&p, c.PeriodID).Error; err != nil {
				return err
			}
			out = append(out, document.Evaluate(wallet, e.RequiredDocList(), p))
		}
		return nil
	})
	return out, wrap(err, "checklist")
}
