package scholarship

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// Limits of a call's form.
const (
	MaxName       = 200
	MaxComponents = 5
	MaxMotivation = 4000
)

// ComponentInput is one rubric row as typed.
type ComponentInput struct {
	NameEN, NameZH, Weight, MaxValue string
}

// CallInput is the call's form as typed. A budget field left empty is no
// limit; at least one of MaxAwards and Total must be set.
type CallInput struct {
	FundingID                  int64
	Name, Year, Deadline       string
	PerAward, MaxAwards, Total string
	NeedPlacement              bool
	Components                 []ComponentInput
	Tiebreaks                  []string // in order: "component:N" (the Nth rubric row), "year", "submitted" (tiebreaks.go)
}

// amount reads a non-negative whole amount; empty is 0.
func amount(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && n <= 1_000_000_000_000
}

// check reads in; every refusal names its field.
func (s *Service) check(tx *gorm.DB, in CallInput) (Call, []Component, []tieRef, error) {
	f := apperr.Fields{}
	c := Call{FundingID: in.FundingID, Name: strings.TrimSpace(in.Name)}
	f.Text("name", in.Name, true, MaxName)
	var fund catalog.Funding
	if in.FundingID <= 0 || tx.Where("retired_at IS NULL").Take(&fund, in.FundingID).Error != nil {
		f.Add("funding", "scholarships.err.funding")
	}
	c.Currency = fund.Currency
	if y, err := strconv.Atoi(strings.TrimSpace(in.Year)); err != nil || y < 2000 || y > 2100 {
		f.Add("year", "scholarships.err.year")
	} else {
		c.Year = y
	}
	if d, ok := catalog.Date(in.Deadline); !ok {
		f.Add("deadline", "form.date")
	} else {
		c.Deadline = s.zone.EndOfDay(d)
	}
	var ok bool
	if c.PerAward, ok = amount(in.PerAward); !ok {
		f.Add("per_award", "scholarships.err.amount")
	}
	var n int64
	if n, ok = amount(in.MaxAwards); !ok || n > 100000 {
		f.Add("max_awards", "scholarships.err.amount")
	}
	c.MaxAwards = int(n)
	if c.Total, ok = amount(in.Total); !ok {
		f.Add("total", "scholarships.err.amount")
	}
	if c.MaxAwards == 0 && c.Total == 0 {
		f.Add("budget", "scholarships.err.budget")
	}
	if c.PerAward > 0 && c.Total > 0 && c.PerAward > c.Total {
		f.Add("per_award", "scholarships.err.per_award_total")
	}
	c.NeedPlacement = in.NeedPlacement
	var comps []Component
	total := 0
	for i, ci := range in.Components {
		if strings.TrimSpace(ci.NameEN+ci.NameZH+ci.Weight+ci.MaxValue) == "" {
			continue
		}
		field := "component" + strconv.Itoa(i+1)
		comp := Component{Ordinal: len(comps) + 1, NameEN: strings.TrimSpace(ci.NameEN), NameZH: strings.TrimSpace(ci.NameZH)}
		var errW, errM error
		comp.Weight, errW = strconv.Atoi(strings.TrimSpace(ci.Weight))
		comp.MaxValue, errM = strconv.Atoi(strings.TrimSpace(ci.MaxValue))
		switch {
		case comp.NameEN == "" || comp.NameZH == "":
			f.Add(field, "scholarships.err.component_name")
		case len(comp.NameEN) > 100 || len(comp.NameZH) > 100:
			f.Add(field, "form.too_long", 100)
		case errW != nil || comp.Weight < 0 || comp.Weight > 100:
			f.Add(field, "scholarships.err.weight")
		case errM != nil || comp.MaxValue <= 0 || comp.MaxValue > 1000:
			f.Add(field, "scholarships.err.max")
		}
		total += comp.Weight
		comps = append(comps, comp)
	}
	switch {
	case len(comps) == 0:
		f.Add("components", "scholarships.err.no_components")
	case len(comps) > MaxComponents:
		f.Add("components", "scholarships.err.too_many_components", MaxComponents)
	case total == 0:
		f.Add("components", "scholarships.err.no_weight")
	}
	ties := checkTies(f, in.Tiebreaks, in.Components)
	return c, comps, ties, f.Err()
}

// Create opens a call as the office fills it in.
func (s *Service) Create(ctx context.Context, u *user.User, in CallInput) (*Call, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var c Call
	err := s.tx(ctx, func(tx *gorm.DB) error {
		checked, comps, ties, err := s.check(tx, in)
		if err != nil {
			return err
		}
		seed, err := match.NewSeed()
		if err != nil {
			return err
		}
		c = checked
		now := s.clock()
		c.State, c.Version, c.Seed, c.CreatedBy, c.CreatedAt, c.UpdatedAt = Open, 1, seed, u.ID, now, now
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		for i := range comps {
			comps[i].CallID = c.ID
		}
		if err := tx.Create(&comps).Error; err != nil {
			return err
		}
		if err := storeTies(tx, c.ID, comps, ties); err != nil {
			return err
		}
		return s.record(tx, u, "scholarship.call.create", "scholarship_call", c.ID, map[string]any{
			"name": c.Name, "per_award": c.PerAward, "max_awards": c.MaxAwards, "total": c.Total, "seed": c.Seed})
	})
	if err != nil {
		return nil, wrap(err, "create call")
	}
	return &c, nil
}

// CallRow is a call as the list shows it.
type CallRow struct {
	Call
	FundingEN, FundingZH string
	Requests, Awards     int
}

// List is every call for the office; for a student, the open calls and
// those they requested in.
func (s *Service) List(ctx context.Context, u *user.User) ([]CallRow, error) {
	if u == nil {
		return nil, errNotFound
	}
	var out []CallRow
	q := s.db.WithContext(ctx).Table("scholarship_calls AS c").
		Select(`c.*, f.name_en AS funding_en, f.name_zh AS funding_zh,
			(SELECT COUNT(*) FROM scholarship_requests r WHERE r.call_id = c.id AND r.state = 'submitted') AS requests,
			(SELECT COUNT(*) FROM scholarship_awards a WHERE a.call_id = c.id AND a.status <> 'returned') AS awards`).
		Joins("JOIN funding AS f ON f.id = c.funding_id").Order("c.deadline DESC, c.id DESC")
	if !isOffice(u) {
		if !isStudent(u) {
			return nil, errNotFound
		}
		q = q.Where("c.state = ? OR EXISTS (SELECT 1 FROM scholarship_requests r WHERE r.call_id = c.id AND r.student_id = ?)", Open, u.ID)
	}
	return out, wrap(q.Scan(&out).Error, "list calls")
}

// Full is a call with its rubric, for its page.
type Full struct {
	CallRow
	Components []Component
	Tiebreaks  []Tiebreak // in order; the lottery comes last
	Office     bool
	// Spent and Given are the money and awards held by awards not returned.
	Spent int64
	Given int
}

// Get returns call id as u may see it: the office any, a student an open
// one or one they requested in.
func (s *Service) Get(ctx context.Context, u *user.User, id int64) (*Full, error) {
	rows, err := s.List(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.ID != id {
			continue
		}
		f := &Full{CallRow: r, Office: isOffice(u)}
		d := s.db.WithContext(ctx)
		if err := d.Where("call_id = ?", id).Order("ordinal").Find(&f.Components).Error; err != nil {
			return nil, wrap(err, "call components")
		}
		if err := d.Where("call_id = ?", id).Order("ordinal").Find(&f.Tiebreaks).Error; err != nil {
			return nil, wrap(err, "call tie-breaks")
		}
		if f.Spent, f.Given, err = spent(d, id); err != nil {
			return nil, wrap(err, "call budget")
		}
		return f, nil
	}
	return nil, errNotFound
}

// spent is what the call's awards not returned hold.
func spent(tx *gorm.DB, id int64) (int64, int, error) {
	var r struct {
		Sum   int64
		Count int
	}
	err := tx.Model(&Award{}).Select("COALESCE(SUM(amount), 0) AS sum, COUNT(*) AS count").
		Where("call_id = ? AND status <> ?", id, StatusReturned).Scan(&r).Error
	return r.Sum, r.Count, err
}

// Close ends a call at the version the office saw: no more requests or
// awards; the register keeps it.
func (s *Service) Close(ctx context.Context, u *user.User, id int64, version int) error {
	if !isOffice(u) {
		return errNotFound
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var c Call
		if err := tx.Clauses(db.ForUpdate()).Take(&c, id).Error; err != nil {
			return err
		}
		if c.State == Closed {
			return nil // closing twice changes nothing
		}
		res := tx.Model(&Call{}).Where("id = ? AND version = ?", id, version).
			Updates(map[string]any{"state": Closed, "version": gorm.Expr("version + 1"), "updated_at": s.clock()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "scholarships.err.changed")
		}
		return s.record(tx, u, "scholarship.call.close", "scholarship_call", id, nil)
	}), "close call")
}

// FundingOption is a funding opportunity a call may be opened on.
type FundingOption struct {
	ID                int64
	NameEN, NameZH    string
	Amount            int
	Currency, Sponsor string
}

// Fundings lists the live funding opportunities for the call's form.
func (s *Service) Fundings(ctx context.Context, u *user.User) ([]FundingOption, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var out []FundingOption
	err := s.db.WithContext(ctx).Table("funding").Select("id, name_en, name_zh, amount, currency, sponsor").
		Where("retired_at IS NULL").Order("name_en").Scan(&out).Error
	return out, wrap(err, "fundings")
}
