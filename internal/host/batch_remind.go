package host

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/notify"
)

// RemindBatches mails a batch link's contact a new link for the nominees
// still waiting RemindDays after the batch was sent, once per batch, as a
// nominee's own link is reminded. The new link is a batch of its own over
// those nominees, so an answer through either spends that nominee on
// both (AnswerBatch spends every link of the nomination); the first link
// keeps working until it expires. A batch whose nominees were all
// answered, or moved on otherwise, sends nothing. It returns how many
// reminders it enqueued; the replicas take turns as for Remind.
func (s *Service) RemindBatches(ctx context.Context) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n = 0
		if s.db.Dialect == db.Postgres {
			var mine bool
			if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?, 2)", remindLock).Scan(&mine).Error; err != nil {
				return err
			}
			if !mine {
				return nil
			}
		}
		now := s.clock()
		var due []BatchLink
		if err := tx.Where("revoked_at IS NULL AND reminded_at IS NULL AND expires_at > ? AND created_at <= ?",
			now, now.AddDate(0, 0, -s.remindDays)).Order("id").Find(&due).Error; err != nil {
			return err
		}
		for _, l := range due {
			sent, err := s.remindBatch(tx, l, now)
			if err != nil {
				return err
			}
			if sent {
				n++
			}
		}
		return nil
	})
	return n, wrap(err, "remind batch hosts")
}

// remindBatch sends batch l's reminder if any of its nominees still
// waits, and marks l reminded either way: its nominees only move on.
func (s *Service) remindBatch(tx *gorm.DB, l BatchLink, now time.Time) (bool, error) {
	var waiting []batchMember
	err := tx.Table("host_batch_members AS m").Select("m.application_id, m.choice_rank").
		Joins("JOIN applications AS a ON a.id = m.application_id AND a.status = ? AND a.current_choice = m.choice_rank", application.Nominated).
		Where("m.batch_id = ? AND m.used_at IS NULL", l.ID).Order("m.application_id").Scan(&waiting).Error
	if err != nil {
		return false, err
	}
	if err := tx.Model(&BatchLink{}).Where("id = ?", l.ID).Update("reminded_at", now).Error; err != nil {
		return false, err
	}
	if len(waiting) == 0 {
		return false, nil
	}
	tok, hash := newToken()
	// The reminder's own batch is already reminded: one reminder per batch
	// the office sent.
	next := BatchLink{RoundID: l.RoundID, InstitutionID: l.InstitutionID, ContactID: l.ContactID, ContactName: l.ContactName,
		ContactEmail: l.ContactEmail, Lang: l.Lang, TokenHash: hash, CreatedBy: l.CreatedBy, CreatedAt: now,
		ExpiresAt: now.AddDate(0, 0, s.linkDays), RemindedAt: &now}
	if err := tx.Create(&next).Error; err != nil {
		return false, err
	}
	for i := range waiting {
		waiting[i].BatchID = next.ID
	}
	if err := tx.Create(&waiting).Error; err != nil {
		return false, err
	}
	var inst string
	if err := tx.Table("institutions").Where("id = ?", l.InstitutionID).Pluck("name_en", &inst).Error; err != nil {
		return false, err
	}
	return true, notify.Enqueue(tx, notify.Event{Kind: notify.HostBatchReminder, RecipientEmail: l.ContactEmail, Lang: l.Lang,
		Link: BatchPath(tok), Data: map[string]any{"contact": l.ContactName, "host": inst, "count": len(waiting),
			"days": s.linkDays, "sent_at": l.CreatedAt.UTC().Format(time.RFC3339)}})
}
