package rotation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/user"
)

// The supervisor's link (issue 16): the department's coordinator may ask
// the student's supervisor, who has no account, to record attendance and
// the evaluation through a signed link; the link's secret is the key, and
// only its digest is stored. Kept small and apart from internal/host,
// whose links open a nomination's dossier: this one opens one form.

// SupervisorLinkDays is how long a supervisor's link works.
const SupervisorLinkDays = 30

// SupervisorInput is whom the coordinator asks: an address and the
// language of the mail.
type SupervisorInput struct {
	Email, Lang string
}

// InviteSupervisor mails the supervisor a link to the close's form, in
// their language; a new invitation replaces the last link.
func (s *Service) InviteSupervisor(ctx context.Context, u *user.User, id int64, in SupervisorInput) error {
	return s.assess(ctx, u, id, nil, func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error {
		f := apperr.Fields{}
		email := strings.TrimSpace(in.Email)
		if ad, err := mail.ParseAddress(email); email == "" || err != nil || ad.Address != email {
			f.Add("supervisor_email", "rotation.assess.err.supervisor_email")
		}
		lang := in.Lang
		if lang == "" {
			lang = "en"
		}
		if !slices.Contains(HomeLangs, lang) {
			f.Add("supervisor_lang", "form.required")
		}
		if err := f.Err(); err != nil {
			return err
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		token := base64.RawURLEncoding.EncodeToString(secret)
		digest, until := tokenDigest(token), now.AddDate(0, 0, SupervisorLinkDays)
		a.SupervisorEmail, a.SupervisorToken, a.SupervisorUntil = email, &digest, &until
		data, err := closeData(tx, a.RequestID, c)
		if err != nil {
			return err
		}
		data["link_until"] = s.zone.Day(until).Format(time.DateOnly)
		return s.mail(tx, notify.Event{Kind: notify.IncomingSupervisorLink, RecipientEmail: email, Lang: lang, Data: data,
			Link: SupervisorLink(token)})
	})
}

// SupervisorLink is the supervisor's link to a close's form.
func SupervisorLink(token string) string { return "/rotation-supervisor/" + token }

// bySupervisor finds, and locks when lock, the request whose live
// supervisor link token is; NotFound for any other token, whatever the
// reason.
func (s *Service) bySupervisor(tx *gorm.DB, token string, lock bool) (*Request, *Choice, *Assessment, error) {
	if token == "" {
		return nil, nil, nil, errNotFound
	}
	var a Assessment
	if err := tx.Where("supervisor_token = ?", tokenDigest(token)).Limit(1).Find(&a).Error; err != nil {
		return nil, nil, nil, err
	}
	if a.RequestID == 0 || a.SupervisorUntil == nil || !s.clock().Before(*a.SupervisorUntil) {
		return nil, nil, nil, errNotFound
	}
	q := tx
	if lock {
		q = tx.Clauses(db.ForUpdate())
	}
	var r Request
	if err := q.Take(&r, a.RequestID).Error; err != nil {
		return nil, nil, nil, err
	}
	var cs []Choice
	if err := tx.Where("request_id = ?", r.ID).Find(&cs).Error; err != nil {
		return nil, nil, nil, err
	}
	c := choiceOf(cs, r.AcceptedChoice)
	if c == nil || !holdsSeats(r.Status) {
		return nil, nil, nil, errNotFound
	}
	return &r, c, &a, nil
}

// SupervisorClose is the close as the supervisor's link shows it: the
// facts, and whether the form is still open.
func (s *Service) SupervisorClose(ctx context.Context, token string) (*Close, error) {
	r, _, _, err := s.bySupervisor(s.db.WithContext(ctx), token, false)
	if err != nil {
		return nil, wrap(err, "supervisor link")
	}
	// The facts as the student sees them; what may be recorded is the
	// link's: the form while the rotation is confirmed and begun.
	c, err := s.CloseOf(ctx, &user.User{ID: r.ApplicantID}, r.ID)
	if err != nil {
		return nil, err
	}
	c.Applicant, c.CanReview, c.CanSendHome = false, false, false
	c.CanAssess = c.Status == Confirmed && !s.Today().Before(c.StartsOn)
	c.CanMidterm, c.MidtermRefusal = false, ""
	return c, nil
}

// SupervisorInputs is what the supervisor's form sends: attendance and
// the evaluation at once.
type SupervisorInputs struct {
	Attendance AttendanceInput
	Evaluation EvaluationInput
}

// SupervisorRecord records the attendance and the evaluation the
// supervisor sent through their link, in one transaction: both are
// checked before either is written.
func (s *Service) SupervisorRecord(ctx context.Context, token string, in SupervisorInputs) error {
	return s.recordClose(ctx, func(tx *gorm.DB) (*Request, *Choice, error) {
		r, c, _, err := s.bySupervisor(tx, token, true)
		return r, c, err
	}, nil, func(tx *gorm.DB, a *Assessment, c *Choice, now time.Time) error {
		errA := attend(a, c, in.Attendance, now, nil)
		errE := s.evaluate(tx, a, c, in.Evaluation, now, nil, "supervisor")
		f := apperr.Fields{}
		for _, err := range []error{errA, errE} {
			if err == nil {
				continue
			}
			fs := apperr.FieldsOf(err)
			if fs == nil {
				return err
			}
			for k, m := range fs {
				f.Add(k, m.Key, m.Args...)
			}
		}
		return f.Err()
	})
}
