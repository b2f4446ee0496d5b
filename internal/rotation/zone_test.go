package rotation_test

import (
	"errors"
	"testing"
	"time"

	"portal/internal/apperr"
	tz "portal/internal/clock"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/wiring"
)

// A coordinator who acts on a request changed meanwhile is told when it
// changed in Taipei time, with its offset: 23:30 UTC on 21 November is
// 07:30 on 22 November there.
func TestAStaleMoveIsToldWhenInThePortalsZone(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taipei, err := tz.Load("Asia/Taipei")
		w.must(err, "zone")
		s := rotation.NewService(d, rotation.Options{Now: w.clock.Now, Outbox: wiring.WorkflowOutbox{}, Zone: taipei})
		r := w.at(rotation.Submitted, nil)
		w.clock.Set(time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC))
		_, err = s.StartReview(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
		w.must(err, "start review")
		_, err = s.ReturnForChanges(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version, Comment: "stale"})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Key != "rotation.changed.by" {
			t.Fatalf("stale return: %v", err)
		}
		if len(ae.Args) != 2 || ae.Args[1] != "2026-11-22 07:30 UTC+8" {
			t.Errorf("what changed: %v", ae.Args)
		}
	})
}

// The calendar's today is Taipei's: at 01:30 on Monday 5 April there
// (17:30 UTC on Sunday), a week starting that Monday has begun, so it can
// no longer be requested as a start.
func TestTodayIsThePortalsLocalDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taipei, err := tz.Load("Asia/Taipei")
		w.must(err, "zone")
		s := rotation.NewService(d, rotation.Options{Now: w.clock.Now, Outbox: wiring.WorkflowOutbox{}, Zone: taipei})
		w.clock.Set(time.Date(2027, 4, 4, 17, 30, 0, 0, time.UTC))
		if got, want := s.Today(), time.Date(2027, 4, 5, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("today at 01:30 Taipei time on 5 April is %s, want %s", got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
	})
}
