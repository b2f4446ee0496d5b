package application_test

import (
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	tz "portal/internal/clock"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// dataOutbox keeps the data of every announcement.
type dataOutbox struct {
	mu   sync.Mutex
	data []map[string]any
}

func (o *dataOutbox) Enqueue(_ *gorm.DB, _ string, _ int64, data map[string]any, _ string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.data = append(o.data, data)
	return nil
}

func (o *dataOutbox) last() map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.data[len(o.data)-1]
}

// The portal in Taipei: an offer made at 2026-12-07 01:32 UTC (09:32 in
// Taipei) with 14 days runs to the end of 21 December in Taipei, says so
// with its zone, and expires only once that day is over there.
func TestAnOfferRunsToTheEndOfTheLocalDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taipei, err := tz.Load("Asia/Taipei")
		w.must(err, "zone")
		out := &dataOutbox{}
		s := application.NewService(d, application.Options{Now: w.clock.Now, Outbox: out, Zone: taipei})
		offer := func() (*application.Application, *user.User) {
			u := w.applicant()
			a := w.at(u, application.Nominated)
			w.clock.Set(time.Date(2026, 12, 7, 1, 32, 0, 0, time.UTC))
			a, err := s.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 1, Decision: application.HostDecisionAccepted})
			w.must(err, "host accepts")
			return a, u
		}
		a, student := offer()
		end := time.Date(2026, 12, 21, 16, 0, 0, 0, time.UTC).Add(-time.Microsecond) // 23:59:59.999999 in Taipei
		if got := w.reload(a).OfferExpiresAt; got == nil || !got.Equal(end) {
			t.Fatalf("the offer expires at %v, want %v", got, end)
		}
		data := out.last()
		if data[application.DataDeadline] != "2026-12-21 23:59 UTC+8" || data[application.DataDeadlineAt] != "2026-12-21T15:59:59Z" {
			t.Errorf("the announcement says deadline %q (%q)", data[application.DataDeadline], data[application.DataDeadlineAt])
		}

		// At 23:59 in Taipei on the last day the offer still stands...
		if n, err := s.ExpireOffers(w.ctx, time.Date(2026, 12, 21, 15, 59, 0, 0, time.UTC)); err != nil || n != 0 {
			t.Fatalf("ExpireOffers at 23:59 local = %d, %v; want none", n, err)
		}
		// ...and the student may take it at 23:30.
		w.clock.Set(time.Date(2026, 12, 21, 15, 30, 0, 0, time.UTC))
		_, err = s.AcceptOffer(w.ctx, student, a.ID, application.AnswerInput{Version: a.Version})
		w.must(err, "accept at 23:30 local on the last day")
		// Who comes second is told when, in Taipei time.
		_, err = s.AcceptOffer(w.ctx, student, a.ID, application.AnswerInput{Version: a.Version})
		wantCode(t, err, apperr.Conflict, "application.changed.accept_offer")
		if args := err.(*apperr.Error).Args; len(args) != 2 || args[1] != "2026-12-21 23:30 UTC+8" {
			t.Errorf("what changed: %v", args)
		}

		// A minute past midnight in Taipei, another such offer is over.
		c, other := offer()
		w.clock.Set(time.Date(2026, 12, 21, 16, 1, 0, 0, time.UTC))
		_, err = s.AcceptOffer(w.ctx, other, c.ID, application.AnswerInput{Version: c.Version})
		wantCode(t, err, apperr.Invalid, "application.err.offer_expired")
		if args := err.(*apperr.Error).Args; len(args) != 1 || args[0] != "2026-12-21 23:59 UTC+8" {
			t.Errorf("expired offer says %v", args)
		}
		if n, err := s.ExpireOffers(w.ctx, w.clock.Now()); err != nil || n != 1 {
			t.Errorf("ExpireOffers after the local day = %d, %v; want 1", n, err)
		}
	})
}
