package catalog

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
)

// Service reads and changes the catalog. Each method owns its transaction.
type Service struct {
	db    *db.DB
	names *i18n.Bundle // translations of codes, folded into search text
	now   func() time.Time
	zone  clock.Zone // whose calendar days "today" is of
	actor *Actor     // who changes the catalog (By); nil writes unaudited

	// search is the catalog as search reads it (searchindex.go), shared
	// by the copies By makes.
	search *searchCache
}

// NewService returns a Service whose days are UTC's; now may be nil for
// the wall clock.
func NewService(d *db.DB, names *i18n.Bundle, now func() time.Time) *Service {
	return NewServiceWith(d, names, Options{Now: now})
}

// Options are what a Service may be given besides its database and
// messages.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
	// Zone is the portal's time zone (PORTAL_TIME_ZONE): today is its
	// calendar day, so that a window opening on 2 April is open from
	// midnight in Taipei, not from 08:00 there. UTC when zero.
	Zone clock.Zone
}

// NewServiceWith returns a Service with options o.
func NewServiceWith(d *db.DB, names *i18n.Bundle, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: d, names: names, now: o.Now, zone: o.Zone, search: &searchCache{}}
}

// today is the portal's calendar day now, as the catalog stores days
// (midnight UTC of the local date): every window, expiry and "soon" of
// the catalog counts from it.
func (s *Service) today() time.Time { return s.zone.Day(s.now()) }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errNotFound
	}
	return apperr.Internalf("%s: %w", what, err)
}

// ---- institutions

// CreateInstitution adds a partner, or the home institution.
func (s *Service) CreateInstitution(ctx context.Context, in InstitutionInput) (*Institution, error) {
	i, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	i.CreatedAt, i.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkHome(tx, i, 0); err != nil {
			return err
		}
		if err := tx.Create(&i).Error; err != nil {
			return err
		}
		return s.audited(tx, KindInstitution, "create", i.ID, map[string]any{"name": i.NameEN})
	})
	if err != nil {
		return nil, wrap(err, "create institution")
	}
	return &i, nil
}

// UpdateInstitution edits an institution and refreshes the search text of
// its electives, which carry its names.
func (s *Service) UpdateInstitution(ctx context.Context, id int64, in InstitutionInput) error {
	i, err := in.check()
	if err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Institution
		if err := tx.Clauses(lockRow()).Take(&old, id).Error; err != nil {
			return notFound(err, "institution")
		}
		if err := s.checkHome(tx, i, id); err != nil {
			return err
		}
		i.ID, i.CreatedAt, i.RetiredAt, i.UpdatedAt = id, old.CreatedAt, old.RetiredAt, s.now()
		if err := tx.Save(&i).Error; err != nil {
			return err
		}
		if err := s.reindex(tx, "institution_id = ?", id); err != nil {
			return err
		}
		return s.audited(tx, KindInstitution, "update", id, map[string]any{"name": in.NameEN})
	}), "update institution")
}

// checkHome keeps exactly one home institution at most.
func (s *Service) checkHome(tx *gorm.DB, i Institution, self int64) error {
	if !i.IsHome {
		return nil
	}
	var n int64
	if err := tx.Model(&Institution{}).Where("is_home AND id <> ? AND retired_at IS NULL", self).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		f := apperr.Fields{}
		f.Add("is_home", "catalog.err.second_home")
		return f.Err()
	}
	return nil
}

// Institution returns one institution, retired or not.
func (s *Service) Institution(ctx context.Context, id int64) (*Institution, error) {
	var i Institution
	if err := s.db.WithContext(ctx).Take(&i, id).Error; err != nil {
		return nil, notFound(err, "institution")
	}
	return &i, nil
}

// Institutions lists institutions by English name.
func (s *Service) Institutions(ctx context.Context, withRetired bool) ([]Institution, error) {
	var out []Institution
	q := s.db.WithContext(ctx).Order("is_home DESC, name_en")
	if !withRetired {
		q = q.Where("retired_at IS NULL")
	}
	return out, wrap(q.Find(&out).Error, "list institutions")
}

// Home returns the home institution, or NotFound before one exists.
func (s *Service) Home(ctx context.Context) (*Institution, error) {
	var i Institution
	if err := s.db.WithContext(ctx).Where("is_home AND retired_at IS NULL").Take(&i).Error; err != nil {
		return nil, notFound(err, "home institution")
	}
	return &i, nil
}

// ---- agreements

// CreateAgreement adds an agreement with a live institution.
func (s *Service) CreateAgreement(ctx context.Context, in AgreementInput) (*Agreement, error) {
	a, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	a.CreatedAt, a.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := liveInstitution(tx, a.InstitutionID); err != nil {
			return err
		}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		return s.audited(tx, KindAgreement, "create", a.ID, map[string]any{"title": a.Title, "institution_id": a.InstitutionID})
	})
	if err != nil {
		return nil, wrap(err, "create agreement")
	}
	return &a, nil
}

// UpdateAgreement edits an agreement. Shortening it is refused while
// periods of its electives start after the new end.
func (s *Service) UpdateAgreement(ctx context.Context, id int64, in AgreementInput) error {
	a, err := in.check()
	if err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Agreement
		if err := tx.Clauses(lockRow()).Take(&old, id).Error; err != nil {
			return notFound(err, "agreement")
		}
		if a.InstitutionID != old.InstitutionID {
			if err := liveInstitution(tx, a.InstitutionID); err != nil {
				return err
			}
		}
		var late int64
		err := tx.Model(&Period{}).Joins("JOIN electives ON electives.id = periods.elective_id").
			Where("electives.agreement_id = ? AND periods.retired_at IS NULL AND electives.retired_at IS NULL AND periods.starts_on > ?", id, a.ValidUntil).
			Count(&late).Error
		if err != nil {
			return err
		}
		if late > 0 {
			f := apperr.Fields{}
			f.Add("valid_until", "catalog.err.agreement_periods_after", late)
			return f.Err()
		}
		a.ID, a.CreatedAt, a.RetiredAt, a.UpdatedAt = id, old.CreatedAt, old.RetiredAt, s.now()
		if err := tx.Save(&a).Error; err != nil {
			return err
		}
		return s.audited(tx, KindAgreement, "update", id, map[string]any{"title": in.Title, "institution_id": in.InstitutionID})
	}), "update agreement")
}

// Agreement returns one agreement.
func (s *Service) Agreement(ctx context.Context, id int64) (*Agreement, error) {
	var a Agreement
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return nil, notFound(err, "agreement")
	}
	return &a, nil
}

// AgreementRow is an agreement with its institution's names.
type AgreementRow struct {
	Agreement
	InstitutionNameEN    string
	InstitutionNameLocal string
}

// Agreements lists agreements, soonest to expire first; institutionID 0
// means all.
func (s *Service) Agreements(ctx context.Context, institutionID int64, withRetired bool) ([]AgreementRow, error) {
	q := s.db.WithContext(ctx).Table("agreements").
		Select("agreements.*, institutions.name_en AS institution_name_en, institutions.name_local AS institution_name_local").
		Joins("JOIN institutions ON institutions.id = agreements.institution_id").
		Order("agreements.valid_until, agreements.id")
	if institutionID != 0 {
		q = q.Where("agreements.institution_id = ?", institutionID)
	}
	if !withRetired {
		q = q.Where("agreements.retired_at IS NULL")
	}
	var out []AgreementRow
	return out, wrap(q.Scan(&out).Error, "list agreements")
}

// ---- departments

// CreateDepartment adds a home-hospital department; codes are unique.
func (s *Service) CreateDepartment(ctx context.Context, in DepartmentInput) (*Department, error) {
	d, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	d.CreatedAt, d.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		return s.audited(tx, KindDepartment, "create", d.ID, map[string]any{"code": d.Code})
	})
	if err != nil {
		return nil, uniqueCode(err, "create department")
	}
	return &d, nil
}

// UpdateDepartment edits a department.
func (s *Service) UpdateDepartment(ctx context.Context, id int64, in DepartmentInput) error {
	d, err := in.check()
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Department{}).Where("id = ?", id).
			Updates(map[string]any{"code": d.Code, "name_en": d.NameEN, "name_zh": d.NameZH, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound
		}
		return s.audited(tx, KindDepartment, "update", id, map[string]any{"code": in.Code})
	})
	if err == nil || errors.Is(err, errNotFound) {
		return err
	}
	return uniqueCode(err, "update department")
}

func uniqueCode(err error, what string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		f := apperr.Fields{}
		f.Add("code", "catalog.err.code_taken")
		return f.Err()
	}
	return apperr.Internalf("%s: %w", what, err)
}

// Department returns one department.
func (s *Service) Department(ctx context.Context, id int64) (*Department, error) {
	var d Department
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return nil, notFound(err, "department")
	}
	return &d, nil
}

// Departments lists departments by code.
func (s *Service) Departments(ctx context.Context, withRetired bool) ([]Department, error) {
	var out []Department
	q := s.db.WithContext(ctx).Order("code")
	if !withRetired {
		q = q.Where("retired_at IS NULL")
	}
	return out, wrap(q.Find(&out).Error, "list departments")
}

// ---- funding

// CreateFunding adds a funding opportunity.
func (s *Service) CreateFunding(ctx context.Context, in FundingInput) (*Funding, error) {
	f, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	f.CreatedAt, f.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if f.InstitutionID != nil {
			if err := liveInstitution(tx, *f.InstitutionID); err != nil {
				return err
			}
		}
		if err := tx.Create(&f).Error; err != nil {
			return err
		}
		return s.audited(tx, KindFunding, "create", f.ID, map[string]any{"name": f.NameEN})
	})
	if err != nil {
		return nil, wrap(err, "create funding")
	}
	return &f, nil
}

// UpdateFunding edits a funding opportunity.
func (s *Service) UpdateFunding(ctx context.Context, id int64, in FundingInput) error {
	f, err := in.check()
	if err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Funding
		if err := tx.Take(&old, id).Error; err != nil {
			return notFound(err, "funding")
		}
		f.ID, f.CreatedAt, f.RetiredAt, f.UpdatedAt = id, old.CreatedAt, old.RetiredAt, s.now()
		if err := tx.Save(&f).Error; err != nil {
			return err
		}
		return s.audited(tx, KindFunding, "update", id, map[string]any{"name": in.NameEN})
	}), "update funding")
}

// Funding returns one funding opportunity.
func (s *Service) Funding(ctx context.Context, id int64) (*Funding, error) {
	var f Funding
	if err := s.db.WithContext(ctx).Take(&f, id).Error; err != nil {
		return nil, notFound(err, "funding")
	}
	return &f, nil
}

// Fundings lists funding opportunities by deadline.
func (s *Service) Fundings(ctx context.Context, withRetired bool) ([]Funding, error) {
	var out []Funding
	q := s.db.WithContext(ctx).Order("deadline, id")
	if !withRetired {
		q = q.Where("retired_at IS NULL")
	}
	return out, wrap(q.Find(&out).Error, "list funding")
}

// ---- retire and restore

// Kind names a catalog table for Retire and Restore.
type Kind string

// The kinds of catalog entry that can be retired.
const (
	KindInstitution Kind = "institutions"
	KindAgreement   Kind = "agreements"
	KindDepartment  Kind = "departments"
	KindElective    Kind = "electives"
	KindPeriod      Kind = "periods"
	KindFunding     Kind = "funding"
)

// Retire hides an entry from new use while keeping it, and everything that
// refers to it, in the database: nothing an application may refer to is
// ever deleted. A period with seats taken cannot be retired.
func (s *Service) Retire(ctx context.Context, k Kind, id int64) error {
	return s.setRetired(ctx, k, id, true)
}

// Restore puts a retired entry back into use.
func (s *Service) Restore(ctx context.Context, k Kind, id int64) error {
	return s.setRetired(ctx, k, id, false)
}

func (s *Service) setRetired(ctx context.Context, k Kind, id int64, retire bool) error {
	switch k {
	case KindInstitution, KindAgreement, KindDepartment, KindElective, KindPeriod, KindFunding:
	default:
		return errNotFound
	}
	var detail map[string]any
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if retire && k == KindPeriod {
			var p Period
			if err := tx.Take(&p, id).Error; err != nil {
				return notFound(err, "period")
			}
			detail = map[string]any{"elective_id": p.ElectiveID}
			if p.Taken > 0 {
				return apperr.New(apperr.Conflict, "catalog.err.period_in_use", p.Taken)
			}
		}
		if !retire && k == KindPeriod {
			// A period comes back only if it fits as a new one would: periods
			// added while it was retired may overlap it.
			var p Period
			if err := tx.Take(&p, id).Error; err != nil {
				return notFound(err, "period")
			}
			if err := s.checkPeriod(tx, &p); err != nil {
				if m, ok := apperr.FieldsOf(err)["starts_on"]; ok {
					return apperr.New(apperr.Conflict, m.Key, m.Args...)
				}
				return err
			}
		}
		var v any
		if retire {
			// Retiring twice keeps the first date: when it left use.
			v = gorm.Expr("COALESCE(retired_at, ?)", s.now())
		}
		res := tx.Table(string(k)).Where("id = ?", id).Updates(map[string]any{"retired_at": v, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound
		}
		verb := "restore"
		if retire {
			verb = "retire"
		}
		return s.audited(tx, k, verb, id, detail)
	}), "retire")
}

// ---- helpers

func liveInstitution(tx *gorm.DB, id int64) error {
	var i Institution
	if err := tx.Take(&i, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			f := apperr.Fields{}
			f.Add("institution_id", "form.not_a_choice")
			return f.Err()
		}
		return err
	}
	if i.RetiredAt != nil {
		f := apperr.Fields{}
		f.Add("institution_id", "catalog.err.retired")
		return f.Err()
	}
	return nil
}

func lockRow() clause.Expression { return db.ForUpdate() }

// wrap passes coded errors through and codes anything else as internal.
func wrap(err error, what string) error { return apperr.Or(err, what) }
