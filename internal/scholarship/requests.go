package scholarship

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/user"
)

// Placement is one of a student's applications that may carry a request:
// its current choice's host, elective and dates.
type Placement struct {
	ApplicationID                   int64
	Status                          application.Stage
	InstitutionEN, InstitutionLocal string
	TitleEN, TitleZH                string
	StartsOn, EndsOn                time.Time
}

// placements lists student's applications in stages, or the one with id
// when id > 0.
func placements(tx *gorm.DB, student int64, stages []application.Stage, id int64) ([]Placement, error) {
	var out []Placement
	q := tx.Table("applications AS a").
		Select(`a.id AS application_id, a.status, i.name_en AS institution_en, i.name_local AS institution_local,
			e.title_en, e.title_zh, p.starts_on, p.ends_on`).
		Joins("JOIN application_choices AS ch ON ch.application_id = a.id AND ch.rank = a.current_choice").
		Joins("JOIN electives AS e ON e.id = ch.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("JOIN periods AS p ON p.id = ch.period_id").
		Where("a.applicant_id = ? AND a.direction = 'outgoing' AND a.status IN ?", student, stages).Order("p.starts_on")
	if id > 0 {
		q = q.Where("a.id = ?", id)
	}
	return out, q.Scan(&out).Error
}

// Placements is what student u may tie a request in call id to.
func (s *Service) Placements(ctx context.Context, u *user.User, id int64) ([]Placement, error) {
	if !isStudent(u) {
		return nil, errNotFound
	}
	var c Call
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, wrap(err, "call")
	}
	out, err := placements(s.db.WithContext(ctx), u.ID, c.stages(), 0)
	return out, wrap(err, "placements")
}

// RequestInput is a student's request form as typed. Amount is read only
// when the call lets students ask an amount.
type RequestInput struct {
	Version       int
	ApplicationID int64
	Motivation    string
	Amount        string
}

// Mine returns u's request in call id, or nil.
func (s *Service) Mine(ctx context.Context, u *user.User, id int64) (*Request, error) {
	if u == nil {
		return nil, errNotFound
	}
	var rs []Request
	err := s.db.WithContext(ctx).Where("call_id = ? AND student_id = ?", id, u.ID).Limit(1).Find(&rs).Error
	if err != nil || len(rs) == 0 {
		return nil, wrap(err, "my request")
	}
	return &rs[0], nil
}

// openCall locks call id and refuses it unless requests may still change.
func (s *Service) openCall(tx *gorm.DB, id int64) (Call, error) {
	var c Call
	if err := tx.Clauses(db.ForUpdate()).Take(&c, id).Error; err != nil {
		return c, err
	}
	if c.State != Open || s.clock().After(c.Deadline) {
		return c, apperr.New(apperr.Invalid, "scholarships.err.closed")
	}
	return c, nil
}

// Save creates or edits u's draft request in call id; submit submits it
// as well. A request is tied to one of u's qualifying applications.
func (s *Service) Save(ctx context.Context, u *user.User, id int64, in RequestInput, submit bool) (*Request, error) {
	if !isStudent(u) {
		return nil, errNotFound
	}
	var r Request
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.openCall(tx, id)
		if err != nil {
			return err
		}
		var existing []Request
		if err := tx.Where("call_id = ? AND student_id = ?", id, u.ID).Limit(1).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) == 1 {
			r = existing[0]
			if r.State == Submitted && submit && r.Version == in.Version-1 {
				return nil // a retried submission: it took effect
			}
			if r.State != Draft {
				return apperr.New(apperr.Invalid, "scholarships.err.not_draft")
			}
			if r.Version != in.Version {
				return apperr.New(apperr.Conflict, "scholarships.err.changed")
			}
		}
		f := apperr.Fields{}
		f.Text("motivation", in.Motivation, submit, MaxMotivation)
		ps, err := placements(tx, u.ID, c.stages(), in.ApplicationID)
		if err != nil {
			return err
		}
		if in.ApplicationID <= 0 || len(ps) == 0 {
			f.Add("application", "scholarships.err.application")
		}
		amt := c.PerAward
		if c.PerAward == 0 {
			n, ok := amount(in.Amount)
			switch {
			case !ok || (n == 0 && (submit || strings.TrimSpace(in.Amount) != "")):
				f.Add("amount", "scholarships.err.ask")
			case c.Total > 0 && n > c.Total:
				f.Add("amount", "scholarships.err.ask_total", c.Total)
			}
			amt = n
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.clock()
		st := Draft
		var at *time.Time
		if submit {
			st, at = Submitted, &now
		}
		if r.ID == 0 {
			r = Request{CallID: id, StudentID: u.ID, ApplicationID: in.ApplicationID, Motivation: strings.TrimSpace(in.Motivation),
				Amount: amt, State: st, Version: 1, SubmittedAt: at, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		} else {
			res := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(map[string]any{
				"application_id": in.ApplicationID, "motivation": strings.TrimSpace(in.Motivation), "amount": amt,
				"state": st, "submitted_at": at, "version": gorm.Expr("version + 1"), "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, "scholarships.err.changed")
			}
			if err := tx.Take(&r, r.ID).Error; err != nil {
				return err
			}
		}
		action := "scholarship.request.save"
		if submit {
			action = "scholarship.request.submit"
		}
		return s.record(tx, u, action, "scholarship_request", r.ID, map[string]any{"call": id, "application": in.ApplicationID, "amount": amt})
	})
	if err != nil {
		return nil, wrap(err, "save request")
	}
	return &r, nil
}

// Withdraw takes u's request in call id back, at the version they saw,
// while the call has not awarded it.
func (s *Service) Withdraw(ctx context.Context, u *user.User, id int64, version int) error {
	if !isStudent(u) {
		return errNotFound
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var c Call
		if err := tx.Clauses(db.ForUpdate()).Take(&c, id).Error; err != nil {
			return err
		}
		var r Request
		if err := tx.Where("call_id = ? AND student_id = ?", id, u.ID).Take(&r).Error; err != nil {
			return err
		}
		if r.State == Withdrawn {
			return nil
		}
		var n int64
		if err := tx.Model(&Award{}).Where("request_id = ?", r.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 || c.State == Closed {
			return apperr.New(apperr.Invalid, "scholarships.err.awarded")
		}
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, version).
			Updates(map[string]any{"state": Withdrawn, "version": gorm.Expr("version + 1"), "updated_at": s.clock()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "scholarships.err.changed")
		}
		return s.record(tx, u, "scholarship.request.withdraw", "scholarship_request", r.ID, map[string]any{"call": id})
	}), "withdraw request")
}

// Entry is a submitted request as the office scores and ranks it.
type Entry struct {
	Request
	StudentName   string
	StudentNumber string
	Values        map[int64]int // component id -> hundredths
	Score         float64       // weighted, 0..100
	Status        application.Stage
	Award         *Award
}

// Entries lists call id's submitted requests with their scores, for the
// office.
func (s *Service) Entries(ctx context.Context, u *user.User, id int64) ([]Entry, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	out, _, err := entries(s.db.WithContext(ctx), id)
	return out, wrap(err, "entries")
}

func entries(tx *gorm.DB, id int64) ([]Entry, []Component, error) {
	var comps []Component
	if err := tx.Where("call_id = ?", id).Order("ordinal").Find(&comps).Error; err != nil {
		return nil, nil, err
	}
	var rows []struct {
		Request
		StudentName   string
		StudentNumber *string
		AppStatus     string
	}
	err := tx.Table("scholarship_requests AS r").
		Select("r.*, u.name AS student_name, u.student_number, a.status AS app_status").
		Joins("JOIN users AS u ON u.id = r.student_id").
		Joins("JOIN applications AS a ON a.id = r.application_id").
		Where("r.call_id = ? AND r.state = ?", id, Submitted).Order("r.submitted_at, r.id").Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	var scores []score
	if err := tx.Where("request_id IN (SELECT id FROM scholarship_requests WHERE call_id = ?)", id).Find(&scores).Error; err != nil {
		return nil, nil, err
	}
	var awards []Award
	if err := tx.Where("call_id = ?", id).Find(&awards).Error; err != nil {
		return nil, nil, err
	}
	byReq := map[int64]map[int64]int{}
	for _, sc := range scores {
		if byReq[sc.RequestID] == nil {
			byReq[sc.RequestID] = map[int64]int{}
		}
		byReq[sc.RequestID][sc.ComponentID] = sc.ValueCenti
	}
	aw := map[int64]*Award{}
	for i := range awards {
		aw[awards[i].RequestID] = &awards[i]
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		e := Entry{Request: r.Request, StudentName: r.StudentName, Values: byReq[r.ID], Status: application.Stage(r.AppStatus), Award: aw[r.ID]}
		if r.StudentNumber != nil {
			e.StudentNumber = *r.StudentNumber
		}
		e.Score = weighted(comps, e.Values)
		out = append(out, e)
	}
	return out, comps, nil
}

// weighted is the score out of 100: each component's share of its
// maximum, weighted, rounded to hundredths so both dialects agree.
func weighted(comps []Component, values map[int64]int) float64 {
	var sum, weights float64
	for _, c := range comps {
		weights += float64(c.Weight)
		sum += float64(c.Weight) * float64(values[c.ID]) / 100 / float64(c.MaxValue)
	}
	if weights == 0 {
		return 0
	}
	centi := int64(sum/weights*10000 + 0.5)
	return float64(centi) / 100
}

// SetScores records the office's values for request rid of call id, as
// typed per component id; every value is checked before any is stored,
// and the change is audited.
func (s *Service) SetScores(ctx context.Context, u *user.User, id, rid int64, typed map[int64]string) error {
	if !isOffice(u) {
		return errNotFound
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var c Call
		if err := tx.Take(&c, id).Error; err != nil {
			return err
		}
		if c.State == Closed {
			return apperr.New(apperr.Invalid, "scholarships.err.closed")
		}
		var r Request
		if err := tx.Where("id = ? AND call_id = ? AND state = ?", rid, id, Submitted).Take(&r).Error; err != nil {
			return err
		}
		var comps []Component
		if err := tx.Where("call_id = ?", id).Order("ordinal").Find(&comps).Error; err != nil {
			return err
		}
		f := apperr.Fields{}
		values := map[int64]int{}
		for _, comp := range comps {
			v := strings.TrimSpace(typed[comp.ID])
			if v == "" {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > float64(comp.MaxValue) {
				f.Add("c"+strconv.FormatInt(comp.ID, 10), "scholarships.err.value", comp.MaxValue)
				continue
			}
			values[comp.ID] = int(x*100 + 0.5)
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.clock()
		detail := map[string]any{"request": rid}
		for _, comp := range comps {
			v, ok := values[comp.ID]
			if !ok {
				continue
			}
			sc := score{RequestID: rid, ComponentID: comp.ID, ValueCenti: v, UpdatedBy: u.ID, UpdatedAt: now}
			if err := tx.Where("request_id = ? AND component_id = ?", rid, comp.ID).Delete(&score{}).Error; err != nil {
				return err
			}
			if err := tx.Create(&sc).Error; err != nil {
				return err
			}
			detail[comp.NameEN] = float64(v) / 100
		}
		return s.record(tx, u, "scholarship.score.set", "scholarship_request", rid, detail)
	}), "set scores")
}
