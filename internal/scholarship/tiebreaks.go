package scholarship

import (
	"math"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/selection/match"
)

// A call's tie-break keys (issue 14), as a round's: the office chooses
// them in order on the call's form; the dry run and the award run serve
// equal scores by them, then by the call's seeded lottery
// (match.Tiebreaks), so the same inputs and seed give the same awards.

// The kinds of tie-break key: a component's value, the student's year of
// study (the senior first: fewer chances left), the earlier request.
const (
	TieComponent = "component"
	TieYear      = "year"
	TieSubmitted = "submitted"
)

// MaxTiebreaks is how many keys a call's form offers.
const MaxTiebreaks = 3

// Tiebreak is one of a call's keys in order.
type Tiebreak struct {
	CallID      int64 `gorm:"primaryKey;autoIncrement:false"`
	Ordinal     int   `gorm:"primaryKey;autoIncrement:false"`
	Kind        string
	ComponentID *int64
}

// TableName is the table of a call's tie-break keys.
func (Tiebreak) TableName() string { return "scholarship_tiebreaks" }

type tieRef struct {
	kind string
	row  int // the kept component's index, from 0
}

// checkTies reads the typed keys: "component:N" names the Nth typed rubric
// row (from 1; spare empty rows count, as the form numbers them), "year"
// and "submitted" the others. Empty and repeated keys are skipped.
func checkTies(f apperr.Fields, typed []string, comps []ComponentInput) []tieRef {
	var out []tieRef
	seen := map[string]bool{}
	for _, t := range typed {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		switch {
		case t == TieYear || t == TieSubmitted:
			out = append(out, tieRef{kind: t})
		case strings.HasPrefix(t, TieComponent+":"):
			row, err := strconv.Atoi(strings.TrimPrefix(t, TieComponent+":"))
			kept := -1
			if err == nil && row >= 1 && row <= len(comps) && !spare(comps[row-1]) {
				kept = 0
				for _, ci := range comps[:row-1] {
					if !spare(ci) {
						kept++
					}
				}
			}
			if kept < 0 {
				f.Add("tiebreaks", "form.not_a_choice")
				continue
			}
			out = append(out, tieRef{kind: TieComponent, row: kept})
		default:
			f.Add("tiebreaks", "form.not_a_choice")
		}
	}
	return out
}

// spare is an empty rubric row of the form.
func spare(ci ComponentInput) bool {
	return strings.TrimSpace(ci.NameEN+ci.NameZH+ci.Weight+ci.MaxValue) == ""
}

// storeTies writes call id's keys, comps being its stored rubric in order.
func storeTies(tx *gorm.DB, id int64, comps []Component, ties []tieRef) error {
	for i, t := range ties {
		row := Tiebreak{CallID: id, Ordinal: i + 1, Kind: t.kind}
		if t.kind == TieComponent {
			row.ComponentID = &comps[t.row].ID
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}

// tieOrder is each request's place in call c's tie-break order: its keys
// in order (a higher value first; the earlier request first; a missing
// value last), then the lottery of the call's seed. The engine serves
// equal scores by the smaller place.
func tieOrder(tx *gorm.DB, c Call, unawarded []Entry) (map[int64]uint64, error) {
	var ties []Tiebreak
	if err := tx.Where("call_id = ?", c.ID).Order("ordinal").Find(&ties).Error; err != nil {
		return nil, err
	}
	years := map[int64]int{}
	for _, t := range ties {
		if t.Kind != TieYear || len(unawarded) == 0 {
			continue
		}
		ids := make([]int64, len(unawarded))
		for i, e := range unawarded {
			ids[i] = e.StudentID
		}
		var rows []struct {
			ID          int64
			YearOfStudy *int
		}
		if err := tx.Table("users").Select("id, year_of_study").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.YearOfStudy != nil && *r.YearOfStudy > 0 {
				years[r.ID] = *r.YearOfStudy
			}
		}
		break
	}
	keys := make([]match.TieKeys, len(unawarded))
	for i, e := range unawarded {
		k := match.TieKeys{ID: e.ID}
		for _, t := range ties {
			v := math.NaN()
			switch {
			case t.Kind == TieComponent && t.ComponentID != nil:
				if x, ok := e.Values[*t.ComponentID]; ok {
					v = float64(x) / 100
				}
			case t.Kind == TieYear:
				if y, ok := years[e.StudentID]; ok {
					v = float64(y)
				}
			case t.Kind == TieSubmitted && e.SubmittedAt != nil:
				v = -float64(e.SubmittedAt.UnixMicro())
			}
			k.Keys = append(k.Keys, v)
		}
		keys[i] = k
	}
	return match.Tiebreaks(c.Seed, keys), nil
}
