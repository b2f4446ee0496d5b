package catalog

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Query is what a student asks the catalog. Empty fields do not filter.
type Query struct {
	Text      string // words, in English or Chinese, all of which must match
	Country   string
	Specialty string
	Kind      string
	Language  string
	Month     string // YYYY-MM: a period overlaps that month
	SeatsOnly bool   // only electives with a seat left in a period to come
	Direction string // default outgoing
	Page      int    // 1-based
	PerPage   int    // default 20
}

// Card is one search result: everything a result card shows.
type Card struct {
	ElectiveID           int64
	TitleEN, TitleZH     string
	Kind, Specialty      string
	Language             string
	DurationWeeks        int
	FeeAmount            int
	FeeCurrency          string
	OpensOn, ClosesOn    time.Time
	InstitutionID        int64
	InstitutionNameEN    string
	InstitutionNameLocal string
	Country, City        string
	SeatsLeft            int        // over the periods still to come
	NextStart            *time.Time // the first period still to come
	Periods              int        // periods still to come
}

// Results is a page of cards.
type Results struct {
	Cards       []Card
	Total       int64
	Page, Pages int
	Query       Query
}

// Search returns a page of live electives matching q, open ones first and
// soonest deadline first, in two queries whatever the page size.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	q = normalize(q)
	today := s.today()
	base := s.db.WithContext(ctx).Table("electives AS e").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("e.retired_at IS NULL AND i.retired_at IS NULL AND e.direction = ?", q.Direction)
	for _, word := range strings.Fields(strings.ToLower(q.Text)) {
		base = base.Where(`e.search_text LIKE ? ESCAPE '\'`, "%"+escapeLike(word)+"%")
	}
	if q.Country != "" {
		base = base.Where("i.country = ?", q.Country)
	}
	if q.Specialty != "" {
		base = base.Where("e.specialty = ?", q.Specialty)
	}
	if q.Kind != "" {
		base = base.Where("e.kind = ?", q.Kind)
	}
	if q.Language != "" {
		base = base.Where("e.language = ?", q.Language)
	}
	if from, to, ok := monthRange(q.Month); ok {
		base = base.Where("EXISTS (SELECT 1 FROM periods p WHERE p.elective_id = e.id AND p.retired_at IS NULL AND p.starts_on <= ? AND p.ends_on >= ?)", to, from)
	}
	if q.SeatsOnly {
		base = base.Where("EXISTS (SELECT 1 FROM periods p WHERE p.elective_id = e.id AND p.retired_at IS NULL AND p.starts_on >= ? AND p.capacity > p.taken)", today)
	}
	res := Results{Query: q, Page: q.Page}
	// The total rides along with the page (a window count), so that the
	// matching rows are found once per request, not twice.
	var rows []struct {
		Card
		Total int64
	}
	err := base.Session(&gorm.Session{}).
		Select(`e.id AS elective_id, e.title_en, e.title_zh, e.kind, e.specialty, e.language, e.duration_weeks,
			e.fee_amount, e.fee_currency, e.opens_on, e.closes_on, i.id AS institution_id,
			i.name_en AS institution_name_en, i.name_local AS institution_name_local, i.country, i.city,
			COUNT(*) OVER () AS total`).
		// Order takes an expression with arguments only as a clause.OrderBy:
		// it silently drops a gorm.Expr.
		Order(clause.OrderBy{Expression: clause.Expr{
			SQL: "CASE WHEN e.closes_on >= ? THEN 0 ELSE 1 END, e.closes_on, e.id", Vars: []any{today}, WithoutParentheses: true,
		}}).
		Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).
		Scan(&rows).Error
	if err != nil {
		return res, wrap(err, "search electives")
	}
	for _, r := range rows {
		res.Cards = append(res.Cards, r.Card)
		res.Total = r.Total
	}
	if len(rows) == 0 && q.Page > 1 {
		// Past the last page the window has no row to report the total on.
		if err := base.Session(&gorm.Session{}).Count(&res.Total).Error; err != nil {
			return res, wrap(err, "count electives")
		}
	}
	res.Pages = int((res.Total + int64(q.PerPage) - 1) / int64(q.PerPage))
	if err := s.fillSeats(ctx, res.Cards, today); err != nil {
		return res, err
	}
	return res, nil
}

// fillSeats adds the seats and next start of the cards' periods to come,
// with one query for the whole page.
func (s *Service) fillSeats(ctx context.Context, cards []Card, today time.Time) error {
	if len(cards) == 0 {
		return nil
	}
	ids := make([]int64, len(cards))
	at := map[int64]int{}
	for i, c := range cards {
		ids[i], at[c.ElectiveID] = c.ElectiveID, i
	}
	var ps []Period
	err := s.db.WithContext(ctx).Where("elective_id IN ? AND retired_at IS NULL AND starts_on >= ?", ids, today).
		Order("starts_on").Find(&ps).Error
	if err != nil {
		return wrap(err, "periods of results")
	}
	for _, p := range ps {
		c := &cards[at[p.ElectiveID]]
		c.SeatsLeft += p.SeatsLeft()
		c.Periods++
		if c.NextStart == nil {
			start := p.StartsOn
			c.NextStart = &start
		}
	}
	return nil
}

func normalize(q Query) Query {
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > 100 {
		q.Text = string([]rune(q.Text)[:100])
	}
	keep := func(v string, allowed []string) string {
		if slices.Contains(allowed, v) {
			return v
		}
		return ""
	}
	q.Country = keep(strings.ToUpper(q.Country), Countries)
	q.Specialty = keep(q.Specialty, Specialties)
	q.Kind = keep(q.Kind, ElectiveKinds)
	q.Language = keep(q.Language, Languages)
	if _, _, ok := monthRange(q.Month); !ok {
		q.Month = ""
	}
	if q.Direction != Incoming {
		q.Direction = Outgoing
	}
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	return q
}

func monthRange(m string) (from, to time.Time, ok bool) {
	t, err := time.Parse("2006-01", strings.TrimSpace(m))
	if err != nil {
		return from, to, false
	}
	return t, t.AddDate(0, 1, -1), true
}

// CountriesInUse returns the countries of live partners with live
// electives, for the country filter. Every catalog page asks, so it probes
// the electives of each partner by index (EXISTS) rather than joining them
// all: under a millisecond instead of a scan of the whole table.
func (s *Service) CountriesInUse(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Table("institutions AS i").Distinct("i.country").
		Where(`i.retired_at IS NULL AND EXISTS (SELECT 1 FROM electives AS e
			WHERE e.institution_id = i.id AND e.retired_at IS NULL AND e.direction = ?)`, Outgoing).
		Order("i.country").Pluck("i.country", &out).Error
	return out, wrap(err, "countries in use")
}

// ElectiveDetail is an elective with everything its page shows.
type ElectiveDetail struct {
	Elective    Elective
	Institution Institution
	Agreement   *Agreement
	Department  *Department
	Periods     []Period // live periods, by start
}

// ElectiveDetail returns an elective and its surroundings; a retired
// elective is found too, so that history can be shown.
func (s *Service) ElectiveDetail(ctx context.Context, id int64) (*ElectiveDetail, error) {
	d := &ElectiveDetail{}
	tx := s.db.WithContext(ctx)
	if err := tx.Take(&d.Elective, id).Error; err != nil {
		return nil, notFound(err, "elective")
	}
	if err := tx.Take(&d.Institution, d.Elective.InstitutionID).Error; err != nil {
		return nil, wrap(err, "institution of elective")
	}
	if d.Elective.AgreementID != nil {
		var a Agreement
		if err := tx.Take(&a, *d.Elective.AgreementID).Error; err == nil {
			d.Agreement = &a
		}
	}
	if d.Elective.DepartmentID != nil {
		var dep Department
		if err := tx.Take(&dep, *d.Elective.DepartmentID).Error; err == nil {
			d.Department = &dep
		}
	}
	err := tx.Where("elective_id = ? AND retired_at IS NULL", id).Order("starts_on").Find(&d.Periods).Error
	return d, wrap(err, "periods of elective")
}

// InstitutionDetail is an institution with its agreements and electives.
type InstitutionDetail struct {
	Institution Institution
	Agreements  []Agreement
	Electives   []Elective
}

// InstitutionDetail returns an institution's page data.
func (s *Service) InstitutionDetail(ctx context.Context, id int64) (*InstitutionDetail, error) {
	d := &InstitutionDetail{}
	tx := s.db.WithContext(ctx)
	if err := tx.Take(&d.Institution, id).Error; err != nil {
		return nil, notFound(err, "institution")
	}
	if err := tx.Where("institution_id = ? AND retired_at IS NULL", id).Order("valid_until DESC").Find(&d.Agreements).Error; err != nil {
		return nil, wrap(err, "agreements of institution")
	}
	err := tx.Where("institution_id = ? AND retired_at IS NULL", id).Order("title_en").Find(&d.Electives).Error
	return d, wrap(err, "electives of institution")
}

// Electives lists electives for administration, newest first.
func (s *Service) Electives(ctx context.Context, institutionID int64, withRetired bool) ([]Elective, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if institutionID != 0 {
		q = q.Where("institution_id = ?", institutionID)
	}
	if !withRetired {
		q = q.Where("retired_at IS NULL")
	}
	var out []Elective
	return out, wrap(q.Find(&out).Error, "list electives")
}

// Period returns one period.
func (s *Service) Period(ctx context.Context, id int64) (*Period, error) {
	var p Period
	if err := s.db.WithContext(ctx).Take(&p, id).Error; err != nil {
		return nil, notFound(err, "period")
	}
	return &p, nil
}
