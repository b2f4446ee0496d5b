package evaluation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/notify"
	"portal/internal/user"
)

// Recognition is how a placement counts at home, as the office recorded it.
type Recognition struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	HomeCourse    string
	Credits       string
	Grade         string
	RecognisedOn  time.Time
	RecognisedBy  int64
	CreatedAt     time.Time
}

// TableName is recognitions.
func (Recognition) TableName() string { return "recognitions" }

// RecognitionInput is the office's form as typed.
type RecognitionInput struct {
	Version      int // of the application, as the office saw it
	HomeCourse   string
	Credits      string
	Grade        string
	RecognisedOn string // YYYY-MM-DD
}

// MaxField is the length of a recognition's course, credits and grade.
const MaxField = 200

// Recognise records how application id counts at home and completes it,
// in one transaction: the application is completed exactly when its
// recognition is stored, and the student is told in their language.
func (s *Service) Recognise(ctx context.Context, u *user.User, id int64, in RecognitionInput) (*application.Application, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	f := apperr.Fields{}
	f.Text("home_course", in.HomeCourse, true, MaxField)
	f.Text("credits", in.Credits, true, MaxField)
	f.Text("grade", in.Grade, true, MaxField)
	on, err := time.Parse(time.DateOnly, strings.TrimSpace(in.RecognisedOn))
	switch {
	case strings.TrimSpace(in.RecognisedOn) == "":
		f.Add("recognised_on", "form.required")
	case err != nil:
		f.Add("recognised_on", "evaluation.err.date")
	case on.After(s.today()):
		f.Add("recognised_on", "evaluation.err.future")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.o.Applications.Recognise(ctx, u, id, in.Version, func(tx *gorm.DB, a *application.Application, now time.Time) error {
		r := Recognition{ApplicationID: a.ID, HomeCourse: strings.TrimSpace(in.HomeCourse), Credits: strings.TrimSpace(in.Credits),
			Grade: strings.TrimSpace(in.Grade), RecognisedOn: on, RecognisedBy: u.ID, CreatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return wrap(err, "store recognition")
		}
		return notify.Enqueue(tx, notify.Event{Kind: notify.EvaluationRecognised, RecipientUserID: a.ApplicantID,
			Data: map[string]any{"ref": a.Ref(), "course": r.HomeCourse, "credits": r.Credits},
			Link: application.Link(a.ID), DedupKey: "evaluation-recognised-" + strconv.FormatInt(a.ID, 10)})
	})
}

// RecognitionOf is the recognition of application id, nil while none;
// the office's only.
func (s *Service) RecognitionOf(ctx context.Context, u *user.User, id int64) (*Recognition, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var r Recognition
	err := s.db.WithContext(ctx).Limit(1).Find(&r, "application_id = ?", id).Error
	if err != nil || r.ApplicationID == 0 {
		return nil, wrap(err, "read recognition")
	}
	return &r, nil
}
