package rotation_test

import (
	"testing"

	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// A request goes the whole way: the seats of its two weeks are held from
// acceptance, the applicant is mailed in the acceptance's transaction, and
// every step is one event.
func TestHappyPath(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.draft(w.applicant, choice(w.im.ID, 6, 2), choice(w.surg.ID, 8, 3))
		r, err := w.s.Submit(w.ctx, w.applicant, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
		w.must(err, "submit")
		r, err = w.s.StartReview(w.ctx, w.outsider, r.ID, rotation.ReviewInput{Version: r.Version})
		w.must(err, "surgery's coordinator starts: the request asks for surgery too")
		r, err = w.s.Forward(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
		w.must(err, "forward")
		r, err = w.s.Accept(w.ctx, w.office, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 2})
		w.must(err, "accept the second choice")
		if w.taken(w.surg.ID, 8)+w.taken(w.surg.ID, 9)+w.taken(w.surg.ID, 10) != 3 || w.taken(w.im.ID, 6) != 0 || w.taken(w.surg.ID, 11) != 0 {
			t.Errorf("seats: want one in each of surgery's weeks 8-10 and nowhere else")
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_accepted' AND recipient_user_id = ?", w.applicant.ID); n != 1 {
			t.Errorf("acceptance mails: %d", n)
		}
		if _, err := w.s.Confirm(w.ctx, w.applicant, r.ID, r.Version); err == nil {
			t.Fatal("confirmed before the onboarding was complete")
		}
		r = w.onboard(w.applicant, r)
		r, err = w.s.Confirm(w.ctx, w.applicant, r.ID, r.Version)
		w.must(err, "confirm")
		cal, err := w.s.Calendar(w.ctx, w.outsider, w.surg.ID, w.monday0(), 12)
		w.must(err, "calendar")
		if wk := cal.Weeks[8]; wk.Used != 1 || wk.Reserved != 0 || wk.Free != 9 || wk.Seats != 10 {
			t.Errorf("calendar week 8: %+v, want 1 used, 9 free of 10", wk)
		}
		if _, err := w.s.Complete(w.ctx, w.outsider, r.ID, rotation.ReviewInput{Version: r.Version}); err == nil {
			t.Fatal("completed before the rotation was over")
		}
		w.clock.Set(start.AddDate(0, 0, 120))
		w.recordClose(r) // the certificate waits for it (assessment_test.go)
		r, err = w.s.Complete(w.ctx, w.outsider, r.ID, rotation.ReviewInput{Version: r.Version})
		w.must(err, "complete")
		if r.Status != rotation.Completed {
			t.Fatalf("status %s", r.Status)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", r.ID); n != 7 {
			t.Errorf("events: %d, want 7 (submit, start, forward, accept, onboard, confirm, complete)", n)
		}
	})
}

// Withdrawing an accepted or confirmed request gives its seats back.
func TestWithdrawReleasesSeats(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, st := range []rotation.Stage{rotation.Accepted, rotation.Confirmed} {
			r := w.at(st, w.applicant)
			var c rotation.Choice
			w.must(d.Where("request_id = ?", r.ID).Take(&c).Error, "choice")
			n := int(c.StartsOn.Sub(w.monday0()).Hours() / 24 / 7)
			if w.taken(w.im.ID, n) != 1 {
				t.Fatalf("%s: week %d taken %d, want 1", st, n, w.taken(w.im.ID, n))
			}
			if _, err := w.s.Withdraw(w.ctx, w.applicant, r.ID, r.Version); err != nil {
				t.Fatal(err)
			}
			if w.taken(w.im.ID, n) != 0 || w.taken(w.im.ID, n+1) != 0 {
				t.Errorf("%s: seats still taken after withdrawal", st)
			}
		}
	})
}
