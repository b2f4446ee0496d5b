package scholarship

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/letter"
	"portal/internal/notify"
	"portal/internal/selection/match"
	"portal/internal/user"
)

// Outcome is one request's line in a dry run or an award run.
type Outcome struct {
	Entry
	Awarded bool
	Amount  int64
	Reason  string // match's reason code when not awarded
	Rank    int    // from 1, in service order
}

// Plan is what an award run would do now, with the budget left.
type Plan struct {
	Outcomes   []Outcome
	Awarded    int
	Spent      int64   // by this run
	Cutoff     float64 // lowest awarded score; meaningful when Awarded > 0
	AwardsLeft int     // after this run; -1 without a limit
	MoneyLeft  int64   // after this run; -1 without a limit
	Seed       int64
}

// plan ranks call c's submitted requests that hold no award yet within
// the budget its awards not returned leave, with match.Award.
func plan(tx *gorm.DB, c Call) (Plan, error) {
	es, _, err := entries(tx, c.ID)
	if err != nil {
		return Plan{}, err
	}
	usedMoney, usedAwards, err := spent(tx, c.ID)
	if err != nil {
		return Plan{}, err
	}
	var unawarded []Entry
	for _, e := range es {
		if e.Award == nil {
			unawarded = append(unawarded, e)
		}
	}
	draw, err := tieOrder(tx, c, unawarded)
	if err != nil {
		return Plan{}, err
	}
	reqs := make([]match.Request, len(unawarded))
	for i, e := range unawarded {
		reqs[i] = match.Request{ID: e.ID, Score: e.Score, Class: 1, Tiebreak: draw[e.ID], Amount: e.Amount,
			Eligible: slices.Contains(c.stages(), e.Status)}
		if !reqs[i].Eligible {
			reqs[i].Ineligible = "placement"
		}
	}
	b := match.Budget{}
	exhausted := false
	if c.MaxAwards > 0 {
		b.Awards = c.MaxAwards - usedAwards
		exhausted = b.Awards <= 0
	}
	if c.Total > 0 {
		b.Total = c.Total - usedMoney
		exhausted = exhausted || b.Total <= 0
	}
	if exhausted {
		// Budget{} would be no limit at all: nobody more can be funded.
		for i := range reqs {
			if reqs[i].Eligible {
				reqs[i].Eligible, reqs[i].Ineligible = false, ""
			}
		}
	}
	res := match.Award(reqs, b)
	byID := map[int64]Entry{}
	for _, e := range unawarded {
		byID[e.ID] = e
	}
	p := Plan{Awarded: res.Awarded, Spent: res.Spent, Cutoff: res.Cutoff, AwardsLeft: res.AwardsLeft, MoneyLeft: res.MoneyLeft, Seed: c.Seed}
	if exhausted {
		p.AwardsLeft, p.MoneyLeft = max(b.Awards, 0), max(b.Total, 0)
		if c.MaxAwards == 0 {
			p.AwardsLeft = -1
		}
		if c.Total == 0 {
			p.MoneyLeft = -1
		}
	}
	for i, o := range res.Outcomes {
		out := Outcome{Entry: byID[o.RequestID], Awarded: o.Awarded, Amount: o.Amount, Reason: o.Reason, Rank: i + 1}
		if exhausted && out.Reason == match.ReasonIneligible && slices.Contains(c.stages(), out.Status) {
			out.Reason = match.ReasonFull
		}
		p.Outcomes = append(p.Outcomes, out)
	}
	return p, nil
}

// DryRun is what awarding call id would do now; nothing changes.
func (s *Service) DryRun(ctx context.Context, u *user.User, id int64) (*Plan, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var c Call
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, wrap(err, "call")
	}
	p, err := plan(s.db.WithContext(ctx), c)
	if err != nil {
		return nil, wrap(err, "dry run")
	}
	return &p, nil
}

// Award runs the ranking on call id and awards what it gives: each award
// with its letter's code, an audit entry and a mail to its student, all in
// one transaction. The call's row is locked first, so two runs at once
// take turns and the second sees the first's awards: together they never
// exceed the budget. Running again awards only what money a returned
// award gave back.
func (s *Service) Award(ctx context.Context, u *user.User, id int64) (*Plan, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var p Plan
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c Call
		if err := tx.Clauses(db.ForUpdate()).Take(&c, id).Error; err != nil {
			return err
		}
		if c.State == Closed {
			return apperr.New(apperr.Invalid, "scholarships.err.closed")
		}
		var fund struct{ NameEN, NameZH string }
		if err := tx.Table("funding").Select("name_en, name_zh").Where("id = ?", c.FundingID).Scan(&fund).Error; err != nil {
			return err
		}
		var err error
		if p, err = plan(tx, c); err != nil {
			return err
		}
		now := s.clock()
		for _, o := range p.Outcomes {
			if !o.Awarded {
				continue
			}
			a := Award{CallID: id, RequestID: o.ID, StudentID: o.StudentID, Amount: o.Amount, Currency: c.Currency,
				ScoreCenti: int(o.Score*100 + 0.5), Code: letter.NewCode(), Status: StatusAwarded, Version: 1, AwardedBy: u.ID, AwardedAt: now}
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			if err := s.record(tx, u, "scholarship.award", "scholarship_award", a.ID, map[string]any{
				"call": id, "request": o.ID, "amount": a.Amount, "score": o.Score}); err != nil {
				return err
			}
			if err := notify.Enqueue(tx, notify.Event{Kind: notify.ScholarshipAwarded, RecipientUserID: a.StudentID,
				Data: map[string]any{"call": c.Name, "funding": fund.NameEN, "funding_zh": fund.NameZH,
					"amount": FormatAmount(a.Amount, a.Currency)},
				Link: "/scholarships/" + strconv.FormatInt(id, 10), DedupKey: "scholarship-award-" + strconv.FormatInt(a.ID, 10)}); err != nil {
				return err
			}
		}
		res := tx.Model(&Call{}).Where("id = ?", id).Updates(map[string]any{"state": Awarded, "version": gorm.Expr("version + 1"), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		return s.record(tx, u, "scholarship.call.award", "scholarship_call", id, map[string]any{
			"awarded": p.Awarded, "spent": p.Spent, "cutoff": p.Cutoff, "seed": c.Seed})
	})
	if err != nil {
		return nil, wrap(err, "award")
	}
	return &p, nil
}

// FormatAmount writes an amount with its currency: "60,000 TWD".
func FormatAmount(n int64, currency string) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out) + " " + currency
}

// SetStatus moves award aid's disbursement one step (awarded -> paid ->
// returned) at the version the office saw; audited.
func (s *Service) SetStatus(ctx context.Context, u *user.User, aid int64, to Status, version int) error {
	if !isOffice(u) {
		return errNotFound
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var a Award
		if err := tx.Clauses(db.ForUpdate()).Take(&a, aid).Error; err != nil {
			return err
		}
		if a.Status == to && a.Version == version+1 {
			return nil // a retried request: it took effect
		}
		if next[a.Status] != to {
			return apperr.New(apperr.Invalid, "scholarships.err.status")
		}
		now := s.clock()
		set := map[string]any{"status": to, "version": gorm.Expr("version + 1")}
		if to == StatusPaid {
			set["paid_at"] = now
		} else {
			set["returned_at"] = now
		}
		res := tx.Model(&Award{}).Where("id = ? AND version = ?", aid, version).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "scholarships.err.changed")
		}
		return s.record(tx, u, "scholarship.award."+string(to), "scholarship_award", aid, map[string]any{
			"call": a.CallID, "from": string(a.Status), "to": string(to), "amount": a.Amount})
	}), "award status")
}

// RegisterRow is one award in the register.
type RegisterRow struct {
	Award
	CallName, FundingEN, FundingZH string
	Year                           int
	StudentName, StudentNumber     string
}

// Register lists the awards, for the office: of one year and one call
// when given (0 for all).
func (s *Service) Register(ctx context.Context, u *user.User, year int, call int64) ([]RegisterRow, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	return register(s.db.WithContext(ctx), year, call, 0, 0)
}

func register(tx *gorm.DB, year int, call, awardID, student int64) ([]RegisterRow, error) {
	var rows []struct {
		Award
		CallName, FundingEN, FundingZH string
		Year                           int
		StudentName                    string
		StudentNumber                  *string
	}
	q := tx.Table("scholarship_awards AS a").
		Select("a.*, c.name AS call_name, f.name_en AS funding_en, f.name_zh AS funding_zh, c.year, u.name AS student_name, u.student_number").
		Joins("JOIN scholarship_calls AS c ON c.id = a.call_id").
		Joins("JOIN funding AS f ON f.id = c.funding_id").
		Joins("JOIN users AS u ON u.id = a.student_id").Order("c.year DESC, c.id, a.awarded_at, a.id")
	if year > 0 {
		q = q.Where("c.year = ?", year)
	}
	if call > 0 {
		q = q.Where("a.call_id = ?", call)
	}
	if awardID > 0 {
		q = q.Where("a.id = ?", awardID)
	}
	if student > 0 {
		q = q.Where("a.student_id = ?", student)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, wrap(err, "register")
	}
	out := make([]RegisterRow, len(rows))
	for i, r := range rows {
		out[i] = RegisterRow{Award: r.Award, CallName: r.CallName, FundingEN: r.FundingEN, FundingZH: r.FundingZH, Year: r.Year, StudentName: r.StudentName}
		if r.StudentNumber != nil {
			out[i].StudentNumber = *r.StudentNumber
		}
	}
	return out, nil
}

// Years are the years the register has calls in, newest first.
func (s *Service) Years(ctx context.Context, u *user.User) ([]int, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var out []int
	err := s.db.WithContext(ctx).Model(&Call{}).Distinct("year").Order("year DESC").Pluck("year", &out).Error
	return out, wrap(err, "years")
}

// WriteCSV writes the register as CSV, one award a line, amounts in the
// currency's unit and instants in RFC 3339 (UTC), for a spreadsheet or
// the finance office.
func WriteCSV(w io.Writer, rows []RegisterRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"year", "call", "funding", "student_number", "student", "amount", "currency", "score", "status", "awarded_at", "paid_at", "returned_at", "code"})
	for _, r := range rows {
		paid, ret := "", ""
		if r.PaidAt != nil {
			paid = r.PaidAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		if r.ReturnedAt != nil {
			ret = r.ReturnedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		_ = cw.Write([]string{strconv.Itoa(r.Year), csvSafe(r.CallName), csvSafe(r.FundingEN), csvSafe(r.StudentNumber), csvSafe(r.StudentName),
			strconv.FormatInt(r.Amount, 10), r.Currency, strconv.FormatFloat(float64(r.ScoreCenti)/100, 'f', 2, 64), string(r.Status),
			r.AwardedAt.UTC().Format("2006-01-02T15:04:05Z"), paid, ret, letter.FormatCode(r.Code)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a typed name as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// MyAwards are u's awards.
func (s *Service) MyAwards(ctx context.Context, u *user.User) ([]RegisterRow, error) {
	if u == nil {
		return nil, errNotFound
	}
	return register(s.db.WithContext(ctx), 0, 0, 0, u.ID)
}

// AwardFor returns award aid for its student or the office; anyone else
// is told it does not exist.
func (s *Service) AwardFor(ctx context.Context, u *user.User, aid int64) (*RegisterRow, error) {
	if u == nil {
		return nil, errNotFound
	}
	rows, err := register(s.db.WithContext(ctx), 0, 0, aid, 0)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || (!isOffice(u) && rows[0].StudentID != u.ID) {
		return nil, errNotFound
	}
	return &rows[0], nil
}

// Verify finds the award whose letter carries code, for the public check.
func (s *Service) Verify(ctx context.Context, code string) (*RegisterRow, error) {
	c, ok := letter.NormalizeCode(code)
	if !ok {
		return nil, errNotFound
	}
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Award{}).Where("code = ?", c).Limit(1).Pluck("id", &ids).Error; err != nil {
		return nil, wrap(err, "verify award")
	}
	if len(ids) == 0 {
		return nil, errNotFound
	}
	rows, err := register(s.db.WithContext(ctx), 0, 0, ids[0], 0)
	if err != nil || len(rows) == 0 {
		return nil, errNotFound
	}
	return &rows[0], nil
}
