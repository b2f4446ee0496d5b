package watch

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm/clause"

	"portal/internal/catalog"
	"portal/internal/user"
)

// Star marks a live outgoing elective as watched by student u. Starring
// it again changes nothing.
func (s *Service) Star(ctx context.Context, u *user.User, electiveID int64) error {
	if err := student(u); err != nil {
		return err
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&catalog.Elective{}).
		Where("id = ? AND direction = ? AND retired_at IS NULL", electiveID, catalog.Outgoing).Count(&n).Error
	if err != nil {
		return wrap(err, "find the elective")
	}
	if n == 0 {
		return errNotFound
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&star{UserID: u.ID, ElectiveID: electiveID, CreatedAt: s.now()}).Error
	return wrap(err, "star")
}

// Unstar stops watching an elective; one not starred stays so. A retired
// elective can be unstarred too.
func (s *Service) Unstar(ctx context.Context, u *user.User, electiveID int64) error {
	if err := student(u); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Where("user_id = ? AND elective_id = ?", u.ID, electiveID).Delete(&star{}).Error
	return wrap(err, "unstar")
}

// StarredAmong returns which of ids u starred; nothing for anyone but a
// student, so that a page may ask for every visitor.
func (s *Service) StarredAmong(ctx context.Context, u *user.User, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if student(u) != nil || len(ids) == 0 {
		return out, nil
	}
	var got []int64
	err := s.db.WithContext(ctx).Model(&star{}).Where("user_id = ? AND elective_id IN ?", u.ID, ids).Pluck("elective_id", &got).Error
	if err != nil {
		return nil, wrap(err, "read stars")
	}
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}

// StarCount is how many electives u starred that are still offered.
func (s *Service) StarCount(ctx context.Context, u *user.User) (int, error) {
	if student(u) != nil {
		return 0, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Table("stars").Joins("JOIN electives ON electives.id = stars.elective_id").
		Where("stars.user_id = ? AND electives.retired_at IS NULL", u.ID).Count(&n).Error
	return int(n), wrap(err, "count stars")
}

// Starred is one starred elective as its card shows it.
type Starred struct {
	catalog.Card
	Retired   bool // the office retired it since: it can only be unstarred
	StarredAt time.Time
}

// Starred lists u's starred electives, those whose window closes first
// first, retired ones last, each with its seats in the periods to come.
func (s *Service) Starred(ctx context.Context, u *user.User) ([]Starred, error) {
	if err := student(u); err != nil {
		return nil, err
	}
	var rows []struct {
		catalog.Elective
		StarredAt                 time.Time
		InstNameEN, InstNameLocal string
		InstCountry, InstCity     string
	}
	err := s.db.WithContext(ctx).Table("stars").
		Select("electives.*, stars.created_at AS starred_at, institutions.name_en AS inst_name_en, institutions.name_local AS inst_name_local, institutions.country AS inst_country, institutions.city AS inst_city").
		Joins("JOIN electives ON electives.id = stars.elective_id").
		Joins("JOIN institutions ON institutions.id = electives.institution_id").
		Where("stars.user_id = ?", u.ID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "list stars")
	}
	out := make([]Starred, 0, len(rows))
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		e := r.Elective
		out = append(out, Starred{Card: catalog.Card{
			ElectiveID: e.ID, TitleEN: e.TitleEN, TitleZH: e.TitleZH, Kind: e.Kind, Specialty: e.Specialty,
			Language: e.Language, DurationWeeks: e.DurationWeeks, FeeAmount: e.FeeAmount, FeeCurrency: e.FeeCurrency,
			OpensOn: e.OpensOn, ClosesOn: e.ClosesOn, InstitutionID: e.InstitutionID,
			InstitutionNameEN: r.InstNameEN, InstitutionNameLocal: r.InstNameLocal, Country: r.InstCountry, City: r.InstCity,
		}, Retired: e.RetiredAt != nil, StarredAt: r.StarredAt})
		ids = append(ids, e.ID)
	}
	if err := s.fillSeats(ctx, out, ids); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Retired != b.Retired {
			return !a.Retired
		}
		if !a.ClosesOn.Equal(b.ClosesOn) {
			return a.ClosesOn.Before(b.ClosesOn)
		}
		return a.ElectiveID < b.ElectiveID
	})
	return out, nil
}

// fillSeats adds the seats left and the next start of the periods still
// to come, as the catalog's cards have them.
func (s *Service) fillSeats(ctx context.Context, out []Starred, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var periods []catalog.Period
	today := s.o.Zone.Day(s.now())
	err := s.db.WithContext(ctx).Where("elective_id IN ? AND retired_at IS NULL AND starts_on >= ?", ids, today).
		Order("starts_on").Find(&periods).Error
	if err != nil {
		return wrap(err, "read periods")
	}
	at := map[int64]int{}
	for i := range out {
		at[out[i].ElectiveID] = i
	}
	for _, p := range periods {
		c := &out[at[p.ElectiveID]].Card
		c.Periods++
		c.SeatsLeft += p.SeatsLeft()
		if c.NextStart == nil {
			start := p.StartsOn
			c.NextStart = &start
		}
	}
	return nil
}
