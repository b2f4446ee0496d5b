package selection

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/user"
)

// Score is one applicant's value of one component, in hundredths.
type Score struct {
	RoundID       int64 `gorm:"primaryKey;autoIncrement:false"`
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	ComponentID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ValueCenti    int
	UpdatedBy     int64
	UpdatedAt     time.Time
}

// TableName is the table of scores.
func (Score) TableName() string { return "selection_scores" }

// roundStages are the stages of an application that takes part in a
// round: submitted and under review (scored meanwhile), and approved by
// its department (office_review), the only one publication can nominate.
var roundStages = []application.Stage{application.Submitted, application.DepartmentReview, application.OfficeReview}

// applicantIDs are the applications of round id: at a round stage, with a
// choice in one of its periods; for a reviewer only (u not the office),
// those in their scope. u nil means every one.
func applicantIDs(tx *gorm.DB, id int64, u *user.User) ([]int64, error) {
	q := tx.Table("applications AS a").Distinct("a.id").
		Joins("JOIN application_choices AS c ON c.application_id = a.id").
		Joins("JOIN selection_round_periods AS rp ON rp.period_id = c.period_id AND rp.round_id = ?", id).
		Where("a.status IN ?", roundStages)
	if u != nil && !isOffice(u) {
		q = q.Where("a.specialty IN (?)", tx.Table("reviewer_scopes").Select("specialty").Where("user_id = ?", u.ID))
	}
	var ids []int64
	err := q.Order("a.id").Pluck("a.id", &ids).Error
	return ids, err
}

// Applicant is one application of a round as the scoring page shows it.
type Applicant struct {
	ApplicationID int64
	ApplicantID   int64
	Name, Email   string
	Status        application.Stage
	Specialty     string
	SubmittedAt   *time.Time
	Values        map[int64]int `gorm:"-"` // component id -> value in hundredths
	Score         int           `gorm:"-"` // 0 to 100, in hundredths
	Complete      bool          `gorm:"-"` // every component has a value
}

// Applicants lists round id's applicants with their scores, for the office
// (all) or a reviewer (in scope).
func (s *Service) Applicants(ctx context.Context, u *user.User, id int64) (*Full, []Applicant, error) {
	if !mayScore(u) {
		return nil, nil, errNotFound
	}
	var f Full
	var out []Applicant
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.full(tx, u, id, &f); err != nil {
			return err
		}
		var err error
		out, err = applicants(tx, &f, u)
		return err
	})
	if err != nil {
		return nil, nil, wrap(err, "round applicants")
	}
	return &f, out, nil
}

func applicants(tx *gorm.DB, f *Full, u *user.User) ([]Applicant, error) {
	ids, err := applicantIDs(tx, f.ID, u)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var out []Applicant
	if err := tx.Table("applications AS a").
		Select("a.id AS application_id, a.applicant_id, u.name, u.email, a.status, a.specialty, a.submitted_at").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Where("a.id IN ?", ids).Order("u.name, a.id").Scan(&out).Error; err != nil {
		return nil, err
	}
	var scores []Score
	if err := tx.Where("round_id = ? AND application_id IN ?", f.ID, ids).Find(&scores).Error; err != nil {
		return nil, err
	}
	byApp := map[int64]map[int64]int{}
	for _, sc := range scores {
		if byApp[sc.ApplicationID] == nil {
			byApp[sc.ApplicationID] = map[int64]int{}
		}
		byApp[sc.ApplicationID][sc.ComponentID] = sc.ValueCenti
	}
	for i := range out {
		out[i].Values = byApp[out[i].ApplicationID]
		if out[i].Values == nil {
			out[i].Values = map[int64]int{}
		}
		out[i].Score, out[i].Complete = Total(f.Components, out[i].Values)
	}
	return out, nil
}

// Total is the score of values under the rubric: each value's place in
// its component's range, weighted, on a scale of 0 to 100, in hundredths.
// A missing value counts as the component's minimum, and complete says
// whether any was missing.
func Total(comps []Component, values map[int64]int) (centi int, complete bool) {
	complete = true
	var sum, weights float64
	for _, c := range comps {
		weights += float64(c.Weight)
		v, ok := values[c.ID]
		if !ok {
			complete = false
			continue
		}
		frac := (float64(v)/100 - float64(c.MinValue)) / float64(c.MaxValue-c.MinValue)
		sum += float64(c.Weight) * min(max(frac, 0), 1)
	}
	if weights == 0 {
		return 0, complete
	}
	return int(math.Round(sum / weights * 100 * 100)), complete
}

// Centi reads a typed value with up to two decimals as hundredths.
func Centi(s string) (int, bool) {
	s = strings.TrimSpace(s)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return 0, false
	}
	return int(math.Round(f * 100)), true
}

// FormatCenti writes hundredths as a number: 8815 is "88.15", 9000 "90".
func FormatCenti(v int) string {
	s := strconv.FormatFloat(float64(v)/100, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// SetScores records the values typed for one applicant of round id, by
// the office or a reviewer in scope, while the round is editable. An
// empty value clears it. Each change is audited with its old and new
// value; a value out of its component's range refuses the whole form.
func (s *Service) SetScores(ctx context.Context, u *user.User, id, applicationID int64, typed map[int64]string) error {
	if !mayScore(u) {
		return errNotFound
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var f Full
		if err := s.full(tx, u, id, &f); err != nil {
			return err
		}
		ids, err := applicantIDs(tx, id, u)
		if err != nil {
			return err
		}
		if !containsID(ids, applicationID) {
			return errNotFound
		}
		if !Editable(f.State) {
			return apperr.New(apperr.Invalid, "selection.err.not_editable")
		}
		_, err = s.writeScores(tx, u, &f, applicationID, typed, nil)
		return err
	})
	return wrap(err, "set scores")
}

// writeScores checks and writes the values typed for one applicant of
// round f within tx, each change audited (with extra in its detail: an
// appeal's id, say); it reports whether any value changed.
func (s *Service) writeScores(tx *gorm.DB, u *user.User, f *Full, applicationID int64, typed map[int64]string, extra map[string]any) (bool, error) {
	id := f.ID
	changed := false
	err := func() error {
		fields := apperr.Fields{}
		want := map[int64]*int{}
		for _, c := range f.Components {
			raw := strings.TrimSpace(typed[c.ID])
			field := "c" + strconv.FormatInt(c.ID, 10)
			if raw == "" {
				want[c.ID] = nil
				continue
			}
			v, ok := Centi(raw)
			if !ok || v < c.MinValue*100 || v > c.MaxValue*100 {
				fields.Add(field, "selection.err.value_range", c.MinValue, c.MaxValue)
				continue
			}
			want[c.ID] = &v
		}
		if err := fields.Err(); err != nil {
			return err
		}
		var have []Score
		if err := tx.Where("round_id = ? AND application_id = ?", id, applicationID).Find(&have).Error; err != nil {
			return err
		}
		old := map[int64]int{}
		for _, h := range have {
			old[h.ComponentID] = h.ValueCenti
		}
		now := s.clock()
		for _, c := range f.Components {
			prev, had := old[c.ID]
			next := want[c.ID]
			switch {
			case next == nil && !had, next != nil && had && *next == prev:
				continue
			case next == nil:
				if err := tx.Where("round_id = ? AND application_id = ? AND component_id = ?", id, applicationID, c.ID).Delete(&Score{}).Error; err != nil {
					return err
				}
			case had:
				if err := tx.Model(&Score{}).Where("round_id = ? AND application_id = ? AND component_id = ?", id, applicationID, c.ID).
					Updates(map[string]any{"value_centi": *next, "updated_by": u.ID, "updated_at": now}).Error; err != nil {
					return err
				}
			default:
				if err := tx.Create(&Score{RoundID: id, ApplicationID: applicationID, ComponentID: c.ID, ValueCenti: *next, UpdatedBy: u.ID, UpdatedAt: now}).Error; err != nil {
					return err
				}
			}
			detail := map[string]any{"application_id": applicationID, "component": c.NameEN, "from": "", "to": ""}
			if had {
				detail["from"] = FormatCenti(prev)
			}
			if next != nil {
				detail["to"] = FormatCenti(*next)
			}
			for k, v := range extra {
				detail[k] = v
			}
			changed = true
			if err := s.record(tx, u, "selection.score.set", id, detail); err != nil {
				return err
			}
		}
		return nil
	}()
	return changed, err
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}
