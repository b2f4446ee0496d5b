package selection

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// The outcomes publication records.
const (
	OutcomePlaced     = "placed"
	OutcomeWaitlisted = "waitlisted" // had an eligible choice, no seat: waits in score order per period
	OutcomeUnplaced   = "unplaced"   // no eligible choice
)

// Outcome is what publication gave one application.
type Outcome struct {
	RoundID       int64 `gorm:"primaryKey;autoIncrement:false"`
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	DryRunID      int64
	Outcome       string
	RankGiven     int
	PeriodID      *int64
	ScoreCenti    int
	WaitlistPos   int
	Explanation   string // the engine's skips, JSON
	NominatedAt   *time.Time
	Reason        string // why it changed after publication (auto.go): ReasonHostRejected or ""
}

// TableName is the table of outcomes.
func (Outcome) TableName() string { return "selection_outcomes" }

// PublishReport says what one call of Publish did.
type PublishReport struct {
	Nominated  int              // nominations this call made
	Already    int              // placed applications nominated before (by an earlier or concurrent call)
	Skipped    map[int64]string // application -> message key of why it could not be nominated (withdrawn, say)
	Waitlisted int
}

// Publish makes the latest dry run of round id the round's outcome: the
// round becomes published and every applicant's outcome is stored (in one
// transaction, at the version the office saw); then each placed
// application is nominated to its given choice through the application
// workflow, each its own transition, review event and mail. Publishing
// again, or twice at once, changes nothing already done: the round's state
// refuses a second publication, and each nomination is claimed on its
// outcome row first, so only one caller nominates it. A call on a round
// already published only finishes nominations an interrupted call left.
func (s *Service) Publish(ctx context.Context, u *user.User, id int64, version int) (*PublishReport, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	rep := &PublishReport{Skipped: map[int64]string{}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r Round
		if err := tx.Clauses(lockRow()).Take(&r, id).Error; err != nil {
			return err
		}
		if r.State == Published {
			return nil // finish what is left below
		}
		run, err := loadRun(tx, id, 0)
		if err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return apperr.New(apperr.Invalid, "selection.err.no_dry_run")
			}
			return err
		}
		// Publish only what the office saw: nothing changed since the dry run.
		var later int64
		if err := tx.Model(&Score{}).Where("round_id = ? AND updated_at > ?", id, run.CreatedAt).Count(&later).Error; err != nil {
			return err
		}
		if later > 0 || r.UpdatedAt.After(run.CreatedAt) {
			return apperr.New(apperr.Invalid, "selection.err.stale_dry_run")
		}
		if err := s.move(tx, u, &r, Publish, version, map[string]any{"published_at": s.clock()}); err != nil {
			return err
		}
		rows := outcomes(id, run)
		for _, o := range rows {
			if o.Outcome == OutcomeWaitlisted {
				rep.Waitlisted++
			}
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateInBatches(rows, 200).Error
	})
	if err != nil {
		return nil, wrap(err, "publish round")
	}
	var placed []Outcome
	if err := s.db.WithContext(ctx).Where("round_id = ? AND outcome = ?", id, OutcomePlaced).Order("application_id").Find(&placed).Error; err != nil {
		return nil, wrap(err, "publish round")
	}
	for _, o := range placed {
		if o.NominatedAt != nil {
			rep.Already++
			continue
		}
		done, key, err := s.nominate(ctx, u, o)
		switch {
		case err != nil:
			return rep, err
		case done:
			rep.Nominated++
		case key == "":
			rep.Already++
		default:
			rep.Skipped[o.ApplicationID] = key
		}
	}
	return rep, nil
}

// nominate claims one placed outcome and nominates its application to the
// choice given. Claimed by another call: nothing to do. The application no
// longer nominable (withdrawn meanwhile, a stale version): the claim is
// given back and the reason's key returned.
func (s *Service) nominate(ctx context.Context, u *user.User, o Outcome) (bool, string, error) {
	now := s.clock()
	var version int
	claimed := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ? AND nominated_at IS NULL", o.RoundID, o.ApplicationID).
			Update("nominated_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		claimed = true
		var a application.Application
		if err := tx.Take(&a, o.ApplicationID).Error; err != nil {
			return err
		}
		version = a.Version
		if a.Status != application.OfficeReview || a.CurrentChoice == o.RankGiven {
			return nil
		}
		// The workflow nominates the application's current choice: point it
		// at the one the round gave, at the version read, changing nothing
		// the workflow guards (status, version).
		return tx.Table("applications").Where("id = ? AND version = ? AND status = ?", a.ID, a.Version, application.OfficeReview).
			Update("current_choice", o.RankGiven).Error
	})
	if err != nil || !claimed {
		return false, "", wrap(err, "claim outcome")
	}
	// Not internal: the student's history shows the nomination like any other.
	_, err = s.apps.Nominate(ctx, u, o.ApplicationID, application.ReviewInput{Version: version})
	if err == nil {
		return true, "", nil
	}
	code := apperr.CodeOf(err)
	if code == apperr.Internal || code == apperr.Unavailable {
		_ = s.unclaim(ctx, o)
		return false, "", err
	}
	if err := s.unclaim(ctx, o); err != nil {
		return false, "", err
	}
	var e *apperr.Error
	key := "selection.skip.not_nominable"
	if ae, ok := err.(*apperr.Error); ok {
		e = ae
		key = e.Key
	}
	return false, key, nil
}

func (s *Service) unclaim(ctx context.Context, o Outcome) error {
	return wrap(s.db.WithContext(ctx).Model(&Outcome{}).Where("round_id = ? AND application_id = ?", o.RoundID, o.ApplicationID).
		Update("nominated_at", nil).Error, "unclaim outcome")
}

// outcomes turns a dry run into each applicant's stored outcome. The
// unplaced wait, in service order (score first), in the queue of the
// highest choice whose seats or quota went to others (match.Waitlists);
// one with no such choice (every one ineligible or outside the round) is
// unplaced.
func outcomes(id int64, run *Run) []Outcome {
	type place struct {
		period   int64
		rank, at int
	}
	waits := map[int64]place{}
	for period, queue := range match.Waitlists(run.Result) {
		n := 0
		for _, w := range queue {
			if w.RankGiven != 0 {
				continue
			}
			n++
			if cur, ok := waits[w.ApplicantID]; !ok || w.Rank < cur.rank {
				waits[w.ApplicantID] = place{period: period, rank: w.Rank, at: n}
			}
		}
	}
	out := make([]Outcome, 0, len(run.Result.Outcomes))
	for _, o := range run.Result.Outcomes {
		skips, _ := json.Marshal(o.Skipped)
		row := Outcome{RoundID: id, ApplicationID: o.ApplicantID, DryRunID: run.ID, RankGiven: o.RankGiven,
			ScoreCenti: run.People[o.ApplicantID].ScoreCenti, Explanation: string(skips)}
		switch w, ok := waits[o.ApplicantID]; {
		case o.RankGiven > 0:
			row.Outcome, row.PeriodID = OutcomePlaced, &o.PeriodID
		case ok:
			row.Outcome, row.PeriodID, row.WaitlistPos = OutcomeWaitlisted, &w.period, w.at
		default:
			row.Outcome = OutcomeUnplaced
		}
		out = append(out, row)
	}
	return out
}

// StudentView is a published outcome as its applicant reads it.
type StudentView struct {
	RoundName   string
	Outcome     string
	RankGiven   int
	Period      *Period
	ScoreCenti  int
	WaitlistPos int
	Skips       []match.Skip
	Periods     map[int64]Period
	Open        []Period // a waitlisted or unplaced student: the round's periods with seats left
	Reason      string   // why the outcome changed after publication (auto.go)
	Auto        bool     // the round's rule after publication applies (auto.go)
	OfferDays   int
}

// ForApplication is the published outcome of application appID for its
// applicant (u), nil when none: before publication a student sees nothing,
// not even their score.
func (s *Service) ForApplication(ctx context.Context, u *user.User, appID int64) (*StudentView, error) {
	if u == nil {
		return nil, nil
	}
	var v *StudentView
	// Outside a transaction, as Cutoffs: every application page asks.
	err := func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, appID).Error; err != nil {
			return err
		}
		if a.ApplicantID != u.ID {
			return nil
		}
		var o Outcome
		err := tx.Table("selection_outcomes AS o").Select("o.*").
			Joins("JOIN selection_rounds AS r ON r.id = o.round_id").
			Where("o.application_id = ? AND r.state IN ?", appID, []State{Published, Closed}).
			Order("r.published_at DESC").Limit(1).Scan(&o).Error
		if err != nil || o.RoundID == 0 {
			return err
		}
		var r Round
		if err := tx.Take(&r, o.RoundID).Error; err != nil {
			return err
		}
		run, err := loadRun(tx, o.RoundID, 0)
		if err != nil {
			return err
		}
		if run.ID != o.DryRunID {
			var row DryRunRow
			if err := tx.Take(&row, o.DryRunID).Error; err != nil {
				return err
			}
			if run, err = decodeRun(row); err != nil {
				return err
			}
		}
		v = &StudentView{RoundName: r.Name, Outcome: o.Outcome, RankGiven: o.RankGiven, ScoreCenti: o.ScoreCenti,
			WaitlistPos: o.WaitlistPos, Periods: run.Periods, Reason: o.Reason, Auto: r.AutoPromote && r.State == Published, OfferDays: r.OfferDays}
		_ = json.Unmarshal([]byte(o.Explanation), &v.Skips)
		if o.PeriodID != nil {
			p := run.Periods[*o.PeriodID]
			v.Period = &p
		}
		if o.Outcome != OutcomePlaced {
			for _, st := range run.Seats {
				if run.Result.SeatsLeft[st.PeriodID] > 0 {
					v.Open = append(v.Open, run.Periods[st.PeriodID])
				}
			}
		}
		return nil
	}(s.db.WithContext(ctx))
	if err != nil {
		return nil, wrap(err, "selection outcome")
	}
	return v, nil
}

// Cutoff is one period's figures from the last published round it took
// part in: the lowest score placed there and the first-choice demand per
// seat, so that students choose realistically. Figures only: no names.
type Cutoff struct {
	Round            string
	PeriodID         int64
	StartsOn, EndsOn time.Time
	Cutoff           float64
	HasCutoff        bool
	FirstChoice      int // applicants who ranked it first
	Seats            int // seats the round offered
}

// Cutoffs are the figures of elective electiveID's periods in the last
// published round that included any of them; none before one is.
//
// It reads outside a transaction: every elective page asks, and on SQLite
// a transaction would take the write lock for a read.
func (s *Service) Cutoffs(ctx context.Context, electiveID int64) ([]Cutoff, error) {
	var out []Cutoff
	err := func(tx *gorm.DB) error {
		var r Round
		err := tx.Table("selection_rounds AS r").Select("r.*").
			Joins("JOIN selection_round_periods AS rp ON rp.round_id = r.id").
			Joins("JOIN periods AS p ON p.id = rp.period_id").
			Where("p.elective_id = ? AND r.state IN ?", electiveID, []State{Published, Closed}).
			Order("r.published_at DESC, r.id DESC").Limit(1).Scan(&r).Error
		if err != nil || r.ID == 0 {
			return err
		}
		var dry int64
		if err := tx.Model(&Outcome{}).Where("round_id = ?", r.ID).Limit(1).Pluck("dry_run_id", &dry).Error; err != nil {
			return err
		}
		var row DryRunRow
		if err := tx.Where("id = ? OR (? = 0 AND round_id = ?)", dry, dry, r.ID).Order("seq DESC").Take(&row).Error; err != nil {
			return err
		}
		run, err := decodeRun(row)
		if err != nil {
			return err
		}
		first := map[int64]int{}
		for _, a := range run.Applicants {
			for _, c := range a.Choices {
				if c.Rank == 1 {
					first[c.PeriodID]++
				}
			}
		}
		for _, seat := range run.Seats {
			p := run.Periods[seat.PeriodID]
			if p.ElectiveID != electiveID {
				continue
			}
			cut, ok := run.Result.Cutoff[seat.PeriodID]
			out = append(out, Cutoff{Round: r.Name, PeriodID: seat.PeriodID, StartsOn: p.StartsOn, EndsOn: p.EndsOn,
				Cutoff: cut, HasCutoff: ok, FirstChoice: first[seat.PeriodID], Seats: seat.CapacityLeft})
		}
		return nil
	}(s.db.WithContext(ctx))
	return out, wrap(err, "cutoffs")
}

// Tally is what a published round did: placed (and of them nominated),
// waitlisted and unplaced applications.
type Tally struct{ Placed, Nominated, Waitlisted, Unplaced int }

// Published tallies round id's outcomes for the office; a placed
// application not nominated was withdrawn (or changed) before its turn.
func (s *Service) Published(ctx context.Context, u *user.User, id int64) (Tally, error) {
	var t Tally
	if !isOffice(u) {
		return t, errNotFound
	}
	var rows []Outcome
	if err := s.db.WithContext(ctx).Select("outcome, nominated_at").Where("round_id = ?", id).Find(&rows).Error; err != nil {
		return t, wrap(err, "tally")
	}
	for _, o := range rows {
		switch o.Outcome {
		case OutcomePlaced:
			t.Placed++
			if o.NominatedAt != nil {
				t.Nominated++
			}
		case OutcomeWaitlisted:
			t.Waitlisted++
		default:
			t.Unplaced++
		}
	}
	return t, nil
}
