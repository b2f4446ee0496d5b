package selection

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/notify"
	"portal/internal/user"
)

// Appeals (issue 14): once a student can see their score (the round is
// published, or the office chose to show scores before publication), they
// may ask, within the round's appeal days, for it to be reviewed. The
// office upholds the appeal with new component values or dismisses it,
// with a reply; the student gets a mail in their language. An upheld
// appeal before publication re-runs the dry run in the same transaction,
// so the dry run the office would publish always counts the new score.

// The states of an appeal.
const (
	AppealOpen      = "open"
	AppealUpheld    = "upheld"
	AppealDismissed = "dismissed"
)

// MaxAppealText bounds a reason and a reply.
const MaxAppealText = 2000

// Appeal is a student's request for their score to be reviewed.
type Appeal struct {
	ID            int64
	RoundID       int64
	ApplicationID int64
	StudentID     int64
	Reason        string
	State         string
	Version       int
	ScoreBefore   int  // the total the student appealed, in hundredths
	ScoreAfter    *int // an upheld appeal's new total
	Reply         string
	AnsweredBy    *int64
	AnsweredAt    *time.Time
	// OpenSlot is 1 while the appeal is open and NULL once answered: the
	// unique index on (round, application, open_slot) allows one open
	// appeal at a time, under concurrent requests too (migration 00075).
	OpenSlot  *int
	CreatedAt time.Time
}

// TableName is the table of appeals.
func (Appeal) TableName() string { return "selection_appeals" }

var (
	errAppealClosed = func(until string) error { return apperr.New(apperr.Invalid, "selection.err.appeal_closed", until) }
	errAppealOpen   = apperr.New(apperr.Invalid, "selection.err.appeal_open")
)

// AppealWindow is when round r takes appeals: from the moment its
// applicants could see their score (publication, or the office showing
// scores before it) to the end of the portal's day AppealDays later. ok is
// false while nobody sees a score, once the round is closed, or when the
// round takes no appeals.
func (s *Service) AppealWindow(r Round) (from, until time.Time, ok bool) {
	var start *time.Time
	switch {
	case r.State == Published:
		start = r.PublishedAt
	case Editable(r.State):
		start = r.ScoresShownAt
	}
	if start == nil || r.AppealDays <= 0 {
		return time.Time{}, time.Time{}, false
	}
	return *start, s.zone.Deadline(*start, r.AppealDays), true
}

// ShowScores lets round id's applicants see their scores before
// publication, at the version the office saw: the appeal window opens
// now, and an upheld appeal can still change the dry run. The round's
// updated_at stays: it marks the last change of the dry run's inputs
// (publish.go), and showing scores changes none (UpdateColumns: GORM's
// Updates would set it to the wall clock).
func (s *Service) ShowScores(ctx context.Context, u *user.User, id int64, version int) error {
	if !isOffice(u) {
		return errNotFound
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r Round
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		if !Editable(r.State) || r.ScoresShownAt != nil {
			return apperr.New(apperr.Invalid, "selection.err.not_editable")
		}
		now := s.clock()
		res := tx.Model(&Round{}).Where("id = ? AND version = ?", id, version).
			UpdateColumns(map[string]any{"scores_shown_at": now, "version": gorm.Expr("version + 1")}) // no automatic updated_at
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "selection.err.changed")
		}
		return s.record(tx, u, "selection.scores.shown", id, map[string]any{"appeal_days": r.AppealDays})
	})
	return wrap(err, "show scores")
}

// ScoreView is a student's score in a round as their application page
// shows it, with their appeals and whether they may file one now.
type ScoreView struct {
	Round      Round
	Components []Component
	Values     map[int64]int // component id -> value in hundredths
	ScoreCenti int
	Until      time.Time // the end of the appeal window
	InWindow   bool
	MayAppeal  bool   // in the window, no appeal open
	Refusal    string // the message key of why not, when not
	Appeals    []Appeal
}

// visibleRound is the newest round in which application a's applicant
// sees a score: published (or closed) with an outcome for a, or editable
// with scores shown and a among its applicants. Nil when none.
func visibleRound(tx *gorm.DB, a application.Application) (*Round, error) {
	var rs []Round
	err := tx.Table("selection_rounds AS r").Select("r.*").
		Where("r.id IN (?)", tx.Table("selection_round_periods AS rp").Select("rp.round_id").
			Joins("JOIN application_choices AS c ON c.period_id = rp.period_id").Where("c.application_id = ?", a.ID)).
		Order("r.id DESC").Find(&rs).Error
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		switch {
		case r.State == Published || r.State == Closed:
			var n int64
			if err := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ?", r.ID, a.ID).Count(&n).Error; err != nil {
				return nil, err
			}
			if n > 0 {
				return &rs[i], nil
			}
		case r.ScoresShownAt != nil && Editable(r.State):
			ids, err := applicantIDs(tx, r.ID, nil)
			if err != nil {
				return nil, err
			}
			if containsID(ids, a.ID) {
				return &rs[i], nil
			}
		}
	}
	return nil, nil
}

// scoreOf is application appID's values and total in round r.
func scoreOf(tx *gorm.DB, r *Round, appID int64) ([]Component, map[int64]int, int, error) {
	var comps []Component
	if err := tx.Where("round_id = ?", r.ID).Order("ordinal").Find(&comps).Error; err != nil {
		return nil, nil, 0, err
	}
	var scores []Score
	if err := tx.Where("round_id = ? AND application_id = ?", r.ID, appID).Find(&scores).Error; err != nil {
		return nil, nil, 0, err
	}
	values := map[int64]int{}
	for _, sc := range scores {
		values[sc.ComponentID] = sc.ValueCenti
	}
	total, _ := Total(comps, values)
	return comps, values, total, nil
}

// StudentScore is application appID's score for its applicant u, nil when
// u is not its applicant or no round shows them a score yet.
func (s *Service) StudentScore(ctx context.Context, u *user.User, appID int64) (*ScoreView, error) {
	if u == nil {
		return nil, nil
	}
	var v *ScoreView
	// Outside a transaction, as ForApplication: every application page asks.
	err := func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, appID).Error; err != nil {
			return err
		}
		if a.ApplicantID != u.ID {
			return nil
		}
		r, err := visibleRound(tx, a)
		if err != nil || r == nil {
			return err
		}
		v = &ScoreView{Round: *r}
		if v.Components, v.Values, v.ScoreCenti, err = scoreOf(tx, r, appID); err != nil {
			return err
		}
		if err := tx.Where("round_id = ? AND application_id = ?", r.ID, appID).Order("id DESC").Find(&v.Appeals).Error; err != nil {
			return err
		}
		from, until, ok := s.AppealWindow(*r)
		now := s.clock()
		v.Until, v.InWindow = until, ok && !now.Before(from) && !now.After(until)
		switch {
		case !v.InWindow:
			v.Refusal = "selection.err.appeal_closed"
		case len(v.Appeals) > 0 && v.Appeals[0].State == AppealOpen:
			v.Refusal = "selection.err.appeal_open"
		default:
			v.MayAppeal = true
		}
		return nil
	}(s.db.WithContext(ctx))
	if err != nil {
		return nil, wrap(err, "student score")
	}
	return v, nil
}

// FileAppeal records u's appeal of their score on application appID with
// a reason. Refused, changing nothing: outside the window, with an appeal
// already open (two at once too: the unique index keeps one), or without
// a reason.
func (s *Service) FileAppeal(ctx context.Context, u *user.User, appID int64, reason string) (*Appeal, error) {
	if u == nil {
		return nil, errNotFound
	}
	reason = strings.TrimSpace(reason)
	var ap Appeal
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, appID).Error; err != nil {
			return err
		}
		if a.ApplicantID != u.ID {
			return errNotFound
		}
		r, err := visibleRound(tx, a)
		if err != nil {
			return err
		}
		if r == nil {
			return errNotFound
		}
		from, until, ok := s.AppealWindow(*r)
		if now := s.clock(); !ok || now.Before(from) || now.After(until) {
			return errAppealClosed(s.zone.Date(until))
		}
		var open int64
		if err := tx.Model(&Appeal{}).Where("round_id = ? AND application_id = ? AND state = ?", r.ID, appID, AppealOpen).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return errAppealOpen
		}
		f := apperr.Fields{}
		f.Text("reason", reason, true, MaxAppealText)
		if err := f.Err(); err != nil {
			return err
		}
		_, _, total, err := scoreOf(tx, r, appID)
		if err != nil {
			return err
		}
		one := 1
		ap = Appeal{RoundID: r.ID, ApplicationID: appID, StudentID: u.ID, Reason: reason, State: AppealOpen, Version: 1,
			ScoreBefore: total, OpenSlot: &one, CreatedAt: s.clock()}
		if err := tx.Create(&ap).Error; err != nil {
			return err
		}
		return s.record(tx, u, "selection.appeal.file", r.ID, map[string]any{"appeal": ap.ID, "application_id": appID,
			"score": FormatCenti(total)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, errAppealOpen // a concurrent twin was filed first
	}
	if err != nil {
		return nil, wrap(err, "file appeal")
	}
	return &ap, nil
}

// AppealRow is an appeal in the office's list on the round's page.
type AppealRow struct {
	Appeal
	Name     string
	DaysOpen int // whole days since it was filed (until answered)
}

// Appeals lists round id's appeals for the office: the open ones first,
// oldest first, then the answered ones, newest first.
func (s *Service) Appeals(ctx context.Context, u *user.User, id int64) ([]AppealRow, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var out []AppealRow
	err := s.db.WithContext(ctx).Table("selection_appeals AS ap").Select("ap.*, u.name").
		Joins("JOIN users AS u ON u.id = ap.student_id").Where("ap.round_id = ?", id).
		Order("CASE WHEN ap.state = 'open' THEN 0 ELSE 1 END, CASE WHEN ap.state = 'open' THEN ap.id ELSE -ap.id END").
		Scan(&out).Error
	now := s.clock()
	for i := range out {
		end := now
		if out[i].AnsweredAt != nil {
			end = *out[i].AnsweredAt
		}
		out[i].DaysOpen = int(end.Sub(out[i].CreatedAt) / (24 * time.Hour))
	}
	return out, wrap(err, "appeals")
}

// AppealFull is one appeal with its round and the applicant's values now,
// for the office's answer.
type AppealFull struct {
	AppealRow
	Round      Full
	Values     map[int64]int
	ScoreCenti int
}

// GetAppeal reads appeal aid of round id for the office.
func (s *Service) GetAppeal(ctx context.Context, u *user.User, id, aid int64) (*AppealFull, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var out AppealFull
	err := s.tx(ctx, func(tx *gorm.DB) error { return s.appealFull(tx, u, id, aid, &out) })
	if err != nil {
		return nil, wrap(err, "appeal")
	}
	return &out, nil
}

func (s *Service) appealFull(tx *gorm.DB, u *user.User, id, aid int64, out *AppealFull) error {
	err := tx.Table("selection_appeals AS ap").Select("ap.*, u.name").
		Joins("JOIN users AS u ON u.id = ap.student_id").Where("ap.id = ? AND ap.round_id = ?", aid, id).Take(&out.AppealRow).Error
	if err != nil {
		return err
	}
	if err := s.full(tx, u, id, &out.Round); err != nil {
		return err
	}
	_, out.Values, out.ScoreCenti, err = scoreOf(tx, &out.Round.Round, out.ApplicationID)
	return err
}

// AnswerInput is the office's answer as typed: upheld with the values of
// every component (as on the scoring page), or dismissed; a reply always.
type AnswerInput struct {
	Version  int
	Decision string
	Reply    string
	Values   map[int64]string
}

// AnswerReport says what an answer did.
type AnswerReport struct {
	Appeal   Appeal
	RerunSeq int // the dry run an upheld appeal re-ran, 0 when none
	// Stale: the score changed while the round is being scored after an
	// earlier dry run; the office runs the dry run again before publishing.
	Stale bool
}

// AnswerAppeal answers appeal aid of round id at the version the office
// saw. Upheld, the new values are written (each audited with the appeal)
// and must change the score; before publication in the dry-run state the
// dry run is re-run at once, after it the published outcome's score is
// the new one (a placement already nominated stays: the office moves it
// through the workflow if it must). The student gets a mail in their
// language.
func (s *Service) AnswerAppeal(ctx context.Context, u *user.User, id, aid int64, in AnswerInput) (*AnswerReport, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	rep := &AnswerReport{}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var full AppealFull
		if err := s.appealFull(tx, u, id, aid, &full); err != nil {
			return err
		}
		ap, f := full.Appeal, &full.Round
		if ap.State != AppealOpen {
			return apperr.New(apperr.Invalid, "selection.err.appeal_answered")
		}
		if ap.Version != in.Version {
			return apperr.New(apperr.Conflict, "selection.err.changed")
		}
		fields := apperr.Fields{}
		if in.Decision != AppealUpheld && in.Decision != AppealDismissed {
			fields.Add("decision", "form.not_a_choice")
		}
		reply := strings.TrimSpace(in.Reply)
		fields.Text("reply", reply, true, MaxAppealText)
		if err := fields.Err(); err != nil {
			return err
		}
		set := map[string]any{"state": in.Decision, "reply": reply, "answered_by": u.ID, "answered_at": s.clock(),
			"open_slot": nil, "version": gorm.Expr("version + 1")}
		detail := map[string]any{"appeal": aid, "application_id": ap.ApplicationID, "decision": in.Decision,
			"from": FormatCenti(full.ScoreCenti)}
		if in.Decision == AppealUpheld {
			if f.State == Closed {
				return apperr.New(apperr.Invalid, "selection.err.not_editable")
			}
			changed, err := s.writeScores(tx, u, f, ap.ApplicationID, in.Values, map[string]any{"appeal": aid})
			if err != nil {
				return err
			}
			if !changed {
				return apperr.New(apperr.Invalid, "selection.err.appeal_unchanged")
			}
			_, _, total, err := scoreOf(tx, &f.Round, ap.ApplicationID)
			if err != nil {
				return err
			}
			set["score_after"] = total
			detail["to"] = FormatCenti(total)
			switch f.State {
			case DryRun:
				run, err := s.dryRun(tx, u, f, f.Version)
				if err != nil {
					return err
				}
				rep.RerunSeq = run.Seq
				detail["dry_run"] = run.Seq
			case Published:
				if err := tx.Model(&Outcome{}).Where("round_id = ? AND application_id = ?", id, ap.ApplicationID).
					Update("score_centi", total).Error; err != nil {
					return err
				}
			default:
				var runs int64
				if err := tx.Model(&DryRunRow{}).Where("round_id = ?", id).Count(&runs).Error; err != nil {
					return err
				}
				rep.Stale = runs > 0
			}
		}
		res := tx.Model(&Appeal{}).Where("id = ? AND version = ?", aid, in.Version).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "selection.err.changed")
		}
		if err := tx.Take(&rep.Appeal, aid).Error; err != nil {
			return err
		}
		if err := s.record(tx, u, "selection.appeal.answer", id, detail); err != nil {
			return err
		}
		data := map[string]any{"round": f.Name, "answer": in.Decision, "reply": reply}
		if rep.Appeal.ScoreAfter != nil {
			data["score"] = FormatCenti(*rep.Appeal.ScoreAfter)
		}
		return notify.Enqueue(tx, notify.Event{Kind: notify.SelectionAppealAnswered, RecipientUserID: ap.StudentID, Data: data,
			Link: "/applications/" + strconv.FormatInt(ap.ApplicationID, 10), DedupKey: "selection-appeal-" + strconv.FormatInt(aid, 10)})
	})
	if err != nil {
		return nil, wrap(err, "answer appeal")
	}
	return rep, nil
}

// Stale reports whether round id's latest dry run is out of date: a score
// or the round changed after it (an upheld appeal while scoring, say), so
// publication would refuse it (publish.go). False without a dry run.
func (s *Service) Stale(ctx context.Context, u *user.User, id int64) (bool, error) {
	if !isOffice(u) {
		return false, errNotFound
	}
	d := s.db.WithContext(ctx)
	var run DryRunRow
	err := d.Select("id, created_at").Where("round_id = ?", id).Order("seq DESC").Limit(1).Find(&run).Error
	if err != nil || run.ID == 0 {
		return false, wrap(err, "stale dry run")
	}
	var later int64
	if err := d.Model(&Score{}).Where("round_id = ? AND updated_at > ?", id, run.CreatedAt).Count(&later).Error; err != nil {
		return false, wrap(err, "stale dry run")
	}
	if later == 0 {
		err = d.Model(&Round{}).Where("id = ? AND updated_at > ?", id, run.CreatedAt).Count(&later).Error
	}
	return later > 0, wrap(err, "stale dry run")
}
