package departure

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/user"
)

// Placement is the confirmed application a checklist prepares for.
type Placement struct {
	ApplicationID int64
	ApplicantID   int64
	Status        application.Stage
	StudentName   string
	ElectiveEn    string
	ElectiveZh    string
	Host          string
	PlacedFrom    time.Time
	PlacedUntil   time.Time
}

// View is a checklist as one reader sees it.
type View struct {
	Placement Placement
	Checklist Checklist
	Missing   []Item
	// CanEdit: the student of a confirmed placement; everyone else reads.
	CanEdit bool
}

// Ready reports whether every item is done.
func (v *View) Ready() bool { return len(v.Missing) == 0 }

const placementQuery = "a.id AS application_id, a.applicant_id, a.status, a.placed_from, a.placed_until, u.name AS student_name, " +
	"e.title_en AS elective_en, e.title_zh AS elective_zh, i.name_en AS host"

func placements(tx *gorm.DB) *gorm.DB {
	return tx.Table("applications AS a").Select(placementQuery).
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("a.direction = ? AND a.placed_from IS NOT NULL AND a.placed_until IS NOT NULL", "outgoing")
}

// placement is application id's placement for u: NotFound when u may not
// read the application (its parties are application's rule), Invalid
// before the student has confirmed it.
func (s *Service) placement(ctx context.Context, u *user.User, id int64) (*Placement, []application.Party, error) {
	d, err := s.o.Applications.Get(ctx, u, id)
	if err != nil {
		return nil, nil, err
	}
	if d.Status != application.Confirmed && d.Status != application.Completed {
		return nil, nil, apperr.New(apperr.Invalid, "departure.err.not_confirmed")
	}
	var p Placement
	err = placements(s.db.WithContext(ctx)).Where("a.id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, apperr.New(apperr.Invalid, "departure.err.not_confirmed")
	}
	if err != nil {
		return nil, nil, wrap(err, "read placement")
	}
	p.PlacedFrom, p.PlacedUntil = catalog.Day(p.PlacedFrom), catalog.Day(p.PlacedUntil)
	return &p, d.Parties, nil
}

// Of is application id's checklist as u sees it: its student, a reviewer
// in its scope or the office; an empty one while nothing was saved.
func (s *Service) Of(ctx context.Context, u *user.User, id int64) (*View, error) {
	p, parties, err := s.placement(ctx, u, id)
	if err != nil {
		return nil, err
	}
	c := Checklist{ApplicationID: id}
	if err := s.db.WithContext(ctx).Take(&c, "application_id = ?", id).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, wrap(err, "read checklist")
	}
	return &View{Placement: *p, Checklist: c, Missing: c.Missing(p.PlacedUntil),
		CanEdit: p.Status == application.Confirmed && slices.Contains(parties, application.Applicant)}, nil
}

// Input is one item's form as typed; Save reads only the item's fields.
type Input struct {
	InsuranceProvider, InsurancePolicy, InsuranceUntil string
	InsuranceDocID                                     int64 // a document of the student's wallet; 0 for none
	Visa, VisaNote                                     string
	ArriveOn, LeaveOn                                  string // YYYY-MM-DD
	Housing                                            string
	EmergencyName, EmergencyRelation, EmergencyPhone   string
	OnboardingRead                                     bool
	OnboardingNote                                     string
}

var phone = regexp.MustCompile(`^\+?[0-9][0-9 ()\-.]{4,28}[0-9]$`)

// Save records one item of application id's checklist for its student.
// A refused item changes nothing, and the other items are untouched.
func (s *Service) Save(ctx context.Context, u *user.User, id int64, item Item, in Input) (*View, error) {
	if _, ok := ParseItem(string(item)); !ok {
		return nil, errNotFound
	}
	p, parties, err := s.placement(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(parties, application.Applicant) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if p.Status != application.Confirmed {
		return nil, apperr.New(apperr.Invalid, "departure.err.closed")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		c := Checklist{ApplicationID: id, CreatedAt: now}
		err := tx.Take(&c, "application_id = ?", id).Error
		fresh := errors.Is(err, gorm.ErrRecordNotFound)
		if err != nil && !fresh {
			return wrap(err, "read checklist")
		}
		if err := s.fill(tx, u, p, &c, item, in, now); err != nil {
			return err
		}
		c.UpdatedAt = now
		if fresh {
			err = tx.Create(&c).Error
		} else {
			err = tx.Save(&c).Error
		}
		if err != nil {
			return wrap(err, "save checklist")
		}
		ev := audit.New(now, &u.ID, "departure.saved", audit.Meta{}, map[string]any{"item": string(item)}).On("application", id)
		return audit.Write(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.Of(ctx, u, id)
}

// fill checks item's fields and copies them onto c.
func (s *Service) fill(tx *gorm.DB, u *user.User, p *Placement, c *Checklist, item Item, in Input, now time.Time) error {
	f := apperr.Fields{}
	date := func(field, v string) *time.Time {
		if strings.TrimSpace(v) == "" {
			f.Add(field, "form.required")
			return nil
		}
		d, ok := catalog.Date(v)
		if !ok {
			f.Add(field, "form.date")
			return nil
		}
		return &d
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	switch item {
	case Insurance:
		f.Text("insurance_provider", in.InsuranceProvider, true, 200)
		f.Text("insurance_policy", in.InsurancePolicy, false, 200)
		until := date("insurance_until", in.InsuranceUntil)
		if until != nil && until.Before(p.PlacedUntil) {
			f.Add("insurance_until", "departure.err.insurance_short", day(p.PlacedUntil))
		}
		var doc *int64
		if in.InsuranceDocID != 0 {
			var n int64
			if err := tx.Table("documents").Where("id = ? AND owner_id = ? AND deleted_at IS NULL", in.InsuranceDocID, u.ID).Count(&n).Error; err != nil {
				return wrap(err, "check document")
			}
			if n == 0 {
				f.Add("insurance_doc", "departure.err.document")
			}
			d := in.InsuranceDocID
			doc = &d
		}
		if strings.TrimSpace(in.InsurancePolicy) == "" && in.InsuranceDocID == 0 {
			f.Add("insurance_policy", "departure.err.insurance_proof")
		}
		if err := f.Err(); err != nil {
			return err
		}
		c.InsuranceProvider, c.InsurancePolicy = strings.TrimSpace(in.InsuranceProvider), strings.TrimSpace(in.InsurancePolicy)
		c.InsuranceUntil, c.InsuranceDocID, c.InsuranceAt = until, doc, &now
	case Visa:
		if !slices.Contains(VisaAnswers, in.Visa) {
			f.Add("visa", "departure.err.visa")
		}
		f.Text("visa_note", in.VisaNote, false, MaxText)
		if err := f.Err(); err != nil {
			return err
		}
		c.Visa, c.VisaNote, c.VisaAt = in.Visa, strings.TrimSpace(in.VisaNote), &now
	case Travel:
		arrive, leave := date("arrive_on", in.ArriveOn), date("leave_on", in.LeaveOn)
		if arrive != nil {
			switch {
			case arrive.After(p.PlacedFrom):
				f.Add("arrive_on", "departure.err.arrive_late", day(p.PlacedFrom))
			case arrive.Before(p.PlacedFrom.AddDate(0, 0, -TravelSlack)):
				f.Add("arrive_on", "departure.err.too_far", TravelSlack)
			}
		}
		if leave != nil {
			switch {
			case arrive != nil && leave.Before(*arrive):
				f.Add("leave_on", "departure.err.leave_before_arrive")
			case leave.Before(p.PlacedUntil):
				f.Add("leave_on", "departure.err.leave_early", day(p.PlacedUntil))
			case leave.After(p.PlacedUntil.AddDate(0, 0, TravelSlack)):
				f.Add("leave_on", "departure.err.too_far", TravelSlack)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		c.ArriveOn, c.LeaveOn, c.TravelAt = arrive, leave, &now
	case Housing:
		f.Text("housing", in.Housing, true, MaxText)
		if err := f.Err(); err != nil {
			return err
		}
		c.Housing, c.HousingAt = strings.TrimSpace(in.Housing), &now
	case Emergency:
		f.Text("emergency_name", in.EmergencyName, true, 200)
		f.Text("emergency_relation", in.EmergencyRelation, false, 100)
		if strings.TrimSpace(in.EmergencyPhone) == "" {
			f.Add("emergency_phone", "form.required")
		} else if !phone.MatchString(strings.TrimSpace(in.EmergencyPhone)) {
			f.Add("emergency_phone", "departure.err.phone")
		}
		if err := f.Err(); err != nil {
			return err
		}
		c.EmergencyName, c.EmergencyRelation, c.EmergencyPhone = strings.TrimSpace(in.EmergencyName),
			strings.TrimSpace(in.EmergencyRelation), strings.TrimSpace(in.EmergencyPhone)
		c.EmergencyAt = &now
	case Onboarding:
		if !in.OnboardingRead {
			f.Add("onboarding_read", "departure.err.onboarding")
		}
		f.Text("onboarding_note", in.OnboardingNote, false, MaxText)
		if err := f.Err(); err != nil {
			return err
		}
		c.OnboardingNote, c.OnboardingAt = strings.TrimSpace(in.OnboardingNote), &now
	}
	return nil
}
