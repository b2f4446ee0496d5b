package rotation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
	"portal/internal/workflow"
)

// ReviewInput is what a coordinator or the office sends with an action:
// the version they saw and a comment (required to return or reject).
type ReviewInput struct {
	Version int
	Comment string
}

func (s *Service) review(ctx context.Context, u *user.User, id int64, action Action, in ReviewInput, required bool, c change) (*Request, error) {
	f := apperr.Fields{}
	f.Text("comment", in.Comment, required, MaxComment)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c.Action, c.Version, c.Comment = action, in.Version, in.Comment
	return s.act(ctx, u, id, c)
}

// StartReview: a coordinator of one of the departments picks up a
// submitted request.
func (s *Service) StartReview(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, StartReview, in, false, change{})
}

// Forward: the coordinator passes the request to the office.
func (s *Service) Forward(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, Forward, in, false, change{})
}

// ReturnForChanges sends the request back to its applicant with a message,
// mailed to them in the same transaction.
func (s *Service) ReturnForChanges(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, Return, in, true, change{})
}

// Reject ends the request with a reason shown, and mailed, to the applicant.
func (s *Service) Reject(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, Reject, in, true, change{Set: closedNow})
}

// Waitlist: the office keeps the request waiting for a seat.
func (s *Service) Waitlist(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, Waitlist, in, false, change{})
}

// AcceptInput is the office's acceptance of one ranked choice.
type AcceptInput struct {
	Version int
	Rank    int
	Comment string
}

// Accept: the office accepts choice Rank. It reserves a seat in every week
// of the choice at once, each with UPDATE ... WHERE taken < seats, and
// rolls everything back, refused as full, unless every week gave one: a
// week never holds more rotations than seats, however many acceptances
// race. The applicant is told in the same transaction.
func (s *Service) Accept(ctx context.Context, u *user.User, id int64, in AcceptInput) (*Request, error) {
	f := apperr.Fields{}
	f.Text("comment", in.Comment, false, MaxComment)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, u, id, change{
		Action: Accept, Version: in.Version, Comment: in.Comment, Choice: in.Rank,
		Check: func(_ *gorm.DB, _ *Request, cs []Choice) error {
			if choiceOf(cs, in.Rank) == nil {
				return apperr.New(apperr.Invalid, "rotation.err.no_such_choice")
			}
			return nil
		},
		Set: func(_ *Request, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"accepted_choice": in.Rank, "decided_at": now}
		},
		After: func(tx *gorm.DB, r *Request, cs []Choice, now time.Time) error {
			c := choiceOf(cs, in.Rank)
			if err := lockDepartment(tx, c.DepartmentID); err != nil {
				return err
			}
			start := Day(c.StartsOn)
			res := tx.Model(&Block{}).
				Where("department_id = ? AND week >= ? AND week <= ? AND NOT blackout AND taken < seats",
					c.DepartmentID, start, start.AddDate(0, 0, 7*(c.Weeks-1))).
				Updates(map[string]any{"taken": gorm.Expr("taken + 1"), "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(c.Weeks) {
				return errFull
			}
			return nil
		},
	})
}

// Ref is how a request is named in messages.
func Ref(id int64) string { return fmt.Sprintf("R-%04d", id) }

func departmentName(d catalog.Department) string {
	if d.NameZH == "" {
		return d.NameEN
	}
	return d.NameEN + " " + d.NameZH
}

// Confirm: the applicant confirms an accepted rotation once the onboarding
// checklist is complete.
func (s *Service) Confirm(ctx context.Context, u *user.User, id int64, version int) (*Request, error) {
	var placed *Choice
	return s.act(ctx, u, id, change{
		Action: Confirm, Version: version, Exclusive: true,
		Check: func(tx *gorm.DB, r *Request, cs []Choice) error {
			ob, err := s.onboarding(tx, r, cs)
			if err != nil {
				return err
			}
			if !ob.Complete() {
				return apperr.New(apperr.Invalid, "rotation.err.onboarding_incomplete")
			}
			if placed = choiceOf(cs, r.AcceptedChoice); placed != nil {
				h, err := confirmedClash(tx, r.ApplicantID, r.ID, *placed)
				if err != nil {
					return err
				}
				if h != nil {
					return overlapErr(h)
				}
			}
			return nil
		},
		Set: func(_ *Request, _ []Choice, now time.Time) map[string]any {
			set := map[string]any{"confirmed_at": now}
			if placed != nil {
				set["placed_from"], set["placed_until"] = Day(placed.StartsOn), placed.EndsOn()
			}
			return set
		},
	})
}

// Complete: after the last day, the coordinator (or the office) marks the
// rotation done, which issues the certificate of completion: only once
// attendance is confirmed and the evaluation is in.
func (s *Service) Complete(ctx context.Context, u *user.User, id int64, in ReviewInput) (*Request, error) {
	return s.review(ctx, u, id, Complete, in, false, change{
		Check: func(tx *gorm.DB, r *Request, cs []Choice) error {
			c := choiceOf(cs, r.AcceptedChoice)
			if c != nil && s.Today().Before(c.EndsOn()) {
				return apperr.New(apperr.Invalid, "rotation.err.not_over", c.EndsOn().Format(time.DateOnly))
			}
			// The certificate of completion says the student attended and
			// was evaluated (assessment.go).
			return certificateGate(tx, r)
		},
		Set: func(_ *Request, _ []Choice, now time.Time) map[string]any { return map[string]any{"completed_at": now} },
	})
}

// ---- onboarding

// The onboarding items, in display order.
const (
	ItemInsurance    = "insurance"
	ItemImmunization = "immunization"
	ItemArrival      = "arrival"
	ItemVisa         = "visa"
	ItemHousing      = "housing"
)

// Item is one line of the onboarding checklist: done or not, and why, as
// a message key with its arguments.
type Item struct {
	Name string
	Done bool
	Key  string
	Args []any
}

// Onboarding is the checklist of an accepted request.
type Onboarding struct {
	Items             []Item
	StartsOn, EndsOn  time.Time
	ArriveFrom        time.Time // the earliest arrival date accepted
	ArrivalOn         *time.Time
	VisaLetter        *bool
	Housing           *bool
	InsuranceExpires  *time.Time
	ImmunizationFound bool
}

// Complete reports whether every item is done.
func (o *Onboarding) Complete() bool {
	for _, it := range o.Items {
		if !it.Done {
			return false
		}
	}
	return len(o.Items) > 0
}

// onboarding evaluates the checklist of r against the applicant's wallet:
// insurance valid through the last day, an immunization record, and the
// answers given.
func (s *Service) onboarding(tx *gorm.DB, r *Request, cs []Choice) (*Onboarding, error) {
	c := choiceOf(cs, r.AcceptedChoice)
	if c == nil {
		return nil, nil
	}
	var docs []document.Document
	if err := tx.Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", r.ApplicantID).Find(&docs).Error; err != nil {
		return nil, err
	}
	start, end := Day(c.StartsOn), c.EndsOn()
	check := document.Evaluate(docs, []string{"insurance", "immunization_record"}, catalog.Period{StartsOn: start, EndsOn: end})
	o := &Onboarding{StartsOn: start, EndsOn: end, ArriveFrom: start.AddDate(0, 0, -ArrivalDaysBefore),
		ArrivalOn: r.ArrivalOn, VisaLetter: r.VisaLetter, Housing: r.Housing}
	ins, imm := check.Needs[0], check.Needs[1]
	it := Item{Name: ItemInsurance}
	switch ins.Status {
	case document.Ready:
		it.Done, it.Key = true, "rotation.onboarding.insurance.ok"
		if ins.Document.ExpiresOn != nil {
			it.Args = []any{Day(*ins.Document.ExpiresOn).Format(time.DateOnly)}
			o.InsuranceExpires = ins.Document.ExpiresOn
		} else {
			it.Key = "rotation.onboarding.insurance.ok_open"
		}
	case document.Missing:
		it.Key, it.Args = "rotation.onboarding.insurance.missing", []any{end.Format(time.DateOnly)}
	default:
		it.Key, it.Args = "rotation.onboarding.insurance.short", []any{Day(*ins.Document.ExpiresOn).Format(time.DateOnly), end.Format(time.DateOnly)}
		o.InsuranceExpires = ins.Document.ExpiresOn
	}
	o.Items = append(o.Items, it)
	o.ImmunizationFound = imm.Status != document.Missing
	if o.ImmunizationFound {
		o.Items = append(o.Items, Item{Name: ItemImmunization, Done: true, Key: "rotation.onboarding.immunization.ok"})
	} else {
		o.Items = append(o.Items, Item{Name: ItemImmunization, Key: "rotation.onboarding.immunization.missing"})
	}
	if r.ArrivalOn != nil {
		o.Items = append(o.Items, Item{Name: ItemArrival, Done: true, Key: "rotation.onboarding.arrival.ok", Args: []any{Day(*r.ArrivalOn).Format(time.DateOnly)}})
	} else {
		o.Items = append(o.Items, Item{Name: ItemArrival, Key: "rotation.onboarding.arrival.missing"})
	}
	o.Items = append(o.Items, answered(ItemVisa, r.VisaLetter), answered(ItemHousing, r.Housing))
	return o, nil
}

func answered(name string, v *bool) Item {
	switch {
	case v == nil:
		return Item{Name: name, Key: "rotation.onboarding." + name + ".missing"}
	case *v:
		return Item{Name: name, Done: true, Key: "rotation.onboarding." + name + ".yes"}
	}
	return Item{Name: name, Done: true, Key: "rotation.onboarding." + name + ".no"}
}

// OnboardingInput is the onboarding form: an arrival date and two yes/no
// answers ("yes", "no", or "" for not answered yet).
type OnboardingInput struct {
	Version    int
	ArrivalOn  string
	VisaLetter string
	Housing    string
}

// SaveOnboarding records the applicant's onboarding answers on their
// accepted request. The arrival date must fall between ArrivalDaysBefore
// days before the first day and the first day. It is written like a
// transition (version checked, an event in the same transaction) but
// leaves the stage as it is.
func (s *Service) SaveOnboarding(ctx context.Context, u *user.User, id int64, in OnboardingInput) (*Request, error) {
	var out *Request
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, cs, err := load(tx, id)
		if err != nil {
			return err
		}
		if u == nil || r.ApplicantID != u.ID {
			parties, err := partiesOf(tx, u, r, cs)
			if err != nil {
				return err
			}
			if len(parties) == 0 {
				return errNotFound
			}
			return table.NotYours
		}
		if r.Version != in.Version {
			return s.changed(tx, r)
		}
		if r.Status != Accepted {
			return errNotNow
		}
		c := choiceOf(cs, r.AcceptedChoice)
		f := apperr.Fields{}
		set := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": s.clock()}
		if v := strings.TrimSpace(in.ArrivalOn); v == "" {
			set["arrival_on"] = nil
		} else if t, err := time.Parse(time.DateOnly, v); err != nil {
			f.Add("arrival_on", "rotation.err.date")
		} else if start := Day(c.StartsOn); t.Before(start.AddDate(0, 0, -ArrivalDaysBefore)) || t.After(start) {
			f.Add("arrival_on", "rotation.err.arrival", start.AddDate(0, 0, -ArrivalDaysBefore).Format(time.DateOnly), start.Format(time.DateOnly))
		} else {
			set["arrival_on"] = t
		}
		for field, v := range map[string]string{"visa_letter": in.VisaLetter, "housing": in.Housing} {
			switch v {
			case "":
				set[field] = nil
			case "yes", "no":
				set[field] = v == "yes"
			default:
				f.Add(field, "form.not_a_choice")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		claimed, err := workflow.Claim(tx, "rotation_requests", id, r.Version, set)
		if err != nil {
			return err
		}
		if !claimed {
			return s.changed(tx, r)
		}
		now := s.clock()
		if err := tx.Create(&Event{RequestID: id, ActorID: &u.ID, Role: Applicant, FromStage: r.Status, ToStage: r.Status,
			Action: Onboard, At: now}).Error; err != nil {
			return err
		}
		out = r
		return tx.Take(out, id).Error
	})
	if err != nil {
		return nil, wrap(err, "save onboarding")
	}
	return out, nil
}
