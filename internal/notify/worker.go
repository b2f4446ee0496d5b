package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/i18n"
)

// sendTimeout bounds one mail, connection included; the lease is far longer.
const sendTimeout = time.Minute

// Run runs n workers sending due mail, and the daily chores (the digest,
// pruning old mail), until ctx ends. It returns once every worker finished
// the mail in its hands; mail claimed but not yet tried goes back to the
// outbox for another replica.
func (s *Service) Run(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() { s.chores(ctx) })
	wg.Wait()
}

func (s *Service) work(ctx context.Context) {
	for {
		n, err := s.SendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			slog.Warn("outbox: claim due mail", "err", err)
		}
		if n > 0 && err == nil {
			continue // a full batch: more may be due
		}
		// Workers of all replicas poll at jittered times, not in step.
		wait := s.o.Poll/2 + rand.N(s.o.Poll)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// SendDue claims up to Options.Batch due mails, sends them and records the
// outcome of each; it returns how many it claimed. When ctx ends it stops
// between two mails and gives the rest back.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	rows, err := s.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	to, err := s.recipients(ctx, rows)
	if err != nil {
		s.release(rows)
		return 0, err
	}
	for i, r := range rows {
		if ctx.Err() != nil {
			s.release(rows[i:])
			return i, ctx.Err()
		}
		// The outcome is recorded even when ctx ends during the send: a
		// mail sent but not marked would be sent again.
		s.deliver(context.WithoutCancel(ctx), r, to)
	}
	return len(rows), nil
}

// claim takes due mail for this worker: pending mail whose time has come,
// and mail whose sender's lease ran out. On PostgreSQL, FOR UPDATE SKIP
// LOCKED lets concurrent workers take different rows without waiting; on
// SQLite, GORM leaves the clause out and the transaction, which the DSN
// makes BEGIN IMMEDIATE, holds the write lock, so claimers take turns.
func (s *Service) claim(ctx context.Context) ([]outboxRow, error) {
	now := s.o.Now().UTC()
	lease := now.Add(s.o.Lease)
	const due = "(status = ? AND next_attempt_at <= ?) OR (status = ? AND locked_until <= ?)"
	// An idle worker only reads: on SQLite the claiming transaction takes
	// the write lock, which polling must not do every second for nothing.
	var found []int64
	if err := s.db.WithContext(ctx).Model(&outboxRow{}).Where(due, StatusPending, now, StatusSending, now).Limit(1).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("look for due mail: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	var rows []outboxRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where(due, StatusPending, now, StatusSending, now).
			Order("next_attempt_at, id").Limit(s.o.Batch).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
			rows[i].Status, rows[i].LockedUntil = StatusSending, &lease
			rows[i].Attempts++
		}
		return tx.Model(&outboxRow{}).Where("id IN ?", ids).
			Updates(map[string]any{"status": StatusSending, "locked_until": lease, "attempts": gorm.Expr("attempts + 1")}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return rows, nil
}

// release gives claimed mail back without counting the attempt.
func (s *Service) release(rows []outboxRow) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, r := range rows {
		err := s.db.WithContext(ctx).Model(&outboxRow{}).Where("id = ? AND status = ? AND attempts = ?", r.ID, StatusSending, r.Attempts).
			Updates(map[string]any{"status": StatusPending, "locked_until": nil, "attempts": gorm.Expr("attempts - 1")}).Error
		if err != nil {
			slog.Warn("outbox: release mail", "id", r.ID, "err", err)
		}
	}
}

// recipient is a user as a mail needs them; Locale is the language they
// chose in the portal (users.chosen_lang), else their provider's claim.
type recipient struct {
	ID                  int64
	Email, Name, Locale string
	Muted, Digest       *string
}

// recipients reads the users the claimed mail goes to, with their
// preferences, in one query.
func (s *Service) recipients(ctx context.Context, rows []outboxRow) (map[int64]recipient, error) {
	var ids []int64
	for _, r := range rows {
		if r.RecipientUserID != nil {
			ids = append(ids, *r.RecipientUserID)
		}
	}
	out := map[int64]recipient{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []recipient
	err := s.db.WithContext(ctx).Table("users").
		Select("users.id, users.email, users.name, COALESCE(NULLIF(users.chosen_lang, ''), users.locale) AS locale, notification_settings.muted, notification_settings.digest").
		Joins("LEFT JOIN notification_settings ON notification_settings.user_id = users.id").
		Where("users.id IN ?", ids).Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	for _, r := range list {
		out[r.ID] = r
	}
	return out, nil
}

// outcome is what became of one mail.
type outcome struct {
	status string
	err    error
}

// deliver decides whether r is mailed, renders and sends it, and records
// what happened.
func (s *Service) deliver(ctx context.Context, r outboxRow, to map[int64]recipient) {
	o := s.attempt(ctx, r, to)
	s.record(ctx, r, o)
}

func (s *Service) attempt(ctx context.Context, r outboxRow, to map[int64]recipient) outcome {
	var data map[string]any
	if err := json.Unmarshal([]byte(r.Data), &data); err != nil {
		return outcome{err: Permanent(fmt.Errorf("data: %w", err))}
	}
	v := mailView{bundle: s.bundle, zone: s.o.Zone, Lang: i18n.English, Data: data, Base: s.o.BaseURL}
	addr := mail.Address{Address: r.RecipientEmail}
	if r.Lang != "" {
		v.Lang = s.bundle.Negotiate(r.Lang, r.Lang)
	}
	if r.RecipientUserID != nil {
		u, ok := to[*r.RecipientUserID]
		if !ok {
			return outcome{status: StatusSkipped, err: errors.New("the recipient no longer exists")}
		}
		p := prefsOf(deref(u.Muted), deref(u.Digest))
		switch {
		case !p.MailOn(r.Kind):
			return outcome{status: StatusSkipped, err: errors.New("turned off by the recipient")}
		case r.Review && p.Digest == DigestDaily && s.digests():
			return outcome{status: StatusSkipped, err: errors.New("in the recipient's daily digest")}
		case r.Kind == ReviewerDigest && p.Digest == DigestImmediate:
			return outcome{status: StatusSkipped, err: errors.New("the recipient asked for mail at once, not a digest")}
		case u.Email == "":
			return outcome{err: Permanent(errors.New("the recipient has no e-mail address"))}
		}
		addr = mail.Address{Name: u.Name, Address: u.Email}
		if u.Locale != "" {
			v.Lang = s.bundle.Negotiate(u.Locale, u.Locale)
		}
		v.Name = u.Name
	}
	if r.Link != "" {
		v.URL = s.o.BaseURL + r.Link
	}
	if r.Kind == ReviewerDigest {
		v.Digest = s.digestLines(v.Lang, data)
	}
	subject, text, html, err := s.tmpl.render(r.Kind, v)
	if err != nil {
		return outcome{err: Permanent(err)}
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	err = s.mailer.Send(sctx, Message{
		ID: fmt.Sprintf("outbox.%d.%d@%s", r.ID, r.CreatedAt.Unix(), s.host),
		To: addr, Subject: subject, Text: text, HTML: html, Date: s.o.Now(),
	})
	if err != nil {
		return outcome{err: err}
	}
	return outcome{status: StatusSent}
}

// digests reports whether daily digests are prepared at all. Without a
// source of what waits, queue events are mailed at once whatever the
// reviewer chose, or they would reach nobody.
func (s *Service) digests() bool {
	_, none := s.o.Digest.(NoDigest)
	return s.o.Digest != nil && !none
}

// record stores the outcome of an attempt. The update names the attempt,
// so a worker that lost its lease cannot overwrite what the next one did.
func (s *Service) record(ctx context.Context, r outboxRow, o outcome) {
	now := s.o.Now().UTC()
	set := map[string]any{"locked_until": nil}
	switch {
	case o.status == StatusSent:
		set["status"], set["sent_at"], set["last_error"] = StatusSent, now, ""
		if kinds[r.Kind].Secret {
			set["data"], set["link"] = "{}", ""
		}
	case o.status == StatusSkipped:
		set["status"], set["last_error"] = StatusSkipped, o.err.Error()
	case errors.Is(o.err, ErrPermanent) || r.Attempts >= s.o.MaxAttempts:
		set["status"], set["next_attempt_at"], set["last_error"] = StatusFailed, now, errText(o.err)
		slog.Warn("outbox: mail failed", "id", r.ID, "kind", r.Kind, "attempts", r.Attempts, "err", o.err)
	default:
		set["status"], set["next_attempt_at"], set["last_error"] = StatusPending, now.Add(s.backoff(r.Attempts)), errText(o.err)
		slog.Info("outbox: mail will be retried", "id", r.ID, "kind", r.Kind, "attempts", r.Attempts, "err", o.err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res := s.db.WithContext(ctx).Model(&outboxRow{}).Where("id = ? AND status = ? AND attempts = ?", r.ID, StatusSending, r.Attempts).Updates(set)
	if res.Error != nil {
		// The lease runs out and the mail is tried again: sent twice at
		// worst, never lost.
		slog.Error("outbox: record outcome", "id", r.ID, "status", set["status"], "err", res.Error)
	} else if res.RowsAffected == 0 {
		slog.Warn("outbox: lease lost before the outcome was recorded", "id", r.ID)
	}
}

func errText(err error) string {
	t := oneLine(err.Error())
	if len(t) > 1000 {
		t = t[:1000]
	}
	return t
}

// backoff is the delay before attempt n+1 after n failed ones: RetryBase
// doubled n-1 times, at most RetryMax, with half of it random so that mail
// held up by one outage does not return all at once.
func (s *Service) backoff(n int) time.Duration {
	d := s.o.RetryBase
	for i := 1; i < n && d < s.o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.o.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// ---- chores

// chores prepares the daily digest once a day after DigestHour, and prunes
// old mail every hour.
func (s *Service) chores(ctx context.Context) {
	var digestDay string
	var pruned time.Time
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		now := s.o.Now()
		// The digest's day and hour are the portal's, not the server's.
		if s.o.Digest != nil && s.o.Zone.In(now).Hour() >= s.o.DigestHour && s.o.Zone.Date(now) != digestDay {
			if _, err := s.RunDigest(ctx, now); err != nil {
				slog.Warn("outbox: daily digest", "err", err)
			} else {
				digestDay = s.o.Zone.Date(now)
			}
		}
		if now.Sub(pruned) >= time.Hour {
			if err := s.prune(ctx, now); err != nil && ctx.Err() == nil {
				slog.Warn("outbox: prune", "err", err)
			}
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// prune deletes sent and skipped mail older than keepSent; failed mail stays
// until an admin retries it.
func (s *Service) prune(ctx context.Context, now time.Time) error {
	return s.db.WithContext(ctx).Where("status IN ? AND created_at < ?", []string{StatusSent, StatusSkipped}, now.UTC().Add(-keepSent)).
		Delete(&outboxRow{}).Error
}
