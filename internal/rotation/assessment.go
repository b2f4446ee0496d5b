package rotation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/letter"
	"portal/internal/notify"
	"portal/internal/user"
)

// The close of an incoming rotation (issue 16): the department's
// coordinator (or the office) records the visiting student's attendance
// and evaluation, and mid-rotation feedback on long rotations; the student
// evaluates the department after the last day and may send the evaluation
// to their home school. The certificate of completion waits for attendance
// and evaluation: Complete asks CertificateMissing in its transaction.

// Ratings are the questions of the evaluation of a visiting student, each
// answered 1-5; they name the columns of rotation_assessments.
var Ratings = []string{"medical_knowledge", "clinical_skills", "professionalism", "communication", "initiative"}

// Grades are the grades a coordinator may give, best first.
var Grades = []string{"honours", "high_pass", "pass", "fail"}

// DepartmentRatings are the questions of the student's evaluation of the
// department, each answered 1-5.
var DepartmentRatings = []string{"teaching", "supervision", "organisation", "welcome"}

// Limits of the close.
const (
	// MidtermWeeks is the shortest rotation that has mid-rotation feedback:
	// on shorter ones the middle is too close to the end to change course.
	MidtermWeeks = 4
	// MaxAssessText bounds each free-text answer.
	MaxAssessText = 4000
	// HomeLinkDays is how long the home school's link to the evaluation
	// works: long enough for a registrar's queue, short enough that a
	// forwarded mail does not open it for ever.
	HomeLinkDays = 60
)

// Assessment is the row of rotation_assessments.
type Assessment struct {
	RequestID             int64 `gorm:"primaryKey;autoIncrement:false"`
	DaysPresent           *int
	DaysExpected          *int
	AttendanceConfirmedAt *time.Time
	AttendanceBy          *int64
	MedicalKnowledge      *int
	ClinicalSkills        *int
	Professionalism       *int
	Communication         *int
	Initiative            *int
	Grade                 string
	Comments              string
	EvaluatedAt           *time.Time
	EvaluatedBy           *int64
	EvaluatedVia          string // "staff" or "supervisor" (supervisor.go)
	SupervisorEmail       string
	SupervisorToken       *string
	SupervisorUntil       *time.Time
	Midterm               string
	MidtermAt             *time.Time
	MidtermBy             *int64
	HomeEmail             string
	HomeLang              string
	HomeToken             *string
	HomeCode              *string
	HomeUntil             *time.Time
	HomeSentAt            *time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// TableName is the table of assessments.
func (Assessment) TableName() string { return "rotation_assessments" }

// Rating is the answer to question name (one of Ratings), nil when none.
func (a *Assessment) Rating(name string) *int {
	switch name {
	case "medical_knowledge":
		return a.MedicalKnowledge
	case "clinical_skills":
		return a.ClinicalSkills
	case "professionalism":
		return a.Professionalism
	case "communication":
		return a.Communication
	case "initiative":
		return a.Initiative
	}
	return nil
}

// AttendanceConfirmed reports whether attendance is confirmed.
func (a *Assessment) AttendanceConfirmed() bool { return a != nil && a.AttendanceConfirmedAt != nil }

// Evaluated reports whether the evaluation is in.
func (a *Assessment) Evaluated() bool { return a != nil && a.EvaluatedAt != nil }

// StudentReview is the student's evaluation of the department.
type StudentReview struct {
	RequestID    int64 `gorm:"primaryKey;autoIncrement:false"`
	DepartmentID int64
	Teaching     int
	Supervision  int
	Organisation int
	Welcome      int
	Body         string
	SubmittedAt  time.Time
}

// TableName is the table of the students' reviews.
func (StudentReview) TableName() string { return "rotation_department_reviews" }

// Rating is the answer to question name (one of DepartmentRatings).
func (d *StudentReview) Rating(name string) int {
	return map[string]int{"teaching": d.Teaching, "supervision": d.Supervision, "organisation": d.Organisation, "welcome": d.Welcome}[name]
}

// Close is a rotation's close as one reader sees it: the facts, what is
// recorded, and what the reader may record now.
type Close struct {
	RequestID                  int64
	Status                     Stage
	Version                    int
	ApplicantName              string
	DepartmentID               int64
	DepartmentEN, DepartmentZH string
	StartsOn, EndsOn           time.Time
	Weeks                      int
	Assessment                 Assessment // zero when nothing is recorded
	Review                     *StudentReview
	Staff, Applicant           bool
	// What the reader may do now, with why not as a message key when the
	// page should say so.
	CanAssess, CanMidterm, CanReview, CanSendHome bool
	MidtermRefusal                                string
	// Missing lists what the certificate still waits for (message keys).
	Missing []string
}

// CertificateMissing lists, as message keys, what a certificate of
// completion waits for: confirmed attendance and the evaluation.
func CertificateMissing(a *Assessment) []string {
	var out []string
	if !a.AttendanceConfirmed() {
		out = append(out, "rotation.assess.missing.attendance")
	}
	if !a.Evaluated() {
		out = append(out, "rotation.assess.missing.evaluation")
	}
	return out
}

// errCertificate is the refusal of a certificate that waits for
// something: one key per combination, so that the message names it.
func errCertificate(missing []string) error {
	switch len(missing) {
	case 0:
		return nil
	case 2:
		return apperr.New(apperr.Invalid, "rotation.assess.err.certificate_both")
	}
	return apperr.New(apperr.Invalid, "rotation.assess.err.certificate_"+strings.TrimPrefix(missing[0], "rotation.assess.missing."))
}

// certificateGate refuses the completion of r while attendance is not
// confirmed or the evaluation is not in. It takes no lock: a confirmation
// or an evaluation, once recorded, is never withdrawn (RecordAttendance
// keeps a confirmation), so what the check saw still holds when the
// kernel claims the request; and locking the record here, after the
// kernel read the request but before it claims it, would take the two
// rows in the opposite order to assess (request, then record) and
// deadlock on PostgreSQL (TestRacingEvaluationsAndCertificatesKeepTheGate).
func certificateGate(tx *gorm.DB, r *Request) error {
	var a Assessment
	err := tx.Where("request_id = ?", r.ID).Limit(1).Find(&a).Error
	if err != nil {
		return err
	}
	if a.RequestID == 0 {
		return errCertificate(CertificateMissing(nil))
	}
	return errCertificate(CertificateMissing(&a))
}

// closeOf loads request id for u: the request locked when lock, its
// accepted choice, and who u is to it. Staff means the office or a
// coordinator of the accepted choice's department (a coordinator of
// another department the request once asked for has no say in how the
// rotation went). NotFound when u may not see it or nothing was accepted.
func (s *Service) closeOf(tx *gorm.DB, u *user.User, id int64, lock bool) (*Request, *Choice, bool, bool, error) {
	q := tx
	if lock {
		q = tx.Clauses(db.ForUpdate())
	}
	var r Request
	if err := q.Take(&r, id).Error; err != nil {
		return nil, nil, false, false, err
	}
	var cs []Choice
	if err := tx.Where("request_id = ?", id).Order("rank").Find(&cs).Error; err != nil {
		return nil, nil, false, false, err
	}
	parties, err := partiesOf(tx, u, &r, cs)
	if err != nil {
		return nil, nil, false, false, err
	}
	c := choiceOf(cs, r.AcceptedChoice)
	if c == nil || !holdsSeats(r.Status) || len(parties) == 0 {
		return nil, nil, false, false, errNotFound
	}
	applicant := slices.Contains(parties, Applicant)
	staff := slices.Contains(parties, Office)
	if !staff && slices.Contains(parties, Coordinator) {
		if staff, err = isCoordinatorOf(tx, u, c.DepartmentID); err != nil {
			return nil, nil, false, false, err
		}
	}
	if !staff && !applicant {
		return nil, nil, false, false, errNotFound
	}
	return &r, c, staff, applicant, nil
}

// CloseOf returns the close of rotation id as u sees it.
func (s *Service) CloseOf(ctx context.Context, u *user.User, id int64) (*Close, error) {
	var out Close
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, c, staff, applicant, err := s.closeOf(tx, u, id, false)
		if err != nil {
			return err
		}
		var dep catalog.Department
		if err := tx.Take(&dep, c.DepartmentID).Error; err != nil {
			return err
		}
		var who user.User
		if err := tx.Take(&who, r.ApplicantID).Error; err != nil {
			return err
		}
		out = Close{RequestID: r.ID, Status: r.Status, Version: r.Version, ApplicantName: who.Name,
			DepartmentID: dep.ID, DepartmentEN: dep.NameEN, DepartmentZH: dep.NameZH,
			StartsOn: Day(c.StartsOn), EndsOn: c.EndsOn(), Weeks: c.Weeks, Staff: staff, Applicant: applicant}
		if err := tx.Where("request_id = ?", id).Limit(1).Find(&out.Assessment).Error; err != nil {
			return err
		}
		var rv StudentReview
		if err := tx.Where("request_id = ?", id).Limit(1).Find(&rv).Error; err != nil {
			return err
		}
		if rv.RequestID != 0 {
			out.Review = &rv
		}
		today := s.Today()
		started := !today.Before(out.StartsOn)
		out.CanAssess = staff && r.Status == Confirmed && started
		out.CanMidterm = out.CanAssess && c.Weeks >= MidtermWeeks
		if out.CanAssess && c.Weeks < MidtermWeeks {
			out.MidtermRefusal = "rotation.assess.err.midterm_short"
		}
		out.CanReview = applicant && out.Review == nil && !today.Before(out.EndsOn) && (r.Status == Confirmed || r.Status == Completed)
		out.CanSendHome = applicant && out.Assessment.Evaluated()
		if r.Status == Confirmed {
			out.Missing = CertificateMissing(&out.Assessment)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "rotation close")
	}
	return &out, nil
}

// assess runs one write of the coordinator's record on rotation id: the
// request locked (a completion waits), the reader checked as staff of the
// accepted department, the rotation confirmed and begun; then edit
// changes the row, which exists by then.
func (s *Service) assess(ctx context.Context, u *user.User, id int64, check func(*Request, *Choice) error, edit func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error) error {
	return s.recordClose(ctx, func(tx *gorm.DB) (*Request, *Choice, error) {
		r, c, staff, _, err := s.closeOf(tx, u, id, true)
		if err == nil && !staff {
			err = apperr.New(apperr.Forbidden, "rotation.assess.err.not_staff")
		}
		return r, c, err
	}, check, edit)
}

// recordClose is assess for any way in: who finds (and locks) the request,
// a staff member's or a supervisor's link.
func (s *Service) recordClose(ctx context.Context, find func(tx *gorm.DB) (*Request, *Choice, error), check func(*Request, *Choice) error, edit func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, c, err := find(tx)
		if err != nil {
			return err
		}
		id := r.ID
		if r.Status != Confirmed {
			return apperr.New(apperr.Conflict, "rotation.assess.err.closed")
		}
		if s.Today().Before(Day(c.StartsOn)) {
			return apperr.New(apperr.Invalid, "rotation.assess.err.not_started", Day(c.StartsOn).Format(time.DateOnly))
		}
		if check != nil {
			if err := check(r, c); err != nil {
				return err
			}
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Assessment{RequestID: id, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		var a Assessment
		if err := tx.Clauses(db.ForUpdate()).Take(&a, "request_id = ?", id).Error; err != nil {
			return err
		}
		if err := edit(tx, &a, c, now); err != nil {
			return err
		}
		a.UpdatedAt = now
		return tx.Save(&a).Error
	}), "rotation assessment")
}

// AttendanceInput is the attendance form as typed.
type AttendanceInput struct {
	DaysPresent, DaysExpected string
	Confirm                   bool
}

// RecordAttendance records days present of days expected; Confirm
// confirms it. A confirmed attendance may be corrected but stays
// confirmed, so a certificate once allowed is not taken back by an edit.
func (s *Service) RecordAttendance(ctx context.Context, u *user.User, id int64, in AttendanceInput) error {
	return s.assess(ctx, u, id, nil, func(_ *gorm.DB, a *Assessment, c *Choice, now time.Time) error {
		return attend(a, c, in, now, &u.ID)
	})
}

// attend writes the attendance in into a, by a user or (by nil) a
// supervisor's link.
func attend(a *Assessment, c *Choice, in AttendanceInput, now time.Time, by *int64) error {
	f := apperr.Fields{}
	expected := number(f, "days_expected", in.DaysExpected, 1, 7*c.Weeks)
	present := number(f, "days_present", in.DaysPresent, 0, 7*c.Weeks)
	if f.Err() == nil && present > expected {
		f.Add("days_present", "rotation.assess.err.more_than_expected", expected)
	}
	if err := f.Err(); err != nil {
		return err
	}
	a.DaysPresent, a.DaysExpected = &present, &expected
	if in.Confirm && a.AttendanceConfirmedAt == nil {
		a.AttendanceConfirmedAt, a.AttendanceBy = &now, by
	}
	return nil
}

// EvaluationInput is the evaluation form as typed: ratings by question.
type EvaluationInput struct {
	Ratings  map[string]string
	Grade    string
	Comments string
}

// RecordEvaluation records the evaluation of the visiting student, every
// rating and the grade required, and tells the student it is in.
func (s *Service) RecordEvaluation(ctx context.Context, u *user.User, id int64, in EvaluationInput) error {
	return s.assess(ctx, u, id, nil, func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error {
		return s.evaluate(tx, a, c, in, now, &u.ID, "staff")
	})
}

// evaluate writes the evaluation in into a, by a user or (by nil) a
// supervisor's link, and mails the student the first time.
func (s *Service) evaluate(tx *gorm.DB, a *Assessment, c *Choice, in EvaluationInput, now time.Time, by *int64, via string) error {
	f := apperr.Fields{}
	vals := map[string]*int{}
	for _, name := range Ratings {
		v := number(f, name, in.Ratings[name], 1, 5)
		vals[name] = &v
	}
	if !slices.Contains(Grades, in.Grade) {
		f.Add("grade", "form.required")
	}
	f.Text("comments", in.Comments, false, MaxAssessText)
	if err := f.Err(); err != nil {
		return err
	}
	a.MedicalKnowledge, a.ClinicalSkills, a.Professionalism = vals["medical_knowledge"], vals["clinical_skills"], vals["professionalism"]
	a.Communication, a.Initiative = vals["communication"], vals["initiative"]
	a.Grade, a.Comments = in.Grade, strings.TrimSpace(in.Comments)
	first := a.EvaluatedAt == nil
	a.EvaluatedAt, a.EvaluatedBy, a.EvaluatedVia = &now, by, via
	if a.HomeCode == nil {
		// The code its PDF prints, for /verify.
		code := letter.NewCode()
		a.HomeCode = &code
	}
	if !first {
		return nil
	}
	data, err := closeData(tx, a.RequestID, c)
	if err != nil {
		return err
	}
	var r Request
	if err := tx.Take(&r, a.RequestID).Error; err != nil {
		return err
	}
	return s.mail(tx, notify.Event{Kind: notify.IncomingEvaluated, RecipientUserID: r.ApplicantID, Data: data, Link: CloseLink(r.ID)})
}

// RecordMidterm records mid-rotation feedback, kept for rotations of
// MidtermWeeks or more; the student is mailed it the first time.
func (s *Service) RecordMidterm(ctx context.Context, u *user.User, id int64, feedback string) error {
	check := func(_ *Request, c *Choice) error {
		if c.Weeks < MidtermWeeks {
			return apperr.New(apperr.Invalid, "rotation.assess.err.midterm_short", c.Weeks, MidtermWeeks)
		}
		return nil
	}
	return s.assess(ctx, u, id, check, func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error {
		f := apperr.Fields{}
		f.Text("midterm", feedback, true, MaxAssessText)
		if err := f.Err(); err != nil {
			return err
		}
		first := a.MidtermAt == nil
		a.Midterm, a.MidtermAt, a.MidtermBy = strings.TrimSpace(feedback), &now, &u.ID
		if !first {
			return nil // a correction is not news
		}
		data, err := closeData(tx, a.RequestID, c)
		if err != nil {
			return err
		}
		var r Request
		if err := tx.Take(&r, a.RequestID).Error; err != nil {
			return err
		}
		data["feedback"] = a.Midterm
		return s.mail(tx, notify.Event{Kind: notify.IncomingMidterm, RecipientUserID: r.ApplicantID, Data: data, Link: CloseLink(r.ID)})
	})
}

// StudentReviewInput is the student's evaluation of the department
// as typed: ratings by question and free text.
type StudentReviewInput struct {
	Ratings map[string]string
	Body    string
}

// ReviewDepartment records, once, the visiting student's evaluation of
// the department, from the rotation's last day on, and tells the
// department's coordinators.
func (s *Service) ReviewDepartment(ctx context.Context, u *user.User, id int64, in StudentReviewInput) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, c, _, applicant, err := s.closeOf(tx, u, id, true)
		if err != nil {
			return err
		}
		if !applicant {
			return apperr.New(apperr.Forbidden, "rotation.assess.err.not_applicant")
		}
		if r.Status != Confirmed && r.Status != Completed {
			return errNotFound // accepted but never confirmed: no rotation took place
		}
		if s.Today().Before(c.EndsOn()) {
			return apperr.New(apperr.Invalid, "rotation.assess.err.review_early", c.EndsOn().Format(time.DateOnly))
		}
		f := apperr.Fields{}
		v := map[string]int{}
		for _, name := range DepartmentRatings {
			v[name] = number(f, name, in.Ratings[name], 1, 5)
		}
		f.Text("body", in.Body, false, MaxAssessText)
		if err := f.Err(); err != nil {
			return err
		}
		rv := StudentReview{RequestID: r.ID, DepartmentID: c.DepartmentID, Teaching: v["teaching"], Supervision: v["supervision"],
			Organisation: v["organisation"], Welcome: v["welcome"], Body: strings.TrimSpace(in.Body), SubmittedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rv)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "rotation.assess.err.reviewed")
		}
		data, err := closeData(tx, r.ID, c)
		if err != nil {
			return err
		}
		var coords []int64
		if err := tx.Model(&coordinatorRow{}).Where("department_id = ?", c.DepartmentID).Order("user_id").Pluck("user_id", &coords).Error; err != nil {
			return err
		}
		for _, to := range coords {
			if err := s.mail(tx, notify.Event{Kind: notify.IncomingDepartmentReviewed, RecipientUserID: to, Data: data, Link: CloseLink(r.ID)}); err != nil {
				return err
			}
		}
		return nil
	}), "rotation department review")
}

// HomeInput is where the student asks the evaluation to go: their home
// school's address and, when they know it, its language.
type HomeInput struct {
	Email, Lang string
}

// HomeLangs are the languages a home school's mail may be in.
var HomeLangs = []string{"en", "zh-Hant", "ja"}

// SendHome mails the student's home school a link to the evaluation as a
// PDF, in the school's language (English when not said), on the student's
// request once the evaluation is in. A new request replaces the link of
// the last.
func (s *Service) SendHome(ctx context.Context, u *user.User, id int64, in HomeInput) error {
	now := s.clock()
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, c, _, applicant, err := s.closeOf(tx, u, id, true)
		if err != nil {
			return err
		}
		if !applicant {
			return apperr.New(apperr.Forbidden, "rotation.assess.err.not_applicant")
		}
		f := apperr.Fields{}
		email := strings.TrimSpace(in.Email)
		if a, err := mail.ParseAddress(email); email == "" || err != nil || a.Address != email {
			f.Add("home_email", "rotation.assess.err.email")
		}
		lang := in.Lang
		if lang == "" {
			lang = "en"
		}
		if !slices.Contains(HomeLangs, lang) {
			f.Add("home_lang", "form.required")
		}
		if err := f.Err(); err != nil {
			return err
		}
		var a Assessment
		if err := tx.Where("request_id = ?", id).Limit(1).Find(&a).Error; err != nil {
			return err
		}
		if !a.Evaluated() {
			return apperr.New(apperr.Invalid, "rotation.assess.err.not_evaluated")
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		token := base64.RawURLEncoding.EncodeToString(secret)
		digest, until := tokenDigest(token), now.AddDate(0, 0, HomeLinkDays)
		err = tx.Model(&Assessment{}).Where("request_id = ?", id).Updates(map[string]any{"home_email": email, "home_lang": lang,
			"home_token": digest, "home_until": until, "home_sent_at": now, "updated_at": now}).Error
		if err != nil {
			return err
		}
		data, err := closeData(tx, r.ID, c)
		if err != nil {
			return err
		}
		data["link_until"] = s.zone.Day(until).Format(time.DateOnly)
		return s.mail(tx, notify.Event{Kind: notify.IncomingEvaluationHome, RecipientEmail: email, Lang: lang, Data: data,
			Link: HomeLink(token)})
	}), "send the evaluation home")
}

// Evaluation is what the evaluation's PDF prints; IssuedAt is when the
// evaluation was (last) recorded.
type Evaluation struct {
	Close
	HomeInstitution string
	Code            string // the verification code printed, normalized
	Lang            string // the home school's language, for its link
	IssuedAt        time.Time
}

// EvaluationOf is the evaluation of rotation id for u (its student or
// staff), once it is in, for a download.
func (s *Service) EvaluationOf(ctx context.Context, u *user.User, id int64) (*Evaluation, error) {
	c, err := s.CloseOf(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !c.Assessment.Evaluated() {
		return nil, errNotFound
	}
	e := &Evaluation{Close: *c, IssuedAt: *c.Assessment.EvaluatedAt}
	if c.Assessment.HomeCode != nil {
		e.Code = *c.Assessment.HomeCode
	}
	return e, wrap(s.homeInstitution(ctx, e), "home institution")
}

// EvaluationByToken is the evaluation a home school's link opens, while
// the link lasts; NotFound otherwise, whatever the reason.
func (s *Service) EvaluationByToken(ctx context.Context, token string) (*Evaluation, error) {
	if token == "" {
		return nil, errNotFound
	}
	var a Assessment
	err := s.db.WithContext(ctx).Where("home_token = ?", tokenDigest(token)).Limit(1).Find(&a).Error
	if err != nil {
		return nil, wrap(err, "home link")
	}
	if a.RequestID == 0 || a.HomeUntil == nil || !s.clock().Before(*a.HomeUntil) || !a.Evaluated() {
		return nil, errNotFound
	}
	var r Request
	if err := s.db.WithContext(ctx).Take(&r, a.RequestID).Error; err != nil {
		return nil, wrap(err, "home link")
	}
	// The link stands for the student who asked for it.
	c, err := s.CloseOf(ctx, &user.User{ID: r.ApplicantID}, r.ID)
	if err != nil {
		return nil, err
	}
	e := &Evaluation{Close: *c, Lang: a.HomeLang, IssuedAt: *a.EvaluatedAt}
	if a.HomeCode != nil {
		e.Code = *a.HomeCode
	}
	return e, wrap(s.homeInstitution(ctx, e), "home institution")
}

// EvaluationByCode is the evaluation whose PDF printed code, for /verify.
func (s *Service) EvaluationByCode(ctx context.Context, code string) (*Evaluation, error) {
	var a Assessment
	if err := s.db.WithContext(ctx).Where("home_code = ?", code).Limit(1).Find(&a).Error; err != nil {
		return nil, wrap(err, "evaluation code")
	}
	if a.RequestID == 0 || !a.Evaluated() {
		return nil, errNotFound
	}
	var r Request
	if err := s.db.WithContext(ctx).Take(&r, a.RequestID).Error; err != nil {
		return nil, wrap(err, "evaluation code")
	}
	c, err := s.CloseOf(ctx, &user.User{ID: r.ApplicantID}, r.ID)
	if err != nil {
		return nil, err
	}
	return &Evaluation{Close: *c, Code: code, IssuedAt: *a.EvaluatedAt}, nil
}

func (s *Service) homeInstitution(ctx context.Context, e *Evaluation) error {
	var names []string
	err := s.db.WithContext(ctx).Table("incoming_profiles AS p").Joins("JOIN rotation_requests AS r ON r.applicant_id = p.user_id").
		Where("r.id = ?", e.RequestID).Pluck("p.home_institution_name", &names).Error
	if len(names) > 0 {
		e.HomeInstitution = names[0]
	}
	return err
}

// CloseLink is the page of a rotation's close.
func CloseLink(id int64) string { return Link(id) + "/close" }

// HomeLink is the home school's link to an evaluation.
func HomeLink(token string) string { return "/rotation-evaluations/" + token }

func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// mail enqueues a mail of the close in tx. As the workflow's
// announcements (Options.Outbox), none without an outbox: the demo's
// history is seeded without mailing its people.
func (s *Service) mail(tx *gorm.DB, e notify.Event) error {
	if s.outbox == nil {
		return nil
	}
	return notify.Enqueue(tx, e)
}

// closeData is what the close's mails quote.
func closeData(tx *gorm.DB, id int64, c *Choice) (map[string]any, error) {
	var d catalog.Department
	if err := tx.Take(&d, c.DepartmentID).Error; err != nil {
		return nil, err
	}
	var names []string
	if err := tx.Table("users AS u").Joins("JOIN rotation_requests AS r ON r.applicant_id = u.id").Where("r.id = ?", id).
		Pluck("u.name", &names).Error; err != nil || len(names) == 0 {
		return nil, err
	}
	return map[string]any{"ref": Ref(id), "department": departmentName(d), "department_en": d.NameEN, "department_zh": d.NameZH,
		"applicant": names[0], "from": Day(c.StartsOn).Format(time.DateOnly), "until": c.EndsOn().Format(time.DateOnly)}, nil
}

// number reads a whole number in [lo, hi] typed into field.
func number(f apperr.Fields, field, v string, lo, hi int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		f.Add(field, "form.required")
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		f.Add(field, "rotation.assess.err.range", lo, hi)
		return 0
	}
	return n
}
