package application_test

import (
	"errors"
	"maps"
	"math/rand"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// outcomeKey is one row of nomination_outcome_counts (migration 00089).
type outcomeKey struct {
	year     int // UTC year of the nomination
	elective int64
	outcome  string
	days     int // whole days to the host's answer; -1 when not answered
}

// recountOutcomes counts the nominations again from the choices and
// applications, in Go: what the summary must hold.
func recountOutcomes(t *testing.T, d *db.DB) map[outcomeKey]int64 {
	t.Helper()
	var apps []struct {
		ID            int64
		Status        string
		CurrentChoice int
	}
	if err := d.Raw("SELECT id, status, current_choice FROM applications").Scan(&apps).Error; err != nil {
		t.Fatal(err)
	}
	app := map[int64]int{}
	for i, a := range apps {
		app[a.ID] = i
	}
	var choices []struct {
		ApplicationID, ElectiveID int64
		Rank                      int
		HostDecision              string
		NominatedAt, DecidedAt    *time.Time
	}
	if err := d.Raw("SELECT application_id, elective_id, rank, host_decision, nominated_at, decided_at FROM application_choices").
		Scan(&choices).Error; err != nil {
		t.Fatal(err)
	}
	out := map[outcomeKey]int64{}
	for _, c := range choices {
		if c.NominatedAt == nil {
			continue
		}
		a := apps[app[c.ApplicationID]]
		k := outcomeKey{year: c.NominatedAt.UTC().Year(), elective: c.ElectiveID, outcome: c.HostDecision, days: -1}
		switch {
		case c.HostDecision == "accepted" || c.HostDecision == "waitlisted" || c.HostDecision == "rejected":
		case c.Rank == a.CurrentChoice && a.Status == "nominated":
			k.outcome = "pending"
		default:
			k.outcome = "cancelled"
		}
		if c.HostDecision != "" && c.DecidedAt != nil {
			k.days = max(0, int(c.DecidedAt.Sub(*c.NominatedAt).Hours())/24)
		}
		out[k]++
	}
	return out
}

// wantSummaryExact fails when nomination_outcome_counts differs from a
// recount of the base rows.
func wantSummaryExact(t *testing.T, d *db.DB, when string) {
	t.Helper()
	var rows []struct {
		NominatedYear int
		ElectiveID    int64
		Outcome       string
		AnswerDays    int
		N             int64
	}
	if err := d.Raw("SELECT nominated_year, elective_id, outcome, answer_days, n FROM nomination_outcome_counts WHERE n <> 0").
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[outcomeKey]int64{}
	for _, r := range rows {
		got[outcomeKey{r.NominatedYear, r.ElectiveID, r.Outcome, r.AnswerDays}] = r.N
	}
	if want := recountOutcomes(t, d); !maps.Equal(got, want) {
		t.Fatalf("%s: the outcome summary holds %v, the choices count %v", when, got, want)
	}
}

// The outcomes report follows each nomination through the workflow: the
// student withdrawing cancels a pending nomination, the host's answer
// counts with its days, and a rejected choice stays rejected when the
// office nominates the next one.
func TestNominationOutcomesFollowTheWorkflow(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taipei, err := clock.Load("Asia/Taipei")
		w.must(err, "zone")
		r := report.NewService(d, report.Options{Now: w.clock.Now, Zone: taipei})
		want := report.OutcomeRow{InstitutionID: w.partner.ID, InstitutionEN: w.partner.NameEN, InstitutionLocal: w.partner.NameLocal}
		check := func(when string) {
			t.Helper()
			wantSummaryExact(t, d, when)
			got, err := r.Outcomes(w.ctx, w.office, report.Filter{Year: 2026})
			w.must(err, "outcomes")
			if len(got) != 1 || got[0] != want {
				t.Fatalf("%s: the report says %+v, want %+v", when, got, want)
			}
		}

		withdrawn := w.at(w.student, application.Nominated)
		want.Nominations, want.Pending = 1, 1
		check("nominated")
		_, err = w.do(application.Withdraw, w.student, withdrawn)
		w.must(err, "withdraw")
		want.Pending, want.Cancelled = 0, 1
		check("withdrawn while waiting for the host")

		accepted := w.at(w.applicant(), application.Nominated)
		want.Nominations, want.Pending = 2, 1
		check("nominated again")
		w.clock.Advance(3*24*time.Hour + time.Hour)
		_, err = w.do(application.HostAccept, w.office, accepted)
		w.must(err, "accept")
		want.Pending, want.Accepted, want.Answered, want.MedianDays = 0, 1, 1, 3
		check("accepted after three days")

		u := w.applicant()
		movedOn := w.at(u, application.Nominated)
		w.clock.Advance(5*24*time.Hour + time.Hour)
		movedOn, err = w.do(application.HostReject, w.office, movedOn)
		w.must(err, "reject")
		want.Nominations, want.Rejected, want.Answered = 3, 1, 2 // answers after 3 and 5 days: the median is 3
		check("rejected after five days")
		movedOn, err = w.do(application.Nominate, w.office, movedOn)
		w.must(err, "nominate the second choice")
		if movedOn.CurrentChoice != 2 {
			t.Fatalf("the office nominated choice %d, want the second", movedOn.CurrentChoice)
		}
		want.Nominations, want.Pending = 4, 1
		check("the second choice nominated after the first was rejected")
		w.clock.Advance(9*24*time.Hour + time.Hour)
		_, err = w.do(application.HostWaitlist, w.office, movedOn)
		w.must(err, "waitlist")
		want.Pending, want.Waitlisted, want.Answered, want.MedianDays = 0, 1, 3, 5
		check("the second choice waitlisted after nine days")
	})
}

// Decisions, withdrawals and moves to another choice race on PostgreSQL,
// through the workflow and as raw UPDATEs in parallel transactions (a
// choice's answer and its application's status in two transactions at
// once); afterwards the summary still equals a recount of the choices.
func TestNominationOutcomesStayExactUnderConcurrentMoves(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	rng := rand.New(rand.NewSource(89))

	// Through the workflow: each application is answered by the host and
	// withdrawn by its student at once; the version lets one of them win.
	apps := make([]*application.Application, 16)
	students := make([]*user.User, len(apps))
	for i := range apps {
		students[i] = w.applicant()
		apps[i] = w.at(students[i], application.Nominated)
	}
	decisions := []string{application.HostDecisionAccepted, application.HostDecisionRejected, application.HostDecisionWaitlisted}
	picked := make([]string, len(apps))
	for i := range picked {
		picked[i] = decisions[rng.Intn(len(decisions))]
	}
	errs := together(2*len(apps), func(i int) error {
		a := apps[i/2]
		if i%2 == 0 {
			_, err := w.s.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 1, Decision: picked[i/2]})
			return err
		}
		_, err := w.s.Withdraw(w.ctx, students[i/2], a.ID, application.AnswerInput{Version: a.Version})
		return err
	})
	for i, err := range errs {
		var ae *apperr.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code != apperr.Conflict) {
			t.Fatalf("move %d: %v", i, err)
		}
	}
	wantSummaryExact(t, d, "after racing decisions and withdrawals")

	// As raw UPDATEs: nominated applications inserted directly, then for
	// each one the host's answer, a withdrawal and a move to the second
	// choice in separate transactions, each holding its row a moment.
	now := start
	ids := make([]int64, 24)
	for i := range ids {
		w.must(d.Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, created_at, updated_at)
				VALUES (?, 'outgoing', 'nominated', 'internal_medicine', 1, ?, ?, ?) RETURNING id`, w.student.ID, now, now, now).Scan(&ids[i]).Error; err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id, nominated_at) VALUES (?, 1, ?, ?, ?), (?, 2, ?, ?, ?)`,
				ids[i], w.ward.ID, w.p1.ID, now, ids[i], w.ward.ID, w.p2.ID, now.Add(time.Hour)).Error
		}), "insert a nominated application")
	}
	wantSummaryExact(t, d, "after the raw inserts")
	pause := make([]time.Duration, 3*len(ids))
	for i := range pause {
		pause[i] = time.Duration(rng.Intn(20)) * time.Millisecond
	}
	errs = together(3*len(ids), func(i int) error {
		id := ids[i/3]
		var stmt string
		var args []any
		switch i % 3 {
		case 0:
			stmt, args = "UPDATE application_choices SET host_decision = ?, decided_at = ? WHERE application_id = ? AND rank = 1",
				[]any{decisions[i/3%3], now.Add(time.Duration(i) * 24 * time.Hour), id}
		case 1:
			stmt, args = "UPDATE applications SET status = 'withdrawn' WHERE id = ?", []any{id}
		default:
			stmt, args = "UPDATE applications SET current_choice = 2 WHERE id = ?", []any{id}
		}
		return d.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(stmt, args...).Error; err != nil {
				return err
			}
			time.Sleep(pause[i])
			return nil
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("raw update %d: %v", i, err)
		}
	}
	wantSummaryExact(t, d, "after racing raw updates")
}
