package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/notify"
	"portal/internal/user"
)

// A batch link (issue 15): after a selection round the office sends a
// host contact one signed link for all of that host's pending nominees of
// the round, instead of one mail per student. The host answers each
// nominee on the batch page; each answer is its own move of the workflow
// by the Host party, exactly as through a nominee's own link. The rules
// of a link hold for the batch as a whole (it expires, the office may
// revoke it) and for each nominee on it (answered once; a nomination that
// moved on is refused as stale and changes nothing).

// MailBatch is the kind of the batch link's mail.
const MailBatch = notify.HostBatch

// BatchLink is one batch link; only its token's hash is kept.
type BatchLink struct {
	ID            int64
	RoundID       int64
	InstitutionID int64
	ContactID     *int64
	ContactName   string
	ContactEmail  string
	Lang          string
	TokenHash     string
	CreatedBy     int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	RemindedAt    *time.Time // when its contact was sent a new link for the nominees still waiting
}

// TableName is the table of batch links.
func (BatchLink) TableName() string { return "host_batch_links" }

// batchMember is one nomination a batch link answers for.
type batchMember struct {
	BatchID       int64 `gorm:"primaryKey;autoIncrement:false"`
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	ChoiceRank    int
	UsedAt        *time.Time
}

func (batchMember) TableName() string { return "host_batch_members" }

// BatchPath is where a batch link leads.
func BatchPath(token string) string { return "/dossier/batch/" + token }

// ErrNoNominees refuses a batch with nobody pending at that host.
const ErrNoNominees = "host.batch.none_pending"

// BatchInput is what the office chooses: a round and a partner.
type BatchInput struct {
	RoundID, InstitutionID int64
}

// BatchSent says what IssueBatch sent.
type BatchSent struct {
	Link     BatchLink
	Nominees int
}

// pendingOf lists the nominations of round at institution still waiting
// for the host: nominated in the round, at Nominated, their current
// choice at the institution.
func pendingOf(tx *gorm.DB, round, institution int64) ([]batchMember, error) {
	var out []batchMember
	err := tx.Table("selection_outcomes AS o").Select("a.id AS application_id, a.current_choice AS choice_rank").
		Joins("JOIN applications AS a ON a.id = o.application_id").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Where("o.round_id = ? AND a.status = ? AND e.institution_id = ?", round, application.Nominated, institution).
		Order("a.id").Scan(&out).Error
	return out, err
}

// batchContact is who answers for a partner as a whole: its first
// contact that names no elective, else its first.
func batchContact(tx *gorm.DB, institution int64) (*Contact, error) {
	var c Contact
	err := tx.Where("institution_id = ?", institution).Order("elective_id IS NOT NULL, id").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.Invalid, "host.batch.no_contact")
	}
	return &c, err
}

// IssueBatch sends the partner's contact one link for all of its pending
// nominees of the round, in the contact's language, and audits it.
func (s *Service) IssueBatch(ctx context.Context, u *user.User, in BatchInput, m audit.Meta) (*BatchSent, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out BatchSent
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("selection_rounds").Where("id = ?", in.RoundID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.NotFound, "host.err.not_found")
		}
		c, err := batchContact(tx, in.InstitutionID)
		if err != nil {
			return err
		}
		members, err := pendingOf(tx, in.RoundID, in.InstitutionID)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			return apperr.New(apperr.Invalid, ErrNoNominees)
		}
		now := s.clock()
		tok, hash := newToken()
		l := BatchLink{RoundID: in.RoundID, InstitutionID: in.InstitutionID, ContactID: &c.ID, ContactName: c.Name, ContactEmail: c.Email,
			Lang: c.Lang, TokenHash: hash, CreatedBy: u.ID, CreatedAt: now, ExpiresAt: now.AddDate(0, 0, s.linkDays)}
		if err := tx.Create(&l).Error; err != nil {
			return err
		}
		for i := range members {
			members[i].BatchID = l.ID
		}
		if err := tx.Create(&members).Error; err != nil {
			return err
		}
		var inst string
		if err := tx.Table("institutions").Where("id = ?", in.InstitutionID).Pluck("name_en", &inst).Error; err != nil {
			return err
		}
		out = BatchSent{Link: l, Nominees: len(members)}
		if err := notify.Enqueue(tx, notify.Event{Kind: MailBatch, RecipientEmail: c.Email, Lang: c.Lang, Link: BatchPath(tok),
			Data: map[string]any{"contact": c.Name, "host": inst, "count": len(members), "days": s.linkDays}}); err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, "host.batch_issue", m,
			map[string]any{"round": in.RoundID, "institution": in.InstitutionID, "nominees": len(members), "contact": c.Email}).On("host_batch_link", l.ID))
	})
	if err != nil {
		return nil, wrap(err, "issue batch link")
	}
	return &out, nil
}

// openBatch finds the batch link of token and refuses one that no longer
// answers, with the same reasons as a nominee's link.
func (s *Service) openBatch(tx *gorm.DB, token string, now time.Time) (*BatchLink, error) {
	var l BatchLink
	if err := tx.Where("token_hash = ?", hashToken(token)).Take(&l).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.New(apperr.NotFound, ErrUnknown)
		}
		return nil, err
	}
	switch {
	case l.RevokedAt != nil:
		return nil, apperr.New(apperr.Conflict, ErrRevoked)
	case !now.Before(l.ExpiresAt):
		return nil, apperr.New(apperr.Conflict, ErrExpired)
	}
	return &l, nil
}

// The states of a nominee on a batch page.
const (
	NomineePending  = "pending"  // the host may answer
	NomineeAnswered = "answered" // answered through this link
	NomineeMoved    = "moved"    // the nomination moved on otherwise (withdrawn, recorded by the office)
)

// BatchNominee is one nominee of a batch as the host sees it.
type BatchNominee struct {
	Dossier
	State string
}

// Batch is a batch link's page: the partner, the contact and each nominee.
type Batch struct {
	Institution string
	Contact     string
	ExpiresAt   time.Time
	Nominees    []BatchNominee
	Pending     int
}

// OpenBatch opens the batch page of token; a link that no longer answers
// is refused with its reason and shows nothing. Every pending nominee's
// dossier shown is a transfer of their records to the host, logged.
func (s *Service) OpenBatch(ctx context.Context, token string) (*Batch, error) {
	var b Batch
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.clock()
		l, err := s.openBatch(tx, token, now)
		if err != nil {
			return err
		}
		b.Contact, b.ExpiresAt = l.ContactName, l.ExpiresAt
		if err := tx.Table("institutions").Where("id = ?", l.InstitutionID).Pluck("name_en", &b.Institution).Error; err != nil {
			return err
		}
		var ms []batchMember
		if err := tx.Where("batch_id = ?", l.ID).Order("application_id").Find(&ms).Error; err != nil {
			return err
		}
		for _, mb := range ms {
			var a application.Application
			if err := tx.Take(&a, mb.ApplicationID).Error; err != nil {
				return err
			}
			one := &Link{ApplicationID: a.ID, ChoiceRank: mb.ChoiceRank, ContactName: l.ContactName, ContactEmail: l.ContactEmail,
				Lang: l.Lang, ExpiresAt: l.ExpiresAt}
			d, err := dossierOf(tx, one, &a)
			if err != nil {
				return err
			}
			n := BatchNominee{Dossier: *d, State: NomineePending}
			switch {
			case mb.UsedAt != nil:
				n.State = NomineeAnswered
			case a.Status != application.Nominated || a.CurrentChoice != mb.ChoiceRank:
				n.State = NomineeMoved
			}
			if n.State == NomineePending {
				b.Pending++
				if err := s.disclose(tx, d, "dossier.opened", dossierObject(d), "nomination"); err != nil {
					return err
				}
			} else {
				// Answered or moved on: the host no longer needs the records.
				n.Documents, n.Withheld, n.Statement = nil, nil, ""
			}
			b.Nominees = append(b.Nominees, n)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "open batch link")
	}
	return &b, nil
}

// AnswerBatch records the host's answer on one nominee of the batch of
// token: a move of the workflow by the Host party, named after the
// contact. The nominee's place on the batch, and every single link of the
// same nomination, is spent in the move's transaction: of two answers
// sent at once one wins, the other changes nothing.
func (s *Service) AnswerBatch(ctx context.Context, token string, id int64, in AnswerInput) (*application.Application, error) {
	var l *BatchLink
	var mb batchMember
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if l, err = s.openBatch(tx, token, s.clock()); err != nil {
			return err
		}
		if err := tx.Where("batch_id = ? AND application_id = ?", l.ID, id).Take(&mb).Error; err != nil {
			return err
		}
		if mb.UsedAt != nil {
			return apperr.New(apperr.Conflict, ErrUsed)
		}
		var a application.Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		if a.Status != application.Nominated || a.CurrentChoice != mb.ChoiceRank {
			return apperr.New(apperr.Conflict, ErrStale)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "open batch link")
	}
	return s.apps.AnswerAsHost(ctx, id, application.HostAnswer{
		HostDecisionInput: application.HostDecisionInput{Version: in.Version, Rank: mb.ChoiceRank, Decision: in.Decision, Comment: in.Comment},
		Via:               l.ContactName,
		Spend: func(tx *gorm.DB) error {
			now := s.clock()
			if _, err := s.openBatch(tx, token, now); err != nil {
				return err
			}
			var a application.Application
			if err := tx.Take(&a, id).Error; err != nil {
				return err
			}
			if a.Status != application.Nominated || a.CurrentChoice != mb.ChoiceRank {
				return apperr.New(apperr.Conflict, ErrStale)
			}
			res := tx.Model(&batchMember{}).Where("batch_id = ? AND application_id = ? AND used_at IS NULL", l.ID, id).Update("used_at", now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, ErrUsed)
			}
			return tx.Model(&Link{}).Where("application_id = ? AND choice_rank = ? AND used_at IS NULL AND revoked_at IS NULL", id, mb.ChoiceRank).
				Update("used_at", now).Error
		},
	})
}

// BatchRow is a batch link as the office sees it.
type BatchRow struct {
	BatchLink
	Institution string
	Round       string
	Nominees    int
	Answered    int
}

// Batches lists the batch links sent, newest first.
func (s *Service) Batches(ctx context.Context, u *user.User) ([]BatchRow, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []BatchRow
	err := s.db.WithContext(ctx).Table("host_batch_links AS b").
		Select("b.*, i.name_en AS institution, r.name AS round, " +
			"(SELECT COUNT(*) FROM host_batch_members m WHERE m.batch_id = b.id) AS nominees, " +
			"(SELECT COUNT(*) FROM host_batch_members m WHERE m.batch_id = b.id AND m.used_at IS NOT NULL) AS answered").
		Joins("JOIN institutions AS i ON i.id = b.institution_id").
		Joins("JOIN selection_rounds AS r ON r.id = b.round_id").
		Order("b.id DESC").Limit(100).Scan(&out).Error
	return out, wrap(err, "list batch links")
}

// RevokeBatch stops batch link id; the host then gets the revoked page.
func (s *Service) RevokeBatch(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.clock()
		res := tx.Model(&BatchLink{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "host.err.not_found")
		}
		return audit.Write(tx, audit.New(now, &u.ID, "host.batch_revoke", m, map[string]any{"batch": id}).On("host_batch_link", id))
	})
	return wrap(err, fmt.Sprintf("revoke batch link %d", id))
}

// BatchChoice is a round or a partner the office may send a batch for.
type BatchChoice struct {
	ID   int64
	Name string
}

// BatchChoices lists what the office's batch form offers: the published
// rounds and the partners that have a host contact.
func (s *Service) BatchChoices(ctx context.Context, u *user.User) (rounds, hosts []BatchChoice, err error) {
	if err := office(u); err != nil {
		return nil, nil, err
	}
	tx := s.db.WithContext(ctx)
	if err := tx.Table("selection_rounds").Select("id, name").Where("state IN ?", []string{"published", "closed"}).
		Order("id DESC").Scan(&rounds).Error; err != nil {
		return nil, nil, wrap(err, "batch rounds")
	}
	err = tx.Table("institutions").Select("id, name_en AS name").Where("id IN (SELECT institution_id FROM host_contacts)").
		Order("name_en, id").Scan(&hosts).Error
	return rounds, hosts, wrap(err, "batch hosts")
}

// BatchDossier is the dossier of nominee id on the batch of token, for a
// download of one of its shared documents (Document logs it); refused,
// as on the page, once the nominee is answered or moved on.
func (s *Service) BatchDossier(ctx context.Context, token string, id int64) (*Dossier, error) {
	var d *Dossier
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l, err := s.openBatch(tx, token, s.clock())
		if err != nil {
			return err
		}
		var mb batchMember
		if err := tx.Where("batch_id = ? AND application_id = ?", l.ID, id).Take(&mb).Error; err != nil {
			return err
		}
		var a application.Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		switch {
		case mb.UsedAt != nil:
			return apperr.New(apperr.Conflict, ErrUsed)
		case a.Status != application.Nominated || a.CurrentChoice != mb.ChoiceRank:
			return apperr.New(apperr.Conflict, ErrStale)
		}
		d, err = dossierOf(tx, &Link{ApplicationID: a.ID, ChoiceRank: mb.ChoiceRank, ContactName: l.ContactName,
			ContactEmail: l.ContactEmail, Lang: l.Lang, ExpiresAt: l.ExpiresAt}, &a)
		return err
	})
	return d, wrap(err, "open batch dossier")
}
