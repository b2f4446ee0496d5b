package rotation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/document"
	"portal/internal/user"
	"portal/internal/workflow"
)

// ChoiceInput is one slot of the request form: a department, the Monday of
// the first week (yyyy-mm-dd) and how many weeks. An empty slot is
// skipped; the others are ranked in slot order.
type ChoiceInput struct {
	DepartmentID int64
	StartsOn     string
	Weeks        string
}

func (c ChoiceInput) empty() bool {
	return c.DepartmentID == 0 && strings.TrimSpace(c.StartsOn) == "" && strings.TrimSpace(c.Weeks) == ""
}

// DraftInput is the whole request form. Key is made when a new form is
// shown, so that a double click creates one request; Version is the
// version an edited draft was shown at. It has no stage or applicant:
// those never come from a form.
type DraftInput struct {
	Key       string
	Version   int
	Choices   []ChoiceInput
	Statement string
	Documents []int64 // wallet document ids to attach (current versions)
}

// SubmitInput submits (or resubmits) a request; the same key twice is one
// submission.
type SubmitInput struct {
	Version int
	Key     string
}

func checkKey(key string) error {
	if !workflow.ValidKey(key) {
		return apperr.New(apperr.Invalid, "rotation.err.key")
	}
	return nil
}

// CreateDraft starts a request for incoming applicant u with the form's
// choices, statement and documents. The same key again returns the request
// it started.
func (s *Service) CreateDraft(ctx context.Context, u *user.User, in DraftInput) (*Request, error) {
	if u == nil || !u.Has(PartyRoles[Applicant]...) {
		return nil, apperr.New(apperr.Forbidden, "rotation.err.not_incoming")
	}
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	find := func(tx *gorm.DB) (*Request, error) { return workflow.FindCreated[Request](tx, u.ID, in.Key) }
	out, err := workflow.CreateOnce(ctx, s.db.DB, find, func(tx *gorm.DB) (*Request, error) {
		choices, docs, err := s.checkDraft(tx, u.ID, in)
		if err != nil {
			return nil, err
		}
		now := s.clock()
		key := in.Key
		r := Request{ApplicantID: u.ID, Status: Draft, Version: 1, Statement: in.Statement, CreateKey: &key,
			StageSince: now, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return nil, err
		}
		return &r, replaceParts(tx, r.ID, choices, docs, now)
	})
	if err != nil {
		return nil, wrap(err, "create rotation request")
	}
	return out, nil
}

// SaveDraft replaces the choices, statement and documents of a draft or of
// a request returned for changes, at the version its applicant saw.
func (s *Service) SaveDraft(ctx context.Context, u *user.User, id int64, in DraftInput) (*Request, error) {
	var out *Request
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.editable(tx, u, id, in.Version)
		if err != nil {
			return err
		}
		choices, docs, err := s.checkDraft(tx, u.ID, in)
		if err != nil {
			return err
		}
		now := s.clock()
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", id, r.Version).Updates(map[string]any{
			"statement": in.Statement, "version": gorm.Expr("version + 1"), "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return s.changed(tx, r)
		}
		if err := replaceParts(tx, id, choices, docs, now); err != nil {
			return err
		}
		out = r
		return tx.Take(out, id).Error
	})
	if err != nil {
		return nil, wrap(err, "save rotation request")
	}
	return out, nil
}

// editable loads a request its applicant may still change.
func (s *Service) editable(tx *gorm.DB, u *user.User, id int64, version int) (*Request, error) {
	return s.flow.Open(tx, u, id, version)
}

// checkDraft checks the form: the statement, the choices against the
// departments' rules and calendars, and the documents (the applicant's own
// current versions). Nothing is written when it fails.
func (s *Service) checkDraft(tx *gorm.DB, owner int64, in DraftInput) ([]Choice, []int64, error) {
	f := apperr.Fields{}
	f.Text("statement", in.Statement, false, MaxStatement)
	choices := s.checkChoices(tx, f, in.Choices)
	docs := slices.Compact(slices.Sorted(slices.Values(in.Documents)))
	if len(docs) > 0 {
		var mine []int64
		err := tx.Model(&document.Document{}).Where("id IN ? AND owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", docs, owner).
			Pluck("id", &mine).Error
		if err != nil {
			return nil, nil, err
		}
		if len(mine) != len(docs) {
			f.Add("documents", "rotation.err.document")
		}
	}
	return choices, docs, f.Err()
}

// checkChoices checks the ranked choices as of today, adding a message per
// slot to f, and returns them ranked.
func (s *Service) checkChoices(tx *gorm.DB, f apperr.Fields, in []ChoiceInput) []Choice {
	var out []Choice
	if len(in) > MaxChoices {
		f.Add("choices", "rotation.err.too_many_choices", MaxChoices)
	}
	today := s.Today()
	for i, c := range in {
		if c.empty() || i >= MaxChoices {
			continue
		}
		field := fmt.Sprintf("choice_%d", i+1)
		ch, ok := s.checkChoice(tx, f, field, c, today)
		if !ok {
			continue
		}
		for _, o := range out {
			if o.DepartmentID == ch.DepartmentID && o.StartsOn.Equal(ch.StartsOn) {
				f.Add(field, "rotation.err.duplicate_choice")
				ok = false
			}
		}
		if ok {
			ch.Rank = len(out) + 1
			out = append(out, ch)
		}
	}
	if len(out) == 0 && len(f) == 0 {
		f.Add("choice_1", "rotation.err.no_choice")
	}
	return out
}

// checkChoice checks one choice against its department's rules and
// calendar: a department that takes rotations, a Monday not yet begun and
// at least the lead time away, a length within the rules, and every week
// published, open and with a free seat.
func (s *Service) checkChoice(tx *gorm.DB, f apperr.Fields, field string, in ChoiceInput, today time.Time) (Choice, bool) {
	if in.DepartmentID == 0 || strings.TrimSpace(in.StartsOn) == "" || strings.TrimSpace(in.Weeks) == "" {
		f.Add(field, "rotation.err.choice_incomplete")
		return Choice{}, false
	}
	deps, err := s.departments(tx, []int64{in.DepartmentID})
	if err != nil || len(deps) == 0 {
		f.Add(field, "rotation.err.department")
		return Choice{}, false
	}
	rules := deps[0].Rules
	start, err := time.Parse(time.DateOnly, strings.TrimSpace(in.StartsOn))
	if err != nil || !Monday(start).Equal(start) {
		f.Add(field, "rotation.err.start")
		return Choice{}, false
	}
	weeks, ok := 0, true
	if _, err := fmt.Sscanf(strings.TrimSpace(in.Weeks), "%d", &weeks); err != nil || fmt.Sprint(weeks) != strings.TrimSpace(in.Weeks) {
		ok = false
	}
	date := start.Format(time.DateOnly)
	switch {
	case !ok || weeks < rules.MinWeeks || weeks > rules.MaxWeeks:
		f.Add(field, "rotation.err.length", rules.MinWeeks, rules.MaxWeeks)
		return Choice{}, false
	case !start.After(today):
		f.Add(field, "rotation.err.past", date)
		return Choice{}, false
	case start.Before(today.AddDate(0, 0, rules.LeadDays)):
		f.Add(field, "rotation.err.lead", date, rules.LeadDays)
		return Choice{}, false
	}
	var blocks []Block
	err = tx.Where("department_id = ? AND week >= ? AND week <= ?", in.DepartmentID, start, start.AddDate(0, 0, 7*(weeks-1))).
		Order("week").Find(&blocks).Error
	if err != nil {
		f.Add(field, "rotation.err.department")
		return Choice{}, false
	}
	for _, w := range weeksOf(start, weeks) {
		var b *Block
		for i := range blocks {
			if Day(blocks[i].Week).Equal(w) {
				b = &blocks[i]
			}
		}
		// The same reasons the form's calendar shows (span.go).
		wd := w.Format(time.DateOnly)
		switch blockReason(b) {
		case WeekUnpublished:
			f.Add(field, "rotation.err.unpublished", wd)
		case WeekClosed:
			f.Add(field, "rotation.err.blackout", wd)
		case WeekFull:
			f.Add(field, "rotation.err.week_full", wd)
		default:
			continue
		}
		return Choice{}, false
	}
	return Choice{DepartmentID: in.DepartmentID, StartsOn: start, Weeks: weeks}, true
}

// replaceParts writes a request's choices and attachments afresh.
func replaceParts(tx *gorm.DB, id int64, choices []Choice, docs []int64, now time.Time) error {
	if err := tx.Where("request_id = ?", id).Delete(&Choice{}).Error; err != nil {
		return err
	}
	for i := range choices {
		choices[i].RequestID = id
	}
	if len(choices) > 0 {
		if err := tx.Create(&choices).Error; err != nil {
			return err
		}
	}
	if err := tx.Where("request_id = ?", id).Delete(&attachment{}).Error; err != nil {
		return err
	}
	for _, d := range docs {
		if err := tx.Create(&attachment{RequestID: id, DocumentID: d, AttachedAt: now}).Error; err != nil {
			return err
		}
	}
	return nil
}

// Submit sends a draft, or a request returned for changes, to the
// department's coordinator. The choices are checked again against today's
// calendar, and the required documents must be attached. The same key
// again answers with the request as it stands.
func (s *Service) Submit(ctx context.Context, u *user.User, id int64, in SubmitInput) (*Request, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	return s.act(ctx, u, id, change{
		Version: in.Version, Exclusive: true,
		ActionFor: func(r *Request) Action {
			if r.Status == Returned {
				return Resubmit
			}
			return Submit
		},
		Replay: func(r *Request) bool {
			return r.SubmitKey != nil && *r.SubmitKey == in.Key && r.Status != Draft && r.Status != Returned
		},
		Check: func(tx *gorm.DB, r *Request, cs []Choice) error {
			f := apperr.Fields{}
			if len(cs) == 0 {
				f.Add("choice_1", "rotation.err.no_choice")
			}
			for _, c := range cs {
				field := fmt.Sprintf("choice_%d", c.Rank)
				s.checkChoice(tx, f, field, ChoiceInput{
					DepartmentID: c.DepartmentID, StartsOn: Day(c.StartsOn).Format(time.DateOnly), Weeks: fmt.Sprint(c.Weeks),
				}, s.Today())
				h, err := confirmedClash(tx, r.ApplicantID, r.ID, c)
				if err != nil {
					return err
				}
				if h != nil {
					f.Add(field, "rotation.err.overlap", Day(h.StartsOn).Format(time.DateOnly), h.EndsOn().Format(time.DateOnly))
				}
			}
			missing, err := missingDocs(tx, r)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				f.Add("documents", "rotation.err.documents_missing")
			}
			return f.Err()
		},
		Set: func(_ *Request, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"submit_key": in.Key, "submitted_at": now}
		},
	})
}

// missingDocs lists the required types no attached, live document of r has.
func missingDocs(tx *gorm.DB, r *Request) ([]string, error) {
	var have []string
	err := tx.Table("documents AS d").Joins("JOIN rotation_request_documents AS a ON a.document_id = d.id").
		Where("a.request_id = ? AND d.deleted_at IS NULL", r.ID).Pluck("d.type", &have).Error
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range RequiredDocs {
		if !slices.Contains(have, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Withdraw ends the request at its applicant's wish; seats it holds are
// given back.
func (s *Service) Withdraw(ctx context.Context, u *user.User, id int64, version int) (*Request, error) {
	return s.act(ctx, u, id, change{
		Action: Withdraw, Version: version,
		Set: closedNow,
		After: func(tx *gorm.DB, r *Request, cs []Choice, _ time.Time) error {
			if !holdsSeats(r.Status) {
				return nil
			}
			return release(tx, choiceOf(cs, r.AcceptedChoice), s.clock())
		},
	})
}

func closedNow(_ *Request, _ []Choice, now time.Time) map[string]any {
	return map[string]any{"closed_at": now}
}

// release gives back the seats choice c holds.
func release(tx *gorm.DB, c *Choice, now time.Time) error {
	if c == nil {
		return nil
	}
	return tx.Model(&Block{}).Where("department_id = ? AND week >= ? AND week <= ? AND taken > 0",
		c.DepartmentID, Day(c.StartsOn), Day(c.StartsOn).AddDate(0, 0, 7*(c.Weeks-1))).
		Updates(map[string]any{"taken": gorm.Expr("taken - 1"), "updated_at": now}).Error
}
