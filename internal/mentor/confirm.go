package mentor

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/user"
)

// OptInInput is the student's small form on their request's page.
type OptInInput struct {
	Languages []string
	Interests string
}

// optable are the stages of a request whose student may still ask for a
// mentor.
var optable = []string{"draft", "submitted", "department_review", "office_review", "waitlisted", "accepted", "confirmed", "returned"}

// OptIn records that the applicant u of request id would like a mentor,
// with the languages they speak and their interests (again: updated).
func (s *Service) OptIn(ctx context.Context, u *user.User, id int64, in OptInInput) error {
	f := apperr.Fields{}
	langs := checkLanguages(f, "languages", in.Languages, true)
	interests := checkInterests(f, "interests", in.Interests)
	if err := f.Err(); err != nil {
		return err
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.ownRequest(tx, u, id); err != nil {
			return err
		}
		now := s.clock()
		var old OptIn
		err := tx.Take(&old, "request_id = ?", id).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			err = tx.Create(&OptIn{RequestID: id, StudentID: u.ID, Languages: langs, Interests: interests, CreatedAt: now, UpdatedAt: now}).Error
		case err == nil:
			err = tx.Model(&OptIn{}).Where("request_id = ?", id).Updates(map[string]any{"languages": langs, "interests": interests, "updated_at": now}).Error
		}
		if err != nil {
			return err
		}
		return s.record(tx, u, "mentor.optin", "rotation_request", id, map[string]any{"languages": langs})
	}), "mentor opt-in")
}

// OptOut withdraws the wish of the applicant u of request id; a confirmed
// match stays.
func (s *Service) OptOut(ctx context.Context, u *user.User, id int64) error {
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.ownRequest(tx, u, id); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Match{}).Where("request_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "mentors.err.already_matched")
		}
		if err := tx.Where("request_id = ?", id).Delete(&OptIn{}).Error; err != nil {
			return err
		}
		return s.record(tx, u, "mentor.optout", "rotation_request", id, nil)
	}), "mentor opt-out")
}

// ownRequest refuses anyone but the applicant of request id, and a
// request that has ended.
func (s *Service) ownRequest(tx *gorm.DB, u *user.User, id int64) error {
	var r struct {
		ApplicantID int64
		Status      string
	}
	if err := tx.Table("rotation_requests").Select("applicant_id, status").Where("id = ?", id).Take(&r).Error; err != nil {
		return err
	}
	if u == nil || r.ApplicantID != u.ID {
		return errNotFound
	}
	for _, st := range optable {
		if st == r.Status {
			return nil
		}
	}
	return apperr.New(apperr.Invalid, "mentors.err.request_closed")
}

// Wish is a student's opt-in and match on one request, for its page.
type Wish struct {
	OptedIn              bool
	Languages, Interests []string
	Match                *MatchView
}

// WishOf is what the request's page shows about mentors: only its
// applicant sees it (nil for anyone else).
func (s *Service) WishOf(ctx context.Context, u *user.User, id int64) (*Wish, error) {
	var o OptIn
	err := s.db.WithContext(ctx).Take(&o, "request_id = ?", id).Error
	w := &Wish{}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, wrap(err, "mentor wish")
	default:
		if u == nil || o.StudentID != u.ID {
			return nil, nil
		}
		w.OptedIn, w.Languages, w.Interests = true, split(o.Languages), split(o.Interests)
	}
	ms, err := s.matches(s.db.WithContext(ctx), "m.request_id = ?", id)
	if err != nil {
		return nil, wrap(err, "mentor wish")
	}
	for i := range ms {
		if u != nil && ms[i].StudentID == u.ID {
			w.Match = &ms[i]
		}
	}
	return w, nil
}

// Confirm makes the proposal of mentor for request id a match, after
// checking again, under the mentor's lock, that it still fits and that the
// mentor has room.
func (s *Service) Confirm(ctx context.Context, u *user.User, id, mentor int64) (*Match, error) {
	return s.confirm(ctx, u, id, mentor, "")
}

// Override matches request id with a mentor of the coordinator's own
// choosing, whatever the proposals and the filters said; the reason is
// required and kept in the audit log. The mentor's capacity still holds.
func (s *Service) Override(ctx context.Context, u *user.User, id, mentor int64, reason string) (*Match, error) {
	reason = strings.TrimSpace(reason)
	f := apperr.Fields{}
	f.Text("reason", reason, true, MaxReason)
	if mentor <= 0 {
		f.Add("mentor", "mentors.err.mentor_required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.confirm(ctx, u, id, mentor, reason)
}

// ConfirmAll confirms every proposal u sees now, one by one; a proposal
// another coordinator's confirmation made impossible meanwhile is left
// for the next look. It answers how many were confirmed.
func (s *Service) ConfirmAll(ctx context.Context, u *user.User) (int, error) {
	b, err := s.Board(ctx, u)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range b.Proposals {
		_, err := s.Confirm(ctx, u, p.RequestID, p.Mentor.ID)
		switch c := apperr.CodeOf(err); {
		case err == nil:
			n++
		case c == apperr.Conflict || c == apperr.Invalid:
		default:
			return n, err
		}
	}
	return n, nil
}

func (s *Service) confirm(ctx context.Context, u *user.User, id, mentorID int64, reason string) (*Match, error) {
	if !isMatcher(u) {
		return nil, errNotFound
	}
	manual := reason != ""
	var out *Match
	err := s.tx(ctx, func(tx *gorm.DB) error {
		deps, err := scope(tx, u)
		if err != nil {
			return err
		}
		// The mentor's row is the lock: two confirmations for one mentor
		// take turns, and the second counts the first's match.
		var m Mentor
		if err := tx.Clauses(db.ForUpdate()).Take(&m, mentorID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.Fields{"mentor": {Key: "mentors.err.mentor_required"}}.Err()
		} else if err != nil {
			return err
		}
		sts, err := s.openStudents(tx, deps, id)
		if err != nil {
			return err
		}
		if len(sts) == 0 {
			var n int64
			if err := tx.Model(&Match{}).Where("request_id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return apperr.New(apperr.Conflict, "mentors.err.already_matched")
			}
			return errNotFound
		}
		st := sts[0]
		if st.DepartmentID == 0 {
			return apperr.New(apperr.Invalid, "mentors.err.not_accepted")
		}
		cands, err := s.candidates(tx, true, mentorID)
		if err != nil {
			return err
		}
		if len(cands) != 1 {
			return errNotFound
		}
		c := cands[0]
		if !c.Active {
			return apperr.New(apperr.Invalid, "mentors.err.inactive")
		}
		if c.UserID == st.StudentID {
			return apperr.New(apperr.Invalid, "mentors.err.self")
		}
		if why := fits(c, st); why != "" && !manual {
			return apperr.New(apperr.Invalid, "mentors.err.unfit."+why)
		}
		if c.Load >= c.Capacity {
			return apperr.New(apperr.Conflict, "mentors.err.full", c.Name, c.Capacity)
		}
		sc := score(c, st)
		now := s.clock()
		mt := &Match{MentorID: m.ID, RequestID: id, StudentID: st.StudentID, DepartmentID: st.DepartmentID, StartsOn: st.StartsOn,
			EndsOn: st.EndsOn, Score: sc.Score, Manual: manual, Reason: reason, ConfirmedBy: &u.ID, ConfirmedAt: now}
		if err := tx.Create(mt).Error; err != nil {
			return err
		}
		action, detail := "mentor.match.confirm", map[string]any{"request": id, "mentor": m.ID, "score": sc.Score}
		if manual {
			action, detail["reason"] = "mentor.match.override", reason
		}
		if err := s.record(tx, u, action, "mentor_match", mt.ID, detail); err != nil {
			return err
		}
		if err := introduce(tx, mt, c, st); err != nil {
			return err
		}
		out = mt
		return nil
	})
	if err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, apperr.New(apperr.Conflict, "mentors.err.already_matched")
		}
		return nil, wrap(err, "mentor confirm")
	}
	return out, nil
}

// introduce puts the two introduction mails in the outbox, each in its
// reader's language (notify picks the user's own).
func introduce(tx *gorm.DB, mt *Match, c Candidate, st Student) error {
	link := MatchLink(mt.ID)
	base := map[string]any{"department": st.DepartmentEN, "department_zh": st.DepartmentZH,
		"from": st.StartsOn.Format(time.DateOnly), "until": st.EndsOn.Format(time.DateOnly)}
	for _, side := range []struct {
		to          int64
		role        string
		other, mail string
	}{{c.UserID, "mentor", st.Name, st.Email}, {st.StudentID, "student", c.Name, c.Email}} {
		data := map[string]any{"role": side.role, "other": side.other, "other_email": side.mail}
		for k, v := range base {
			data[k] = v
		}
		if err := notify.Enqueue(tx, notify.Event{Kind: notify.MentorIntroduction, RecipientUserID: side.to, Data: data, Link: link,
			DedupKey: "mentor-intro-" + strconv.FormatInt(mt.ID, 10) + "-" + side.role}); err != nil {
			return err
		}
	}
	return nil
}

// MatchLink is the page of match id: who the other is, and the feedback.
func MatchLink(id int64) string { return "/mentors/matches/" + strconv.FormatInt(id, 10) }
