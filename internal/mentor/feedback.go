package mentor

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

// MatchView is a match with both people's names, for the lists and the
// match's page.
type MatchView struct {
	Match
	MentorUserID               int64
	MentorName, MentorEmail    string
	StudentName, StudentEmail  string
	DepartmentEN, DepartmentZH string
}

// Ended reports whether the rotation's last day is before today.
func (m *MatchView) Ended(today time.Time) bool { return today.After(m.EndsOn) }

// Side is who u is to the match: "mentor", "student", or "" (neither).
func (m *MatchView) Side(u *user.User) string {
	switch {
	case u == nil:
		return ""
	case u.ID == m.MentorUserID:
		return "mentor"
	case u.ID == m.StudentID:
		return "student"
	}
	return ""
}

func (s *Service) matches(tx *gorm.DB, where string, args ...any) ([]MatchView, error) {
	var out []MatchView
	err := tx.Table("mentor_matches m").
		Select(`m.*, me.user_id AS mentor_user_id, mu.name AS mentor_name, mu.email AS mentor_email, su.name AS student_name,
			su.email AS student_email, d.name_en AS department_en, d.name_zh AS department_zh`).
		Joins("JOIN mentors me ON me.id = m.mentor_id").Joins("JOIN users mu ON mu.id = me.user_id").
		Joins("JOIN users su ON su.id = m.student_id").Joins("JOIN departments d ON d.id = m.department_id").
		Where(where, args...).Order("m.starts_on DESC, m.id DESC").Scan(&out).Error
	for i := range out {
		out[i].StartsOn, out[i].EndsOn = dateOf(out[i].StartsOn), dateOf(out[i].EndsOn)
	}
	return out, err
}

// Matches are the confirmed matches u sees on /mentors: every one for the
// office, those of their departments for a coordinator.
func (s *Service) Matches(ctx context.Context, u *user.User) ([]MatchView, error) {
	if !isMatcher(u) {
		return nil, errNotFound
	}
	tx := s.db.WithContext(ctx)
	deps, err := scope(tx, u)
	if err != nil {
		return nil, wrap(err, "mentor matches")
	}
	var out []MatchView
	if deps == nil {
		out, err = s.matches(tx, "1 = 1")
	} else if len(deps) > 0 {
		out, err = s.matches(tx, "m.department_id IN ?", deps)
	}
	return out, wrap(err, "mentor matches")
}

// Mentoring are the matches of u as a mentor, newest first.
func (s *Service) Mentoring(ctx context.Context, u *user.User) ([]MatchView, error) {
	out, err := s.matches(s.db.WithContext(ctx), "me.user_id = ?", u.ID)
	return out, wrap(err, "mentoring")
}

// MatchOf is match id for one of its two people, or the office, or a
// coordinator of its department; anyone else is told it does not exist.
func (s *Service) MatchOf(ctx context.Context, u *user.User, id int64) (*MatchView, error) {
	if u == nil {
		return nil, errNotFound
	}
	tx := s.db.WithContext(ctx)
	ms, err := s.matches(tx, "m.id = ?", id)
	if err != nil || len(ms) == 0 {
		return nil, wrap(err, "match")
	}
	m := &ms[0]
	if m.Side(u) != "" {
		return m, nil
	}
	if isMatcher(u) {
		deps, err := scope(tx, u)
		if err != nil {
			return nil, wrap(err, "match")
		}
		if inScope(deps, m.DepartmentID) {
			return m, nil
		}
	}
	return nil, errNotFound
}

// Today is the portal's day, for pages that say whether feedback is open.
func (s *Service) Today() time.Time { return s.today() }

// FeedbackInput is one side's feedback as typed.
type FeedbackInput struct {
	Rating  string // 1 to 5
	Comment string
}

// Feedback records the feedback of u, the mentor or the student of match
// id, once its rotation's last day is past; given again, it replaces
// theirs. Nobody else may give it.
func (s *Service) Feedback(ctx context.Context, u *user.User, id int64, in FeedbackInput) error {
	f := apperr.Fields{}
	rating, err := strconv.Atoi(strings.TrimSpace(in.Rating))
	if err != nil || rating < 1 || rating > 5 {
		f.Add("rating", "mentors.err.rating")
	}
	comment := strings.TrimSpace(in.Comment)
	f.Text("comment", comment, false, MaxComment)
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		ms, err := s.matches(tx, "m.id = ?", id)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return errNotFound
		}
		m := &ms[0]
		side := m.Side(u)
		if side == "" {
			return errNotFound
		}
		if !m.Ended(s.today()) {
			return apperr.New(apperr.Invalid, "mentors.err.too_early", m.EndsOn.Format(time.DateOnly))
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.clock()
		res := tx.Model(&Match{}).Where("id = ?", id).Updates(map[string]any{
			side + "_rating": rating, side + "_comment": comment, side + "_rated_at": now})
		if res.Error != nil {
			return res.Error
		}
		return s.record(tx, u, "mentor.feedback", "mentor_match", id, map[string]any{"side": side, "rating": rating})
	}), "mentor feedback")
}
