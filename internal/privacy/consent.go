package privacy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/document"
	"portal/internal/user"
)

type consent struct {
	ID            int64
	PersonID      int64
	ChainID       int64
	Recipient     Recipient
	NoticeVersion string
	GrantedAt     time.Time
	RevokedAt     *time.Time
}

func (consent) TableName() string { return "privacy_consents" }

// ConsentState is where one health document stands with one recipient.
type ConsentState string

// The states of a consent.
const (
	// NotAsked: no decision recorded. Nothing is presumed (PDPA Art. 6,
	// GDPR Art. 9 ask for an explicit consent): the document is refused,
	// and the refusal logged, until the person gives one.
	NotAsked ConsentState = "not_asked"
	Given    ConsentState = "given"
	Revoked  ConsentState = "revoked"
)

// Consent is one health document's consent to one recipient.
type Consent struct {
	Recipient     Recipient
	HostName      string // the institution of a host recipient
	State         ConsentState
	At            *time.Time // when given or revoked
	NoticeVersion string
	// Kept says the office keeps access after a revocation because the law
	// requires the record (a placement on the hospital's wards).
	Kept bool
	// Unshared says a host's consent cannot be given now: the document is
	// no longer shared with the host on any application (host.Share), and
	// sharing it again is what gives it.
	Unshared bool
}

// HealthDocument is a health document of a person with its consents.
type HealthDocument struct {
	DocumentID int64
	ChainID    int64
	Type       string
	FileName   string
	Consents   []Consent
}

// HealthDocuments lists owner's current health documents and their
// consents per recipient.
func (s *Service) HealthDocuments(ctx context.Context, owner int64) ([]HealthDocument, error) {
	var docs []document.Document
	err := s.db.WithContext(ctx).Where("owner_id = ? AND type IN ? AND superseded_at IS NULL AND deleted_at IS NULL", owner, HealthTypes).
		Order("id").Find(&docs).Error
	if err != nil {
		return nil, wrap(err, "list health documents")
	}
	var rows []consent
	if err := s.db.WithContext(ctx).Where("person_id = ?", owner).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list consents")
	}
	out := make([]HealthDocument, len(docs))
	for i, d := range docs {
		h := HealthDocument{DocumentID: d.ID, ChainID: d.ChainID, Type: d.Type, FileName: d.FileName}
		for _, r := range recipientsOf(d.ChainID, rows) {
			c := Consent{Recipient: r, State: NotAsked}
			if inst, ok := r.Host(); ok {
				if c.HostName, err = institutionName(s.db.WithContext(ctx), inst); err != nil {
					return nil, wrap(err, "read host")
				}
				var shared int64
				if err := s.db.WithContext(ctx).Table("host_consents hc").Joins("JOIN applications a ON a.id = hc.application_id").
					Where("a.applicant_id = ? AND hc.document_chain = ? AND hc.institution_id = ?", owner, d.ChainID, inst).
					Count(&shared).Error; err != nil {
					return nil, wrap(err, "read host sharing")
				}
				c.Unshared = shared == 0
			}
			for _, row := range rows { // the last row of the chain and recipient decides
				if row.ChainID != d.ChainID || row.Recipient != r {
					continue
				}
				c.NoticeVersion, c.State, c.At = row.NoticeVersion, Given, &row.GrantedAt
				if row.RevokedAt != nil {
					c.State, c.At = Revoked, row.RevokedAt
				}
			}
			if c.State == Revoked && r == Office {
				c.Kept, err = keptByLaw(s.db.WithContext(ctx), d.ID)
				if err != nil {
					return nil, wrap(err, "check kept documents")
				}
			}
			h.Consents = append(h.Consents, c)
		}
		out[i] = h
	}
	return out, nil
}

// SetConsent gives or revokes owner's consent to show health document
// docID (every version of it) to recipient. Giving needs the current health
// notice acknowledged; the consent records its version.
func (s *Service) SetConsent(ctx context.Context, owner *user.User, docID int64, r Recipient, give bool, m audit.Meta) error {
	if _, host := r.Host(); !slices.Contains(Recipients, r) && !host {
		return apperr.New(apperr.Invalid, "privacy.error.recipient")
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var d document.Document
		if err := tx.Where("id = ? AND owner_id = ? AND deleted_at IS NULL", docID, owner.ID).Take(&d).Error; err != nil {
			return err
		}
		if !IsHealth(d.Type) {
			return apperr.New(apperr.Invalid, "privacy.error.not_health")
		}
		if inst, ok := r.Host(); ok && give {
			// A host is given a consent while the person shares the
			// document with it on an application (host.Share).
			var n int64
			if err := tx.Table("host_consents hc").Joins("JOIN applications a ON a.id = hc.application_id").
				Where("a.applicant_id = ? AND hc.document_chain = ? AND hc.institution_id = ?", owner.ID, d.ChainID, inst).
				Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "privacy.error.recipient")
			}
		} else if ok {
			// Revoked only where one was given: no host out of nowhere.
			var n int64
			if err := tx.Model(&consent{}).Where("chain_id = ? AND recipient = ?", d.ChainID, r).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "privacy.error.recipient")
			}
		}
		now := s.now()
		// End whatever is live first: the latest row of a chain and recipient decides.
		res := tx.Model(&consent{}).Where("chain_id = ? AND recipient = ? AND revoked_at IS NULL", d.ChainID, r).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		action := ActionConsentRevoked
		if give {
			var acked int64
			if err := tx.Model(&noticeAck{}).Where("user_id = ? AND notice = ? AND version = ?", owner.ID, HealthNotice.Kind, HealthNotice.Version).
				Count(&acked).Error; err != nil {
				return err
			}
			if acked == 0 {
				return apperr.New(apperr.Invalid, "privacy.error.notice_first")
			}
			action = ActionConsentGiven
			if err := tx.Create(&consent{PersonID: owner.ID, ChainID: d.ChainID, Recipient: r, NoticeVersion: HealthNotice.Version, GrantedAt: now}).Error; err != nil {
				return err
			}
		} else if res.RowsAffected == 0 {
			// Never asked, or already revoked: record the refusal so that it counts.
			if err := tx.Create(&consent{PersonID: owner.ID, ChainID: d.ChainID, Recipient: r, NoticeVersion: HealthNotice.Version, GrantedAt: now, RevokedAt: &now}).Error; err != nil {
				return err
			}
		}
		return audit.Write(tx, audit.New(now, &owner.ID, action, m, map[string]any{"recipient": r, "chain_id": d.ChainID, "type": d.Type}).On("document", d.ID))
	}), "set consent")
}

// Refusal is an opening a revoked consent stopped. It is a coded error
// (forbidden, with a message) so that the reader is told why.
type Refusal struct {
	Err    *apperr.Error
	Basis  string // consent_revoked or consent_not_given
	Actor  string // who was refused, as the log names them
	Owner  int64
	Reader *user.User
	Doc    document.Document
}

func (r *Refusal) Error() string { return r.Err.Error() }

// Unwrap lets the web layer find the coded error, and its message.
func (r *Refusal) Unwrap() error { return r.Err }

// Guard wraps the wallet's scope: a reader in scope of a health document
// opens it only while its owner's consent to that reader's kind of
// recipient stands (or, for the office, while the law requires the record).
// Every opening it allows is written in the disclosure log in the opening's
// own transaction, with its basis.
func (s *Service) Guard(inner document.Scope) document.Scope {
	return func(ctx context.Context, tx *gorm.DB, reader *user.User, doc *document.Document) (bool, error) {
		ok, err := inner(ctx, tx, reader, doc)
		if err != nil || !ok {
			return ok, err
		}
		r := Reviewers
		if isOffice(reader) {
			r = Office
		}
		basis := "purpose"
		if IsHealth(doc.Type) {
			var last consent
			err := tx.Where("chain_id = ? AND recipient = ?", doc.ChainID, r).Order("id DESC").Limit(1).Find(&last).Error
			if err != nil {
				return false, err
			}
			if last.ID != 0 && last.RevokedAt == nil {
				basis = "consent"
			} else {
				kept := false
				if r == Office {
					if kept, err = keptByLaw(tx, doc.ID); err != nil {
						return false, err
					}
				}
				if !kept {
					key, why := "privacy.error.consent_revoked", "consent_revoked"
					if last.ID == 0 {
						key, why = "privacy.error.consent_missing", "consent_not_given"
					}
					return false, &Refusal{Err: apperr.New(apperr.Forbidden, key), Basis: why, Owner: doc.OwnerID, Reader: reader, Doc: *doc}
				}
				basis = "legal_duty"
			}
		}
		action := "document.opened"
		if document.Describing(ctx) {
			action = "document.described"
		}
		return true, Disclose(tx, Disclosure{PersonID: doc.OwnerID, ActorID: &reader.ID, Actor: ActorLabel(reader),
			Action: action, Object: docLabel(doc), Basis: basis, At: s.now()})
	}
}

// Refused records in the disclosure log an opening Guard refused; the
// wallet calls it after the opening's transaction rolled back.
func (s *Service) Refused(ctx context.Context, err error) {
	var r *Refusal
	if !errors.As(err, &r) {
		return
	}
	d := Disclosure{PersonID: r.Owner, Actor: r.Actor, Action: "document.refused", Object: docLabel(&r.Doc), Basis: r.Basis, At: s.now()}
	if r.Reader != nil {
		d.ActorID, d.Actor = &r.Reader.ID, ActorLabel(r.Reader)
	}
	_ = Disclose(s.db.WithContext(context.WithoutCancel(ctx)), d)
}

// keptByLaw reports whether document docID belongs to a placement that the
// hospital must keep records of (a confirmed or completed application or
// rotation): the office's access then rests on that duty, not on consent.
func keptByLaw(tx *gorm.DB, docID int64) (bool, error) {
	var n int64
	err := tx.Raw(`SELECT
		(SELECT COUNT(*) FROM document_attachments da JOIN applications a ON a.id = da.application_id
		  WHERE da.document_id = ? AND a.status IN ('confirmed', 'completed')) +
		(SELECT COUNT(*) FROM rotation_request_documents rd JOIN rotation_requests r ON r.id = rd.request_id
		  WHERE rd.document_id = ? AND r.status IN ('confirmed', 'completed'))`, docID, docID).Scan(&n).Error
	return n > 0, err
}

// ActorLabel names u in a disclosure entry: name, address and roles then,
// since the entry outlives the account.
func ActorLabel(u *user.User) string {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return strings.TrimSpace(fmt.Sprintf("%s <%s> (%s)", u.Name, u.Email, strings.Join(roles, ", ")))
}

// DocLabel names a document in a disclosure entry.
func DocLabel(d *document.Document) string { return docLabel(d) }

func docLabel(d *document.Document) string {
	return fmt.Sprintf("%s %s v%d", d.Type, d.FileName, d.Version)
}
