package watch

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/notify"
)

// ClosingNotice is how long before a starred elective's window closes its
// student is reminded, if they have not applied yet.
const ClosingNotice = 7 * 24 * time.Hour

// The kinds of window mail, as watch_mails keeps them.
const (
	mailOpen    = "open"
	mailClosing = "closing"
)

// watchMail is a row of watch_mails: one mail already sent.
type watchMail struct {
	UserID     int64     `gorm:"primaryKey;autoIncrement:false"`
	ElectiveID int64     `gorm:"primaryKey;autoIncrement:false"`
	Kind       string    `gorm:"primaryKey"`
	WindowOn   time.Time `gorm:"primaryKey"`
	SentAt     time.Time
}

func (watchMail) TableName() string { return "watch_mails" }

// mailLock is the key of the advisory lock that lets one replica at a time
// look for window mails on PostgreSQL; SQLite's immediate transactions
// already take turns. Its first half sets it apart from the portal's
// other advisory locks ("watc").
const mailLock = 0x77617463

// watched is a star whose elective's window is open now.
type watched struct {
	UserID, ElectiveID int64
	StarredAt          time.Time
	TitleEN, TitleZH   string
	OpensOn, ClosesOn  time.Time
	Locale             string
}

// SendWindowMails enqueues, as of now, the mails of starred electives
// whose window opened since they were starred, and of those whose window
// closes within ClosingNotice while their student has not applied (a draft
// does not count as applied). Each mail is sent once per student, elective
// and window: watch_mails remembers it in the transaction that enqueues
// it. It returns how many it enqueued. Every replica may call it; the
// lock makes them take turns, and the dedupe makes a second turn quiet.
func (s *Service) SendWindowMails(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n = 0
		if s.db.Dialect == db.Postgres {
			var mine bool
			if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?, 1)", mailLock).Scan(&mine).Error; err != nil {
				return err
			}
			if !mine {
				return nil // another replica is at it
			}
		}
		list, err := s.openWindows(tx, now)
		if err != nil {
			return err
		}
		applied, err := appliedFor(tx, list)
		if err != nil {
			return err
		}
		for _, w := range list {
			opens := time.Date(w.OpensOn.Year(), w.OpensOn.Month(), w.OpensOn.Day(), 0, 0, 0, 0, s.o.Zone.Location())
			closes := s.o.Zone.EndOfDay(w.ClosesOn)
			// A star placed while the window was already open needs no
			// news that it opened.
			if w.StarredAt.Before(opens) {
				sent, err := s.mail(tx, w, mailOpen, w.OpensOn, notify.WatchWindowOpen, now)
				if err != nil {
					return err
				}
				n += sent
			}
			if closes.Sub(now) <= ClosingNotice && !applied[[2]int64{w.UserID, w.ElectiveID}] {
				sent, err := s.mail(tx, w, mailClosing, w.ClosesOn, notify.WatchWindowClosing, now)
				if err != nil {
					return err
				}
				n += sent
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap(err, "window mails")
	}
	return n, nil
}

// openWindows lists the stars on live electives whose window is open at
// now, in the portal's calendar.
func (s *Service) openWindows(tx *gorm.DB, now time.Time) ([]watched, error) {
	today := s.o.Zone.Day(now)
	var list []watched
	err := tx.Table("stars").
		Select("stars.user_id, stars.elective_id, stars.created_at AS starred_at, electives.title_en, electives.title_zh, electives.opens_on, electives.closes_on, users.locale").
		Joins("JOIN electives ON electives.id = stars.elective_id").
		Joins("JOIN users ON users.id = stars.user_id").
		Where("electives.retired_at IS NULL AND electives.opens_on <= ? AND electives.closes_on >= ?", today, today).
		Order("stars.user_id, stars.elective_id").Scan(&list).Error
	return list, err
}

// appliedFor says which of the students in list applied for which elective:
// an application beyond its draft (withdrawn too: they chose) with the
// elective among its choices.
func appliedFor(tx *gorm.DB, list []watched) (map[[2]int64]bool, error) {
	out := map[[2]int64]bool{}
	if len(list) == 0 {
		return out, nil
	}
	users := make([]int64, 0, len(list))
	for _, w := range list {
		users = append(users, w.UserID)
	}
	var rows []struct{ ApplicantID, ElectiveID int64 }
	err := tx.Table("applications").Select("applications.applicant_id, application_choices.elective_id").
		Joins("JOIN application_choices ON application_choices.application_id = applications.id").
		Where("applications.applicant_id IN ? AND applications.status <> ?", users, application.Draft).Scan(&rows).Error
	for _, r := range rows {
		out[[2]int64{r.ApplicantID, r.ElectiveID}] = true
	}
	return out, err
}

// mail enqueues one window mail unless watch_mails has it already, and
// returns 1 when it did.
func (s *Service) mail(tx *gorm.DB, w watched, kind string, on time.Time, k notify.Kind, now time.Time) (int, error) {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&watchMail{UserID: w.UserID, ElectiveID: w.ElectiveID, Kind: kind, WindowOn: on, SentAt: now.UTC()})
	if res.Error != nil || res.RowsAffected == 0 {
		return 0, res.Error
	}
	title := w.TitleEN
	if w.Locale == "zh-Hant" && w.TitleZH != "" {
		title = w.TitleZH
	}
	day := on.Format(time.DateOnly)
	err := notify.Enqueue(tx, notify.Event{
		Kind: k, RecipientUserID: w.UserID, Link: fmt.Sprintf("/electives/%d", w.ElectiveID),
		Data:     map[string]any{"elective": title, "deadline": w.ClosesOn.Format(time.DateOnly), "opens": w.OpensOn.Format(time.DateOnly)},
		DedupKey: fmt.Sprintf("watch:%s:%d:%d:%s", kind, w.UserID, w.ElectiveID, day),
	})
	if err != nil {
		return 0, err
	}
	return 1, nil
}
