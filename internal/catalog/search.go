package catalog

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
	NextStart            *time.Time // the first period still to come
	SeatsLeft            int        // of that period: the card says them together
	Periods              int        // periods still to come, that one included
	LaterSeats           int        // over the periods to come after it
}

// Results is a page of cards.
type Results struct {
	Cards       []Card
	Total       int64
	Page, Pages int
	Query       Query
	// Suggestion, when set, is the text with its misspelt Latin words
	// corrected ("cardiolgy" -> "cardiology"): the text typed found
	// nothing, and the cards are those of the suggestion.
	Suggestion string
	// Stamp names what the results were found in.
	Stamp Stamp
}

// Stamp names a state of the catalog: the versions of the electives and of
// the seats, and the day. The same query at the same stamp finds the same
// results, and the same countries in use, so that what is made of them
// may be kept by it (the web's page cache).
type Stamp struct {
	Catalog, Seats int64
	Today          int64 // Unix seconds
}

// Search returns a page of live electives matching q: the most relevant
// first when q has words, then open ones first and soonest deadline first.
// Words match the folded text of an elective (see Fold), so that 熊本大學
// finds what 熊本大学 finds and Universite finds Université. When the text
// finds nothing, misspelt Latin words are corrected to the nearest word of
// the catalog and the corrected text is searched instead (Suggestion).
// It reads the catalog and the seats from memory (see searchCache and
// seatCache): a request costs the version check, shared with the searches
// at the same time, and, with a month or seats filter, one query on
// periods.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	q = normalize(q)
	today := s.today()
	res := Results{Query: q, Page: q.Page}
	snap, versions, err := s.snapshot(ctx)
	if err != nil {
		return res, err
	}
	periods, err := s.periodFilter(ctx, q, today)
	if err != nil {
		return res, err
	}
	k := answerKey{q: q, today: today.Unix()}
	a, kept := snap.answer(k)
	if !kept {
		a = snap.answerOf(q, periods, today)
		if periods == nil {
			snap.keep(k, a)
		}
	}
	total, page := a.total, a.page
	res.Suggestion = a.suggestion
	res.Total = int64(total)
	res.Pages = int((res.Total + int64(q.PerPage) - 1) / int64(q.PerPage))
	for _, r := range page {
		res.Cards = append(res.Cards, r.card)
	}
	seats, err := s.seatsAt(ctx, versions.seats, today)
	if err != nil {
		return res, err
	}
	seats.fill(res.Cards)
	res.Stamp = Stamp{Catalog: snap.version, Seats: versions.seats, Today: today.Unix()}
	return res, nil
}

// answerOf finds the page of q: its words, or when they find nothing
// the nearest words of the catalog.
func (snap *searchSnapshot) answerOf(q Query, periods periodFilter, today time.Time) answer {
	words := strings.Fields(Fold(q.Text))
	from := (q.Page - 1) * q.PerPage
	total, page := snap.find(q, words, periods, today, from, q.PerPage)
	a := answer{total: total, page: page}
	if total == 0 && len(words) > 0 {
		if better, ok := snap.suggest(words); ok {
			if n, alt := snap.find(q, better, periods, today, from, q.PerPage); n > 0 {
				a = answer{total: n, page: alt, suggestion: strings.Join(better, " ")}
			}
		}
	}
	return a
}

// periodFilter reads the electives that have a live period overlapping
// q's month and, with SeatsOnly, one to come with a seat left: one query
// for both, none without those filters.
func (s *Service) periodFilter(ctx context.Context, q Query, today time.Time) (periodFilter, error) {
	from, to, month := monthRange(q.Month)
	if !month && !q.SeatsOnly {
		return nil, nil
	}
	var rows []struct {
		ElectiveID      int64
		InMonth, Seated int // 1 or 0
	}
	tx := s.db.WithContext(ctx).Table("periods").Where("retired_at IS NULL")
	switch {
	case month && q.SeatsOnly:
		tx = tx.Where("(starts_on <= ? AND ends_on >= ?) OR (starts_on >= ? AND capacity > taken)", to, from, today)
	case month:
		tx = tx.Where("starts_on <= ? AND ends_on >= ?", to, from)
	default:
		tx = tx.Where("starts_on >= ? AND capacity > taken", today)
	}
	err := tx.Select(`elective_id,
		CASE WHEN starts_on <= ? AND ends_on >= ? THEN 1 ELSE 0 END AS in_month,
		CASE WHEN starts_on >= ? AND capacity > taken THEN 1 ELSE 0 END AS seated`, to, from, today).
		Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "periods for search")
	}
	// An elective passes when some period satisfies each filter asked for
	// (not necessarily the same period).
	inMonth, seated := map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		inMonth[r.ElectiveID] = inMonth[r.ElectiveID] || r.InMonth > 0
		seated[r.ElectiveID] = seated[r.ElectiveID] || r.Seated > 0
	}
	out := periodFilter{}
	for _, r := range rows {
		if (!month || inMonth[r.ElectiveID]) && (!q.SeatsOnly || seated[r.ElectiveID]) {
			out[r.ElectiveID] = true
		}
	}
	return out, nil
}

// fillSeats adds the next period to come of each card, with its seats, and
// how many periods and seats follow it, with one query for the whole page.
// The seats are those of the next period alone: a card saying "Next period
// starts 2 Apr 2027 · 5 seats left" when April has 2 and later periods the
// other 3 misleads (issue 13).
func (s *Service) fillSeats(ctx context.Context, cards []Card, today time.Time) error {
	if len(cards) == 0 {
		return nil
	}
	ids := make([]int64, len(cards))
	at := map[int64]int{}
	for i, c := range cards {
		ids[i], at[c.ElectiveID] = c.ElectiveID, i
	}
	// Only the four columns a card needs: scanning whole periods was a
	// tenth of a search's time.
	var ps []Period
	err := s.db.WithContext(ctx).Model(&Period{}).Select("elective_id, starts_on, capacity, taken").
		Where("elective_id IN ? AND retired_at IS NULL AND starts_on >= ?", ids, today).
		Order("starts_on").Scan(&ps).Error
	if err != nil {
		return wrap(err, "periods of results")
	}
	for _, p := range ps {
		c := &cards[at[p.ElectiveID]]
		c.Periods++
		if c.NextStart == nil {
			start := p.StartsOn
			c.NextStart, c.SeatsLeft = &start, p.SeatsLeft()
			continue
		}
		c.LaterSeats += p.SeatsLeft()
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
// outgoing electives, for the country filter, from the search's catalog in
// memory (see searchCache).
func (s *Service) CountriesInUse(ctx context.Context) ([]string, error) {
	snap, _, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(snap.countries), nil
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
