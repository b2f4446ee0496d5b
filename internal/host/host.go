// Package host brings the partner into the loop: the host contacts of each
// partner institution, what a student agrees to show a host, the home
// school's verification, and the dossier link through which a host answers
// a nomination without an account. The answer itself is a move of the
// application workflow by its Host party (application.AnswerAsHost), so it
// has the same effects as the office recording it.
package host

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/letter"
	"portal/internal/linktoken"
	"portal/internal/storage"
	"portal/internal/user"
)

// Languages a host contact may read mail in.
var Languages = []string{"en", "zh-Hant", "ja"}

// Defaults of Options.
const (
	DefaultLinkDays   = 30 // a dossier link answers for this long
	DefaultRemindDays = 7  // a host who has not answered is reminded every this many days
)

// Options tune a Service; the zero value is the production default.
type Options struct {
	Now        func() time.Time
	LinkDays   int
	RemindDays int
	// Fonts lay out the dossier's PDF, shared with the letters; fonts of
	// its own when nil.
	Fonts *letter.Fonts
}

// Service is the partner's answer loop. Each method owns its transaction.
type Service struct {
	db         *db.DB
	apps       *application.Service
	files      storage.Storage
	now        func() time.Time
	linkDays   int
	remindDays int
	fonts      *letter.Fonts
}

// NewService returns the answer loop on d; apps records the answers, files
// holds the shared documents' bytes.
func NewService(d *db.DB, apps *application.Service, files storage.Storage, o Options) *Service {
	s := &Service{db: d, apps: apps, files: files, now: o.Now, linkDays: o.LinkDays, remindDays: o.RemindDays, fonts: o.Fonts}
	if s.fonts == nil {
		s.fonts = letter.NewFonts()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.linkDays <= 0 {
		s.linkDays = DefaultLinkDays
	}
	if s.remindDays <= 0 {
		s.remindDays = DefaultRemindDays
	}
	return s
}

// RemindDays is how long a host waits before each reminder.
func (s *Service) RemindDays() int { return s.remindDays }

func (s *Service) clock() time.Time { return s.now().UTC() }

// office is the only party managing contacts, links and verifications.
func office(u *user.User) error {
	if u == nil || !u.Has(application.PartyRoles[application.Office]...) {
		return apperr.New(apperr.Forbidden, "host.err.office_only")
	}
	return nil
}

// Contact is who answers nominations for a partner institution, or for one
// of its electives (ElectiveID set), which then overrides the institution's.
type Contact struct {
	ID            int64
	InstitutionID int64
	ElectiveID    *int64
	Name          string
	Email         string
	Lang          string
	Department    string
	CreatedAt     time.Time
}

// TableName is the table of host contacts.
func (Contact) TableName() string { return "host_contacts" }

// ContactRow is a contact with the names the office's page shows.
type ContactRow struct {
	Contact
	Institution string
	Elective    string
}

// ContactInput is the office's form for a contact.
type ContactInput struct {
	InstitutionID int64
	ElectiveID    int64 // 0: the institution's contact
	Name, Email   string
	Lang          string
	Department    string
}

// Contacts lists every host contact, by institution, the institution's
// own before its electives' overrides.
func (s *Service) Contacts(ctx context.Context, u *user.User) ([]ContactRow, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []ContactRow
	err := s.db.WithContext(ctx).Table("host_contacts").
		Select("host_contacts.*, institutions.name_en AS institution, COALESCE(electives.title_en, '') AS elective").
		Joins("JOIN institutions ON institutions.id = host_contacts.institution_id").
		Joins("LEFT JOIN electives ON electives.id = host_contacts.elective_id").
		Order("institutions.name_en, host_contacts.elective_id IS NOT NULL, electives.title_en, host_contacts.id").
		Scan(&out).Error
	if err != nil {
		return nil, apperr.Internalf("list host contacts: %w", err)
	}
	return out, nil
}

// AddContact adds a contact; bad input is refused per field and changes
// nothing.
func (s *Service) AddContact(ctx context.Context, u *user.User, in ContactInput, m audit.Meta) (*Contact, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	in.Name, in.Email, in.Department = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Department)
	f := apperr.Fields{}
	f.Text("name", in.Name, true, 200)
	f.Text("department", in.Department, false, 200)
	if in.Email == "" {
		f.Add("email", "form.required")
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		f.Add("email", "form.email")
	}
	if !contains(Languages, in.Lang) {
		f.Add("lang", "form.not_a_choice")
	}
	if in.InstitutionID == 0 {
		f.Add("institution_id", "form.required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	c := Contact{InstitutionID: in.InstitutionID, Name: in.Name, Email: in.Email, Lang: in.Lang, Department: in.Department, CreatedAt: s.clock()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("institutions").Where("id = ? AND NOT is_home AND retired_at IS NULL", in.InstitutionID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			f.Add("institution_id", "form.not_a_choice")
			return f.Err()
		}
		if in.ElectiveID != 0 {
			if err := tx.Table("electives").Where("id = ? AND institution_id = ?", in.ElectiveID, in.InstitutionID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				f.Add("elective_id", "host.err.elective_elsewhere")
				return f.Err()
			}
			c.ElectiveID = &in.ElectiveID
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(c.CreatedAt, &u.ID, "host.contact_add", m,
			map[string]any{"contact": c.ID, "institution": c.InstitutionID, "email": c.Email}))
	})
	if err != nil {
		return nil, wrap(err, "add host contact")
	}
	return &c, nil
}

// DeleteContact removes a contact; links already sent keep working.
func (s *Service) DeleteContact(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&Contact{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "host.err.no_contact")
		}
		return audit.Write(tx, audit.New(s.clock(), &u.ID, "host.contact_delete", m, map[string]any{"contact": id}))
	})
	return wrap(err, "delete host contact")
}

// contactFor is who answers for elective e: its own contact, else its
// institution's first.
func contactFor(tx *gorm.DB, electiveID int64) (*Contact, error) {
	var c Contact
	err := tx.Table("host_contacts").
		Where("institution_id = (SELECT institution_id FROM electives WHERE id = ?) AND (elective_id = ? OR elective_id IS NULL)", electiveID, electiveID).
		Order("elective_id IS NULL, id").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &c, err
}

// newToken returns a random link token and the hash kept of it; the
// supervisors' evaluation links share the same code (internal/linktoken).
func newToken() (string, string) { return linktoken.New() }

func hashToken(tok string) string { return linktoken.Hash(tok) }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// wrap passes coded errors through and codes anything else as internal.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.New(apperr.NotFound, "host.err.not_found")
	}
	return apperr.Internalf("%s: %w", what, err)
}
