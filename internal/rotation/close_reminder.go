package rotation

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/notify"
)

// CloseReminderDays is how long after a rotation's last day its
// department's coordinators are reminded of a close still missing.
const CloseReminderDays = 7

type closeReminder struct {
	RequestID  int64 `gorm:"primaryKey;autoIncrement:false"`
	RemindedAt time.Time
}

func (closeReminder) TableName() string { return "rotation_close_reminders" }

// RemindCloses mails the coordinators of each confirmed rotation whose
// attendance or evaluation is still missing CloseReminderDays after its
// last day, once per rotation, and returns how many rotations it reminded
// of. The reminder's row is written in the transaction that queues the
// mails, and a row already there means another run did it.
func (s *Service) RemindCloses(ctx context.Context) (int, error) {
	today := s.Today()
	var due []struct {
		ID       int64
		StartsOn time.Time
		Weeks    int
	}
	// Only rotations that started at least CloseReminderDays ago can be
	// that far past their last day; their end is checked below, in days.
	err := s.db.WithContext(ctx).Table("rotation_requests AS r").Select("r.id, c.starts_on, c.weeks").
		Joins("JOIN rotation_choices AS c ON c.request_id = r.id AND c.rank = r.accepted_choice").
		Joins("LEFT JOIN rotation_assessments AS a ON a.request_id = r.id").
		Where("r.status = ? AND c.starts_on <= ?", Confirmed, today.AddDate(0, 0, -CloseReminderDays)).
		Where("(a.attendance_confirmed_at IS NULL OR a.evaluated_at IS NULL)").
		Where("NOT EXISTS (SELECT 1 FROM rotation_close_reminders AS m WHERE m.request_id = r.id)").
		Order("r.id").Scan(&due).Error
	if err != nil {
		return 0, wrap(err, "close reminders")
	}
	n := 0
	for _, d := range due {
		end := EndOf(Day(d.StartsOn), d.Weeks)
		if today.Before(end.AddDate(0, 0, CloseReminderDays)) {
			continue
		}
		reminded := false
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&closeReminder{RequestID: d.ID, RemindedAt: s.clock().UTC()})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			var c Choice
			if err := tx.Where("request_id = ? AND rank = (SELECT accepted_choice FROM rotation_requests WHERE id = ?)", d.ID, d.ID).
				Take(&c).Error; err != nil {
				return err
			}
			data, err := closeData(tx, d.ID, &c)
			if err != nil {
				return err
			}
			data["days"] = strconv.Itoa(int(today.Sub(end).Hours() / 24))
			var coords []int64
			if err := tx.Model(&coordinatorRow{}).Where("department_id = ?", c.DepartmentID).Order("user_id").Pluck("user_id", &coords).Error; err != nil {
				return err
			}
			for _, to := range coords {
				if err := s.mail(tx, notify.Event{Kind: notify.IncomingCloseReminder, RecipientUserID: to, Data: data, Link: CloseLink(d.ID)}); err != nil {
					return err
				}
			}
			reminded = true
			return nil
		})
		if err != nil {
			return n, wrap(err, "close reminder")
		}
		if reminded {
			n++
		}
	}
	return n, nil
}
