package evaluation

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/notify"
	"portal/internal/user"
)

// Ratings are the report's five questions, in the form's order; each is
// a column of student_reports and a field of the form.
var Ratings = []string{"organisation", "supervision", "integration", "clinical_learning", "language_support"}

// Report is the student's evaluation of the host after one placement.
type Report struct {
	ApplicationID    int64 `gorm:"primaryKey;autoIncrement:false"`
	StudentID        int64
	ElectiveID       int64
	Organisation     *int
	Supervision      *int
	Integration      *int
	ClinicalLearning *int
	LanguageSupport  *int
	Recommend        *bool
	Body             string
	Costs            string
	Housing          string
	Visa             string
	Tips             string
	ConsentQuote     bool
	CertificateID    *int64
	SubmittedAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName is student_reports.
func (Report) TableName() string { return "student_reports" }

// Rating is the answer to one of Ratings, nil while not given.
func (r *Report) Rating(name string) *int {
	return *r.ratingRef(name)
}

func (r *Report) ratingRef(name string) **int {
	switch name {
	case "organisation":
		return &r.Organisation
	case "supervision":
		return &r.Supervision
	case "integration":
		return &r.Integration
	case "clinical_learning":
		return &r.ClinicalLearning
	}
	return &r.LanguageSupport
}

// ReportInput is the form as typed: ratings "1".."5" or "" (not yet),
// recommend "yes", "no" or "".
type ReportInput struct {
	Ratings       map[string]string
	Recommend     string
	Body          string
	Costs         string
	Housing       string
	Visa          string
	Tips          string
	ConsentQuote  bool
	CertificateID int64 // a document of the student's wallet; 0 for none
	// Submit ends the draft: every rating, the recommendation and the
	// free text are then required, and nothing changes afterwards.
	Submit bool
}

// Placement is the application a report is about, as the report page
// shows it.
type Placement struct {
	ApplicationID int64
	ApplicantID   int64
	Status        application.Stage
	ElectiveID    int64
	ElectiveEn    string
	ElectiveZh    string
	Host          string
	PlacedUntil   *time.Time
	PlacedFrom    *time.Time
	CreatedAt     time.Time
}

// Ref is the application's reference as people quote it.
func (p *Placement) Ref() string {
	return (&application.Application{ID: p.ApplicationID, CreatedAt: p.CreatedAt}).Ref()
}

// placement reads the confirmed or completed application id with its
// placed elective.
func placement(tx *gorm.DB, id int64) (*Placement, error) {
	var p Placement
	err := tx.Table("applications AS a").
		Select("a.id AS application_id, a.applicant_id, a.status, a.placed_until, a.placed_from, a.created_at, c.elective_id, e.title_en AS elective_en, e.title_zh AS elective_zh, i.name_en AS host").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("a.id = ? AND a.direction = ?", id, "outgoing").Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNotFound
	}
	return &p, wrap(err, "read placement")
}

// reportable refuses a report on anything but the student's own placement
// once its last day has come.
func (s *Service) reportable(tx *gorm.DB, u *user.User, id int64) (*Placement, error) {
	p, err := placement(tx, id)
	if err != nil {
		return nil, err
	}
	if u == nil || p.ApplicantID != u.ID {
		return nil, errNotFound
	}
	if (p.Status != application.Confirmed && p.Status != application.Completed) || p.PlacedUntil == nil {
		return nil, apperr.New(apperr.Invalid, "evaluation.err.no_placement")
	}
	if s.today().Before(*p.PlacedUntil) {
		return nil, apperr.New(apperr.Invalid, "evaluation.err.not_over", p.PlacedUntil.Format(time.DateOnly))
	}
	return p, nil
}

// ReportOf is the student's report on application id, a new empty one
// when none was saved yet, with the placement it is about.
func (s *Service) ReportOf(ctx context.Context, u *user.User, id int64) (*Report, *Placement, error) {
	tx := s.db.WithContext(ctx)
	p, err := s.reportable(tx, u, id)
	if err != nil {
		return nil, nil, err
	}
	r := Report{ApplicationID: id, StudentID: u.ID, ElectiveID: p.ElectiveID}
	err = tx.Take(&r, "application_id = ?", id).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, wrap(err, "read report")
	}
	return &r, p, nil
}

// SaveReport keeps the student's report as a draft, or submits it. A
// refused form changes nothing; a submitted report is final.
func (s *Service) SaveReport(ctx context.Context, u *user.User, id int64, in ReportInput) (*Report, error) {
	var out *Report
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.reportable(tx, u, id)
		if err != nil {
			return err
		}
		r := Report{ApplicationID: id, StudentID: u.ID, ElectiveID: p.ElectiveID, CreatedAt: s.now()}
		err = tx.Take(&r, "application_id = ?", id).Error
		fresh := errors.Is(err, gorm.ErrRecordNotFound)
		if err != nil && !fresh {
			return wrap(err, "read report")
		}
		if r.SubmittedAt != nil {
			return apperr.New(apperr.Invalid, "evaluation.err.submitted")
		}
		if err := s.fill(tx, u, &r, in); err != nil {
			return err
		}
		now := s.now()
		r.UpdatedAt = now
		if in.Submit {
			r.SubmittedAt = &now
		}
		if fresh {
			err = tx.Create(&r).Error
		} else {
			err = tx.Save(&r).Error
		}
		if err != nil {
			return wrap(err, "save report")
		}
		if in.Submit {
			ev := audit.New(now, &u.ID, "evaluation.report_submitted", audit.Meta{}, map[string]any{"elective_id": r.ElectiveID}).On("application", id)
			if err := audit.Write(tx, ev); err != nil {
				return err
			}
			if err := notify.Enqueue(tx, notify.Event{Kind: notify.EvaluationReportReceived, RecipientUserID: u.ID,
				Data: map[string]any{"ref": p.Ref(), "host": p.Host}, Link: ReportLink(id),
				DedupKey: "evaluation-report-" + strconv.FormatInt(id, 10)}); err != nil {
				return err
			}
		}
		out = &r
		return nil
	})
	return out, err
}

// fill checks the form and copies it onto r.
func (s *Service) fill(tx *gorm.DB, u *user.User, r *Report, in ReportInput) error {
	f := apperr.Fields{}
	for _, name := range Ratings {
		v := strings.TrimSpace(in.Ratings[name])
		ref := r.ratingRef(name)
		*ref = nil
		if v == "" {
			if in.Submit {
				f.Add(name, "evaluation.err.rating_required")
			}
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			f.Add(name, "evaluation.err.rating_range")
			continue
		}
		*ref = &n
	}
	r.Recommend = nil
	switch in.Recommend {
	case "yes", "no":
		yes := in.Recommend == "yes"
		r.Recommend = &yes
	case "":
		if in.Submit {
			f.Add("recommend", "evaluation.err.recommend_required")
		}
	default:
		f.Add("recommend", "evaluation.err.recommend_required")
	}
	f.Text("body", in.Body, in.Submit, MaxText)
	f.Text("costs", in.Costs, false, MaxText)
	f.Text("housing", in.Housing, false, MaxText)
	f.Text("visa", in.Visa, false, MaxText)
	f.Text("tips", in.Tips, false, MaxText)
	r.CertificateID = nil
	if in.CertificateID != 0 {
		var n int64
		if err := tx.Table("documents").Where("id = ? AND owner_id = ? AND deleted_at IS NULL", in.CertificateID, u.ID).Count(&n).Error; err != nil {
			return wrap(err, "check certificate")
		}
		if n == 0 {
			f.Add("certificate", "evaluation.err.certificate")
		} else {
			id := in.CertificateID
			r.CertificateID = &id
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	r.Body, r.Costs, r.Housing, r.Visa, r.Tips = in.Body, in.Costs, in.Housing, in.Visa, in.Tips
	r.ConsentQuote = in.ConsentQuote
	return nil
}

// ReportLink is the student's report page of application id.
func ReportLink(id int64) string { return application.Link(id) + "/report" }
