package application_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// together runs fn(i) for i in [0, n) in goroutines released at the same
// instant, and returns their errors.
func together(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts successes and checks that every failure has code and key.
func tally(t *testing.T, errs []error, code apperr.Code, key string) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		var ae *apperr.Error
		switch {
		case err == nil:
			ok++
		case !asAppErr(err, &ae) || ae.Code != code || ae.Key != key:
			t.Errorf("a refused request says %v; want %s %s", err, code, key)
		}
	}
	return ok
}

func asAppErr(err error, ae **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*ae = e
	return ok
}

// nominatedInto makes n applications, each of its own student, nominated
// to period p.
func (w *world) nominatedInto(p *catalog.Period, n int) []*application.Application {
	w.t.Helper()
	out := make([]*application.Application, n)
	for i := range out {
		u := w.applicant()
		out[i] = w.along(w.draft(u, p), u, application.Nominated)
	}
	return out
}

// 100 host acceptances at once into a period of 3 seats: exactly 3 offers,
// 3 seats taken, 97 told the period is full and left as they were.
func TestHundredAcceptancesIntoThreeSeats(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.period(w.lab.ID, 100, 120, 100)
		apps := w.nominatedInto(p, 100)
		w.must(w.cat.UpdatePeriod(w.ctx, p.ID, catalog.PeriodInput{StartsOn: day(100), EndsOn: day(120), Capacity: "3"}), "three seats")
		errs := together(len(apps), func(i int) error {
			_, err := w.s.RecordHostDecision(w.ctx, w.office, apps[i].ID, application.HostDecisionInput{
				Version: apps[i].Version, Rank: 1, Decision: application.HostDecisionAccepted})
			return err
		})
		if ok := tally(t, errs, apperr.Conflict, "application.err.period_full"); ok != 3 {
			t.Errorf("%d acceptances succeeded, want 3", ok)
		}
		if got := w.taken(p); got != 3 {
			t.Errorf("%d seats taken, want 3", got)
		}
		var offers, reserved, events int64
		w.must(d.Model(&application.Application{}).Where("status = ?", application.HostAccepted).Count(&offers).Error, "offers")
		w.must(d.Model(&application.Choice{}).Where("period_id = ? AND seat_reserved", p.ID).Count(&reserved).Error, "reserved")
		w.must(d.Model(&application.Event{}).Where("action = ?", application.HostAccept).Count(&events).Error, "events")
		if offers != 3 || reserved != 3 || events != 3 {
			t.Errorf("%d offers, %d reserved choices, %d acceptance events; want 3 each", offers, reserved, events)
		}
	})
}

// Two reviewers approving the same application at once: one wins, the
// other is told it changed and by whom; one event. Repeated to meet the
// race in several interleavings.
func TestTwoReviewersApproveAtOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for range 10 {
			a := w.at(w.applicant(), application.DepartmentReview)
			reviewers := []*user.User{w.reviewer, w.reviewer2}
			errs := together(2, func(i int) error {
				_, err := w.s.Approve(w.ctx, reviewers[i], a.ID, application.ReviewInput{Version: a.Version, Comment: "Fine."})
				return err
			})
			if ok := tally(t, errs, apperr.Conflict, "application.changed.approve"); ok != 1 {
				t.Errorf("%d approvals succeeded, want 1", ok)
			}
			got := w.reload(a)
			events := w.events(a.ID)
			if got.Status != application.OfficeReview || got.Version != a.Version+1 || len(events) != len(path[application.DepartmentReview])+1 {
				t.Errorf("after two approvals: %s v%d, %d events", got.Status, got.Version, len(events))
			}
		}
	})
}

// 50 identical submits (a double click, retries) give one submission:
// every request answers with the same application, one event, one
// notification. 50 identical starts give one draft.
func TestFiftyIdenticalSubmits(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.applicant()
		k := key()
		got := make([]*application.Application, 50)
		errs := together(50, func(i int) (err error) {
			got[i], err = w.s.CreateDraft(w.ctx, u, application.StartInput{Key: k, ElectiveID: w.ward.ID, PeriodID: w.p1.ID})
			return err
		})
		if ok := tally(t, errs, "", ""); ok != 50 {
			t.Fatalf("%d of 50 starts succeeded", ok)
		}
		var drafts int64
		w.must(d.Model(&application.Application{}).Where("applicant_id = ?", u.ID).Count(&drafts).Error, "count")
		for _, a := range got {
			if a.ID != got[0].ID {
				t.Errorf("starts answered with applications %d and %d", got[0].ID, a.ID)
			}
		}
		if drafts != 1 {
			t.Fatalf("%d drafts, want 1", drafts)
		}
		a, err := w.s.SaveDraft(w.ctx, u, got[0].ID, application.DraftInput{Version: got[0].Version, Statement: "Why I apply.",
			Choices: []application.ChoiceInput{{ElectiveID: w.ward.ID, PeriodID: w.p1.ID}}})
		w.must(err, "save")
		sent := w.out.count()
		k = key()
		errs = together(50, func(i int) (err error) {
			got[i], err = w.s.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: k})
			return err
		})
		if ok := tally(t, errs, "", ""); ok != 50 {
			t.Fatalf("%d of 50 identical submits succeeded", ok)
		}
		for _, g := range got {
			if g.ID != a.ID || g.Status != application.Submitted || g.Version != a.Version+1 {
				t.Errorf("a submit answered %+v", g)
			}
		}
		if n := len(w.events(a.ID)); n != 1 || w.out.count() != sent+1 {
			t.Errorf("%d events and %d notifications, want 1 each", n, w.out.count()-sent)
		}
	})
}

// Concurrent nominations under one agreement never exceed its yearly
// quota; the refused ones stay at office review.
func TestQuotaUnderConcurrency(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		small := w.agreement(3)
		e := w.elective("Cardiology elective", "internal_medicine", &small.ID)
		p1 := w.period(e.ID, 60, 80, 20)
		p2 := w.period(e.ID, 90, 110, 20) // same academic year, another period
		var apps []*application.Application
		for i := range 12 {
			u := w.applicant()
			p := p1
			if i%2 == 1 {
				p = p2
			}
			apps = append(apps, w.along(w.draft(u, p), u, application.OfficeReview))
		}
		errs := together(len(apps), func(i int) error {
			_, err := w.s.Nominate(w.ctx, w.office, apps[i].ID, application.ReviewInput{Version: apps[i].Version})
			return err
		})
		if ok := tally(t, errs, apperr.Conflict, "application.err.quota_exceeded"); ok != 3 {
			t.Errorf("%d nominations succeeded, want 3", ok)
		}
		var held, nominated int64
		w.must(d.Model(&application.Choice{}).Where("quota_agreement_id = ?", small.ID).Count(&held).Error, "held")
		w.must(d.Model(&application.Application{}).Where("status = ?", application.Nominated).Count(&nominated).Error, "nominated")
		if held != 3 || nominated != 3 {
			t.Errorf("%d quota places held, %d nominated; want 3", held, nominated)
		}
	})
}

// An applicant accepting at the moment the offer is expired: one of the
// two wins, and the seat count agrees with the winner.
func TestAcceptRacesExpiry(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for range 5 {
			u := w.applicant()
			a := w.at(u, application.HostAccepted)
			before := w.taken(w.p1)
			errs := together(2, func(i int) error {
				if i == 0 {
					_, err := w.s.AcceptOffer(w.ctx, u, a.ID, application.AnswerInput{Version: a.Version})
					return err
				}
				_, err := w.s.ExpireOffers(w.ctx, a.OfferExpiresAt.Add(time.Second))
				return err
			})
			got := w.reload(a)
			switch got.Status {
			case application.Confirmed:
				if w.taken(w.p1) != before {
					t.Errorf("confirmed, but the seat went: %d taken, %d before", w.taken(w.p1), before)
				}
			case application.Expired:
				wantCode(t, errs[0], apperr.Conflict, "application.changed.expire")
				if w.taken(w.p1) != before-1 {
					t.Errorf("expired, but the seat stayed: %d taken, %d before", w.taken(w.p1), before)
				}
			default:
				t.Errorf("ended %s", got.Status)
			}
			if errs[1] != nil {
				t.Errorf("expiry job: %v", errs[1])
			}
		}
	})
}

// One student holding five offers over overlapping weeks accepts them all
// at once, ten times each (a nervous double click in five tabs): exactly
// one placement is confirmed; every accept of another offer is refused
// with the overlap message, and the other clicks on the winning offer are
// told it changed (the student accepted it). The overlap rule looks across the student's
// applications, so the kernel serialises it per person.
func TestFiftyAcceptsOfOverlappingOffers(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.applicant()
		var offers []*application.Application
		for i := range 5 {
			e := w.elective(fmt.Sprintf("Surgical elective %d", i), "surgery", nil)
			p := w.period(e.ID, 60+3*i, 87+3*i, 10)
			offers = append(offers, w.along(w.draft(u, p), u, application.HostAccepted))
		}
		type answer struct {
			id  int64
			err error
		}
		warm(t, d)
		answers := make([]answer, 50)
		together(50, func(i int) error {
			a := offers[i%5]
			_, err := w.s.AcceptOffer(w.ctx, u, a.ID, application.AnswerInput{Version: a.Version})
			answers[i] = answer{a.ID, err}
			return err
		})
		var confirmed []int64
		w.must(d.Model(&application.Application{}).Where("applicant_id = ? AND status = ?", u.ID, application.Confirmed).
			Pluck("id", &confirmed).Error, "confirmed")
		if len(confirmed) != 1 {
			t.Fatalf("%d placements confirmed in overlapping weeks, want 1", len(confirmed))
		}
		for _, a := range answers {
			switch {
			case a.id == confirmed[0] && a.err != nil:
				// The other clicks on the winner find it changed.
				wantCode(t, a.err, apperr.Conflict, "application.changed.accept_offer")
			case a.id != confirmed[0]:
				wantCode(t, a.err, apperr.Invalid, "application.err.overlap")
			}
		}
		var placed struct{ PlacedFrom, PlacedUntil *time.Time }
		w.must(d.Model(&application.Application{}).Select("placed_from, placed_until").Where("id = ?", confirmed[0]).
			Scan(&placed).Error, "placed days")
		if placed.PlacedFrom == nil || placed.PlacedUntil == nil {
			t.Error("the confirmed placement does not record its days")
		}
	})
}

// On PostgreSQL the database itself refuses a second confirmed placement
// in overlapping days, whatever code path writes it.
func TestDatabaseRefusesOverlappingPlacements(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	u := w.applicant()
	other := w.elective("Trauma surgery elective", "surgery", nil)
	b := w.along(w.draft(u, w.period(other.ID, 70, 97, 10)), u, application.HostAccepted)
	a := w.along(w.draft(u, w.period(w.elective("Hand surgery elective", "surgery", nil).ID, 60, 87, 10)), u, application.Confirmed)
	err := d.Model(&application.Application{}).Where("id = ?", b.ID).Updates(map[string]any{
		"status": application.Confirmed, "placed_from": day(70), "placed_until": day(97)}).Error
	if err == nil {
		t.Fatalf("two confirmed placements overlap (%d and %d)", a.ID, b.ID)
	}
	if !strings.Contains(err.Error(), "applications_placement_excl") {
		t.Fatalf("refused for another reason: %v", err)
	}
}

// warm opens the pool's connections before a race, so that the racers
// meet in the database rather than queue for connections one by one.
func warm(t *testing.T, d *db.DB) {
	t.Helper()
	for _, err := range together(16, func(int) error {
		return d.Exec("SELECT 1 FROM users WHERE id > ? LIMIT 1", 0).Error
	}) {
		if err != nil {
			t.Fatal(err)
		}
	}
}
