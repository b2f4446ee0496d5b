package selection

import (
	"context"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// After publication a round keeps its promise on its own, while its
// switch (Round.AutoPromote) is on; the round's page states the rule in
// words (rounds.auto.rule):
//
//   - a student whose host rejects the placement the round gave is
//     nominated to their next choice, in rank order, that is eligible, does
//     not overlap a placement they hold, and still has a free seat and
//     quota place; a seat is free only when no nomination and no open
//     offer holds it, so nobody already nominated is bumped. With no such
//     choice the student waits (or is unplaced) with the reason;
//   - a seat that becomes free (a decline, a withdrawal, an expiry, a
//     rejection) is offered to the waitlisted students in the round's
//     service order (class, score, tie-break), each to their highest choice
//     with a free seat, as an offer that expires after the round's
//     OfferDays; a student who accepts is nominated, one who declines or
//     lets it expire passes the seat to the next, and is not offered that
//     period again.
//
// Automate does both for every published round with the switch on; a
// job runs it on one replica at a time.

// Offer states, stored in selection_offers.state.
const (
	OfferOpen     = "open"
	OfferAccepted = "accepted"
	OfferDeclined = "declined"
	OfferExpired  = "expired"
	OfferVoid     = "void" // the application moved on (withdrawn, say) before answering
)

// ReasonHostRejected is an outcome's reason after a host rejected the
// round's placement and no later choice had a free seat.
const ReasonHostRejected = "host_rejected"

// Limits of the offer's days.
const (
	DefaultOfferDays = 5
	MaxOfferDays     = 60
)

// Offer is the offer of a freed seat to a waitlisted application.
type Offer struct {
	ID                int64
	RoundID           int64
	ApplicationID     int64
	PeriodID          int64
	Rank              int
	State             string
	OpenApplicationID *int64 // the application while open: one open offer each (migration 74)
	OfferedAt         time.Time
	ExpiresAt         time.Time
	AnsweredAt        *time.Time
}

// TableName is the table of offers.
func (Offer) TableName() string { return "selection_offers" }

// AutoReport says what one run of Automate did.
type AutoReport struct {
	Renominated int // students nominated to their next choice after a host rejected them
	Exhausted   int // of those, students with no next choice left: waitlisted or unplaced
	Expired     int // offers nobody answered in time
	Offered     int // freed seats offered
}

// Total is how many things the run did.
func (r AutoReport) Total() int { return r.Renominated + r.Exhausted + r.Expired + r.Offered }

// autoLock is the key of the advisory lock that lets one replica at a
// time run Automate on PostgreSQL ("selc"); SQLite's immediate
// transactions already take turns.
const autoLock = 0x73656c63

// errExhausted tells Automate, through the nomination's transaction,
// that a rejected student has no next choice: nothing is nominated.
var errExhausted = apperr.New(apperr.Invalid, "selection.auto.exhausted")

// Automate applies the published rule of every published round whose
// automatic handling is on, as of the service's clock. Every replica may
// call it: on PostgreSQL a session advisory lock lets one at a time
// through, and the others return at once. What it does is safe to run
// twice at once all the same (the round's row lock orders every seat it
// gives), which the concurrency test relies on.
func (s *Service) Automate(ctx context.Context) (AutoReport, error) {
	if s.db.Dialect != db.Postgres {
		return s.automate(ctx)
	}
	sqlDB, err := s.db.DB.DB()
	if err != nil {
		return AutoReport{}, wrap(err, "automate")
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return AutoReport{}, wrap(err, "automate")
	}
	defer conn.Close()
	var mine bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, 1)", autoLock).Scan(&mine); err != nil || !mine {
		return AutoReport{}, wrap(err, "automate")
	}
	// Unlocked on the same connection even when ctx has ended.
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, 1)", autoLock) //nolint:errcheck
	return s.automate(ctx)
}

func (s *Service) automate(ctx context.Context) (AutoReport, error) {
	var rep AutoReport
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Round{}).Where("state = ? AND auto_promote = ?", Published, true).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return rep, wrap(err, "automate")
	}
	for _, id := range ids {
		if err := s.renominate(ctx, id, &rep); err != nil {
			return rep, err
		}
		if err := s.offerSeats(ctx, id, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// lockAuto locks round id for the rest of tx and reports whether its
// automatic handling still applies (published, switch on).
func lockAuto(tx *gorm.DB, id int64) (*Round, bool, error) {
	var r Round
	if err := tx.Clauses(lockRow()).Take(&r, id).Error; err != nil {
		return nil, false, err
	}
	return &r, r.State == Published && r.AutoPromote, nil
}

// ---- a host rejected: the next choice

type rejected struct {
	ApplicationID int64
	ApplicantID   int64
	Version       int
	DryRunID      int64
	ScoreCenti    int
}

// renominate gives each student of round id whose host rejected the
// round's placement their next choice with a free seat, best score first.
func (s *Service) renominate(ctx context.Context, id int64, rep *AutoReport) error {
	var rows []rejected
	err := s.db.WithContext(ctx).Table("selection_outcomes AS o").
		Select("o.application_id, a.applicant_id, a.version, o.dry_run_id, o.score_centi").
		Joins("JOIN applications AS a ON a.id = o.application_id").
		Where("o.round_id = ? AND o.outcome = ? AND a.status = ?", id, OutcomePlaced, application.HostRejected).
		Order("o.score_centi DESC, o.application_id").Scan(&rows).Error
	if err != nil {
		return wrap(err, "rejected placements")
	}
	runs := map[int64]*Run{}
	for _, row := range rows {
		var next match.Outcome
		var who match.Applicant
		_, err := s.apps.NominateForRound(ctx, row.ApplicationID, row.Version, func(tx *gorm.DB, a *application.Application, cs []application.Choice) (int, error) {
			if _, on, err := lockAuto(tx, id); err != nil || !on {
				return 0, orNotNow(err)
			}
			// Another run may have handled it since the list was read.
			var still int64
			if err := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ? AND outcome = ?", id, row.ApplicationID, OutcomePlaced).
				Count(&still).Error; err != nil || still == 0 {
				return 0, orNotNow(err)
			}
			var err error
			if next, who, err = s.next(tx, id, row, a, runs); err != nil {
				return 0, err
			}
			if next.RankGiven == 0 {
				return 0, errExhausted
			}
			return next.RankGiven, tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ?", id, row.ApplicationID).
				Updates(map[string]any{"rank_given": next.RankGiven, "period_id": next.PeriodID, "reason": "", "nominated_at": s.clock()}).Error
		})
		switch {
		case err == nil:
			rep.Renominated++
		case err == errExhausted:
			done, err := s.exhaust(ctx, id, row, who)
			if err != nil {
				return err
			}
			if done {
				rep.Exhausted++
			}
		case isPassing(err):
			// Moved meanwhile (the office nominated, the student withdrew),
			// or the seat went at the last moment: the next run looks again.
		default:
			return err
		}
	}
	return nil
}

// orNotNow is err, or the refusal of a round no longer automatic.
func orNotNow(err error) error {
	if err != nil {
		return err
	}
	return apperr.New(apperr.Conflict, "selection.err.changed")
}

// isPassing reports whether err only means "not this time": a coded
// refusal other than an internal or unavailable one.
func isPassing(err error) bool {
	code := apperr.CodeOf(err)
	return code == apperr.Conflict || code == apperr.Invalid || code == apperr.NotFound
}

// runOf reads (once per Automate) the stored dry run an outcome refers to.
func runOf(tx *gorm.DB, id int64, runs map[int64]*Run) (*Run, error) {
	if r, ok := runs[id]; ok {
		return r, nil
	}
	var row DryRunRow
	if err := tx.Take(&row, id).Error; err != nil {
		return nil, err
	}
	r, err := decodeRun(row)
	if err != nil {
		return nil, err
	}
	runs[id] = r
	return r, nil
}

// next is the engine's next choice for a rejected student, among the
// seats free now (match.Next), their choices overlapping a placement they
// hold made ineligible first.
func (s *Service) next(tx *gorm.DB, id int64, row rejected, a *application.Application, runs map[int64]*Run) (match.Outcome, match.Applicant, error) {
	none := match.Applicant{ID: row.ApplicationID}
	run, err := runOf(tx, row.DryRunID, runs)
	if err != nil {
		return match.Outcome{}, none, err
	}
	var f Full
	if err := s.full(tx, nil, id, &f); err != nil {
		return match.Outcome{}, none, err
	}
	seats, err := freeSeats(tx, f.Periods, s.zone.Day(s.clock()))
	if err != nil {
		return match.Outcome{}, none, err
	}
	held, err := placementsHeld(tx, []int64{row.ApplicantID}, []int64{row.ApplicationID})
	if err != nil {
		return match.Outcome{}, none, err
	}
	for _, ap := range run.Applicants {
		if ap.ID != row.ApplicationID {
			continue
		}
		ap.Choices = slices.Clone(ap.Choices)
		for i, c := range ap.Choices {
			if c.Eligible && overlaps(held[row.ApplicantID], run.Periods[c.PeriodID]) {
				ap.Choices[i].Eligible, ap.Choices[i].Ineligible = false, IneligibleOverlap
			}
		}
		return match.Next(ap, a.CurrentChoice, seats), ap, nil
	}
	return match.Outcome{ApplicantID: row.ApplicationID}, none, nil
}

// exhaust records that a rejected student has no next choice: they wait
// in the queue of their highest choice that they are eligible for and no
// host rejected (behind those of the round with a better score), where a
// freed seat is offered to them in turn; with none they are unplaced.
// Either way with the reason.
func (s *Service) exhaust(ctx context.Context, id int64, row rejected, who match.Applicant) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, on, err := lockAuto(tx, id); err != nil || !on {
			return err
		}
		var a application.Application
		if err := tx.Select("id", "status").Take(&a, row.ApplicationID).Error; err != nil {
			return err
		}
		if a.Status != application.HostRejected {
			return nil
		}
		set := map[string]any{"outcome": OutcomeUnplaced, "rank_given": 0, "period_id": nil, "waitlist_pos": 0,
			"reason": ReasonHostRejected}
		var refused []int64
		if err := tx.Model(&application.Choice{}).Where("application_id = ? AND host_decision = ?", row.ApplicationID,
			application.HostDecisionRejected).Pluck("period_id", &refused).Error; err != nil {
			return err
		}
		choices := slices.Clone(who.Choices)
		slices.SortFunc(choices, func(a, b match.Choice) int { return a.Rank - b.Rank })
		for _, c := range choices {
			if !c.Eligible || slices.Contains(refused, c.PeriodID) {
				continue
			}
			var ahead int64
			if err := tx.Model(&Outcome{}).Where("round_id = ? AND outcome = ? AND period_id = ? AND score_centi >= ? AND application_id <> ?",
				id, OutcomeWaitlisted, c.PeriodID, row.ScoreCenti, row.ApplicationID).Count(&ahead).Error; err != nil {
				return err
			}
			set["outcome"], set["period_id"], set["waitlist_pos"] = OutcomeWaitlisted, c.PeriodID, int(ahead)+1
			break
		}
		res := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ? AND outcome = ?", id, row.ApplicationID, OutcomePlaced).Updates(set)
		done = res.RowsAffected == 1
		return res.Error
	})
	return done, wrap(err, "exhausted choices")
}

// ---- freed seats: offers to the waitlist

// freeSeats is each period's seats free now: its capacity less accepted
// placements, nominations waiting for the host and open offers (of any
// round), and its agreement's yearly quota less nominations and open
// offers. The seats are counted in one statement, one snapshot: a move
// that turns a nomination into an accepted placement, or an offer into a
// nomination, is seen whole or not at all. A period that has started by
// today has no seat to give any more.
func freeSeats(tx *gorm.DB, periods []PeriodOption, today time.Time) ([]match.Seat, error) {
	if len(periods) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(periods))
	for i, p := range periods {
		ids[i] = p.PeriodID
	}
	var rows []struct {
		ID                                int64
		Capacity, Taken, Pending, Offered int
	}
	err := tx.Raw(`SELECT p.id, p.capacity, p.taken,
		(SELECT COUNT(*) FROM applications AS a JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice
		  WHERE a.status = ? AND c.period_id = p.id AND NOT c.seat_reserved) AS pending,
		(SELECT COUNT(*) FROM selection_offers AS o WHERE o.period_id = p.id AND o.state = ?) AS offered
		FROM periods AS p WHERE p.id IN ? AND p.retired_at IS NULL`, application.Nominated, OfferOpen, ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	left := map[int64]int{}
	for _, r := range rows {
		left[r.ID] = max(r.Capacity-r.Taken-r.Pending-r.Offered, 0)
	}
	quota := map[int64]int{}
	var out []match.Seat
	for _, p := range periods {
		seat := match.Seat{PeriodID: p.PeriodID, CapacityLeft: left[p.PeriodID]}
		if !p.StartsOn.After(today) {
			seat.CapacityLeft = 0
		}
		if p.AgreementID != nil {
			q, ok := quota[*p.AgreementID]
			if !ok {
				var err error
				if q, err = quotaLeft(tx, *p.AgreementID, p.StartsOn); err != nil {
					return nil, err
				}
				quota[*p.AgreementID] = q
			}
			seat.AgreementID, seat.QuotaLeft = *p.AgreementID, q
		}
		out = append(out, seat)
	}
	return out, nil
}

// quotaLeft is an agreement's outgoing quota for the academic year of a
// period starting on startsOn, less the nominations holding it and the
// open offers on its periods of that year.
func quotaLeft(tx *gorm.DB, agreementID int64, startsOn time.Time) (int, error) {
	year := catalog.AcademicYear(startsOn)
	var row struct{ QuotaOut, Used int }
	err := tx.Raw(`SELECT ag.quota_out,
		(SELECT COUNT(*) FROM application_choices AS c WHERE c.quota_agreement_id = ag.id AND c.quota_year = ?) AS used
		FROM agreements AS ag WHERE ag.id = ?`, year, agreementID).Scan(&row).Error
	if err != nil {
		return 0, err
	}
	var starts []time.Time
	if err := tx.Table("selection_offers AS o").Joins("JOIN periods AS p ON p.id = o.period_id").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Where("o.state = ? AND e.agreement_id = ?", OfferOpen, agreementID).Pluck("p.starts_on", &starts).Error; err != nil {
		return 0, err
	}
	left := row.QuotaOut - row.Used
	for _, st := range starts {
		if catalog.AcademicYear(st) == year {
			left--
		}
	}
	return max(left, 0), nil
}

type candidate struct {
	ApplicationID int64
	ApplicantID   int64
	Status        application.Stage
	DryRunID      int64
	CreatedAt     time.Time
}

// offerSeats expires the round's unanswered offers, voids those of
// applications that moved on, and offers the seats free now to the
// waitlisted students in service order, each to their highest choice with
// a free seat that they were eligible for, do not overlap, were not
// rejected from and were not offered before. All under the round's lock.
func (s *Service) offerSeats(ctx context.Context, id int64, rep *AutoReport) error {
	now := s.clock()
	runs := map[int64]*Run{}
	var offered, expired int
	err := s.tx(ctx, func(tx *gorm.DB) error {
		offered, expired = 0, 0
		r, on, err := lockAuto(tx, id)
		if err != nil || !on {
			return err
		}
		// The lapsed offers are read before they are closed: each student
		// is told, once the round's periods are read below.
		var lapsed []Offer
		if err := tx.Where("round_id = ? AND state = ? AND expires_at < ?", id, OfferOpen, now).Order("id").Find(&lapsed).Error; err != nil {
			return err
		}
		if len(lapsed) > 0 {
			ids := make([]int64, len(lapsed))
			for i, o := range lapsed {
				ids[i] = o.ID
			}
			if err := tx.Model(&Offer{}).Where("id IN ?", ids).
				Updates(map[string]any{"state": OfferExpired, "open_application_id": nil, "answered_at": now}).Error; err != nil {
				return err
			}
		}
		expired = len(lapsed)
		if err := tx.Model(&Offer{}).Where("round_id = ? AND state = ? AND application_id IN (?)", id, OfferOpen,
			tx.Table("applications").Select("id").Where("status NOT IN ?", waitingStages)).
			Updates(map[string]any{"state": OfferVoid, "open_application_id": nil, "answered_at": now}).Error; err != nil {
			return err
		}
		var f Full
		if err := s.full(tx, nil, id, &f); err != nil {
			return err
		}
		if err := s.mailLapsed(tx, lapsed, f.Periods); err != nil {
			return err
		}
		seats, err := freeSeats(tx, f.Periods, s.zone.Day(now))
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(seats, func(st match.Seat) bool { return st.CapacityLeft > 0 }) {
			return nil
		}
		var cands []candidate
		if err := tx.Table("selection_outcomes AS o").Select("o.application_id, a.applicant_id, a.status, o.dry_run_id, a.created_at").
			Joins("JOIN applications AS a ON a.id = o.application_id").
			Where("o.round_id = ? AND o.outcome IN ? AND a.status IN ?", id, []string{OutcomeWaitlisted, OutcomeUnplaced}, waitingStages).
			Where("NOT EXISTS (SELECT 1 FROM selection_offers AS x WHERE x.open_application_id = o.application_id)").
			Order("o.application_id").Scan(&cands).Error; err != nil {
			return err
		}
		if len(cands) == 0 {
			return nil
		}
		apps, users := make([]int64, len(cands)), make([]int64, len(cands))
		for i, c := range cands {
			apps[i], users[i] = c.ApplicationID, c.ApplicantID
		}
		var before []Offer
		if err := tx.Where("round_id = ? AND application_id IN ?", id, apps).Find(&before).Error; err != nil {
			return err
		}
		had := map[[2]int64]bool{}
		for _, o := range before {
			had[[2]int64{o.ApplicationID, o.PeriodID}] = true
		}
		var refused []application.Choice
		if err := tx.Where("application_id IN ? AND host_decision = ?", apps, application.HostDecisionRejected).Find(&refused).Error; err != nil {
			return err
		}
		for _, c := range refused {
			had[[2]int64{c.ApplicationID, c.PeriodID}] = true
		}
		held, err := placementsHeld(tx, users, apps)
		if err != nil {
			return err
		}
		var queue []match.Applicant
		owner := map[int64]candidate{}
		for _, c := range cands {
			run, err := runOf(tx, c.DryRunID, runs)
			if err != nil {
				return err
			}
			owner[c.ApplicationID] = c
			for _, ap := range run.Applicants {
				if ap.ID != c.ApplicationID {
					continue
				}
				var keep []match.Choice
				for _, ch := range ap.Choices {
					if ch.Eligible && !had[[2]int64{c.ApplicationID, ch.PeriodID}] && !overlaps(held[c.ApplicantID], run.Periods[ch.PeriodID]) {
						keep = append(keep, ch)
					}
				}
				if len(keep) > 0 {
					ap.Choices = keep
					queue = append(queue, ap)
				}
			}
		}
		days := r.OfferDays
		if days <= 0 {
			days = DefaultOfferDays
		}
		expires := s.zone.Deadline(now, days)
		for _, o := range match.Run(queue, seats).Outcomes {
			if o.RankGiven == 0 {
				continue
			}
			app := o.ApplicantID
			offer := Offer{RoundID: id, ApplicationID: app, PeriodID: o.PeriodID, Rank: o.RankGiven, State: OfferOpen,
				OpenApplicationID: &app, OfferedAt: now, ExpiresAt: expires}
			if err := tx.Create(&offer).Error; err != nil {
				return err
			}
			if err := s.mailOffer(tx, notify.RoundSeatOffer, &offer, owner[app], f.Periods); err != nil {
				return err
			}
			offered++
		}
		return nil
	})
	if err != nil {
		return wrap(err, "offer freed seats")
	}
	rep.Offered += offered
	rep.Expired += expired
	return nil
}

// waitingStages are the stages of an application that can take an offer:
// not yet nominated (waitlisted by the round), or rejected by a host with
// no next choice.
var waitingStages = []application.Stage{application.OfficeReview, application.HostRejected}

// dedup names an offer's mails: one of each kind per offer.
var dedup = map[notify.Kind]string{notify.RoundSeatOffer: "round-offer-", notify.RoundSeatOfferExpired: "round-offer-lapsed-"}

// mailLapsed tells each student whose offer lapsed unanswered that the
// seat has gone to the next student.
func (s *Service) mailLapsed(tx *gorm.DB, lapsed []Offer, periods []PeriodOption) error {
	if len(lapsed) == 0 {
		return nil
	}
	apps := make([]int64, len(lapsed))
	for i, o := range lapsed {
		apps[i] = o.ApplicationID
	}
	var owners []candidate
	if err := tx.Table("applications").Select("id AS application_id, applicant_id, status, created_at").
		Where("id IN ?", apps).Scan(&owners).Error; err != nil {
		return err
	}
	by := map[int64]candidate{}
	for _, c := range owners {
		by[c.ApplicationID] = c
	}
	for i := range lapsed {
		if err := s.mailOffer(tx, notify.RoundSeatOfferExpired, &lapsed[i], by[lapsed[i].ApplicationID], periods); err != nil {
			return err
		}
	}
	return nil
}

// mailOffer tells the student of their offer, or that it lapsed, in their
// language, in the transaction that makes or closes it.
func (s *Service) mailOffer(tx *gorm.DB, kind notify.Kind, o *Offer, to candidate, periods []PeriodOption) error {
	var p PeriodOption
	for _, x := range periods {
		if x.PeriodID == o.PeriodID {
			p = x
		}
	}
	host := p.InstitutionEN
	if p.InstitutionLocal != "" && p.InstitutionLocal != p.InstitutionEN {
		host += " " + p.InstitutionLocal
	}
	ref := (&application.Application{ID: o.ApplicationID, CreatedAt: to.CreatedAt}).Ref()
	return notify.Enqueue(tx, notify.Event{Kind: kind, RecipientUserID: to.ApplicantID,
		Data: map[string]any{"ref": ref, "elective": p.ElectiveEN, "elective_zh": p.ElectiveZH, "host": host,
			"from": p.StartsOn.Format(time.DateOnly), "until": p.EndsOn.Format(time.DateOnly),
			"deadline": s.zone.Time(o.ExpiresAt), "deadline_at": o.ExpiresAt.UTC().Format(time.RFC3339)},
		Link: application.Link(o.ApplicationID), DedupKey: dedup[kind] + strconv.FormatInt(o.ID, 10)})
}

// ---- the student's answer

// OfferInput is the student's answer to an offer: the offer they saw.
type OfferInput struct{ OfferID int64 }

// ownOffer reads offer in.OfferID of application appID for its student u;
// anyone else is told it does not exist.
func ownOffer(tx *gorm.DB, u *user.User, appID, offerID int64) (*Offer, error) {
	var o Offer
	if err := tx.Where("id = ? AND application_id = ?", offerID, appID).Take(&o).Error; err != nil {
		return nil, err
	}
	var a application.Application
	if err := tx.Select("id", "applicant_id").Take(&a, appID).Error; err != nil {
		return nil, err
	}
	if u == nil || a.ApplicantID != u.ID {
		return nil, errNotFound
	}
	return &o, nil
}

// AcceptOffer: the student takes the seat offered on application appID,
// before the offer expires; the application is nominated to it through
// the workflow (its event, the student's and the host's mails) in the
// transaction that closes the offer, under the round's lock.
func (s *Service) AcceptOffer(ctx context.Context, u *user.User, appID int64, in OfferInput) error {
	var cur application.Application
	if err := s.db.WithContext(ctx).Select("id", "version").Take(&cur, appID).Error; err != nil {
		return wrap(err, "accept offer")
	}
	// Said first, before the workflow's "not now" of an application
	// nominated already: this offer is answered or over.
	o, err := ownOffer(s.db.WithContext(ctx), u, appID, in.OfferID)
	if err != nil {
		return wrap(err, "accept offer")
	}
	if err := s.openNow(o, s.clock()); err != nil {
		return err
	}
	_, err = s.apps.NominateForRound(ctx, appID, cur.Version, func(tx *gorm.DB, a *application.Application, _ []application.Choice) (int, error) {
		o, err := ownOffer(tx, u, appID, in.OfferID)
		if err != nil {
			return 0, err
		}
		if _, _, err := lockAuto(tx, o.RoundID); err != nil {
			return 0, err
		}
		now := s.clock()
		if err := s.openNow(o, now); err != nil {
			return 0, err
		}
		// A placement taken since the offer was made may overlap it; the
		// move holds the student's lock (Exclusive), so none comes now.
		if err := overlapRefusal(tx, a, o.PeriodID); err != nil {
			return 0, err
		}
		res := tx.Model(&Offer{}).Where("id = ? AND state = ?", o.ID, OfferOpen).
			Updates(map[string]any{"state": OfferAccepted, "open_application_id": nil, "answered_at": now})
		if res.Error != nil {
			return 0, res.Error
		}
		if res.RowsAffected == 0 {
			return 0, apperr.New(apperr.Conflict, "selection.offer.err.gone")
		}
		if err := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ?", o.RoundID, appID).
			Updates(map[string]any{"outcome": OutcomePlaced, "rank_given": o.Rank, "period_id": o.PeriodID,
				"waitlist_pos": 0, "reason": "", "nominated_at": now}).Error; err != nil {
			return 0, err
		}
		return o.Rank, s.record(tx, u, "selection.offer.accept", o.RoundID, map[string]any{"offer": o.ID, "application": appID, "period": o.PeriodID})
	})
	return wrap(err, "accept offer")
}

// overlapRefusal refuses a period that overlaps a placement the
// applicant of a holds or is nominated for elsewhere.
func overlapRefusal(tx *gorm.DB, a *application.Application, periodID int64) error {
	held, err := placementsHeld(tx, []int64{a.ApplicantID}, []int64{a.ID})
	if err != nil || len(held[a.ApplicantID]) == 0 {
		return err
	}
	ps, err := periodRows(tx, []int64{periodID}, time.Time{})
	if err != nil || len(ps) == 0 {
		return err
	}
	for _, h := range held[a.ApplicantID] {
		if overlaps([]span{h}, Period{PeriodOption: ps[0]}) {
			return apperr.New(apperr.Invalid, "selection.offer.err.overlap", h.from.Format(time.DateOnly), h.until.Format(time.DateOnly))
		}
	}
	return nil
}

// openNow refuses an offer that is no longer open or has expired.
func (s *Service) openNow(o *Offer, now time.Time) error {
	switch {
	case o.State != OfferOpen:
		return apperr.New(apperr.Conflict, "selection.offer.err.gone")
	case now.After(o.ExpiresAt):
		return apperr.New(apperr.Invalid, "selection.offer.err.expired", s.zone.Time(o.ExpiresAt))
	}
	return nil
}

// DeclineOffer: the student turns the offered seat down; it passes to the
// next waitlisted student at the job's next run, and this period is not
// offered to them again. Their application keeps its place otherwise.
func (s *Service) DeclineOffer(ctx context.Context, u *user.User, appID int64, in OfferInput) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := ownOffer(tx, u, appID, in.OfferID)
		if err != nil {
			return err
		}
		if o.State != OfferOpen {
			return apperr.New(apperr.Conflict, "selection.offer.err.gone")
		}
		now := s.clock()
		res := tx.Model(&Offer{}).Where("id = ? AND state = ?", o.ID, OfferOpen).
			Updates(map[string]any{"state": OfferDeclined, "open_application_id": nil, "answered_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "selection.offer.err.gone")
		}
		return s.record(tx, u, "selection.offer.decline", o.RoundID, map[string]any{"offer": o.ID, "application": appID, "period": o.PeriodID})
	})
	return wrap(err, "decline offer")
}

// OpenOffer is the open offer on application appID for its student u,
// nil when there is none (or u is not its student).
func (s *Service) OpenOffer(ctx context.Context, u *user.User, appID int64) (*Offer, *PeriodOption, error) {
	if u == nil {
		return nil, nil, nil
	}
	var o Offer
	err := s.db.WithContext(ctx).Table("selection_offers AS o").Select("o.*").
		Joins("JOIN applications AS a ON a.id = o.application_id").
		Where("o.application_id = ? AND o.state = ? AND a.applicant_id = ?", appID, OfferOpen, u.ID).Limit(1).Scan(&o).Error
	if err != nil || o.ID == 0 {
		return nil, nil, wrap(err, "open offer")
	}
	ps, err := periodRows(s.db.WithContext(ctx), []int64{o.PeriodID}, time.Time{})
	if err != nil || len(ps) == 0 {
		return &o, nil, wrap(err, "open offer")
	}
	return &o, &ps[0], nil
}

// ---- the office's switch

// OpenOffers counts round id's offers waiting for an answer, for the
// office.
func (s *Service) OpenOffers(ctx context.Context, u *user.User, id int64) (int, error) {
	if !isOffice(u) {
		return 0, errNotFound
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&Offer{}).Where("round_id = ? AND state = ?", id, OfferOpen).Count(&n).Error
	return int(n), wrap(err, "open offers")
}

// AutoInput is the office's form for a published round's automatic
// handling: the switch and the days of an offer, as typed.
type AutoInput struct {
	Version   int
	On        bool
	OfferDays string
}

// SetAuto turns round id's automatic handling on or off and sets the
// days of its offers, at the version the office saw, audited. Offers
// already made stay answerable either way.
func (s *Service) SetAuto(ctx context.Context, u *user.User, id int64, in AutoInput) error {
	if !isOffice(u) {
		return errNotFound
	}
	days, err := strconv.Atoi(in.OfferDays)
	if err != nil || days < 1 || days > MaxOfferDays {
		f := apperr.Fields{}
		f.Add("offer_days", "selection.auto.err.offer_days", 1, MaxOfferDays)
		return f.Err()
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var r Round
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		if r.State == Closed {
			return apperr.New(apperr.Invalid, "selection.auto.err.closed")
		}
		// updated_at stays: it dates the rubric, which publication compares
		// with the dry run's.
		res := tx.Model(&Round{}).Where("id = ? AND version = ?", id, in.Version).
			Updates(map[string]any{"auto_promote": in.On, "offer_days": days, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "selection.err.changed")
		}
		return s.record(tx, u, "selection.round.auto", id, map[string]any{"on": in.On, "offer_days": days,
			"was_on": r.AutoPromote, "was_offer_days": r.OfferDays})
	})
	return wrap(err, "round automatic handling")
}
