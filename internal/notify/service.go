package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 8
	DefaultRetryBase   = 30 * time.Second
	DefaultRetryMax    = 2 * time.Hour
	DefaultLease       = 5 * time.Minute
	DefaultBatch       = 10
	DefaultPoll        = time.Second
	DefaultDigestHour  = 7
	// keepSent is how long sent and skipped mails stay in the outbox.
	keepSent = 30 * 24 * time.Hour
)

// ActionRetried is the audit action of an admin sending failed mail again.
const ActionRetried = "notify.retried"

// Options tune the service; zero values take the defaults above.
type Options struct {
	BaseURL   string // the portal's public URL: mails link to BaseURL+Link
	Templates fs.FS  // holds templates/mail
	// MaxAttempts is how many times a mail is tried before it is failed.
	MaxAttempts int
	// RetryBase is the delay after the first failed attempt; each further
	// one doubles it (with jitter) up to RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Lease is how long a claimed mail belongs to its worker: a worker that
	// crashed loses its mails to another after this. It must be far longer
	// than one SMTP send.
	Lease time.Duration
	Batch int           // mails a worker claims at once
	Poll  time.Duration // how often an idle worker looks for due mail
	// Digest tells the daily digest what waits in reviewers' queues; nil
	// sends no digest.
	Digest DigestSource
	// DigestHour is the hour of the day (in Zone) after which the day's
	// digest is prepared.
	DigestHour int
	Now        func() time.Time
	// Zone is the portal's time zone: times in mails and titles are said
	// in it, and the digest's day is its day. UTC when zero.
	Zone clock.Zone
}

// Service is the notifications of the portal: the outbox and its workers,
// the bell, preferences, and the admin's view of failed mail.
type Service struct {
	db     *db.DB
	bundle *i18n.Bundle
	mailer Mailer
	tmpl   *templates
	o      Options
	host   string // of BaseURL, for Message-IDs
}

// NewService returns the service; mailer is where mail goes.
func NewService(d *db.DB, b *i18n.Bundle, mailer Mailer, o Options) (*Service, error) {
	t, err := loadTemplates(o.Templates)
	if err != nil {
		return nil, err
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.DigestHour <= 0 || o.DigestHour > 23 {
		o.DigestHour = DefaultDigestHour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	host := "portal.invalid"
	if u, err := url.Parse(o.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &Service{db: d, bundle: b, mailer: mailer, tmpl: t, o: o, host: host}, nil
}

// Enqueue records e in a transaction of its own, for events that no other
// change causes (a sign-in link asked for, the digest).
func (s *Service) Enqueue(ctx context.Context, e Event) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return enqueue(tx, e, s.o.Now())
	})
}

// ---- the bell

// Note is a notification as the bell's list shows it.
type Note struct {
	ID        int64
	Kind      Kind
	Title     string // translated
	Link      string
	CreatedAt time.Time
	Read      bool
}

// Unread counts the unread notifications of a person: one indexed query,
// run for the bell on every page a signed-in person sees.
//
// UnreadColumn is the same count as an SQL expression over users, for
// reading it along with the session that every page loads anyway.
func (s *Service) Unread(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&notification{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	if err != nil {
		return 0, apperr.Internalf("count unread notifications: %w", err)
	}
	return n, nil
}

// List returns up to limit notifications of a person, newest first, older
// than the notification before when it is not zero (keyset pagination),
// with titles in lang. more says whether older ones exist.
func (s *Service) List(ctx context.Context, userID int64, lang i18n.Lang, before int64, limit int) (notes []Note, more bool, err error) {
	q := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Limit(limit + 1)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []notification
	if err := q.Find(&rows).Error; err != nil {
		return nil, false, apperr.Internalf("list notifications: %w", err)
	}
	if len(rows) > limit {
		rows, more = rows[:limit], true
	}
	for _, r := range rows {
		var data map[string]any
		_ = json.Unmarshal([]byte(r.Data), &data)
		notes = append(notes, Note{
			ID: r.ID, Kind: r.Kind, Link: r.Link, CreatedAt: r.CreatedAt, Read: r.ReadAt != nil,
			Title: s.bundle.T(lang, r.TitleKey, args(s.bundle, lang, s.o.Zone, r.Kind, data)...),
		})
	}
	return notes, more, nil
}

// MarkRead marks one of the person's notifications read and returns its
// link. Another person's notification is not found, as is one that does not
// exist.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) (string, error) {
	var n notification
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND user_id = ?", id, userID).Take(&n).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.New(apperr.NotFound, "error.not_found")
			}
			return apperr.Internalf("find notification: %w", err)
		}
		if n.ReadAt != nil {
			return nil
		}
		return tx.Model(&notification{}).Where("id = ?", id).Update("read_at", s.o.Now().UTC()).Error
	})
	return n.Link, err
}

// MarkAllRead marks every unread notification of the person read.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) (int64, error) {
	res := s.db.WithContext(ctx).Model(&notification{}).Where("user_id = ? AND read_at IS NULL", userID).
		Update("read_at", s.o.Now().UTC())
	if res.Error != nil {
		return 0, apperr.Internalf("mark notifications read: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ---- preferences

// Digest modes of a reviewer.
const (
	DigestDaily     = "daily"     // queue mail comes once a day, in a digest
	DigestImmediate = "immediate" // each queue event is mailed at once
)

type settings struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Muted     string
	Digest    string
	UpdatedAt time.Time
}

func (settings) TableName() string { return "notification_settings" }

// Prefs are a person's mail preferences.
type Prefs struct {
	Off    []Kind // optional kinds not mailed
	Digest string // DigestDaily or DigestImmediate
}

// MailOn reports whether kind k is mailed to the person: mandatory kinds
// always are.
func (p Prefs) MailOn(k Kind) bool { return Mandatory(k) || !slices.Contains(p.Off, k) }

func prefsOf(muted, digest string) Prefs {
	p := Prefs{Digest: DigestDaily}
	if digest == DigestImmediate {
		p.Digest = DigestImmediate
	}
	for _, k := range strings.Split(muted, ",") {
		if _, ok := kinds[Kind(k)]; ok && !Mandatory(Kind(k)) {
			p.Off = append(p.Off, Kind(k))
		}
	}
	return p
}

// Preferences returns a person's preferences; everything is mailed and
// reviewers get a daily digest until they say otherwise.
func (s *Service) Preferences(ctx context.Context, userID int64) (Prefs, error) {
	var rows []settings
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
		return Prefs{}, apperr.Internalf("read notification settings: %w", err)
	}
	if len(rows) == 0 {
		return prefsOf("", ""), nil
	}
	return prefsOf(rows[0].Muted, rows[0].Digest), nil
}

// SavePreferences stores which optional kinds a person gets by mail (on)
// and their digest mode. Mandatory kinds cannot be turned off: they are
// mailed whatever on says.
func (s *Service) SavePreferences(ctx context.Context, userID int64, on []string, digest string) error {
	f := apperr.Fields{}
	if digest != DigestDaily && digest != DigestImmediate {
		f.Add("digest", "notify.prefs.err.digest")
	}
	for _, k := range on {
		if _, ok := kinds[Kind(k)]; !ok {
			f.Add("mail", "notify.prefs.err.kind")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	var off []string
	for _, k := range Optional() {
		if !slices.Contains(on, string(k)) {
			off = append(off, string(k))
		}
	}
	row := settings{UserID: userID, Muted: strings.Join(off, ","), Digest: digest, UpdatedAt: s.o.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"muted", "digest", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return apperr.Internalf("save notification settings: %w", err)
	}
	return nil
}

// ---- failed mail, for admins

// Failed is a mail that could not be sent.
type Failed struct {
	ID          int64
	Kind        Kind
	Recipient   string // the person's name and address, or the address
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	LastAttempt time.Time
}

// Failed lists up to limit failed mails, the most recent first.
func (s *Service) Failed(ctx context.Context, limit int) ([]Failed, error) {
	var rows []struct {
		ID             int64
		Kind           Kind
		RecipientEmail string
		Attempts       int
		LastError      string
		CreatedAt      time.Time
		NextAttemptAt  time.Time
		UserName       *string
		UserEmail      *string
	}
	err := s.db.WithContext(ctx).Table("outbox").
		Select("outbox.id, outbox.kind, outbox.recipient_email, outbox.attempts, outbox.last_error, outbox.created_at, "+
			"outbox.next_attempt_at, users.name AS user_name, users.email AS user_email").
		Joins("LEFT JOIN users ON users.id = outbox.recipient_user_id").
		Where("outbox.status = ?", StatusFailed).Order("outbox.next_attempt_at DESC, outbox.id DESC").Limit(limit).
		Scan(&rows).Error
	if err != nil {
		return nil, apperr.Internalf("list failed mail: %w", err)
	}
	out := make([]Failed, 0, len(rows))
	for _, r := range rows {
		to := r.RecipientEmail
		if r.UserEmail != nil {
			to = fmt.Sprintf("%s <%s>", deref(r.UserName), *r.UserEmail)
		}
		out = append(out, Failed{ID: r.ID, Kind: r.Kind, Recipient: to, Attempts: r.Attempts,
			LastError: r.LastError, CreatedAt: r.CreatedAt, LastAttempt: r.NextAttemptAt})
	}
	return out, nil
}

// Retry makes failed mail pending again, with a fresh count of attempts:
// one mail, or every failed mail when id is zero. An id that is not a
// failed mail is not found. The admin's action is audited.
func (s *Service) Retry(ctx context.Context, id, by int64, m audit.Meta) (int64, error) {
	now := s.o.Now().UTC()
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&outboxRow{}).Where("status = ?", StatusFailed)
		if id > 0 {
			q = q.Where("id = ?", id)
		}
		res := q.Updates(map[string]any{"status": StatusPending, "attempts": 0, "next_attempt_at": now, "locked_until": nil})
		if res.Error != nil {
			return apperr.Internalf("retry failed mail: %w", res.Error)
		}
		if n = res.RowsAffected; n == 0 && id > 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		} else if n == 0 {
			return nil // nothing had failed: nothing to record
		}
		e := audit.New(now, &by, ActionRetried, m, map[string]any{"count": n})
		if id > 0 {
			e = e.On("outbox", id)
		}
		return audit.Write(tx, e)
	})
	return n, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// UnreadColumn counts the unread notifications of users.id (Unread).
const UnreadColumn = "(SELECT COUNT(*) FROM notifications WHERE notifications.user_id = users.id AND notifications.read_at IS NULL)"
