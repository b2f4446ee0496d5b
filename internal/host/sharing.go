package host

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/user"
)

// Sharing is what the applicant chose to show each host of their choices,
// for the application page's form (Share records it).
type Sharing struct {
	Institutions []ShareInstitution
	Chains       map[int64][]int64 // institution -> wallet document chains it may see
	Profile      *Profile          // nil until the student first chose
	Open         bool              // the choice may still change: before nomination
}

// ShareInstitution is one recipient institution of the application's choices.
type ShareInstitution struct {
	ID     int64
	NameEN string
}

// SharingOf reads the applicant's sharing choice on application id; only
// the applicant sees it.
func (s *Service) SharingOf(ctx context.Context, u *user.User, id int64) (*Sharing, error) {
	tx := s.db.WithContext(ctx)
	var a application.Application
	if err := tx.Take(&a, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.New(apperr.NotFound, "host.err.not_found")
		}
		return nil, wrap(err, "read application")
	}
	if u == nil || a.ApplicantID != u.ID {
		return nil, apperr.New(apperr.NotFound, "host.err.not_found")
	}
	out := &Sharing{Chains: map[int64][]int64{}, Open: contains(stages(sharable), string(a.Status))}
	err := tx.Table("application_choices c").Select("DISTINCT i.id, i.name_en").
		Joins("JOIN electives e ON e.id = c.elective_id").Joins("JOIN institutions i ON i.id = e.institution_id").
		Where("c.application_id = ?", id).Order("i.name_en").Scan(&out.Institutions).Error
	if err != nil {
		return nil, wrap(err, "read hosts")
	}
	var consents []Consent
	if err := tx.Where("application_id = ?", id).Order("document_chain").Find(&consents).Error; err != nil {
		return nil, wrap(err, "read consents")
	}
	for _, c := range consents {
		out.Chains[c.InstitutionID] = append(out.Chains[c.InstitutionID], c.DocumentChain)
	}
	var p Profile
	switch err := tx.Take(&p, "application_id = ?", id).Error; {
	case err == nil:
		out.Profile = &p
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, wrap(err, "read profile")
	}
	return out, nil
}

// VerificationOf is the office's home-school verification of application
// id, nil while none was recorded.
func (s *Service) VerificationOf(ctx context.Context, u *user.User, id int64) (*Verification, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var v Verification
	err := s.db.WithContext(ctx).Take(&v, "application_id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &v, wrap(err, "read verification")
}
