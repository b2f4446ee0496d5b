package mentor

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

// SignupInput is the mentor's form as typed.
type SignupInput struct {
	Kind           string
	Departments    []int64
	Languages      []string
	Interests      string
	Capacity       string
	AvailableFrom  string // YYYY-MM-DD
	AvailableUntil string
	ExchangeID     int64 // a partner institution; 0: none
	Active         bool
	Version        int // 0 for a new sign-up
}

// Profile is a mentor as their own form shows them.
type Profile struct {
	Mentor
	Departments []int64
}

// Input is p as the form shows it.
func (p *Profile) Input() SignupInput {
	in := SignupInput{Kind: string(p.Kind), Departments: p.Departments, Languages: split(p.Languages), Interests: p.Interests,
		Capacity: strconv.Itoa(p.Capacity), AvailableFrom: p.AvailableFrom.Format("2006-01-02"),
		AvailableUntil: p.AvailableUntil.Format("2006-01-02"), Active: p.Active, Version: p.Version}
	if p.ExchangeInstitutionID != nil {
		in.ExchangeID = *p.ExchangeInstitutionID
	}
	return in
}

// Choice is a department or an institution the form offers.
type Choice struct {
	ID                int64
	NameEN, NameOther string
}

// Departments are the departments a mentor may choose.
func (s *Service) Departments(ctx context.Context) ([]Choice, error) {
	var out []Choice
	err := s.db.WithContext(ctx).Table("departments").Select("id, name_en, name_zh AS name_other").
		Where("retired_at IS NULL").Order("name_en, id").Scan(&out).Error
	return out, wrap(err, "departments")
}

// Partners are the partner institutions a mentor may have gone to.
func (s *Service) Partners(ctx context.Context) ([]Choice, error) {
	var out []Choice
	err := s.db.WithContext(ctx).Table("institutions").Select("id, name_en, name_local AS name_other").
		Where("retired_at IS NULL AND NOT is_home").Order("name_en, id").Scan(&out).Error
	return out, wrap(err, "partners")
}

// Mine is u's mentor profile, nil before they sign up.
func (s *Service) Mine(ctx context.Context, u *user.User) (*Profile, error) {
	if !MayMentor(u) {
		return nil, errNotFound
	}
	var m Mentor
	err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, wrap(err, "mentor")
	}
	p := &Profile{Mentor: m}
	err = s.db.WithContext(ctx).Model(&mentorDepartment{}).Where("mentor_id = ?", m.ID).Order("department_id").Pluck("department_id", &p.Departments).Error
	return p, wrap(err, "mentor departments")
}

// SignUp saves u's mentor profile: a new one (Version 0) or theirs at the
// version they saw. Refused whole, with a message per field, when any
// field is wrong.
func (s *Service) SignUp(ctx context.Context, u *user.User, in SignupInput) (*Profile, error) {
	if !MayMentor(u) {
		return nil, apperr.New(apperr.Forbidden, "mentors.err.may_not_mentor")
	}
	f := apperr.Fields{}
	kind := Kind(strings.TrimSpace(in.Kind))
	if !containsKind(kind) {
		f.Add("kind", "mentors.err.kind")
	}
	langs := checkLanguages(f, "languages", in.Languages, true)
	interests := checkInterests(f, "interests", in.Interests)
	capacity, err := strconv.Atoi(strings.TrimSpace(in.Capacity))
	if err != nil || capacity < 1 || capacity > MaxCapacity {
		f.Add("capacity", "mentors.err.capacity", MaxCapacity)
	}
	from := parseDay(f, "available_from", in.AvailableFrom)
	until := parseDay(f, "available_until", in.AvailableUntil)
	if _, bad := f["available_until"]; !bad && !from.IsZero() && until.Before(from) {
		f.Add("available_until", "mentors.err.until_before_from")
	}
	if _, bad := f["available_until"]; !bad && !until.IsZero() && until.Before(s.today()) {
		f.Add("available_until", "mentors.err.until_past")
	}
	var deps []int64
	for _, d := range in.Departments {
		if d > 0 && !containsID(deps, d) {
			deps = append(deps, d)
		}
	}
	if len(deps) == 0 {
		f.Add("departments", "mentors.err.departments_required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *Profile
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var known int64
		if err := tx.Table("departments").Where("id IN ? AND retired_at IS NULL", deps).Count(&known).Error; err != nil {
			return err
		}
		if int(known) != len(deps) {
			return apperr.Fields{"departments": {Key: "mentors.err.departments_required"}}.Err()
		}
		var exchange *int64
		if in.ExchangeID > 0 {
			var n int64
			if err := tx.Table("institutions").Where("id = ? AND NOT is_home", in.ExchangeID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.Fields{"exchange": {Key: "mentors.err.exchange"}}.Err()
			}
			exchange = &in.ExchangeID
		}
		now := s.clock()
		m := Mentor{UserID: u.ID, Kind: kind, Languages: langs, Interests: interests, Capacity: capacity, AvailableFrom: from,
			AvailableUntil: until, ExchangeInstitutionID: exchange, Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
		var old Mentor
		err := tx.Where("user_id = ?", u.ID).Take(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if in.Version != 0 {
				return apperr.New(apperr.Conflict, "mentors.err.changed")
			}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if in.Version != old.Version {
				return apperr.New(apperr.Conflict, "mentors.err.changed")
			}
			m.ID, m.Active, m.Version, m.CreatedAt = old.ID, in.Active, old.Version+1, old.CreatedAt
			res := tx.Model(&Mentor{}).Where("id = ? AND version = ?", old.ID, old.Version).Updates(map[string]any{
				"kind": m.Kind, "languages": m.Languages, "interests": m.Interests, "capacity": m.Capacity,
				"available_from": m.AvailableFrom, "available_until": m.AvailableUntil, "exchange_institution_id": m.ExchangeInstitutionID,
				"active": m.Active, "version": m.Version, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return apperr.New(apperr.Conflict, "mentors.err.changed")
			}
			if err := tx.Where("mentor_id = ?", m.ID).Delete(&mentorDepartment{}).Error; err != nil {
				return err
			}
		}
		rows := make([]mentorDepartment, len(deps))
		for i, d := range deps {
			rows[i] = mentorDepartment{MentorID: m.ID, DepartmentID: d}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		out = &Profile{Mentor: m, Departments: deps}
		return s.record(tx, u, "mentor.signup", "mentor", m.ID, map[string]any{"capacity": capacity, "departments": deps, "active": m.Active})
	})
	if err != nil {
		return nil, wrap(err, "mentor signup")
	}
	return out, nil
}

func containsKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
