package host

import (
	"context"
	"errors"
	"maps"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/user"
)

// The mails of the loop (kinds in internal/notify).
const (
	MailNomination = notify.HostNomination
	MailReminder   = notify.HostReminder
)

// Link is one dossier link: a nomination (application and choice) sent
// to one contact. Only the token's hash is kept.
type Link struct {
	ID            int64
	ApplicationID int64
	ChoiceRank    int
	ContactID     *int64
	ContactName   string
	ContactEmail  string
	Lang          string
	TokenHash     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	UsedAt        *time.Time
	RemindedAt    *time.Time
}

// TableName is the table of dossier links.
func (Link) TableName() string { return "host_links" }

// Path is where a dossier link leads.
func Path(token string) string { return "/dossier/" + token }

// Issue sends the host contact of application id's current choice a
// dossier link, in tx: the nomination's transaction, so that a nomination
// is always sent and a rolled-back one never is. data is the nomination's
// announcement (application.Data*); the mail quotes it. A host without a
// contact gets nothing: the office sends and records by hand, as before.
func (s *Service) Issue(tx *gorm.DB, id int64, data map[string]any) error {
	var a application.Application
	if err := tx.Take(&a, id).Error; err != nil {
		return err
	}
	var electiveID int64
	if err := tx.Table("application_choices").Where("application_id = ? AND rank = ?", id, a.CurrentChoice).
		Pluck("elective_id", &electiveID).Error; err != nil {
		return err
	}
	c, err := contactFor(tx, electiveID)
	if err != nil || c == nil {
		return err
	}
	now := s.clock()
	_, err = s.send(tx, &a, c.ID, c.Name, c.Email, c.Lang, MailNomination, data, now)
	return err
}

// send creates a link for a's current choice and mails it to the contact.
func (s *Service) send(tx *gorm.DB, a *application.Application, contactID int64, name, email, lang string, kind notify.Kind, data map[string]any, now time.Time) (string, error) {
	tok, hash := newToken()
	l := Link{ApplicationID: a.ID, ChoiceRank: a.CurrentChoice, ContactName: name, ContactEmail: email, Lang: lang,
		TokenHash: hash, CreatedAt: now, ExpiresAt: now.AddDate(0, 0, s.linkDays)}
	if contactID != 0 {
		l.ContactID = &contactID
	}
	if err := tx.Create(&l).Error; err != nil {
		return "", err
	}
	d := maps.Clone(data)
	if d == nil {
		d = map[string]any{}
	}
	d["contact"], d["days"], d[application.DataRef] = name, s.linkDays, a.Ref()
	// The host reads the elective's English title: the contact's own
	// language is not among the catalog's.
	if en, ok := d[application.DataElectiveEN]; ok {
		d[application.DataElective] = en
	}
	return tok, notify.Enqueue(tx, notify.Event{Kind: kind, RecipientEmail: email, Lang: lang, Data: d, Link: Path(tok)})
}

// Refusals of a link that no longer answers: each gets its own page.
const (
	ErrUnknown = "host.link.unknown"
	ErrRevoked = "host.link.revoked"
	ErrUsed    = "host.link.used"
	ErrExpired = "host.link.expired"
	ErrStale   = "host.link.stale" // the nomination moved on (withdrawn, answered by the office)
)

// open finds the link of token and refuses one that no longer answers.
func (s *Service) open(tx *gorm.DB, token string, now time.Time) (*Link, *application.Application, error) {
	var l Link
	if err := tx.Where("token_hash = ?", hashToken(token)).Take(&l).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, apperr.New(apperr.NotFound, ErrUnknown)
		}
		return nil, nil, err
	}
	switch {
	case l.RevokedAt != nil:
		return nil, nil, apperr.New(apperr.Conflict, ErrRevoked)
	case l.UsedAt != nil:
		return nil, nil, apperr.New(apperr.Conflict, ErrUsed)
	case !now.Before(l.ExpiresAt):
		return nil, nil, apperr.New(apperr.Conflict, ErrExpired)
	}
	var a application.Application
	if err := tx.Take(&a, l.ApplicationID).Error; err != nil {
		return nil, nil, err
	}
	if a.Status != application.Nominated || a.CurrentChoice != l.ChoiceRank {
		return nil, nil, apperr.New(apperr.Conflict, ErrStale)
	}
	return &l, &a, nil
}

// AnswerInput is the host's answer on the dossier page.
type AnswerInput struct {
	Version  int
	Decision string // application.HostDecision*
	Comment  string // conditions of an acceptance, the reason of a rejection (required)
}

// Answer records the host's answer through the link of token: a move of
// the workflow by the Host party, named after the contact. The link (and
// every other link of the same nomination) is spent in the move's
// transaction, so of two answers sent at once one wins and the other
// changes nothing.
func (s *Service) Answer(ctx context.Context, token string, in AnswerInput) (*application.Application, error) {
	l, _, err := s.lookup(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.apps.AnswerAsHost(ctx, l.ApplicationID, application.HostAnswer{
		HostDecisionInput: application.HostDecisionInput{Version: in.Version, Rank: l.ChoiceRank, Decision: in.Decision, Comment: in.Comment},
		Via:               l.ContactName,
		Spend: func(tx *gorm.DB) error {
			now := s.clock()
			if _, _, err := s.open(tx, token, now); err != nil {
				return err
			}
			res := tx.Model(&Link{}).Where("application_id = ? AND choice_rank = ? AND used_at IS NULL AND revoked_at IS NULL", l.ApplicationID, l.ChoiceRank).
				Update("used_at", now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, ErrUsed)
			}
			return nil
		},
	})
}

// lookup opens the link of token outside any move.
func (s *Service) lookup(ctx context.Context, token string) (*Link, *application.Application, error) {
	var l *Link
	var a *application.Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		l, a, err = s.open(tx, token, s.clock())
		return err
	})
	return l, a, wrap(err, "open dossier link")
}

// LinkRow is a link as the office sees it on an application.
type LinkRow struct {
	ID          int64
	ChoiceRank  int
	ContactName string
	Email       string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   *time.Time
	UsedAt      *time.Time
	RemindedAt  *time.Time
}

// Links lists the dossier links sent for application id, newest first.
func (s *Service) Links(ctx context.Context, u *user.User, id int64) ([]LinkRow, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []LinkRow
	err := s.db.WithContext(ctx).Table("host_links").
		Select("id, choice_rank, contact_name, contact_email AS email, created_at, expires_at, revoked_at, used_at, reminded_at").
		Where("application_id = ?", id).Order("id DESC").Scan(&out).Error
	return out, wrap(err, "list dossier links")
}

// Revoke stops every unanswered link of application id; the host then
// gets a page saying so, and the office records any answer by hand.
func (s *Service) Revoke(ctx context.Context, u *user.User, id int64, m audit.Meta) (int, error) {
	if err := office(u); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.clock()
		res := tx.Model(&Link{}).Where("application_id = ? AND revoked_at IS NULL AND used_at IS NULL", id).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		n = int(res.RowsAffected)
		return audit.Write(tx, audit.New(now, &u.ID, "host.link_revoke", m, map[string]any{"application": id, "links": n}))
	})
	return n, wrap(err, "revoke dossier links")
}

// remindLock is the key of the advisory lock that lets one replica at a
// time send reminders ("host").
const remindLock = 0x686f7374

// Remind mails a new dossier link to every host who has not answered a
// nomination RemindDays after its last mail, once per nomination per
// period: the new link is recorded, and it is the newest mail that counts.
// The earlier links keep working until they expire; an answer through any
// spends them all. It returns how many reminders it enqueued. Every
// replica may call it; on PostgreSQL the advisory lock makes them take
// turns, and SQLite's writers are serialised anyway.
func (s *Service) Remind(ctx context.Context) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n = 0
		if s.db.Dialect == db.Postgres {
			var mine bool
			if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?, 1)", remindLock).Scan(&mine).Error; err != nil {
				return err
			}
			if !mine {
				return nil
			}
		}
		now := s.clock()
		due := now.AddDate(0, 0, -s.remindDays)
		// The newest link of each unanswered nomination still at that choice.
		var list []Link
		err := tx.Table("host_links AS l").Select("l.*").
			Joins("JOIN applications a ON a.id = l.application_id AND a.status = ? AND a.current_choice = l.choice_rank", application.Nominated).
			Where("l.revoked_at IS NULL AND l.used_at IS NULL").
			Where("l.id = (SELECT MAX(m.id) FROM host_links m WHERE m.application_id = l.application_id AND m.choice_rank = l.choice_rank)").
			Where("l.created_at <= ?", due).Order("l.id").Scan(&list).Error
		if err != nil {
			return err
		}
		for _, l := range list {
			var a application.Application
			if err := tx.Take(&a, l.ApplicationID).Error; err != nil {
				return err
			}
			days := int(now.Sub(*a.NominatedAt) / (24 * time.Hour))
			data, err := nominationData(tx, &a)
			if err != nil {
				return err
			}
			data["waiting"] = days
			contact := int64(0)
			if l.ContactID != nil {
				contact = *l.ContactID
			}
			if _, err := s.send(tx, &a, contact, l.ContactName, l.ContactEmail, l.Lang, MailReminder, data, now); err != nil {
				return err
			}
			if err := tx.Model(&Link{}).Where("id = ?", l.ID).Update("reminded_at", now).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, wrap(err, "remind hosts")
}

// nominationData is what a reminder quotes of the nomination.
func nominationData(tx *gorm.DB, a *application.Application) (map[string]any, error) {
	var row struct {
		TitleEN, Institution, Applicant string
	}
	err := tx.Table("application_choices c").
		Select("e.title_en, i.name_en AS institution, u.name AS applicant").
		Joins("JOIN electives e ON e.id = c.elective_id").
		Joins("JOIN institutions i ON i.id = e.institution_id").
		Joins("JOIN applications a ON a.id = c.application_id").
		Joins("JOIN users u ON u.id = a.applicant_id").
		Where("c.application_id = ? AND c.rank = ?", a.ID, a.CurrentChoice).Take(&row).Error
	return map[string]any{application.DataElectiveEN: row.TitleEN, application.DataHost: row.Institution,
		application.DataApplicant: row.Applicant}, err
}

// Waiting is how many whole days each of ids has been waiting for its
// host since the nomination, for the applications at Nominated among them.
func (s *Service) Waiting(ctx context.Context, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []application.Application
	if err := s.db.WithContext(ctx).Where("id IN ? AND status = ?", ids, application.Nominated).Find(&rows).Error; err != nil {
		return nil, wrap(err, "waiting for hosts")
	}
	now := s.clock()
	for _, a := range rows {
		if a.NominatedAt != nil {
			out[a.ID] = int(now.Sub(*a.NominatedAt) / (24 * time.Hour))
		}
	}
	return out, nil
}
