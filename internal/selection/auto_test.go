package selection_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/selection"
	"portal/internal/testutil"
)

// publish scores the applications in order (the first the best), runs a
// dry run and publishes it.
func (w *world) publish(apps ...*application.Application) *selection.Full {
	w.t.Helper()
	// The round as the office's form makes it: automatic handling on.
	r, err := w.sel.Create(w.ctx, w.office, selection.RoundInput{Name: "2027 spring", Term: "2027 spring", Deadline: day(20),
		AppealDays: "7", AutoPromote: true, PeriodIDs: []int64{w.p1.ID, w.p2.ID, w.p3.ID},
		Components: []selection.ComponentInput{
			{NameEN: "Grades", NameZH: "成績", Weight: "70", MinValue: "0", MaxVal: "100"},
			{NameEN: "Oral exam", NameZH: "口試", Weight: "30", MinValue: "0", MaxVal: "10"},
		}, Tiebreaks: []string{"submitted"}})
	w.must(err, "create round")
	f, err := w.sel.Get(w.ctx, w.office, r.ID)
	w.must(err, "get round")
	for i, a := range apps {
		w.score(f, w.office, a, strconv.Itoa(90-i*5), "5")
	}
	_, err = w.sel.RunDryRun(w.ctx, w.office, f.ID, w.version(f.ID))
	w.must(err, "dry run")
	_, err = w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID))
	w.must(err, "publish")
	return f
}

func (w *world) app(id int64) application.Application {
	w.t.Helper()
	var a application.Application
	w.must(w.d.Take(&a, id).Error, "read application")
	return a
}

func (w *world) automate() selection.AutoReport {
	w.t.Helper()
	rep, err := w.sel.Automate(w.ctx)
	w.must(err, "automate")
	return rep
}

func (w *world) hostRejects(id int64) {
	w.t.Helper()
	a := w.app(id)
	_, err := w.apps.RecordHostDecision(w.ctx, w.office, id, application.HostDecisionInput{Version: a.Version, Rank: a.CurrentChoice,
		Decision: application.HostDecisionRejected, Comment: "No supervisor that month."})
	w.must(err, "host rejects")
}

func (w *world) withdraw(id int64) {
	w.t.Helper()
	a := w.app(id)
	_, err := w.apps.Withdraw(w.ctx, w.applicant(&a), id, application.AnswerInput{Version: a.Version})
	w.must(err, "withdraw")
}

// offers are the round's offers by application, the open ones first.
func (w *world) offers() map[int64][]selection.Offer {
	w.t.Helper()
	var os []selection.Offer
	w.must(w.d.Order("id").Find(&os).Error, "offers")
	out := map[int64][]selection.Offer{}
	for _, o := range os {
		out[o.ApplicationID] = append(out[o.ApplicationID], o)
	}
	return out
}

func (w *world) wantStage(a *application.Application, stage application.Stage, rank int) {
	w.t.Helper()
	if got := w.app(a.ID); got.Status != stage || (rank > 0 && got.CurrentChoice != rank) {
		w.t.Fatalf("application %d is %s at choice %d, want %s at %d", a.ID, got.Status, got.CurrentChoice, stage, rank)
	}
}

func TestAHostRejectionGivesTheNextChoiceWithAFreeSeatWithoutBumpingAnyone(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2, w.p1, w.p3) // best score: p2
		ben := w.approved("Ben", w.p1)             // p1's two seats go to Ben and Cat
		cat := w.approved("Cat", w.p1)
		w.publish(ann, ben, cat)
		w.wantStage(ann, application.Nominated, 1)

		w.hostRejects(ann.ID)
		w.clock.Advance(time.Minute)
		if rep := w.automate(); rep.Renominated != 1 {
			t.Fatalf("after the rejection: %+v, want one nomination", rep)
		}
		// p1 (her second choice) is full of students already nominated:
		// nobody is bumped, she goes to her third, p3, which has a seat.
		w.wantStage(ann, application.Nominated, 3)
		w.wantStage(ben, application.Nominated, 1)
		w.wantStage(cat, application.Nominated, 1)
		var last application.Event
		w.must(d.Where("application_id = ?", ann.ID).Order("id DESC").Take(&last).Error, "event")
		if last.Action != application.Nominate || last.Role != application.System || last.Choice != 3 {
			t.Fatalf("the nomination's event: %+v", last)
		}
		v, err := w.sel.ForApplication(w.ctx, w.applicant(ann), ann.ID)
		w.must(err, "Ann's outcome")
		if v.Outcome != selection.OutcomePlaced || v.RankGiven != 3 || v.Period.PeriodID != w.p3.ID || v.Reason != "" {
			t.Fatalf("Ann reads %+v", v)
		}
		if rep := w.automate(); rep.Total() != 0 {
			t.Fatalf("a second run did %+v", rep)
		}

		// Rejected again, with no later choice: she waits for p1, her next
		// full choice, with the reason on her page.
		w.hostRejects(ann.ID)
		if rep := w.automate(); rep.Exhausted != 1 || rep.Renominated != 0 {
			t.Fatalf("after the last choice: %+v", rep)
		}
		w.wantStage(ann, application.HostRejected, 3)
		v, err = w.sel.ForApplication(w.ctx, w.applicant(ann), ann.ID)
		w.must(err, "Ann's outcome")
		if v.Outcome != selection.OutcomeWaitlisted || v.Reason != selection.ReasonHostRejected || v.Period.PeriodID != w.p1.ID || v.WaitlistPos != 1 {
			t.Fatalf("Ann reads %+v", v)
		}
		// A rejected period is never offered back to her: p1 frees up, she
		// gets the offer; p2 and p3 did not.
		w.withdraw(ben.ID)
		if rep := w.automate(); rep.Offered != 1 {
			t.Fatalf("Ben's seat: %+v", rep)
		}
		if os := w.offers()[ann.ID]; len(os) != 1 || os[0].PeriodID != w.p1.ID || os[0].Rank != 2 {
			t.Fatalf("Ann's offers %+v", os)
		}
	})
}

func TestAFreedSeatGoesToTheTopWaitlistedAndAnExpiredOrDeclinedOfferPassesToTheNext(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2) // p2 has one seat
		ben := w.approved("Ben", w.p2)
		cat := w.approved("Cat", w.p2)
		dan := w.approved("Dan", w.p2)
		w.publish(ann, ben, cat, dan)
		if rep := w.automate(); rep.Total() != 0 {
			t.Fatalf("nothing freed yet, the run did %+v", rep)
		}

		w.withdraw(ann.ID)
		if rep := w.automate(); rep.Offered != 1 {
			t.Fatalf("Ann's seat: %+v", rep)
		}
		offers := w.offers()
		if len(offers) != 1 || len(offers[ben.ID]) != 1 || offers[ben.ID][0].State != selection.OfferOpen {
			t.Fatalf("offers %+v, want one open to Ben", offers)
		}
		benOffer := offers[ben.ID][0]
		// Five whole days in the portal's zone (UTC here), to the day's end.
		if want := time.Date(2026, time.November, 26, 23, 59, 59, 0, time.UTC); !benOffer.ExpiresAt.Equal(want) && benOffer.ExpiresAt.Sub(want) > time.Second {
			t.Fatalf("the offer expires %v, want %v", benOffer.ExpiresAt, want)
		}
		var mails int64
		w.must(d.Table("outbox").Where("kind = ? AND recipient_user_id = ?", "round_seat_offer", ben.ApplicantID).Count(&mails).Error, "mails")
		if mails != 1 {
			t.Fatalf("%d offer mails to Ben, want 1", mails)
		}
		if rep := w.automate(); rep.Total() != 0 {
			t.Fatalf("the offer holds the seat, yet the run did %+v", rep)
		}
		// Cat cannot answer Ben's offer.
		if err := w.sel.AcceptOffer(w.ctx, w.applicant(cat), ben.ID, selection.OfferInput{OfferID: benOffer.ID}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("Cat accepted Ben's offer: %v", err)
		}

		// Ben lets it expire: it passes to Cat.
		w.clock.Advance(6 * 24 * time.Hour)
		if rep := w.automate(); rep.Expired != 1 || rep.Offered != 1 {
			t.Fatalf("after the deadline: %+v", rep)
		}
		if err := w.sel.AcceptOffer(w.ctx, w.applicant(ben), ben.ID, selection.OfferInput{OfferID: benOffer.ID}); apperr.CodeOf(err) == "" {
			t.Fatal("Ben accepted an expired offer")
		}
		offers = w.offers()
		if offers[ben.ID][0].State != selection.OfferExpired || len(offers[cat.ID]) != 1 || offers[cat.ID][0].State != selection.OfferOpen {
			t.Fatalf("offers %+v", offers)
		}
		// Ben is told his offer lapsed, once, however often the job runs.
		w.automate()
		var lapsed []struct{ Kind, Data string }
		w.must(d.Table("outbox").Select("kind, data").Where("kind = ? AND recipient_user_id = ?", "round_seat_offer_expired", ben.ApplicantID).Scan(&lapsed).Error, "lapsed mails")
		if len(lapsed) != 1 || !strings.Contains(lapsed[0].Data, ben.Ref()) {
			t.Fatalf("lapse mails to Ben %+v, want one naming %s", lapsed, ben.Ref())
		}
		w.must(d.Table("outbox").Where("kind = ? AND recipient_user_id = ?", "round_seat_offer_expired", cat.ApplicantID).Count(&mails).Error, "mails")
		if mails != 0 {
			t.Fatalf("Cat's offer is open, yet she was told %d times it lapsed", mails)
		}

		// Cat declines: it passes to Dan, who accepts and is nominated.
		w.must(w.sel.DeclineOffer(w.ctx, w.applicant(cat), cat.ID, selection.OfferInput{OfferID: offers[cat.ID][0].ID}), "Cat declines")
		if rep := w.automate(); rep.Offered != 1 {
			t.Fatalf("after Cat's decline: %+v", rep)
		}
		danOffer := w.offers()[dan.ID]
		if len(danOffer) != 1 {
			t.Fatalf("Dan's offers %+v", danOffer)
		}
		w.must(w.sel.AcceptOffer(w.ctx, w.applicant(dan), dan.ID, selection.OfferInput{OfferID: danOffer[0].ID}), "Dan accepts")
		w.wantStage(dan, application.Nominated, 1)
		w.wantStage(cat, application.OfficeReview, 0)
		w.wantStage(ben, application.OfficeReview, 0)
		v, err := w.sel.ForApplication(w.ctx, w.applicant(dan), dan.ID)
		w.must(err, "Dan's outcome")
		if v.Outcome != selection.OutcomePlaced || v.RankGiven != 1 {
			t.Fatalf("Dan reads %+v", v)
		}
		if err := w.sel.AcceptOffer(w.ctx, w.applicant(dan), dan.ID, selection.OfferInput{OfferID: danOffer[0].ID}); apperr.CodeOf(err) == "" {
			t.Fatal("Dan accepted twice")
		}
		if rep := w.automate(); rep.Total() != 0 {
			t.Fatalf("every seat is held, yet the run did %+v", rep)
		}
	})
}

func TestWithTheRoundsSwitchOffNothingHappensAfterPublication(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2, w.p3)
		ben := w.approved("Ben", w.p2)
		f := w.publish(ann, ben)

		// A wrong number of days is refused and changes nothing.
		err := w.sel.SetAuto(w.ctx, w.office, f.ID, selection.AutoInput{Version: w.version(f.ID), On: false, OfferDays: "0"})
		if apperr.FieldsOf(err)["offer_days"].Key != "selection.auto.err.offer_days" {
			t.Fatalf("0 days: %v", err)
		}
		if err := w.sel.SetAuto(w.ctx, w.applicant(ann), f.ID, selection.AutoInput{Version: w.version(f.ID), OfferDays: "5"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a student turned the round off: %v", err)
		}
		if g, _ := w.sel.Get(w.ctx, w.office, f.ID); !g.AutoPromote || g.OfferDays != selection.DefaultOfferDays {
			t.Fatalf("after refusals the round is %+v", g.Round)
		}
		w.must(w.sel.SetAuto(w.ctx, w.office, f.ID, selection.AutoInput{Version: w.version(f.ID), On: false, OfferDays: "3"}), "switch off")
		var audited int64
		w.must(d.Model(&audit.Event{}).Where("action = ?", "selection.round.auto").Count(&audited).Error, "audit")
		if audited != 1 {
			t.Fatalf("%d audit entries for the switch, want 1", audited)
		}

		w.hostRejects(ann.ID)
		if rep := w.automate(); rep.Total() != 0 {
			t.Fatalf("switched off, the run did %+v", rep)
		}
		w.wantStage(ann, application.HostRejected, 1)
		if len(w.offers()) != 0 {
			t.Fatal("an offer was made with the switch off")
		}

		// Switched on again, the rule applies to what waited.
		w.must(w.sel.SetAuto(w.ctx, w.office, f.ID, selection.AutoInput{Version: w.version(f.ID), On: true, OfferDays: "3"}), "switch on")
		if rep := w.automate(); rep.Renominated != 1 || rep.Offered != 1 {
			t.Fatalf("switched on again: %+v", rep)
		}
		w.wantStage(ann, application.Nominated, 2)
		if os := w.offers()[ben.ID]; len(os) != 1 || os[0].PeriodID != w.p2.ID {
			t.Fatalf("Ben's offers %+v", os)
		}
	})
}

// Two job runs at once (past the advisory lock, which would let only one
// through) while two placed students withdraw at once: each freed seat is
// offered once, to the best waiting students, and no student holds two
// offers; then their acceptances and more runs at once nominate each once.
func TestConcurrentRunsAndFreedSeatsNeverOfferOneSeatTwiceNorPlaceAStudentTwice(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	var apps []*application.Application
	for i := range 7 {
		apps = append(apps, w.approved(fmt.Sprintf("student %d", i), w.p1)) // p1: two seats
	}
	xia := w.approved("Xia", w.p2, w.p3) // rejected at p2 while the runs go: p3 once
	w.publish(append(apps, xia)...)
	w.wantStage(apps[0], application.Nominated, 1)
	w.wantStage(apps[1], application.Nominated, 1)
	w.hostRejects(xia.ID)

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, a := range apps[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cur := w.app(a.ID)
			_, err := w.apps.Withdraw(w.ctx, w.applicant(&cur), a.ID, application.AnswerInput{Version: cur.Version})
			errs <- err
		}()
	}
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := w.sel.Automate
			if i%2 == 0 {
				run = selection.AutomateUnlocked(w.sel)
			}
			_, err := run(w.ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.automate()
	w.wantStage(xia, application.Nominated, 2)
	var xiaNominations int64
	w.must(d.Model(&application.Event{}).Where("application_id = ? AND action = ?", xia.ID, application.Nominate).Count(&xiaNominations).Error, "events")
	if xiaNominations != 2 {
		t.Fatalf("Xia was nominated %d times, want 2 (the round's, then p3 once)", xiaNominations)
	}
	wantOffers := func(want ...*application.Application) {
		t.Helper()
		offers := w.offers()
		open := 0
		for id, os := range offers {
			n := 0
			for _, o := range os {
				if o.State == selection.OfferOpen {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("application %d holds %d open offers", id, n)
			}
			open += n
		}
		if open != len(want) {
			t.Fatalf("%d open offers for two freed seats, want %d: %+v", open, len(want), offers)
		}
		for _, a := range want {
			if os := offers[a.ID]; len(os) != 1 || os[0].State != selection.OfferOpen {
				t.Fatalf("the offers of application %d: %+v", a.ID, os)
			}
		}
	}
	wantOffers(apps[2], apps[3])

	// Both accept while runs go on: two nominations, no third offer.
	offers := w.offers()
	for _, a := range apps[2:4] {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := w.sel.AcceptOffer(w.ctx, w.applicant(a), a.ID, selection.OfferInput{OfferID: offers[a.ID][0].ID}); err != nil {
				t.Errorf("accept: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := selection.AutomateUnlocked(w.sel)(w.ctx); err != nil {
				t.Errorf("run: %v", err)
			}
		}()
	}
	wg.Wait()
	w.automate()
	wantOffers()
	var nominated []int64
	w.must(d.Table("applications AS a").Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Where("a.status = ? AND c.period_id = ?", application.Nominated, w.p1.ID).Order("a.id").Pluck("a.id", &nominated).Error, "nominated")
	if len(nominated) != 2 || nominated[0] != apps[2].ID || nominated[1] != apps[3].ID {
		t.Fatalf("nominated to p1: %v, want %d and %d", nominated, apps[2].ID, apps[3].ID)
	}
	var p catalog.Period
	w.must(d.Take(&p, w.p1.ID).Error, "p1")
	if p.Taken != 0 {
		t.Fatalf("p1 taken %d before any host accepted", p.Taken)
	}
}
