package selection

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// Round is one selection round. State and Version change only through the
// table (selection.go) or an edit, each as UPDATE ... WHERE version = ?.
type Round struct {
	ID             int64
	Name           string
	Term           string // the academic year or term, as the office writes it ("2027 spring")
	Deadline       time.Time
	State          State
	Version        int
	Seed           int64 // the lottery's, shown on the round and in the CSV files
	AutoPromote    bool
	OfferDays      int `gorm:"default:5"` // days a waitlisted student has to answer the offer of a freed seat (auto.go)
	AppealDays     int
	RuleMinYear    bool // a choice needs the student's year of study to be at least the elective's
	RuleLanguage   bool // a choice in a language other than the home ones needs a language certificate
	RulePriorClass bool // students who already had an exchange come in class 2
	CreatedBy      int64
	PublishedAt    *time.Time
	ScoresShownAt  *time.Time // the office showed applicants their scores before publication (appeals.go)
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName is the table of rounds.
func (Round) TableName() string { return "selection_rounds" }

// Component is one score component of a round's rubric: a value between
// Min and Max, weighted.
type Component struct {
	ID       int64
	RoundID  int64
	Ordinal  int
	NameEN   string
	NameZH   string
	Weight   int
	MinValue int
	MaxValue int
}

// TableName is the table of components.
func (Component) TableName() string { return "selection_components" }

// Tie-break kinds: a component's raw value (higher first) or the earlier
// submission.
const (
	TieComponent = "component"
	TieSubmitted = "submitted"
)

// Tiebreak is one tie-break key in order.
type Tiebreak struct {
	RoundID     int64 `gorm:"primaryKey;autoIncrement:false"`
	Ordinal     int   `gorm:"primaryKey;autoIncrement:false"`
	Kind        string
	ComponentID *int64
}

// TableName is the table of tie-break keys.
func (Tiebreak) TableName() string { return "selection_tiebreaks" }

type roundPeriod struct {
	RoundID  int64 `gorm:"primaryKey;autoIncrement:false"`
	PeriodID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (roundPeriod) TableName() string { return "selection_round_periods" }

// Limits of a round's form.
const (
	MaxName       = 200
	MaxComponents = 8
	MaxAppealDays = 90
)

// ComponentInput is one row of the rubric as typed; ID is that of an
// existing component (0 for a new one), so that its scores stay.
type ComponentInput struct {
	ID                       int64
	NameEN, NameZH           string
	Weight, MinValue, MaxVal string
}

// RoundInput is the round's form as typed. Tiebreaks name a component by
// its row ("component:2", from 1) or the submission ("submitted").
type RoundInput struct {
	Version                              int
	Name, Term, Deadline, AppealDays     string
	OfferDays                            string // days to answer a freed seat's offer; DefaultOfferDays when empty
	AutoPromote                          bool
	RuleMinYear, RuleLanguage, RulePrior bool
	PeriodIDs                            []int64
	Components                           []ComponentInput
	Tiebreaks                            []string
}

// checked is a RoundInput once read.
type checked struct {
	deadline   time.Time
	appealDays int
	offerDays  int
	comps      []Component
	ties       []tieRef
}

type tieRef struct {
	kind string
	row  int // component row, from 0
}

// check reads in; every refusal names its field.
func (s *Service) check(tx *gorm.DB, in RoundInput) (checked, error) {
	var c checked
	f := apperr.Fields{}
	f.Text("name", in.Name, true, MaxName)
	f.Text("term", in.Term, true, 60)
	if d, ok := catalog.Date(in.Deadline); !ok {
		f.Add("deadline", "form.date")
	} else {
		c.deadline = s.zone.EndOfDay(d)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(in.AppealDays)); err != nil || n < 0 || n > MaxAppealDays {
		f.Add("appeal_days", "selection.err.appeal_days", MaxAppealDays)
	} else {
		c.appealDays = n
	}
	c.offerDays = DefaultOfferDays
	if v := strings.TrimSpace(in.OfferDays); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxOfferDays {
			f.Add("offer_days", "selection.auto.err.offer_days", 1, MaxOfferDays)
		} else {
			c.offerDays = n
		}
	}
	if len(in.PeriodIDs) == 0 {
		f.Add("periods", "selection.err.no_periods")
	} else {
		var n int64
		// Only outgoing periods: incoming rotations have their own calendar.
		if err := tx.Table("periods AS p").Joins("JOIN electives AS e ON e.id = p.elective_id").
			Where("p.id IN ? AND p.retired_at IS NULL AND e.direction = ?", in.PeriodIDs, catalog.Outgoing).Count(&n).Error; err != nil {
			return c, err
		}
		if int(n) != len(uniq(in.PeriodIDs)) {
			f.Add("periods", "selection.err.bad_period")
		}
	}
	total := 0
	for i, ci := range in.Components {
		if strings.TrimSpace(ci.NameEN+ci.NameZH+ci.Weight+ci.MinValue+ci.MaxVal) == "" && ci.ID == 0 {
			continue // an empty spare row
		}
		field := "component" + strconv.Itoa(i+1)
		comp := Component{ID: ci.ID, Ordinal: len(c.comps) + 1, NameEN: strings.TrimSpace(ci.NameEN), NameZH: strings.TrimSpace(ci.NameZH)}
		var errW, errMin, errMax error
		comp.Weight, errW = strconv.Atoi(strings.TrimSpace(ci.Weight))
		comp.MinValue, errMin = strconv.Atoi(strings.TrimSpace(ci.MinValue))
		comp.MaxValue, errMax = strconv.Atoi(strings.TrimSpace(ci.MaxVal))
		switch {
		case comp.NameEN == "" || comp.NameZH == "":
			f.Add(field, "selection.err.component_name")
		case len(comp.NameEN) > 100 || len(comp.NameZH) > 100:
			f.Add(field, "form.too_long", 100)
		case errW != nil || comp.Weight < 0 || comp.Weight > 100:
			f.Add(field, "selection.err.weight")
		case errMin != nil || errMax != nil || comp.MaxValue <= comp.MinValue:
			f.Add(field, "selection.err.range")
		}
		total += comp.Weight
		c.comps = append(c.comps, comp)
	}
	switch {
	case len(c.comps) == 0:
		f.Add("components", "selection.err.no_components")
	case len(c.comps) > MaxComponents:
		f.Add("components", "selection.err.too_many_components", MaxComponents)
	case total == 0:
		f.Add("components", "selection.err.no_weight")
	}
	seen := map[string]bool{}
	for _, t := range in.Tiebreaks {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		switch {
		case t == TieSubmitted:
			c.ties = append(c.ties, tieRef{kind: TieSubmitted})
		case strings.HasPrefix(t, TieComponent+":"):
			row, err := strconv.Atoi(strings.TrimPrefix(t, TieComponent+":"))
			if err != nil || row < 1 || row > len(in.Components) {
				f.Add("tiebreaks", "form.not_a_choice")
				continue
			}
			// Rows count the typed rows, spare ones included; map to the kept ones.
			kept := -1
			for i, k := 0, 0; i < row; i++ {
				ci := in.Components[i]
				if strings.TrimSpace(ci.NameEN+ci.NameZH+ci.Weight+ci.MinValue+ci.MaxVal) == "" && ci.ID == 0 {
					continue
				}
				if i == row-1 {
					kept = k
				}
				k++
			}
			if kept < 0 {
				f.Add("tiebreaks", "form.not_a_choice")
				continue
			}
			c.ties = append(c.ties, tieRef{kind: TieComponent, row: kept})
		default:
			f.Add("tiebreaks", "form.not_a_choice")
		}
	}
	return c, f.Err()
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Create opens a round as the office fills it in.
func (s *Service) Create(ctx context.Context, u *user.User, in RoundInput) (*Round, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var r Round
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.check(tx, in)
		if err != nil {
			return err
		}
		seed, err := match.NewSeed()
		if err != nil {
			return err
		}
		now := s.clock()
		r = Round{Name: strings.TrimSpace(in.Name), Term: strings.TrimSpace(in.Term), Deadline: c.deadline, State: Open, Version: 1,
			Seed: seed, AutoPromote: in.AutoPromote, AppealDays: c.appealDays, OfferDays: c.offerDays, RuleMinYear: in.RuleMinYear,
			RuleLanguage: in.RuleLanguage, RulePriorClass: in.RulePrior, CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if err := s.store(tx, r.ID, in, c); err != nil {
			return err
		}
		return s.record(tx, u, "selection.round.create", r.ID, map[string]any{"name": r.Name, "seed": r.Seed})
	})
	if err != nil {
		return nil, wrap(err, "create round")
	}
	return &r, nil
}

// Update changes a round's settings, rubric and periods until it is
// published, at the version the office saw. Scores of components kept
// stay; those of removed components go.
func (s *Service) Update(ctx context.Context, u *user.User, id int64, in RoundInput) (*Round, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var r Round
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		if !Editable(r.State) {
			return apperr.New(apperr.Invalid, "selection.err.not_editable")
		}
		c, err := s.check(tx, in)
		if err != nil {
			return err
		}
		for _, comp := range c.comps {
			if comp.ID == 0 {
				continue
			}
			var n int64
			if err := tx.Model(&Component{}).Where("id = ? AND round_id = ?", comp.ID, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "selection.err.bad_component")
			}
		}
		now := s.clock()
		res := tx.Model(&Round{}).Where("id = ? AND version = ?", id, in.Version).Updates(map[string]any{
			"name": strings.TrimSpace(in.Name), "term": strings.TrimSpace(in.Term), "deadline": c.deadline,
			"appeal_days": c.appealDays, "offer_days": c.offerDays, "auto_promote": in.AutoPromote, "rule_min_year": in.RuleMinYear,
			"rule_language": in.RuleLanguage, "rule_prior_class": in.RulePrior, "version": gorm.Expr("version + 1"), "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "selection.err.changed")
		}
		if err := s.store(tx, id, in, c); err != nil {
			return err
		}
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		detail := map[string]any{"name": r.Name}
		for _, comp := range c.comps {
			detail["weight."+comp.NameEN] = comp.Weight
		}
		return s.record(tx, u, "selection.round.update", id, detail)
	})
	if err != nil {
		return nil, wrap(err, "update round")
	}
	return &r, nil
}

// store writes a round's periods, components and tie-breaks as checked.
func (s *Service) store(tx *gorm.DB, id int64, in RoundInput, c checked) error {
	if err := tx.Where("round_id = ?", id).Delete(&roundPeriod{}).Error; err != nil {
		return err
	}
	for _, p := range uniq(in.PeriodIDs) {
		if err := tx.Create(&roundPeriod{RoundID: id, PeriodID: p}).Error; err != nil {
			return err
		}
	}
	if err := tx.Where("round_id = ?", id).Delete(&Tiebreak{}).Error; err != nil {
		return err
	}
	var keep []int64
	for _, comp := range c.comps {
		if comp.ID != 0 {
			keep = append(keep, comp.ID)
		}
	}
	gone := tx.Where("round_id = ?", id)
	if len(keep) > 0 {
		gone = gone.Where("component_id NOT IN ?", keep)
	}
	if err := gone.Delete(&Score{}).Error; err != nil {
		return err
	}
	q := tx.Where("round_id = ?", id)
	if len(keep) > 0 {
		q = q.Where("id NOT IN ?", keep)
	}
	if err := q.Delete(&Component{}).Error; err != nil {
		return err
	}
	// Ordinals are unique per round: park the kept rows out of the way first.
	if err := tx.Model(&Component{}).Where("round_id = ?", id).Update("ordinal", gorm.Expr("ordinal + 1000")).Error; err != nil {
		return err
	}
	ids := make([]int64, len(c.comps))
	for i, comp := range c.comps {
		comp.RoundID = id
		if comp.ID == 0 {
			if err := tx.Create(&comp).Error; err != nil {
				return err
			}
		} else if err := tx.Model(&Component{}).Where("id = ?", comp.ID).Updates(map[string]any{
			"ordinal": comp.Ordinal, "name_en": comp.NameEN, "name_zh": comp.NameZH,
			"weight": comp.Weight, "min_value": comp.MinValue, "max_value": comp.MaxValue,
		}).Error; err != nil {
			return err
		}
		ids[i] = comp.ID
	}
	for i, t := range c.ties {
		row := Tiebreak{RoundID: id, Ordinal: i + 1, Kind: t.kind}
		if t.kind == TieComponent {
			row.ComponentID = &ids[t.row]
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}

// PeriodOption is a period the office may put in a round.
type PeriodOption struct {
	PeriodID               int64
	ElectiveID             int64
	InstitutionEN          string
	InstitutionLocal       string
	ElectiveEN, ElectiveZH string
	StartsOn, EndsOn       time.Time
	Capacity, Taken        int
	AgreementID            *int64
	MinYear                int
	Language               string
}

// periodRows reads periods with their elective and partner; ids nil means
// every live outgoing period that has not started.
func periodRows(tx *gorm.DB, ids []int64, from time.Time) ([]PeriodOption, error) {
	var out []PeriodOption
	q := tx.Table("periods AS p").
		Select("p.id AS period_id, e.id AS elective_id, i.name_en AS institution_en, i.name_local AS institution_local, " +
			"e.title_en AS elective_en, e.title_zh AS elective_zh, p.starts_on, p.ends_on, p.capacity, p.taken, " +
			"e.agreement_id, e.min_year, e.language").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id")
	if ids != nil {
		q = q.Where("p.id IN ?", ids)
	} else {
		q = q.Where("e.direction = ? AND p.retired_at IS NULL AND e.retired_at IS NULL AND p.starts_on >= ?", catalog.Outgoing, from)
	}
	err := q.Order("i.name_en, e.title_en, p.starts_on, p.id").Scan(&out).Error
	return out, err
}

// PeriodOptions lists the periods a round may take: every live outgoing
// period that has not started.
func (s *Service) PeriodOptions(ctx context.Context, u *user.User) ([]PeriodOption, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	out, err := periodRows(s.db.WithContext(ctx), nil, catalog.Day(s.clock()))
	return out, wrap(err, "period options")
}

// Full is a round with its rubric and periods.
type Full struct {
	Round
	Components []Component
	Tiebreaks  []Tiebreak
	Periods    []PeriodOption
	Actions    []Action // what the office may do now
	Office     bool     // the reader is the office (a reviewer only scores)
}

// Get reads round id for u: the office, or a reviewer (who scores).
func (s *Service) Get(ctx context.Context, u *user.User, id int64) (*Full, error) {
	if !mayScore(u) {
		return nil, errNotFound
	}
	var f Full
	err := s.tx(ctx, func(tx *gorm.DB) error { return s.full(tx, u, id, &f) })
	if err != nil {
		return nil, wrap(err, "get round")
	}
	return &f, nil
}

func (s *Service) full(tx *gorm.DB, u *user.User, id int64, f *Full) error {
	if err := tx.Take(&f.Round, id).Error; err != nil {
		return err
	}
	if err := tx.Where("round_id = ?", id).Order("ordinal").Find(&f.Components).Error; err != nil {
		return err
	}
	if err := tx.Where("round_id = ?", id).Order("ordinal").Find(&f.Tiebreaks).Error; err != nil {
		return err
	}
	var ids []int64
	if err := tx.Model(&roundPeriod{}).Where("round_id = ?", id).Pluck("period_id", &ids).Error; err != nil {
		return err
	}
	if len(ids) > 0 {
		ps, err := periodRows(tx, ids, time.Time{})
		if err != nil {
			return err
		}
		f.Periods = ps
	}
	f.Office = isOffice(u)
	if f.Office {
		f.Actions = ActionsAt(f.State)
	}
	return nil
}

// RoundRow is a round in the list.
type RoundRow struct {
	Round
	Periods, Applicants int
}

// List reads every round, newest first, for the office and reviewers.
func (s *Service) List(ctx context.Context, u *user.User) ([]RoundRow, error) {
	if !mayScore(u) {
		return nil, errNotFound
	}
	var out []RoundRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var rs []Round
		if err := tx.Order("created_at DESC, id DESC").Find(&rs).Error; err != nil {
			return err
		}
		for _, r := range rs {
			row := RoundRow{Round: r}
			var n int64
			if err := tx.Model(&roundPeriod{}).Where("round_id = ?", r.ID).Count(&n).Error; err != nil {
				return err
			}
			row.Periods = int(n)
			apps, err := applicantIDs(tx, r.ID, nil)
			if err != nil {
				return err
			}
			row.Applicants = len(apps)
			out = append(out, row)
		}
		return nil
	})
	return out, wrap(err, "list rounds")
}

// Act moves round id by action at the version the office saw: start
// scoring, back to scoring, close. A dry run and publication have their
// own operations (dryrun.go, publish.go).
func (s *Service) Act(ctx context.Context, u *user.User, id int64, action Action, version int) (*Round, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	if action == RunDry || action == Publish {
		return nil, table.Unknown
	}
	var r Round
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		return s.move(tx, u, &r, action, version, nil)
	})
	if err != nil {
		return nil, wrap(err, "round "+string(action))
	}
	return &r, nil
}

// move claims r at version and takes it where action leads, audited.
func (s *Service) move(tx *gorm.DB, u *user.User, r *Round, action Action, version int, set map[string]any) error {
	to, err := table.Allowed(r.State, action, OfficeParty)
	if err != nil {
		return err
	}
	if set == nil {
		set = map[string]any{}
	}
	set["state"], set["version"] = to, gorm.Expr("version + 1")
	if _, ok := set["updated_at"]; !ok {
		set["updated_at"] = s.clock()
	}
	res := tx.Model(&Round{}).Where("id = ? AND version = ?", r.ID, version).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "selection.err.changed")
	}
	from := r.State
	if err := tx.Take(r, r.ID).Error; err != nil {
		return err
	}
	return s.record(tx, u, "selection.round."+string(action), r.ID, map[string]any{"from": string(from), "to": string(to)})
}
