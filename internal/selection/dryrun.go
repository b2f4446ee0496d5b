package selection

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// Ineligibility codes this package gives the engine (match.Choice.Ineligible).
const (
	IneligibleYear        = "year_of_study"
	IneligibleLanguage    = "language"
	IneligibleOverlap     = "overlap"
	IneligibleNotApproved = "not_approved" // still with the department: publication could not nominate it
)

// Notes on an applicant that change nothing but are worth saying.
const (
	NoteYearUnknown = "year_unknown" // no year of study on record: eligible, with this note
	NoteIncomplete  = "incomplete"   // a score component has no value: it counts as its minimum
	NotePriorClass  = "prior_class"  // already had an exchange: served in class 2
)

// homeLanguages need no certificate.
var homeLanguages = []string{"", "en", "zh"}

// DryRunRow is one stored dry run.
type DryRunRow struct {
	ID         int64
	RoundID    int64
	Seq        int
	Seed       int64
	Rubric     string
	Result     string
	Applicants int
	Placed     int
	CreatedBy  int64
	CreatedAt  time.Time
}

// TableName is the table of dry runs.
func (DryRunRow) TableName() string { return "selection_dry_runs" }

// Person is what a dry run remembers of an applicant beyond the engine's
// inputs: who they are, their score's parts, and notes.
type Person struct {
	ApplicantID int64
	Name        string
	Status      application.Stage
	ScoreCenti  int
	Notes       []string
	Year        int // 0 when unknown
}

// Period is what a dry run remembers of a period, to word explanations.
type Period struct {
	PeriodOption
	MinYear  int
	Language string
}

// Run is a dry run as stored and read back: the engine's inputs, its
// result, and what explains them. Applicant ids are application ids.
type Run struct {
	ID         int64
	Seq        int
	Seed       int64
	CreatedAt  time.Time
	Components []Component
	Applicants []match.Applicant
	Seats      []match.Seat
	Result     match.Result
	People     map[int64]Person
	Periods    map[int64]Period
}

type stored struct {
	Applicants []match.Applicant
	Seats      []match.Seat
	Result     match.Result
	People     map[int64]Person
	Periods    map[int64]Period
}

// yearsOfStudy reads the year of study of users. The column
// (users.year_of_study, migration 19) comes from another branch; until it
// exists every year is unknown, which the rules treat as eligible with a
// note. Read here only, so that the merge adapts one function.
func yearsOfStudy(tx *gorm.DB, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 || !tx.Migrator().HasColumn("users", "year_of_study") {
		return out, nil
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
			out[r.ID] = *r.YearOfStudy
		}
	}
	return out, nil
}

// inputs builds the engine's applicants and seats for round f: each
// application's score, priority class, tie-break position and choices with
// their eligibility; each period's seats and its agreement's quota left.
func (s *Service) inputs(tx *gorm.DB, f *Full) ([]match.Applicant, []match.Seat, map[int64]Person, map[int64]Period, error) {
	people := map[int64]Person{}
	periods := map[int64]Period{}
	apps, err := applicants(tx, f, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ids := make([]int64, len(apps))
	users := make([]int64, len(apps))
	for i, a := range apps {
		ids[i], users[i] = a.ApplicationID, a.ApplicantID
	}
	var choices []application.Choice
	if len(ids) > 0 {
		if err := tx.Where("application_id IN ?", ids).Order("application_id, rank").Find(&choices).Error; err != nil {
			return nil, nil, nil, nil, err
		}
	}
	var pids []int64
	for _, c := range choices {
		pids = append(pids, c.PeriodID)
	}
	for _, p := range f.Periods {
		pids = append(pids, p.PeriodID)
	}
	if len(pids) > 0 {
		rows, err := periodRows(tx, uniq(pids), time.Time{})
		if err != nil {
			return nil, nil, nil, nil, err
		}
		for _, r := range rows {
			periods[r.PeriodID] = Period{PeriodOption: r, MinYear: r.MinYear, Language: r.Language}
		}
	}
	years, err := yearsOfStudy(tx, users)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	certified, err := withDocument(tx, users, "language_certificate")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	prior, err := hadExchange(tx, users)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	held, err := placementsHeld(tx, users, ids)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	byApp := map[int64][]application.Choice{}
	for _, c := range choices {
		byApp[c.ApplicationID] = append(byApp[c.ApplicationID], c)
	}

	out := make([]match.Applicant, 0, len(apps))
	for _, a := range apps {
		p := Person{ApplicantID: a.ApplicantID, Name: a.Name, Status: a.Status, ScoreCenti: a.Score, Year: years[a.ApplicantID]}
		if !a.Complete {
			p.Notes = append(p.Notes, NoteIncomplete)
		}
		m := match.Applicant{ID: a.ApplicationID, Score: float64(a.Score) / 100, Class: 1}
		if f.RulePriorClass && prior[a.ApplicantID] {
			m.Class = 2
			p.Notes = append(p.Notes, NotePriorClass)
		}
		yearNoted := false
		for _, c := range byApp[a.ApplicationID] {
			ch := match.Choice{Rank: c.Rank, PeriodID: c.PeriodID, Eligible: true}
			per := periods[c.PeriodID]
			switch {
			case a.Status != application.OfficeReview:
				ch.Eligible, ch.Ineligible = false, IneligibleNotApproved
			case f.RuleMinYear && per.MinYear > 0 && years[a.ApplicantID] > 0 && years[a.ApplicantID] < per.MinYear:
				ch.Eligible, ch.Ineligible = false, IneligibleYear
			case f.RuleLanguage && !slices.Contains(homeLanguages, per.Language) && !certified[a.ApplicantID]:
				ch.Eligible, ch.Ineligible = false, IneligibleLanguage
			case overlaps(held[a.ApplicantID], per):
				ch.Eligible, ch.Ineligible = false, IneligibleOverlap
			}
			if f.RuleMinYear && per.MinYear > 0 && years[a.ApplicantID] == 0 && !yearNoted {
				p.Notes, yearNoted = append(p.Notes, NoteYearUnknown), true
			}
			m.Choices = append(m.Choices, ch)
		}
		people[a.ApplicationID] = p
		out = append(out, m)
	}
	tiebreaks(out, apps, f)

	seats, err := seatsOf(tx, f)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return out, seats, people, periods, nil
}

// tiebreaks gives each applicant their place in the order of the round's
// published tie-break keys, the lottery last (match.Tiebreaks): the engine
// serves equal class and score by the smaller tiebreak, so the keys decide
// first and the seeded draw only what they leave equal. A component key is
// its raw value, higher first; the submission key is the instant negated,
// earlier first; a missing value comes last.
func tiebreaks(ms []match.Applicant, apps []Applicant, f *Full) {
	byID := map[int64]*Applicant{}
	for i := range apps {
		byID[apps[i].ApplicationID] = &apps[i]
	}
	entries := make([]match.TieKeys, len(ms))
	for i, m := range ms {
		a := byID[m.ID]
		e := match.TieKeys{ID: m.ID}
		for _, t := range f.Tiebreaks {
			k := math.NaN()
			switch {
			case t.Kind == TieComponent && t.ComponentID != nil:
				if v, ok := a.Values[*t.ComponentID]; ok {
					k = float64(v) / 100
				}
			case t.Kind == TieSubmitted && a.SubmittedAt != nil:
				k = -float64(a.SubmittedAt.UnixMicro())
			}
			e.Keys = append(e.Keys, k)
		}
		entries[i] = e
	}
	pos := match.Tiebreaks(f.Seed, entries)
	for i := range ms {
		ms[i].Tiebreak = pos[ms[i].ID]
	}
}

// seatsOf is each round period's seats left (capacity less accepted
// placements and nominations still waiting for the host) and its
// agreement's yearly outgoing quota left.
func seatsOf(tx *gorm.DB, f *Full) ([]match.Seat, error) {
	var out []match.Seat
	quota := map[int64]int{}
	for _, p := range f.Periods {
		var pending int64
		if err := tx.Table("applications AS a").
			Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
			Where("a.status = ? AND c.period_id = ? AND NOT c.seat_reserved", application.Nominated, p.PeriodID).
			Count(&pending).Error; err != nil {
			return nil, err
		}
		seat := match.Seat{PeriodID: p.PeriodID, CapacityLeft: max(p.Capacity-p.Taken-int(pending), 0)}
		if p.AgreementID != nil {
			left, ok := quota[*p.AgreementID]
			if !ok {
				var ag catalog.Agreement
				if err := tx.Take(&ag, *p.AgreementID).Error; err != nil {
					return nil, err
				}
				var used int64
				if err := tx.Model(&application.Choice{}).Where("quota_agreement_id = ? AND quota_year = ?",
					ag.ID, catalog.AcademicYear(p.StartsOn)).Count(&used).Error; err != nil {
					return nil, err
				}
				left = max(ag.QuotaOut-int(used), 0)
				quota[ag.ID] = left
			}
			seat.AgreementID, seat.QuotaLeft = *p.AgreementID, left
		}
		out = append(out, seat)
	}
	return out, nil
}

// withDocument reports which users keep a current document of type kind.
func withDocument(tx *gorm.DB, users []int64, kind string) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(users) == 0 {
		return out, nil
	}
	var ids []int64
	err := tx.Table("documents").Distinct("owner_id").
		Where("owner_id IN ? AND type = ? AND deleted_at IS NULL AND superseded_at IS NULL", users, kind).Pluck("owner_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// hadExchange reports which users already had an exchange: an application
// confirmed or completed.
func hadExchange(tx *gorm.DB, users []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(users) == 0 {
		return out, nil
	}
	var ids []int64
	err := tx.Table("applications").Distinct("applicant_id").
		Where("applicant_id IN ? AND status IN ?", users, []application.Stage{application.Confirmed, application.Completed}).
		Pluck("applicant_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

type span struct{ from, until time.Time }

// placementsHeld are the days of the placements each user already holds
// or is nominated for, outside the round's own applications.
func placementsHeld(tx *gorm.DB, users, except []int64) (map[int64][]span, error) {
	out := map[int64][]span{}
	if len(users) == 0 {
		return out, nil
	}
	var rows []struct {
		ApplicantID      int64
		StartsOn, EndsOn time.Time
	}
	q := tx.Table("applications AS a").Select("a.applicant_id, p.starts_on, p.ends_on").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN periods AS p ON p.id = c.period_id").
		Where("a.applicant_id IN ? AND a.status IN ?", users, []application.Stage{
			application.Nominated, application.Waitlisted, application.HostAccepted, application.Confirmed})
	if len(except) > 0 {
		q = q.Where("a.id NOT IN ?", except)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ApplicantID] = append(out[r.ApplicantID], span{r.StartsOn, r.EndsOn})
	}
	return out, nil
}

func overlaps(held []span, p Period) bool {
	for _, h := range held {
		if !p.StartsOn.After(h.until) && !h.from.After(p.EndsOn) {
			return true
		}
	}
	return false
}

// RunDryRun runs the engine on the round as it stands and stores what it
// gave, changing nothing else: the office reads it, may change weights and
// run again, and compares.
func (s *Service) RunDryRun(ctx context.Context, u *user.User, id int64, version int) (*Run, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var run *Run
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var f Full
		if err := s.full(tx, u, id, &f); err != nil {
			return err
		}
		var err error
		run, err = s.dryRun(tx, u, &f, version)
		return err
	})
	if err != nil {
		return nil, wrap(err, "dry run")
	}
	return run, nil
}

// dryRun runs the engine on round f within tx and stores the run, moving
// the round at version; an upheld appeal re-runs it the same way
// (appeals.go).
func (s *Service) dryRun(tx *gorm.DB, u *user.User, f *Full, version int) (*Run, error) {
	id := f.ID
	if _, err := table.Allowed(f.State, RunDry, OfficeParty); err != nil {
		return nil, err
	}
	apps, seats, people, periods, err := s.inputs(tx, f)
	if err != nil {
		return nil, err
	}
	res := match.Run(apps, seats)
	var seq int
	if err := tx.Model(&DryRunRow{}).Where("round_id = ?", id).Select("COALESCE(MAX(seq), 0)").Scan(&seq).Error; err != nil {
		return nil, err
	}
	rubric, err := json.Marshal(f.Components)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(stored{Applicants: apps, Seats: seats, Result: res, People: people, Periods: periods})
	if err != nil {
		return nil, err
	}
	placed := 0
	for _, o := range res.Outcomes {
		if o.RankGiven > 0 {
			placed++
		}
	}
	// The round's updated_at is the dry run's instant: publication
	// then knows whether anything changed after it (publish.go).
	now := s.clock()
	row := DryRunRow{RoundID: id, Seq: seq + 1, Seed: f.Seed, Rubric: string(rubric), Result: string(body),
		Applicants: len(apps), Placed: placed, CreatedBy: u.ID, CreatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return nil, err
	}
	if err := s.move(tx, u, &f.Round, RunDry, version, map[string]any{"updated_at": now}); err != nil {
		return nil, err
	}
	return &Run{ID: row.ID, Seq: row.Seq, Seed: row.Seed, CreatedAt: row.CreatedAt, Components: f.Components,
		Applicants: apps, Seats: seats, Result: res, People: people, Periods: periods}, nil
}

// DryRuns lists round id's dry runs, newest first, for the office.
func (s *Service) DryRuns(ctx context.Context, u *user.User, id int64) ([]DryRunRow, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var out []DryRunRow
	err := s.db.WithContext(ctx).Select("id, round_id, seq, seed, applicants, placed, created_by, created_at").
		Where("round_id = ?", id).Order("seq DESC").Find(&out).Error
	return out, wrap(err, "dry runs")
}

// DryRun reads dry run seq of round id (0: the latest), for the office.
func (s *Service) DryRun(ctx context.Context, u *user.User, id int64, seq int) (*Run, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	run, err := loadRun(s.db.WithContext(ctx), id, seq)
	return run, wrap(err, "dry run")
}

func loadRun(tx *gorm.DB, id int64, seq int) (*Run, error) {
	var row DryRunRow
	q := tx.Where("round_id = ?", id)
	if seq > 0 {
		q = q.Where("seq = ?", seq)
	}
	if err := q.Order("seq DESC").Take(&row).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		return nil, err
	}
	return decodeRun(row)
}

func decodeRun(row DryRunRow) (*Run, error) {
	var st stored
	if err := json.Unmarshal([]byte(row.Result), &st); err != nil {
		return nil, err
	}
	run := &Run{ID: row.ID, Seq: row.Seq, Seed: row.Seed, CreatedAt: row.CreatedAt, Applicants: st.Applicants,
		Seats: st.Seats, Result: st.Result, People: st.People, Periods: st.Periods}
	if err := json.Unmarshal([]byte(row.Rubric), &run.Components); err != nil {
		return nil, err
	}
	return run, nil
}

// Compare reads two dry runs of round id and what changed from a to b.
func (s *Service) Compare(ctx context.Context, u *user.User, id int64, a, b int) (*Run, *Run, match.Diff, error) {
	ra, err := s.DryRun(ctx, u, id, a)
	if err != nil {
		return nil, nil, match.Diff{}, err
	}
	rb, err := s.DryRun(ctx, u, id, b)
	if err != nil {
		return nil, nil, match.Diff{}, err
	}
	return ra, rb, match.Compare(ra.Result, rb.Result), nil
}
