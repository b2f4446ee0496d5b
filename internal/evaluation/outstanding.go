package evaluation

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/notify"
	"portal/internal/user"
)

// Waiting is one placement over whose loop is not closed: the student's
// report not submitted, or the recognition not recorded.
type Waiting struct {
	ApplicationID   int64
	Version         int
	StudentName     string
	ElectiveEn      string
	ElectiveZh      string
	Host            string
	PlacedUntil     time.Time
	ReportSubmitted bool
	Days            int // since the placement's last day
}

// Outstanding is the staff's list of what waits after placements.
type Outstanding struct {
	Reports      []Waiting // no submitted report yet
	Recognitions []Waiting // over, confirmed, not recognised: the "waiting for recognition" list
}

// Outstanding lists, for the office, every confirmed placement whose last
// day has come, longest waiting first.
func (s *Service) Outstanding(ctx context.Context, u *user.User) (*Outstanding, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	today := s.today()
	var rows []Waiting
	err := s.db.WithContext(ctx).Table("applications AS a").
		Select("a.id AS application_id, a.version, u.name AS student_name, e.title_en AS elective_en, e.title_zh AS elective_zh, "+
			"i.name_en AS host, a.placed_until, r.submitted_at IS NOT NULL AS report_submitted").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN student_reports AS r ON r.application_id = a.id").
		Where("a.status = ? AND a.placed_until <= ?", application.Confirmed, today).
		Order("a.placed_until, a.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "list outstanding")
	}
	out := &Outstanding{}
	for _, w := range rows {
		w.Days = days(w.PlacedUntil, today)
		out.Recognitions = append(out.Recognitions, w)
		if !w.ReportSubmitted {
			out.Reports = append(out.Reports, w)
		}
	}
	return out, nil
}

// RemindReports mails each student whose placement ended 7 and 21 days
// ago (or more) without a submitted report, once per reminder, and returns
// how many it mailed. Each reminder's row and its mail are written in one
// transaction; the row's key makes a second replica's run send nothing.
func (s *Service) RemindReports(ctx context.Context) (int, error) {
	today := s.today()
	n := 0
	for _, after := range Reminders {
		var due []struct {
			ApplicationID int64
			ApplicantID   int64
			CreatedAt     time.Time
			Host          string
		}
		err := s.db.WithContext(ctx).Table("applications AS a").
			Select("a.id AS application_id, a.applicant_id, a.created_at, i.name_en AS host").
			Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
			Joins("JOIN electives AS e ON e.id = c.elective_id").
			Joins("JOIN institutions AS i ON i.id = e.institution_id").
			Where("a.status IN ? AND a.placed_until <= ?", []application.Stage{application.Confirmed, application.Completed}, today.AddDate(0, 0, -after)).
			Where("NOT EXISTS (SELECT 1 FROM student_reports AS r WHERE r.application_id = a.id AND r.submitted_at IS NOT NULL)").
			Where("NOT EXISTS (SELECT 1 FROM report_reminders AS m WHERE m.application_id = a.id AND m.after_days = ?)", after).
			Order("a.id").Scan(&due).Error
		if err != nil {
			return n, wrap(err, "find reports due")
		}
		for _, d := range due {
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				res := tx.Exec("INSERT INTO report_reminders (application_id, after_days, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
					d.ApplicationID, after, s.now())
				if res.Error != nil || res.RowsAffected == 0 {
					return wrap(res.Error, "record reminder")
				}
				ref := (&application.Application{ID: d.ApplicationID, CreatedAt: d.CreatedAt}).Ref()
				n++
				return notify.Enqueue(tx, notify.Event{Kind: notify.EvaluationReportReminder, RecipientUserID: d.ApplicantID,
					Data: map[string]any{"ref": ref, "host": d.Host, "days": after}, Link: ReportLink(d.ApplicationID),
					DedupKey: "evaluation-remind-" + strconv.FormatInt(d.ApplicationID, 10) + "-" + strconv.Itoa(after)})
			})
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
