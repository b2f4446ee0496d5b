package application_test

import (
	"fmt"
	"maps"
	"testing"

	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// periodCounter is one row of period_application_counts (migration 00088).
type periodCounter struct {
	period int64
	status string
}

// wantPeriodCounts checks that period_application_counts holds what
// counting the base rows here, in Go, gives: per period and status, the
// applications out of draft whose current choice it is, and the submitted
// ones that ranked it first.
func (w *world) wantPeriodCounts(t *testing.T, when string) {
	t.Helper()
	var apps []struct {
		ID                       int64
		Status                   string
		CurrentChoice, Submitted int
	}
	err := w.d.Raw("SELECT id, status, current_choice, CASE WHEN submitted_at IS NULL THEN 0 ELSE 1 END AS submitted FROM applications").Scan(&apps).Error
	w.must(err, "applications")
	var choices []application.Choice
	w.must(w.d.Find(&choices).Error, "choices")
	want := map[periodCounter][2]int{}
	for _, c := range choices {
		for _, a := range apps {
			if a.ID != c.ApplicationID || a.Status == "draft" {
				continue
			}
			k, v := periodCounter{c.PeriodID, a.Status}, want[periodCounter{c.PeriodID, a.Status}]
			if c.Rank == a.CurrentChoice {
				v[0]++
			}
			if c.Rank == 1 && a.Submitted == 1 {
				v[1]++
			}
			if v != ([2]int{}) {
				want[k] = v
			}
		}
	}
	var rows []struct {
		PeriodID         int64
		Status           string
		CurrentN, FirstN int
	}
	w.must(w.d.Raw("SELECT period_id, status, current_n, first_n FROM period_application_counts").Scan(&rows).Error, "counters")
	got := map[periodCounter][2]int{}
	for _, r := range rows {
		if r.CurrentN != 0 || r.FirstN != 0 {
			got[periodCounter{r.PeriodID, r.Status}] = [2]int{r.CurrentN, r.FirstN}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: counters %v, want %v", when, got, want)
	}
}

// seat is what the office's seat fill shows for period p.
func (w *world) seat(p *catalog.Period) report.SeatRow {
	w.t.Helper()
	z, err := clock.Load("Asia/Taipei")
	w.must(err, "zone")
	s := report.NewService(w.d, report.Options{Now: w.clock.Now, Zone: z})
	rows, err := s.Seats(w.ctx, w.office, report.Filter{Year: p.StartsOn.Year()})
	w.must(err, "seat fill")
	for _, r := range rows {
		if r.PeriodID == p.ID {
			return r
		}
	}
	w.t.Fatalf("period %d missing from the seat fill", p.ID)
	return report.SeatRow{}
}

// The counters behind seat fill follow every transition of the workflow,
// and the office sees where each application stands: a host's rejection
// moves the nomination to the next choice's period, a draft's edited
// choices count once it is submitted, an application returned for changes
// carries its demand to its new first choice, a withdrawal frees nothing
// it did not hold.
func TestPeriodCountsFollowTheWorkflow(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.wantPeriodCounts(t, "empty")
		for _, tr := range application.Transitions {
			if tr.Action == application.Resubmit {
				tr.Action = application.Submit
			}
			if tr.By == application.Host || (tr.By == application.System && tr.Action == application.Nominate) {
				continue // made through a dossier link and a published round, elsewhere
			}
			applicant := w.applicant()
			a := w.at(applicant, tr.From)
			var u *user.User
			switch tr.By {
			case application.Applicant:
				u = applicant
			case application.Reviewer:
				u = w.reviewer
			case application.Office:
				u = w.office
			}
			got, err := w.do(tr.Action, u, a)
			w.must(err, fmt.Sprintf("%s from %s", tr.Action, tr.From))
			if got.Status != tr.To {
				t.Fatalf("%s from %s reached %s, want %s", tr.Action, tr.From, got.Status, tr.To)
			}
			w.wantPeriodCounts(t, fmt.Sprintf("after %s from %s", tr.Action, tr.From))
		}

		w.run("a host's rejection moves the nomination to the next choice", func(t *testing.T) {
			before1, before2 := w.seat(w.p1), w.seat(w.p2)
			u := w.applicant()
			a := w.at(u, application.HostRejected)
			a, err := w.do(application.Nominate, w.office, a)
			w.must(err, "nominate the second choice")
			if a.CurrentChoice != 2 {
				t.Fatalf("nominated choice %d, want 2", a.CurrentChoice)
			}
			after1, after2 := w.seat(w.p1), w.seat(w.p2)
			if after1.Nominated != before1.Nominated || after2.Nominated != before2.Nominated+1 ||
				after1.FirstChoice != before1.FirstChoice+1 || after2.FirstChoice != before2.FirstChoice {
				t.Errorf("first period %+v then %+v; second %+v then %+v", before1, after1, before2, after2)
			}
			w.wantPeriodCounts(t, "after the second choice's nomination")
		})

		w.run("a draft's edited choices count once it is submitted", func(t *testing.T) {
			before1, before3 := w.seat(w.p1), w.seat(w.p3)
			u := w.applicant()
			a := w.draft(u, w.p1, w.p2)
			a, err := w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Statement: "Surgery after all.",
				Choices: []application.ChoiceInput{{ElectiveID: w.lab.ID, PeriodID: w.p3.ID}, {ElectiveID: w.ward.ID, PeriodID: w.p1.ID}}})
			w.must(err, "edit the draft")
			w.wantPeriodCounts(t, "after the draft's edit")
			if w.seat(w.p3).FirstChoice != before3.FirstChoice {
				t.Error("a draft counts as demand before it is submitted")
			}
			w.along(a, u, application.Submitted)
			if got := w.seat(w.p3).FirstChoice; got != before3.FirstChoice+1 {
				t.Errorf("the edited first choice's demand is %d, want %d", got, before3.FirstChoice+1)
			}
			if got := w.seat(w.p1).FirstChoice; got != before1.FirstChoice {
				t.Errorf("the first choice edited away counts %d demand, want %d", got, before1.FirstChoice)
			}
			w.wantPeriodCounts(t, "after the edited draft's submission")
		})

		w.run("an application returned for changes carries its demand to its new first choice", func(t *testing.T) {
			u := w.applicant()
			a := w.at(u, application.Returned)
			before1, before2 := w.seat(w.p1), w.seat(w.p2)
			_, err := w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Statement: "Later, please.",
				Choices: []application.ChoiceInput{{ElectiveID: w.ward.ID, PeriodID: w.p2.ID}}})
			w.must(err, "change the returned application")
			after1, after2 := w.seat(w.p1), w.seat(w.p2)
			if after1.FirstChoice != before1.FirstChoice-1 || after2.FirstChoice != before2.FirstChoice+1 {
				t.Errorf("demand %d and %d, was %d and %d; want it moved from the first period to the second",
					after1.FirstChoice, after2.FirstChoice, before1.FirstChoice, before2.FirstChoice)
			}
			w.wantPeriodCounts(t, "after the returned application's change")
		})

		w.run("a withdrawal after confirmation leaves the seat fill and keeps the demand", func(t *testing.T) {
			u := w.applicant()
			a := w.at(u, application.Confirmed)
			before := w.seat(w.p1)
			_, err := w.do(application.Withdraw, u, a)
			w.must(err, "withdraw")
			if after := w.seat(w.p1); after.Confirmed != before.Confirmed-1 || after.FirstChoice != before.FirstChoice {
				t.Errorf("confirmed %d and demand %d after the withdrawal, want %d and %d", after.Confirmed, after.FirstChoice,
					before.Confirmed-1, before.FirstChoice)
			}
			w.wantPeriodCounts(t, "after the withdrawal")
		})
	})
}

// Applications moving through the workflow at once, some nominated to
// their second choice after a host's rejection, some returned and edited
// to other periods, leave the counters equal to a recount.
func TestPeriodCountsUnderConcurrentWorkflow(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	const n = 24
	apps, owners := make([]*application.Application, n), make([]*user.User, n)
	for i := range apps {
		owners[i] = w.applicant()
		apps[i] = w.at(owners[i], application.Submitted)
	}
	errs := together(n, func(i int) error {
		a, u := apps[i], owners[i]
		step := func(act application.Action, by *user.User) error {
			var err error
			a, err = w.do(act, by, a)
			return err
		}
		if i%2 == 1 {
			// Returned, moved to other periods, resubmitted, twice.
			for k := range 2 {
				if err := step(application.Return, w.reviewer); err != nil {
					return err
				}
				first := []*catalog.Period{w.p2, w.p1}[k]
				var err error
				a, err = w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Statement: "Changed.",
					Choices: []application.ChoiceInput{{ElectiveID: first.ElectiveID, PeriodID: first.ID}, {ElectiveID: w.lab.ID, PeriodID: w.p3.ID}}})
				if err != nil {
					return err
				}
				if err := step(application.Submit, u); err != nil {
					return err
				}
			}
			return nil
		}
		for _, act := range []application.Action{application.StartReview, application.Approve, application.Nominate,
			application.HostReject, application.Nominate, application.HostAccept, application.AcceptOffer} {
			if err := step(act, w.partyUser(act, u, a)); err != nil {
				return fmt.Errorf("%s: %w", act, err)
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("application %d: %v", apps[i].ID, err)
		}
	}
	w.wantPeriodCounts(t, "after the concurrent moves")
	if got := w.seat(w.p2).Confirmed; got != n/2 {
		t.Errorf("the second period shows %d confirmed, want %d", got, n/2)
	}
}
