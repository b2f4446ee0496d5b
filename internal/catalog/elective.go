package catalog

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
)

// CreateElective adds an elective after checking it against its
// institution, agreement and department.
func (s *Service) CreateElective(ctx context.Context, in ElectiveInput) (*Elective, error) {
	e, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inst, err := s.checkElective(tx, &e, true)
		if err != nil {
			return err
		}
		e.SearchText = s.searchText(e, inst)
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		return s.audited(tx, KindElective, "create", e.ID, map[string]any{"title": e.TitleEN, "institution_id": e.InstitutionID})
	})
	if err != nil {
		return nil, wrap(err, "create elective")
	}
	return &e, nil
}

// UpdateElective edits an elective; its window must still close before
// its first live period starts.
func (s *Service) UpdateElective(ctx context.Context, id int64, in ElectiveInput) error {
	e, err := in.check()
	if err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Elective
		if err := tx.Clauses(lockRow()).Take(&old, id).Error; err != nil {
			return notFound(err, "elective")
		}
		inst, err := s.checkElective(tx, &e, old.AgreementID == nil || e.AgreementID == nil || *old.AgreementID != *e.AgreementID)
		if err != nil {
			return err
		}
		var first Period
		err = tx.Where("elective_id = ? AND retired_at IS NULL", id).Order("starts_on").Limit(1).Find(&first).Error
		if err != nil {
			return err
		}
		if first.ID != 0 && !e.ClosesOn.Before(first.StartsOn) {
			f := apperr.Fields{}
			f.Add("closes_on", "catalog.err.window_after_start", first.StartsOn.Format("2006-01-02"))
			return f.Err()
		}
		e.ID, e.CreatedAt, e.RetiredAt, e.UpdatedAt = id, old.CreatedAt, old.RetiredAt, s.now()
		e.SearchText = s.searchText(e, inst)
		if err := tx.Save(&e).Error; err != nil {
			return err
		}
		return s.audited(tx, KindElective, "update", id, map[string]any{"title": in.TitleEN})
	}), "update elective")
}

// checkElective checks the references of e: a live institution of the
// right side (a partner for outgoing, home for incoming), an agreement with
// that institution still in force (when newAgreement), a live department.
func (s *Service) checkElective(tx *gorm.DB, e *Elective, newAgreement bool) (Institution, error) {
	f := apperr.Fields{}
	var inst Institution
	if e.Direction == Incoming {
		if err := tx.Where("is_home AND retired_at IS NULL").Take(&inst).Error; err != nil {
			f.Add("institution_id", "catalog.err.no_home")
			return inst, f.Err()
		}
		e.InstitutionID = inst.ID
	} else {
		if err := tx.Take(&inst, e.InstitutionID).Error; err != nil || inst.RetiredAt != nil {
			f.Add("institution_id", "form.not_a_choice")
			return inst, f.Err()
		}
		if inst.IsHome {
			f.Add("institution_id", "catalog.err.outgoing_home")
		}
	}
	if e.AgreementID != nil {
		var a Agreement
		switch err := tx.Take(&a, *e.AgreementID).Error; {
		case err != nil || a.InstitutionID != inst.ID:
			f.Add("agreement_id", "catalog.err.agreement_other")
		case a.RetiredAt != nil:
			f.Add("agreement_id", "catalog.err.retired")
		case newAgreement && a.ValidUntil.Before(s.today()):
			f.Add("agreement_id", "catalog.err.agreement_expired", a.ValidUntil.Format("2006-01-02"))
		}
	}
	if e.DepartmentID != nil {
		var d Department
		if err := tx.Take(&d, *e.DepartmentID).Error; err != nil || d.RetiredAt != nil {
			f.Add("department_id", "form.not_a_choice")
		}
	}
	return inst, f.Err()
}

// AddPeriod adds a dated block of seats to an elective.
func (s *Service) AddPeriod(ctx context.Context, electiveID int64, in PeriodInput) (*Period, error) {
	p, err := in.check()
	if err != nil {
		return nil, err
	}
	now := s.now()
	p.ElectiveID, p.CreatedAt, p.UpdatedAt = electiveID, now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkPeriod(tx, &p); err != nil {
			return err
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return s.audited(tx, KindPeriod, "create", p.ID, periodDetail(electiveID, in))
	})
	if err != nil {
		return nil, wrap(err, "add period")
	}
	return &p, nil
}

// UpdatePeriod changes a period's dates or capacity; capacity never drops
// below the seats already taken.
func (s *Service) UpdatePeriod(ctx context.Context, id int64, in PeriodInput) error {
	p, err := in.check()
	if err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Period
		if err := tx.Clauses(lockRow()).Take(&old, id).Error; err != nil {
			return notFound(err, "period")
		}
		p.ID, p.ElectiveID, p.Taken, p.CreatedAt, p.RetiredAt, p.UpdatedAt = id, old.ElectiveID, old.Taken, old.CreatedAt, old.RetiredAt, s.now()
		if p.Capacity < p.Taken {
			f := apperr.Fields{}
			f.Add("capacity", "catalog.err.capacity_below_taken", p.Taken)
			return f.Err()
		}
		if err := s.checkPeriod(tx, &p); err != nil {
			return err
		}
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		return s.audited(tx, KindPeriod, "update", id, periodDetail(old.ElectiveID, in))
	}), "update period")
}

// checkPeriod checks a period against its elective: the window closes
// before it starts, it overlaps no other live period, and the agreement
// still holds on its first day.
func (s *Service) checkPeriod(tx *gorm.DB, p *Period) error {
	var e Elective
	// Locking the elective makes two admins adding periods take turns, so
	// that the overlap check sees the other's period.
	if err := tx.Clauses(lockRow()).Take(&e, p.ElectiveID).Error; err != nil {
		return notFound(err, "elective")
	}
	if e.RetiredAt != nil {
		return apperr.New(apperr.Conflict, "catalog.err.elective_retired")
	}
	var a *Agreement
	if e.AgreementID != nil {
		a = new(Agreement)
		if err := tx.Take(a, *e.AgreementID).Error; err != nil {
			return err
		}
	}
	f := apperr.Fields{}
	periodFits(f, "starts_on", e.ClosesOn, a, *p)
	var clash Period
	err := tx.Where("elective_id = ? AND id <> ? AND retired_at IS NULL AND starts_on <= ? AND ends_on >= ?",
		p.ElectiveID, p.ID, p.EndsOn, p.StartsOn).Limit(1).Find(&clash).Error
	if err != nil {
		return err
	}
	if clash.ID != 0 {
		f.Add("starts_on", "catalog.err.period_overlap", clash.StartsOn.Format("2006-01-02"), clash.EndsOn.Format("2006-01-02"))
	}
	return f.Err()
}

// periodFits applies the rules a period must meet with its elective, the
// same for a form and for an imported row (field names differ): the
// application window (when its closing day is known) closes before the
// period starts, and the agreement, if any, still holds on its first day.
func periodFits(f apperr.Fields, field string, closes time.Time, a *Agreement, p Period) {
	if !closes.IsZero() && !closes.Before(p.StartsOn) {
		f.Add(field, "catalog.err.window_after_start", closes.Format(time.DateOnly))
	}
	if a != nil && a.ValidUntil.Before(p.StartsOn) {
		f.Add(field, "catalog.err.agreement_ends_before", a.ValidUntil.Format(time.DateOnly))
	}
}

// reindex rebuilds the search text of the electives matching where.
func (s *Service) reindex(tx *gorm.DB, where string, args ...any) error {
	var es []Elective
	if err := tx.Where(where, args...).Find(&es).Error; err != nil {
		return err
	}
	insts := map[int64]Institution{}
	for _, e := range es {
		inst, ok := insts[e.InstitutionID]
		if !ok {
			if err := tx.Take(&inst, e.InstitutionID).Error; err != nil {
				return err
			}
			insts[e.InstitutionID] = inst
		}
		if err := tx.Model(&Elective{}).Where("id = ?", e.ID).Update("search_text", s.searchText(e, inst)).Error; err != nil {
			return err
		}
	}
	return nil
}

// periodDetail is what the audit keeps of a period's change, as entered.
func periodDetail(electiveID int64, in PeriodInput) map[string]any {
	return map[string]any{"elective_id": electiveID, "starts_on": in.StartsOn, "ends_on": in.EndsOn, "capacity": in.Capacity}
}
