package rotation_test

import (
	"errors"
	"sync"
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// 50 acceptances racing for a week of 2 seats give exactly 2: the others
// are refused as full and leave their requests in office review.
func TestConcurrentAcceptancesNeverOverbook(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.publish(w.surg.ID, 5, 6, 2)
		const n = 50
		reqs := make([]*rotation.Request, n)
		for i := range reqs {
			r := w.submitted(w.incoming("racer"), choice(w.surg.ID, 5, 2))
			r, err := w.s.StartReview(w.ctx, w.outsider, r.ID, rotation.ReviewInput{Version: r.Version})
			w.must(err, "start")
			r, err = w.s.Forward(w.ctx, w.outsider, r.ID, rotation.ReviewInput{Version: r.Version})
			w.must(err, "forward")
			reqs[i] = r
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.s.Accept(w.ctx, w.office, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 1})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) != apperr.Conflict:
				t.Errorf("acceptance refused with %v, want full", err)
			}
		}
		if ok != 2 {
			t.Errorf("%d acceptances succeeded, want 2", ok)
		}
		if a, b := w.taken(w.surg.ID, 5), w.taken(w.surg.ID, 6); a != 2 || b != 2 {
			t.Errorf("taken %d and %d, want 2 and 2", a, b)
		}
		if got := w.count("SELECT COUNT(*) FROM rotation_requests WHERE status = 'accepted'"); got != 2 {
			t.Errorf("%d accepted requests, want 2", got)
		}
		if got := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_accepted'"); got != 2 {
			t.Errorf("%d acceptance mails, want 2", got)
		}
	})
}

// Two coordinators acting on one request at once: one wins, the other is
// told it changed.
func TestConcurrentReviewersOneWins(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		second := w.person("second coordinator", "coordinator")
		w.must(w.s.GrantCoordinator(w.ctx, second.ID, w.im.ID), "grant")
		r := w.at(rotation.Submitted, nil)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := w.coord
				if i == 1 {
					who = second
				}
				if i == 0 {
					_, errs[i] = w.s.StartReview(w.ctx, who, r.ID, rotation.ReviewInput{Version: r.Version})
				} else {
					_, errs[i] = w.s.Reject(w.ctx, who, r.ID, rotation.ReviewInput{Version: r.Version, Comment: "no"})
				}
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("results %v and %v, want one success", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && apperr.CodeOf(err) != apperr.Conflict {
				t.Errorf("loser got %v, want conflict", err)
			}
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", r.ID); n != 2 {
			t.Errorf("events %d, want 2", n)
		}
	})
}

// One incoming student accepted for five overlapping rotations confirms
// them all at once, ten times each: exactly one is confirmed, every
// confirmation of another is refused with the overlap message, and the
// other clicks on the winner are told it changed.
func TestFiftyConfirmationsOfOverlappingRotations(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.incoming("busy applicant")
		var reqs []*rotation.Request
		for i := range 5 {
			r := w.submitted(u, choice(w.im.ID, 4+i, 6))
			r, err := w.s.StartReview(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
			w.must(err, "start")
			r, err = w.s.Forward(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
			w.must(err, "forward")
			r, err = w.s.Accept(w.ctx, w.office, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 1})
			w.must(err, "accept")
			reqs = append(reqs, w.onboard(u, r))
		}
		// Open the pool's connections first, so that the racers meet in
		// the database rather than queue for connections one by one.
		var warm sync.WaitGroup
		for range 16 {
			warm.Go(func() { w.must(d.Exec("SELECT 1 FROM users WHERE id > ? LIMIT 1", 0).Error, "warm") })
		}
		warm.Wait()
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range errs {
			wg.Go(func() {
				r := reqs[i%5]
				_, errs[i] = w.s.Confirm(w.ctx, u, r.ID, r.Version)
			})
		}
		wg.Wait()
		var confirmed []int64
		w.must(d.Model(&rotation.Request{}).Where("applicant_id = ? AND status = ?", u.ID, rotation.Confirmed).
			Pluck("id", &confirmed).Error, "confirmed")
		if len(confirmed) != 1 {
			t.Fatalf("%d rotations confirmed in overlapping weeks, want 1", len(confirmed))
		}
		for i, err := range errs {
			switch {
			case reqs[i%5].ID == confirmed[0] && err != nil && !isKey(err, "rotation.changed.by"):
				t.Errorf("confirming the winner again: %v, want told it changed", err)
			case reqs[i%5].ID != confirmed[0] && !isKey(err, "rotation.err.overlap"):
				t.Errorf("confirmation of another rotation answered %v, want the overlap message", err)
			}
		}
	})
}

func isKey(err error, key string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Key == key
}
