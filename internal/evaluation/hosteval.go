package evaluation

import (
	"context"
	"errors"
	"io"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/host"
	"portal/internal/linktoken"
	"portal/internal/notify"
	"portal/internal/user"
)

// The host supervisor's evaluation of an outgoing student (issue 16): asked
// through a signed link after the placement's last day (or when the office
// asks), answered once without an account; or typed by the office from a
// paper form. The link's secret is internal/linktoken's, as the host's
// dossier links.

// SupervisorRatings are the supervisor's five questions, each 1-5 against
// students at the same stage; each is a column of host_evaluations.
var SupervisorRatings = []string{"medical_knowledge", "clinical_skills", "professionalism", "communication", "initiative"}

// Grades are the grades a supervisor may recommend, best first (the
// scale of visiting-student forms in the United States and Japan).
var Grades = []string{"honours", "high_pass", "pass", "fail"}

// HostLanguages are the languages a supervisor may read the mail and the
// page in.
var HostLanguages = []string{"en", "zh-Hant", "ja"}

// Defaults of the supervisor's link.
const (
	HostLinkDays   = 30 // a link answers for this long
	HostRemindDays = 7  // the one reminder goes this long after the first link
	// hostAutoWithin bounds the placements the job asks about by itself:
	// those that ended in the last 90 days. Older ones (a portal just
	// upgraded, a placement recognised long ago) wait for the office to
	// ask, so that no host gets a pile of stale requests at once.
	hostAutoWithin = 90
	// MaxDays is the longest placement whose days are counted.
	MaxDays = 366
)

// Where an evaluation came from.
const (
	SourceLink  = "link"
	SourcePaper = "paper"
)

// HostEvaluation is the supervisor's evaluation of one placement.
type HostEvaluation struct {
	ApplicationID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Source           string
	SupervisorName   string
	SupervisorEmail  string
	DaysPresent      int
	DaysExpected     int
	MedicalKnowledge int
	ClinicalSkills   int
	Professionalism  int
	Communication    int
	Initiative       int
	Grade            string
	Comments         string
	PaperKey         *string
	PaperName        *string
	PaperType        *string
	PaperSize        *int64
	RecordedBy       *int64
	CreatedAt        time.Time
}

// TableName is host_evaluations.
func (HostEvaluation) TableName() string { return "host_evaluations" }

// Rating is the answer to one of SupervisorRatings.
func (e *HostEvaluation) Rating(name string) int { return *e.ratingRef(name) }

func (e *HostEvaluation) ratingRef(name string) *int {
	switch name {
	case "medical_knowledge":
		return &e.MedicalKnowledge
	case "clinical_skills":
		return &e.ClinicalSkills
	case "professionalism":
		return &e.Professionalism
	case "communication":
		return &e.Communication
	}
	return &e.Initiative
}

// SupervisorLink is one link sent to a supervisor; only its hash is kept.
type SupervisorLink struct {
	ID              int64
	ApplicationID   int64
	SupervisorName  string
	SupervisorEmail string
	Lang            string
	TokenHash       string
	RequestedBy     *int64
	CreatedAt       time.Time
	ExpiresAt       time.Time
	RevokedAt       *time.Time
	UsedAt          *time.Time
	RemindedAt      *time.Time
}

// TableName is host_evaluation_links.
func (SupervisorLink) TableName() string { return "host_evaluation_links" }

func (l *SupervisorLink) state() linktoken.State {
	return linktoken.State{ExpiresAt: l.ExpiresAt, RevokedAt: l.RevokedAt, UsedAt: l.UsedAt}
}

// SupervisorPath is where a supervisor's link leads.
func SupervisorPath(token string) string { return "/evaluate/" + token }

// HostPath is the office's page of application id's host evaluation.
func HostPath(id int64) string { return "/evaluations/host/" + strconv.FormatInt(id, 10) }

// Refusals of a link that no longer answers: each is its own page, and
// none changes anything.
const (
	ErrLinkUnknown = "hosteval.link.unknown"
	ErrLinkRevoked = "hosteval.link.revoked"
	ErrLinkUsed    = "hosteval.link.used"
	ErrLinkExpired = "hosteval.link.expired"
	ErrLinkStale   = "hosteval.link.stale" // the placement was withdrawn
)

var linkRefusal = map[string]string{linktoken.Revoked: ErrLinkRevoked, linktoken.Used: ErrLinkUsed, linktoken.Expired: ErrLinkExpired}

// HostEvaluationInput is the supervisor's (or the paper form's) answers
// as typed.
type HostEvaluationInput struct {
	SupervisorName string
	DaysPresent    string
	DaysExpected   string
	Ratings        map[string]string
	Grade          string
	Comments       string
}

// check refuses the answers per field, or returns them as an evaluation.
func (in HostEvaluationInput) check() (*HostEvaluation, error) {
	f := apperr.Fields{}
	e := &HostEvaluation{SupervisorName: strings.TrimSpace(in.SupervisorName), Grade: in.Grade, Comments: strings.TrimSpace(in.Comments)}
	f.Text("supervisor_name", e.SupervisorName, true, MaxField)
	days := func(name, v string, lo int) int {
		v = strings.TrimSpace(v)
		if v == "" {
			f.Add(name, "form.required")
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > MaxDays {
			f.Add(name, "hosteval.err.days", lo, MaxDays)
			return 0
		}
		return n
	}
	e.DaysPresent = days("days_present", in.DaysPresent, 0)
	e.DaysExpected = days("days_expected", in.DaysExpected, 1)
	if _, bad := f["days_present"]; !bad && e.DaysExpected > 0 && e.DaysPresent > e.DaysExpected {
		f.Add("days_present", "hosteval.err.more_than_expected")
	}
	for _, name := range SupervisorRatings {
		v := strings.TrimSpace(in.Ratings[name])
		n, err := strconv.Atoi(v)
		switch {
		case v == "":
			f.Add(name, "evaluation.err.rating_required")
		case err != nil || n < 1 || n > 5:
			f.Add(name, "evaluation.err.rating_range")
		default:
			*e.ratingRef(name) = n
		}
	}
	if !slices.Contains(Grades, in.Grade) {
		f.Add("grade", "hosteval.err.grade")
	}
	f.Text("comments", in.Comments, false, MaxText)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// evaluable reads application id as a placement a supervisor may
// evaluate: an outgoing one, confirmed or completed.
func evaluable(tx *gorm.DB, id int64) (*Placement, error) {
	p, err := placement(tx, id)
	if err != nil {
		return nil, err
	}
	if (p.Status != application.Confirmed && p.Status != application.Completed) || p.PlacedUntil == nil {
		return nil, apperr.New(apperr.Invalid, "evaluation.err.no_placement")
	}
	return p, nil
}

func evaluated(tx *gorm.DB, id int64) (bool, error) {
	var n int64
	err := tx.Model(&HostEvaluation{}).Where("application_id = ?", id).Count(&n).Error
	return n > 0, wrap(err, "read host evaluation")
}

// SupervisorInput names who the office asks; all empty asks the host
// contact of the placement's elective.
type SupervisorInput struct {
	Name, Email, Lang string
}

// RequestHostEvaluation mails the supervisor of application id a link to
// evaluate the student, at the office's request, whatever the date. A
// placement already evaluated is refused.
func (s *Service) RequestHostEvaluation(ctx context.Context, u *user.User, id int64, in SupervisorInput, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	byContact := in.Name == "" && in.Email == ""
	if !byContact {
		f := apperr.Fields{}
		f.Text("supervisor_name", in.Name, true, MaxField)
		if in.Email == "" {
			f.Add("supervisor_email", "form.required")
		} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			f.Add("supervisor_email", "form.email")
		}
		if !slices.Contains(HostLanguages, in.Lang) {
			f.Add("supervisor_lang", "form.not_a_choice")
		}
		if err := f.Err(); err != nil {
			return err
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := evaluable(tx, id)
		if err != nil {
			return err
		}
		if done, err := evaluated(tx, id); err != nil || done {
			return cmpErr(err, apperr.New(apperr.Invalid, "hosteval.err.done"))
		}
		if byContact {
			c, err := host.ContactFor(tx, p.ElectiveID)
			if err != nil {
				return wrap(err, "read host contact")
			}
			if c == nil {
				return apperr.New(apperr.Invalid, "hosteval.err.no_contact")
			}
			in = SupervisorInput{Name: c.Name, Email: c.Email, Lang: c.Lang}
		}
		now := s.now()
		if err := s.sendHostLink(tx, p, in, &u.ID, notify.HostEvaluationRequest, now, nil); err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, "evaluation.host_requested", m, map[string]any{"email": in.Email}).On("application", id))
	})
	return wrap(err, "request host evaluation")
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// sendHostLink creates a link for p and mails it, in the supervisor's
// language, in tx.
func (s *Service) sendHostLink(tx *gorm.DB, p *Placement, in SupervisorInput, by *int64, kind notify.Kind, now time.Time, reminded *time.Time) error {
	tok, hash := linktoken.New()
	l := SupervisorLink{ApplicationID: p.ApplicationID, SupervisorName: in.Name, SupervisorEmail: in.Email, Lang: in.Lang,
		TokenHash: hash, RequestedBy: by, CreatedAt: now, ExpiresAt: now.AddDate(0, 0, HostLinkDays), RemindedAt: reminded}
	if err := tx.Create(&l).Error; err != nil {
		return wrap(err, "store supervisor link")
	}
	var student string
	if err := tx.Table("users").Where("id = ?", p.ApplicantID).Pluck("name", &student).Error; err != nil {
		return wrap(err, "read student")
	}
	from := ""
	if p.PlacedFrom != nil {
		from = p.PlacedFrom.Format(time.DateOnly)
	}
	return notify.Enqueue(tx, notify.Event{Kind: kind, RecipientEmail: in.Email, Lang: in.Lang, Link: SupervisorPath(tok),
		Data: map[string]any{"supervisor": in.Name, "applicant": student, "ref": p.Ref(), "elective": p.ElectiveEn, "host": p.Host,
			"from": from, "until": p.PlacedUntil.Format(time.DateOnly), "days": HostLinkDays}})
}

// SupervisorForm is what the supervisor's page shows of the placement.
type SupervisorForm struct {
	Supervisor string
	Student    string
	Ref        string
	Elective   string
	Host       string
	From       *time.Time
	Until      time.Time
	ExpiresAt  time.Time
}

// openLink finds the link of token and refuses one that no longer
// answers: unknown, revoked, used (or the placement evaluated otherwise),
// expired, or a placement that is no longer one.
func (s *Service) openLink(tx *gorm.DB, token string, now time.Time) (*SupervisorLink, *Placement, error) {
	var l SupervisorLink
	err := tx.Where("token_hash = ?", linktoken.Hash(token)).Take(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, apperr.New(apperr.NotFound, ErrLinkUnknown)
	}
	if err != nil {
		return nil, nil, wrap(err, "read supervisor link")
	}
	if why := l.state().At(now); why != linktoken.Open {
		return nil, nil, apperr.New(apperr.Conflict, linkRefusal[why])
	}
	if done, err := evaluated(tx, l.ApplicationID); err != nil || done {
		return nil, nil, cmpErr(err, apperr.New(apperr.Conflict, ErrLinkUsed))
	}
	p, err := evaluable(tx, l.ApplicationID)
	if apperr.CodeOf(err) == apperr.Invalid || apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil, apperr.New(apperr.Conflict, ErrLinkStale)
	}
	if err != nil {
		return nil, nil, err
	}
	return &l, p, nil
}

// HostForm opens the supervisor's page of token.
func (s *Service) HostForm(ctx context.Context, token string) (*SupervisorForm, error) {
	var out *SupervisorForm
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l, p, err := s.openLink(tx, token, s.now())
		if err != nil {
			return err
		}
		var student string
		if err := tx.Table("users").Where("id = ?", p.ApplicantID).Pluck("name", &student).Error; err != nil {
			return err
		}
		out = &SupervisorForm{Supervisor: l.SupervisorName, Student: student, Ref: p.Ref(), Elective: p.ElectiveEn, Host: p.Host,
			From: p.PlacedFrom, Until: *p.PlacedUntil, ExpiresAt: l.ExpiresAt}
		return nil
	})
	return out, wrap(err, "open supervisor link")
}

// EvaluateAsHost records the supervisor's evaluation through the link of
// token, once: the link and every other open link of the placement are
// spent in the same transaction, and the evaluation's key refuses a second
// one arriving at the same moment (another tab, the office's paper form).
// Refused answers change nothing.
func (s *Service) EvaluateAsHost(ctx context.Context, token string, in HostEvaluationInput) error {
	e, err := in.check()
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var appID int64
		if err := tx.Model(&SupervisorLink{}).Where("token_hash = ?", linktoken.Hash(token)).Pluck("application_id", &appID).Error; err != nil {
			return wrap(err, "read supervisor link")
		}
		if err := lockPlacement(tx, appID); err != nil {
			return err
		}
		now := s.now()
		l, _, err := s.openLink(tx, token, now)
		if err != nil {
			return err
		}
		res := tx.Model(&SupervisorLink{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", l.ID).Update("used_at", now)
		if res.Error != nil {
			return wrap(res.Error, "spend supervisor link")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, ErrLinkUsed)
		}
		if err := tx.Model(&SupervisorLink{}).Where("application_id = ? AND used_at IS NULL AND revoked_at IS NULL", l.ApplicationID).
			Update("used_at", now).Error; err != nil {
			return wrap(err, "spend supervisor links")
		}
		e.ApplicationID, e.Source, e.SupervisorEmail, e.CreatedAt = l.ApplicationID, SourceLink, l.SupervisorEmail, now
		if err := s.storeHostEvaluation(tx, e, apperr.New(apperr.Conflict, ErrLinkUsed)); err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, nil, "evaluation.host_evaluated", audit.Meta{},
			map[string]any{"via": l.SupervisorName, "source": SourceLink}).On("application", l.ApplicationID))
	})
	return wrap(err, "record host evaluation")
}

// lockPlacement makes the answers about application id take turns: two
// supervisors' links, or a link and the paper form, each spend the
// other's links, and without one order first their row locks would
// deadlock. An unknown id locks nothing; the reads after it refuse it.
func lockPlacement(tx *gorm.DB, id int64) error {
	var ids []int64
	return wrap(tx.Clauses(db.ForUpdate()).Table("applications").Where("id = ?", id).Pluck("id", &ids).Error, "lock placement")
}

// storeHostEvaluation inserts e, or answers taken when the placement is
// already evaluated.
func (s *Service) storeHostEvaluation(tx *gorm.DB, e *HostEvaluation, taken error) error {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(e)
	if res.Error != nil {
		return wrap(res.Error, "store host evaluation")
	}
	if res.RowsAffected == 0 {
		return taken
	}
	return nil
}

// Paper is an uploaded paper form, already checked and in the storage
// (document.Receive): its key, its name and type as sniffed, its size.
type Paper struct {
	Key, Name, MediaType string
	Size                 int64
}

// RecordPaper records the evaluation the office typed from a paper form,
// with the form's file, once; the supervisor's open links then no longer
// answer. The caller discards paper's file when this fails.
func (s *Service) RecordPaper(ctx context.Context, u *user.User, id int64, in HostEvaluationInput, paper *Paper, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	e, err := in.check()
	if paper == nil {
		f := apperr.FieldsOf(err)
		if f == nil {
			f = apperr.Fields{}
		}
		f.Add("paper", "hosteval.err.paper")
		err = f.Err()
	}
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockPlacement(tx, id); err != nil {
			return err
		}
		if _, err := evaluable(tx, id); err != nil {
			return err
		}
		now := s.now()
		e.ApplicationID, e.Source, e.RecordedBy, e.CreatedAt = id, SourcePaper, &u.ID, now
		e.PaperKey, e.PaperName, e.PaperType, e.PaperSize = &paper.Key, &paper.Name, &paper.MediaType, &paper.Size
		if err := s.storeHostEvaluation(tx, e, apperr.New(apperr.Invalid, "hosteval.err.done")); err != nil {
			return err
		}
		if err := tx.Model(&SupervisorLink{}).Where("application_id = ? AND used_at IS NULL AND revoked_at IS NULL", id).
			Update("revoked_at", now).Error; err != nil {
			return wrap(err, "close supervisor links")
		}
		return audit.Write(tx, audit.New(now, &u.ID, "evaluation.host_evaluated", m,
			map[string]any{"source": SourcePaper, "file": paper.Name}).On("application", id))
	})
	return wrap(err, "record paper evaluation")
}

// RevokeHostLinks stops every open supervisor link of application id and
// returns how many it stopped.
func (s *Service) RevokeHostLinks(ctx context.Context, u *user.User, id int64, m audit.Meta) (int, error) {
	if err := office(u); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := placement(tx, id); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&SupervisorLink{}).Where("application_id = ? AND used_at IS NULL AND revoked_at IS NULL", id).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		n = int(res.RowsAffected)
		return audit.Write(tx, audit.New(now, &u.ID, "evaluation.host_links_revoked", m, map[string]any{"links": n}).On("application", id))
	})
	return n, wrap(err, "revoke supervisor links")
}

// HostStatus is the office's view of one placement's host evaluation.
type HostStatus struct {
	Placement  *Placement
	Student    string
	Evaluation *HostEvaluation // nil while outstanding
	Links      []SupervisorLink
	Contact    *host.Contact // who is asked by default; nil when the host has none
	Days       int           // since the last day, while outstanding and over
	Over       bool
}

// HostStatusOf is application id's host evaluation as the office sees it.
func (s *Service) HostStatusOf(ctx context.Context, u *user.User, id int64) (*HostStatus, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	out := &HostStatus{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := evaluable(tx, id)
		if err != nil {
			return err
		}
		out.Placement = p
		if err := tx.Table("users").Where("id = ?", p.ApplicantID).Pluck("name", &out.Student).Error; err != nil {
			return err
		}
		var e HostEvaluation
		if err := tx.Limit(1).Find(&e, "application_id = ?", id).Error; err != nil {
			return err
		}
		if e.ApplicationID != 0 {
			out.Evaluation = &e
		}
		if err := tx.Where("application_id = ?", id).Order("id DESC").Find(&out.Links).Error; err != nil {
			return err
		}
		out.Contact, err = host.ContactFor(tx, p.ElectiveID)
		today := s.today()
		out.Over = !today.Before(*p.PlacedUntil)
		if out.Over {
			out.Days = days(*p.PlacedUntil, today)
		}
		return err
	})
	if err != nil {
		return nil, wrap(err, "read host evaluation")
	}
	return out, nil
}

// Now is the service's clock, for what pages compare with it (a link's expiry).
func (s *Service) Now() time.Time { return s.now() }

// PaperOf opens the paper form of application id's evaluation, for the
// office; the opening is audited before a byte is served.
func (s *Service) PaperOf(ctx context.Context, u *user.User, id int64, m audit.Meta) (*HostEvaluation, io.ReadCloser, error) {
	if err := office(u); err != nil {
		return nil, nil, err
	}
	var e HostEvaluation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("application_id = ? AND paper_key IS NOT NULL", id).Take(&e).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errNotFound
			}
			return err
		}
		return audit.Write(tx, audit.New(s.now(), &u.ID, "evaluation.paper_viewed", m, nil).On("application", id))
	})
	if err != nil {
		return nil, nil, wrap(err, "open paper evaluation")
	}
	if s.o.Files == nil {
		return nil, nil, apperr.Internalf("evaluation: no file storage")
	}
	rc, err := s.o.Files.Open(ctx, *e.PaperKey)
	if err != nil {
		return nil, nil, apperr.Internalf("open paper evaluation of %d: %w", id, err)
	}
	return &e, rc, nil
}

// hostLock is the key of the advisory lock that lets one replica at a
// time ask and remind supervisors ("hev").
const hostLock = 0x686576

// AskHosts is the supervisors' job: it mails the host contact of every
// confirmed placement whose last day has come (within the last 90 days)
// and whom nobody asked yet, and reminds once, with a new link, every
// supervisor who has not answered HostRemindDays after the first. It
// returns how many mails it enqueued. Every replica may run it: on
// PostgreSQL an advisory lock lets one at a time in, and SQLite's writers
// take turns anyway.
func (s *Service) AskHosts(ctx context.Context) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n = 0
		if s.db.Dialect == db.Postgres {
			var mine bool
			if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?, 1)", hostLock).Scan(&mine).Error; err != nil {
				return err
			}
			if !mine {
				return nil
			}
		}
		now, today := s.now(), s.today()
		var ids []int64
		err := tx.Table("applications AS a").
			Where("a.direction = ? AND a.status = ? AND a.placed_until <= ? AND a.placed_until >= ?", "outgoing", application.Confirmed,
				today, today.AddDate(0, 0, -hostAutoWithin)).
			Where("NOT EXISTS (SELECT 1 FROM host_evaluations AS h WHERE h.application_id = a.id)").
			Where("NOT EXISTS (SELECT 1 FROM host_evaluation_links AS l WHERE l.application_id = a.id)").
			Order("a.id").Pluck("a.id", &ids).Error
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := evaluable(tx, id)
			if err != nil {
				return err
			}
			c, err := host.ContactFor(tx, p.ElectiveID)
			if err != nil {
				return err
			}
			if c == nil {
				continue // no contact: the office asks someone by hand
			}
			if err := s.sendHostLink(tx, p, SupervisorInput{Name: c.Name, Email: c.Email, Lang: c.Lang}, nil, notify.HostEvaluationRequest, now, nil); err != nil {
				return err
			}
			n++
		}
		// The one reminder: the first open link of a placement still
		// outstanding, HostRemindDays old, when no link of it was reminded.
		var due []SupervisorLink
		err = tx.Table("host_evaluation_links AS l").Select("l.*").
			Joins("JOIN applications AS a ON a.id = l.application_id AND a.status IN ?", []application.Stage{application.Confirmed, application.Completed}).
			Where("l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > ? AND l.created_at <= ?", now, now.AddDate(0, 0, -HostRemindDays)).
			Where("l.id = (SELECT MIN(m.id) FROM host_evaluation_links AS m WHERE m.application_id = l.application_id AND m.used_at IS NULL AND m.revoked_at IS NULL)").
			Where("NOT EXISTS (SELECT 1 FROM host_evaluation_links AS r WHERE r.application_id = l.application_id AND r.reminded_at IS NOT NULL)").
			Where("NOT EXISTS (SELECT 1 FROM host_evaluations AS h WHERE h.application_id = l.application_id)").
			Order("l.id").Scan(&due).Error
		if err != nil {
			return err
		}
		for _, l := range due {
			p, err := evaluable(tx, l.ApplicationID)
			if err != nil {
				return err
			}
			if err := tx.Model(&SupervisorLink{}).Where("id = ?", l.ID).Update("reminded_at", now).Error; err != nil {
				return err
			}
			in := SupervisorInput{Name: l.SupervisorName, Email: l.SupervisorEmail, Lang: l.Lang}
			if err := s.sendHostLink(tx, p, in, nil, notify.HostEvaluationReminder, now, &now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, wrap(err, "ask host supervisors")
}
