package rotation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/user"
)

// Department is a department that takes rotations, with its rules.
type Department struct {
	catalog.Department
	Rules Rules
	Open  bool // it has rules: it takes rotations
}

// Departments lists the live departments that take rotations (they have
// rules), by English name.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	return s.departments(s.db.WithContext(ctx), nil)
}

func (s *Service) departments(tx *gorm.DB, only []int64) ([]Department, error) {
	var deps []catalog.Department
	q := tx.Where("retired_at IS NULL AND id IN (SELECT department_id FROM rotation_rules)")
	if only != nil {
		q = q.Where("id IN ?", only)
	}
	if err := q.Order("name_en, id").Find(&deps).Error; err != nil {
		return nil, wrap(err, "rotation departments")
	}
	var rules []Rules
	if err := tx.Find(&rules).Error; err != nil {
		return nil, wrap(err, "rotation rules")
	}
	out := make([]Department, len(deps))
	for i, d := range deps {
		out[i].Department = d
		for _, r := range rules {
			if r.DepartmentID == d.ID {
				out[i].Rules, out[i].Open = r, true
			}
		}
	}
	return out, nil
}

// Managed lists the departments u may edit the calendar of: a
// coordinator's own, every department for the office. A department without
// rules yet is listed too, so that the office can open it for rotations.
func (s *Service) Managed(ctx context.Context, u *user.User) ([]Department, error) {
	tx := s.db.WithContext(ctx)
	if u == nil {
		return nil, nil
	}
	var deps []catalog.Department
	q := tx.Where("retired_at IS NULL")
	if !u.Has(PartyRoles[Office]...) {
		if !u.Has(PartyRoles[Coordinator]...) {
			return nil, nil
		}
		q = q.Where("id IN (SELECT department_id FROM rotation_coordinators WHERE user_id = ?)", u.ID)
	}
	if err := q.Order("name_en, id").Find(&deps).Error; err != nil {
		return nil, wrap(err, "managed departments")
	}
	var rules []Rules
	if err := tx.Find(&rules).Error; err != nil {
		return nil, wrap(err, "rotation rules")
	}
	out := make([]Department, len(deps))
	for i, d := range deps {
		out[i].Department = d
		out[i].Rules = DefaultRules(d.ID)
		for _, r := range rules {
			if r.DepartmentID == d.ID {
				out[i].Rules, out[i].Open = r, true
			}
		}
	}
	return out, nil
}

// DefaultRules are a department's rules until someone sets them.
func DefaultRules(dep int64) Rules {
	return Rules{DepartmentID: dep, MinWeeks: 2, MaxWeeks: 8, LeadDays: 30}
}

// GrantCoordinator makes user userID a coordinator of department dep.
// Granting twice is one grant.
func (s *Service) GrantCoordinator(ctx context.Context, userID, dep int64) error {
	return wrap(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&coordinatorRow{UserID: userID, DepartmentID: dep, GrantedAt: s.clock()}).Error, "grant coordinator")
}

// CoordinatorOf lists the departments u coordinates.
func (s *Service) CoordinatorOf(ctx context.Context, userID int64) ([]int64, error) {
	var out []int64
	err := s.db.WithContext(ctx).Model(&coordinatorRow{}).Where("user_id = ?", userID).Order("department_id").
		Pluck("department_id", &out).Error
	return out, wrap(err, "coordinator scope")
}

// WeekRow is one week of a department's calendar.
type WeekRow struct {
	Week      time.Time
	Published bool
	Seats     int
	Used      int // confirmed and completed rotations
	Reserved  int // accepted, not yet confirmed
	Free      int
	Blackout  bool
	Past      bool
}

// Calendar is a department's weeks as its coordinator sees them.
type Calendar struct {
	Department Department
	From       time.Time
	Weeks      []WeekRow
}

// Calendar returns weeks weeks of department dep from the Monday of from,
// for someone who may manage it; NotFound for anyone else.
func (s *Service) Calendar(ctx context.Context, u *user.User, dep int64, from time.Time, weeks int) (*Calendar, error) {
	weeks = min(max(weeks, 1), MaxWeeks)
	from = Monday(from)
	var cal Calendar
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := canManage(tx, u, dep)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound
		}
		var d catalog.Department
		if err := tx.Take(&d, dep).Error; err != nil {
			return err
		}
		cal.Department = Department{Department: d, Rules: DefaultRules(dep)}
		var rules []Rules
		if err := tx.Where("department_id = ?", dep).Find(&rules).Error; err != nil {
			return err
		}
		if len(rules) == 1 {
			cal.Department.Rules = rules[0]
		}
		cal.From = from
		cal.Weeks, err = s.grid(tx, dep, from, weeks)
		return err
	})
	if err != nil {
		return nil, wrap(err, "calendar")
	}
	return &cal, nil
}

// grid builds the calendar rows: the blocks, and who holds their seats.
func (s *Service) grid(tx *gorm.DB, dep int64, from time.Time, weeks int) ([]WeekRow, error) {
	until := from.AddDate(0, 0, 7*weeks)
	var blocks []Block
	if err := tx.Where("department_id = ? AND week >= ? AND week < ?", dep, from, until).Find(&blocks).Error; err != nil {
		return nil, err
	}
	var holds []struct {
		StartsOn time.Time
		Weeks    int
		Status   Stage
	}
	err := tx.Table("rotation_requests AS r").Select("c.starts_on, c.weeks, r.status").
		Joins("JOIN rotation_choices AS c ON c.request_id = r.id AND c.rank = r.accepted_choice").
		Where("c.department_id = ? AND r.status IN ? AND c.starts_on < ?", dep, []Stage{Accepted, Confirmed, Completed}, until).
		Scan(&holds).Error
	if err != nil {
		return nil, err
	}
	today := s.Today()
	rows := make([]WeekRow, weeks)
	for i := range rows {
		w := from.AddDate(0, 0, 7*i)
		row := WeekRow{Week: w, Past: EndOf(w, 1).Before(today)}
		for _, b := range blocks {
			if Day(b.Week).Equal(w) {
				row.Published, row.Seats, row.Blackout = true, b.Seats, b.Blackout
				row.Free = max(b.Seats-b.Taken, 0)
			}
		}
		for _, h := range holds {
			start := Day(h.StartsOn)
			if w.Before(start) || !w.Before(start.AddDate(0, 0, 7*h.Weeks)) {
				continue
			}
			if h.Status == Accepted {
				row.Reserved++
			} else {
				row.Used++
			}
		}
		rows[i] = row
	}
	return rows, nil
}

// RulesInput is the rules form.
type RulesInput struct {
	MinWeeks, MaxWeeks, LeadDays string
}

// SetRules changes department dep's rules (and opens it for rotations
// when it had none).
func (s *Service) SetRules(ctx context.Context, u *user.User, dep int64, in RulesInput) error {
	f := apperr.Fields{}
	minW := intField(f, "min_weeks", in.MinWeeks, 1, MaxWeeks)
	maxW := intField(f, "max_weeks", in.MaxWeeks, 1, MaxWeeks)
	lead := intField(f, "lead_days", in.LeadDays, 0, 365)
	if _, bad := f["min_weeks"]; !bad && f["max_weeks"].Key == "" && maxW < minW {
		f.Add("max_weeks", "rotation.err.max_below_min")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.mayManage(tx, u, dep); err != nil {
			return err
		}
		r := Rules{DepartmentID: dep, MinWeeks: minW, MaxWeeks: maxW, LeadDays: lead, UpdatedAt: s.clock()}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "department_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"min_weeks", "max_weeks", "lead_days", "updated_at"}),
		}).Create(&r).Error
	}), "set rules")
}

func (s *Service) mayManage(tx *gorm.DB, u *user.User, dep int64) error {
	ok, err := canManage(tx, u, dep)
	if err != nil {
		return err
	}
	var d catalog.Department
	if !ok || tx.Where("id = ? AND retired_at IS NULL", dep).Take(&d).Error != nil {
		return errNotFound
	}
	return nil
}

func intField(f apperr.Fields, field, v string, lo, hi int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case strings.TrimSpace(v) == "":
		f.Add(field, "form.required")
	case err != nil || n < lo || n > hi:
		f.Add(field, "rotation.err.number", lo, hi)
	}
	return n
}

// dateField parses a yyyy-mm-dd date.
func dateField(f apperr.Fields, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		f.Add(field, "form.required")
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		f.Add(field, "rotation.err.date")
	}
	return t
}

// RangeInput names weeks: from the week of From to the week of To.
type RangeInput struct {
	From, To string
}

func (in RangeInput) weeks(f apperr.Fields, today time.Time) []time.Time {
	from, to := dateField(f, "from", in.From), dateField(f, "to", in.To)
	if len(f) > 0 {
		return nil
	}
	from, to = Monday(from), Monday(to)
	n := int(to.Sub(from).Hours()/24/7) + 1
	switch {
	case to.Before(from):
		f.Add("to", "rotation.err.range_order")
	case n > MaxWeeks:
		f.Add("to", "rotation.err.range_long", MaxWeeks)
	case EndOf(from, 1).Before(today):
		f.Add("from", "rotation.err.range_past")
	}
	if len(f) > 0 {
		return nil
	}
	return weeksOf(from, n)
}

// PublishInput opens weeks with a seat count, or changes their seats.
// Confirm says the coordinator has agreed to lower the seats of weeks
// that have more.
type PublishInput struct {
	RangeInput
	Seats   string
	Confirm bool
}

// KeyConfirmLower is the message of the question Publish asks, as a
// Conflict, before it lowers seats: its arguments are how many weeks would
// be lowered, how many would change in all, and the new seat count.
const KeyConfirmLower = "calendar.confirm_lower"

// Publish gives every week of the range Seats seats, publishing the weeks
// not yet published. Changing nothing, it is refused when a week already
// holds more accepted rotations than the new count, and it asks first
// (KeyConfirmLower) when it would lower the seats of a week, unless
// in.Confirm.
func (s *Service) Publish(ctx context.Context, u *user.User, dep int64, in PublishInput) (int, error) {
	f := apperr.Fields{}
	seats := intField(f, "seats", in.Seats, 0, 999)
	weeks := in.weeks(f, s.Today())
	if err := f.Err(); err != nil {
		return 0, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.mayManage(tx, u, dep); err != nil {
			return err
		}
		var have []Block
		if err := tx.Where("department_id = ? AND week >= ? AND week <= ?", dep, weeks[0], weeks[len(weeks)-1]).
			Order("week").Find(&have).Error; err != nil {
			return err
		}
		lowered, changed := 0, len(weeks)-len(have)
		for _, b := range have {
			if b.Taken > seats {
				f.Add("seats", "rotation.err.below_taken", Day(b.Week).Format(time.DateOnly), b.Taken)
				return &apperr.Error{Code: apperr.Invalid, Key: "rotation.err.below_taken",
					Args: []any{Day(b.Week).Format(time.DateOnly), b.Taken}, Fields: f}
			}
			if b.Seats != seats {
				changed++
			}
			if b.Seats > seats {
				lowered++
			}
		}
		if lowered > 0 && !in.Confirm {
			return apperr.New(apperr.Conflict, KeyConfirmLower, lowered, changed, seats)
		}
		if err := s.ensureRules(tx, dep); err != nil {
			return err
		}
		now := s.clock()
		for _, w := range weeks {
			b := Block{DepartmentID: dep, Week: w, Seats: seats, UpdatedAt: now}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&b)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				continue
			}
			// Never below what is taken, checked in the update itself so
			// that an acceptance committed meanwhile counts.
			res = tx.Model(&Block{}).Where("department_id = ? AND week = ? AND taken <= ?", dep, w, seats).
				Updates(map[string]any{"seats": seats, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				var cur Block
				if err := tx.Where("department_id = ? AND week = ?", dep, w).Take(&cur).Error; err != nil {
					return err
				}
				return apperr.New(apperr.Invalid, "rotation.err.below_taken", w.Format(time.DateOnly), cur.Taken)
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap(err, "publish weeks")
	}
	return len(weeks), nil
}

// ensureRules opens a department for rotations with the default rules
// when it has none.
func (s *Service) ensureRules(tx *gorm.DB, dep int64) error {
	r := DefaultRules(dep)
	r.UpdatedAt = s.clock()
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error
}

// BlackoutInput closes (or reopens) weeks.
type BlackoutInput struct {
	RangeInput
	Blackout bool
}

// SetBlackout closes the weeks of the range to new requests, or reopens
// them. A week that holds an accepted rotation cannot be closed; a week
// not yet published is published closed, with no seats.
func (s *Service) SetBlackout(ctx context.Context, u *user.User, dep int64, in BlackoutInput) (int, error) {
	f := apperr.Fields{}
	weeks := in.weeks(f, s.Today())
	if err := f.Err(); err != nil {
		return 0, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.mayManage(tx, u, dep); err != nil {
			return err
		}
		if err := s.ensureRules(tx, dep); err != nil {
			return err
		}
		now := s.clock()
		for _, w := range weeks {
			if in.Blackout {
				b := Block{DepartmentID: dep, Week: w, Blackout: true, UpdatedAt: now}
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&b).Error; err != nil {
					return err
				}
			}
			q := tx.Model(&Block{}).Where("department_id = ? AND week = ?", dep, w)
			if in.Blackout {
				q = q.Where("taken = 0")
			}
			res := q.Updates(map[string]any{"blackout": in.Blackout, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if in.Blackout && res.RowsAffected == 0 {
				return apperr.New(apperr.Invalid, "rotation.err.blackout_taken", w.Format(time.DateOnly))
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap(err, "blackout weeks")
	}
	return len(weeks), nil
}

// lockDepartment makes acceptances into one department take turns on its
// rules row, so that their multi-row seat updates never deadlock.
func lockDepartment(tx *gorm.DB, dep int64) error {
	var r Rules
	return tx.Clauses(db.ForUpdate()).Where("department_id = ?", dep).Take(&r).Error
}
