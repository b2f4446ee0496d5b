package application

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/user"
)

// Recognise completes a confirmed application once its placement is over:
// the office has recorded how it counts at home. The recognition itself is
// internal/evaluation's; record writes it inside the transition's own
// transaction, so the application is completed exactly when its
// recognition is stored (issue 16 replaced the student's one-box
// file_report with this step; the report is now evaluation's).
func (s *Service) Recognise(ctx context.Context, u *user.User, id int64, version int, record func(tx *gorm.DB, a *Application, now time.Time) error) (*Application, error) {
	return s.act(ctx, u, id, change{
		Action: Recognise, Version: version,
		Check: func(tx *gorm.DB, a *Application, cs []Choice) error {
			_, p, err := choiceRows(tx, current(a, cs))
			if err != nil {
				return err
			}
			if s.today().Before(catalog.Day(p.EndsOn)) {
				return apperr.New(apperr.Invalid, "application.err.not_over", p.EndsOn.Format(time.DateOnly))
			}
			return nil
		},
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"completed_at": now}
		},
		After: func(tx *gorm.DB, a *Application, _ []Choice, now time.Time) error {
			if record == nil {
				return nil
			}
			return record(tx, a, now)
		},
	})
}
