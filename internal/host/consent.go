package host

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/privacy"
	"portal/internal/user"
)

// Consent is one document (its chain: every version) the student agreed to
// show one recipient institution.
type Consent struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	DocumentChain int64 `gorm:"primaryKey;autoIncrement:false"`
	InstitutionID int64 `gorm:"primaryKey;autoIncrement:false"`
	GrantedAt     time.Time
}

// TableName is the table of sharing consents.
func (Consent) TableName() string { return "host_consents" }

// Profile is the student's names in both scripts for the dossier.
type Profile struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	NameLatin     string
	NameNative    string
	ConsentedAt   time.Time
}

// TableName is the table of dossier profiles.
func (Profile) TableName() string { return "host_profiles" }

// ShareInput is the student's choice, before nomination, of what each
// host of their choices may see.
type ShareInput struct {
	NameLatin, NameNative string
	// Chains are the wallet documents (by chain) each recipient
	// institution may see; an institution left out sees none.
	Chains map[int64][]int64
}

// sharable are the stages at which the student may still change what a
// host will see: before the nomination sends the dossier.
var sharable = []application.Stage{application.Draft, application.Returned, application.Submitted,
	application.DepartmentReview, application.OfficeReview}

// Share records the applicant's consent, replacing the earlier one. Only
// the applicant, only before nomination, only their own documents and
// only institutions of their choices.
func (s *Service) Share(ctx context.Context, u *user.User, id int64, in ShareInput, m audit.Meta) error {
	in.NameLatin, in.NameNative = strings.TrimSpace(in.NameLatin), strings.TrimSpace(in.NameNative)
	f := apperr.Fields{}
	f.Text("name_latin", in.NameLatin, true, 200)
	f.Text("name_native", in.NameNative, false, 200)
	if err := f.Err(); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		if u == nil || a.ApplicantID != u.ID {
			return apperr.New(apperr.NotFound, "host.err.not_found")
		}
		if !contains(stages(sharable), string(a.Status)) {
			return apperr.New(apperr.Conflict, "host.err.already_nominated")
		}
		var insts []int64
		if err := tx.Table("application_choices c").Joins("JOIN electives e ON e.id = c.elective_id").
			Where("c.application_id = ?", id).Pluck("e.institution_id", &insts).Error; err != nil {
			return err
		}
		now := s.clock()
		if err := tx.Where("application_id = ?", id).Delete(&Consent{}).Error; err != nil {
			return err
		}
		for inst, chains := range in.Chains {
			if !containsID(insts, inst) {
				return apperr.New(apperr.Invalid, "host.err.not_your_host")
			}
			for _, ch := range chains {
				var n int64
				if err := tx.Table("documents").Where("chain_id = ? AND owner_id = ? AND deleted_at IS NULL", ch, u.ID).Count(&n).Error; err != nil {
					return err
				}
				if n == 0 {
					return apperr.New(apperr.Invalid, "host.err.not_your_document")
				}
				if err := tx.Create(&Consent{ApplicationID: id, DocumentChain: ch, InstitutionID: inst, GrantedAt: now}).Error; err != nil {
					return err
				}
			}
		}
		// A health document shared with a host is a consent to that host:
		// recorded, shown and revocable on /account (privacy).
		version, err := privacy.HostNoticeVersion(tx, u.ID)
		if err != nil {
			return err
		}
		if err := privacy.ShareWithHosts(tx, u.ID, insts, now, version); err != nil {
			return err
		}
		p := Profile{ApplicationID: id, NameLatin: in.NameLatin, NameNative: in.NameNative, ConsentedAt: now}
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, "host.share", m, map[string]any{"application": id, "shared": in.Chains}))
	})
	return wrap(err, "share with host")
}

// Verification is the home school's confirmation, by the office, that
// the student is in good standing and their immunization record is
// complete.
type Verification struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	GoodStanding  bool
	Immunization  bool
	VerifiedBy    int64
	VerifiedAt    time.Time
}

// TableName is the table of home-school verifications.
func (Verification) TableName() string { return "host_verifications" }

// Verify records the office's verification of application id (submitted
// or later), replacing an earlier one.
func (s *Service) Verify(ctx context.Context, u *user.User, id int64, goodStanding, immunization bool, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		if a.Status == application.Draft {
			return apperr.New(apperr.NotFound, "host.err.not_found")
		}
		now := s.clock()
		v := Verification{ApplicationID: id, GoodStanding: goodStanding, Immunization: immunization, VerifiedBy: u.ID, VerifiedAt: now}
		if err := tx.Save(&v).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, "host.verify", m,
			map[string]any{"application": id, "good_standing": goodStanding, "immunization": immunization}))
	})
	return wrap(err, "verify for host")
}

func stages(list []application.Stage) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

func containsID(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
