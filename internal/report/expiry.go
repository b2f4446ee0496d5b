package report

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/notify"
)

// ExpiryNotices are the days before an agreement's last day on which the
// office is mailed, smallest first.
var ExpiryNotices = []int{30, 90, 180}

// expiryNotice is the notice due for an agreement days away from its last
// day: the smallest that still covers it, so that an agreement entered
// with 20 days left gets the 30-day notice, never a stale 180-day one; 0
// when none is due yet.
func expiryNotice(days int) int {
	for _, n := range ExpiryNotices {
		if days <= n {
			return n
		}
	}
	return 0
}

// MailExpiring mails the office about every live agreement that reached a
// notice (180, 90 or 30 days before its last day) and returns how many
// notices it sent. Each notice is a row of agreement_expiry_mails written
// in the transaction that enqueues its mails: whoever runs the job, a
// restart or a second replica at the same moment, a notice goes out once.
// Each member of the office gets it in their own language (the outbox
// renders it in the recipient's).
func (s *Service) MailExpiring(ctx context.Context) (int, error) {
	today := s.zone.Day(s.now())
	last := ExpiryNotices[len(ExpiryNotices)-1]
	var due []struct {
		ID                              int64
		Title                           string
		InstitutionEN, InstitutionLocal string
		ValidUntil                      time.Time
	}
	err := s.read(ctx).Table("agreements AS g").Joins("JOIN institutions AS i ON i.id = g.institution_id").
		Where("g.retired_at IS NULL AND g.valid_until >= ? AND g.valid_until <= ?", today, today.AddDate(0, 0, last)).
		Select("g.id, g.title, i.name_en AS institution_en, i.name_local AS institution_local, g.valid_until").
		Order("g.valid_until, g.id").Scan(&due).Error
	if err != nil {
		return 0, wrap(err, "find agreements expiring")
	}
	sent := 0
	for _, a := range due {
		until := day(a.ValidUntil)
		left := int(until.Sub(today) / (24 * time.Hour))
		notice := expiryNotice(left)
		if notice == 0 {
			continue
		}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			office, err := application.Deciders(tx, application.Office, "", 0)
			if err != nil || len(office) == 0 {
				// Nobody to tell yet: the notice stays due for when someone is.
				return err
			}
			res := tx.Exec("INSERT INTO agreement_expiry_mails (agreement_id, days_before, valid_until, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				a.ID, notice, until, s.now())
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // sent before, by this replica or another
			}
			name := a.InstitutionEN
			if a.InstitutionLocal != "" && a.InstitutionLocal != a.InstitutionEN {
				name += " (" + a.InstitutionLocal + ")"
			}
			for _, uid := range office {
				err := notify.Enqueue(tx, notify.Event{Kind: notify.AgreementExpiring, RecipientUserID: uid,
					Data:     map[string]any{"institution": name, "agreement": a.Title, "until": until.Format(time.DateOnly), "days": strconv.Itoa(left)},
					Link:     fmt.Sprintf("/manage/agreements/%d", a.ID),
					DedupKey: fmt.Sprintf("agreement-expiring-%d-%d-%s-%d", a.ID, notice, until.Format(time.DateOnly), uid)})
				if err != nil {
					return err
				}
			}
			sent++
			return nil
		})
		if err != nil {
			return sent, wrap(err, "mail agreement expiry")
		}
	}
	return sent, nil
}
