package rotation_test

import (
	"errors"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// The request form's calendar for a span of four weeks says, before
// anything is saved, that a span from a week whose third week is closed
// cannot start there and why; the closed week, the full week and the weeks
// inside the lead time say why they cannot be included; a span that would
// run past the published weeks says so. Saving the refused span is refused
// for the same reason.
func TestSpanWeeksSayWhyNot(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d) // weeks 0-15 published with 10 seats; 30 days' lead: weeks 0-3 too soon
		_, err := w.s.SetBlackout(w.ctx, w.coord, w.im.ID, rotation.BlackoutInput{RangeInput: rotation.RangeInput{From: monday(6), To: monday(6)}, Blackout: true})
		w.must(err, "close week 6")
		w.publish(w.im.ID, 9, 9, 0)

		span, err := w.s.SpanWeeks(w.ctx, w.applicant, w.im.ID, 4)
		w.must(err, "span weeks")
		if span.Weeks != 4 || len(span.List) != 16 {
			t.Fatalf("span of %d weeks over %d weeks, want 4 over the 16 published", span.Weeks, len(span.List))
		}
		week := func(n int) rotation.SpanWeek {
			sw := span.List[n]
			if got := sw.Week.Format(time.DateOnly); got != monday(n) {
				t.Fatalf("row %d is the week of %s, want %s", n, got, monday(n))
			}
			return sw
		}
		for n, want := range map[int]string{3: rotation.WeekSoon, 6: rotation.WeekClosed, 9: rotation.WeekFull} {
			if sw := week(n); sw.Reason != want || sw.CanStart {
				t.Errorf("week %d: %+v, want it excluded as %q", n, sw, want)
			}
		}
		for n, blocker := range map[int]int{4: 6, 5: 6, 7: 9} {
			sw := week(n)
			if sw.CanStart || sw.Reason != rotation.WeekOK || sw.BlockReason != rotation.WeekClosed && n != 7 ||
				sw.Blocker.Format(time.DateOnly) != monday(blocker) {
				t.Errorf("4 weeks from week %d: %+v, want refused because of week %d", n, sw, blocker)
			}
		}
		if sw := week(7); sw.BlockReason != rotation.WeekFull {
			t.Errorf("4 weeks from week 7: %+v, want refused because week 9 is full", sw)
		}
		if sw := week(10); !sw.CanStart || sw.Free != 10 {
			t.Errorf("4 weeks from week 10: %+v, want possible with 10 free", sw)
		}
		if sw := week(13); sw.CanStart || sw.BlockReason != rotation.WeekBeyond {
			t.Errorf("4 weeks from week 13: %+v, want refused as running past the published weeks", sw)
		}
		// Two weeks from week 4 end before the closed week.
		two, err := w.s.SpanWeeks(w.ctx, w.applicant, w.im.ID, 2)
		w.must(err, "span weeks")
		if !two.List[4].CanStart {
			t.Errorf("2 weeks from week 4: %+v, want possible", two.List[4])
		}
		// A length outside the rules is shown as the fewest weeks.
		if odd, err := w.s.SpanWeeks(w.ctx, w.applicant, w.im.ID, 30); err != nil || odd.Weeks != 2 {
			t.Errorf("a span of 30 weeks shown as %v (%v), want 2", odd, err)
		}

		_, err = w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{choice(w.im.ID, 4, 4)}})
		if m := apperr.FieldsOf(err)["choice_1"]; m.Key != "rotation.err.blackout" || m.Args[0] != monday(6) {
			t.Errorf("saving 4 weeks from week 4: %v %v, want refused as week 6 is closed", err, m)
		}
		if _, err := w.s.SpanWeeks(w.ctx, w.applicant, 999999, 2); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the weeks of no department: %v", err)
		}
	})
}

// Publishing fewer seats than weeks have asks first, naming how many weeks
// would be lowered and how many change, and changes nothing; confirmed, it
// lowers them; raising or opening new weeks asks nothing; seats never go
// below what is taken, confirmed or not.
func TestPublishAsksBeforeLowering(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d) // weeks 0-15 with 10 seats
		pub := func(from, to int, seats string, confirm bool) rotation.PublishInput {
			return rotation.PublishInput{RangeInput: rotation.RangeInput{From: monday(from), To: monday(to)}, Seats: seats, Confirm: confirm}
		}
		seats := func() int64 {
			return w.count("SELECT SUM(seats) FROM rotation_blocks WHERE department_id = ?", w.im.ID)
		}
		before := seats()
		_, err := w.s.Publish(w.ctx, w.coord, w.im.ID, pub(10, 19, "2", false))
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Conflict || e.Key != rotation.KeyConfirmLower || len(e.Args) != 3 ||
			e.Args[0] != 6 || e.Args[1] != 10 || e.Args[2] != 2 {
			t.Fatalf("lowering weeks 10-15 and opening 16-19: %v, want the question naming 6 lowered of 10 changed", err)
		}
		if seats() != before || w.count("SELECT COUNT(*) FROM rotation_blocks WHERE department_id = ?", w.im.ID) != 16 {
			t.Fatalf("the question changed the calendar")
		}
		n, err := w.s.Publish(w.ctx, w.coord, w.im.ID, pub(10, 19, "2", true))
		w.must(err, "publish confirmed")
		if n != 10 || w.count("SELECT COUNT(*) FROM rotation_blocks WHERE department_id = ? AND seats = 2", w.im.ID) != 10 {
			t.Errorf("confirmed: %d weeks published, want weeks 10-19 at 2 seats", n)
		}
		_, err = w.s.Publish(w.ctx, w.coord, w.im.ID, pub(0, 21, "12", false))
		w.must(err, "raise and open without a question")

		r := w.at(rotation.Accepted, nil)
		var c rotation.Choice
		w.must(d.Where("request_id = ?", r.ID).Take(&c).Error, "choice")
		wk := int(c.StartsOn.Sub(w.monday0()).Hours() / 24 / 7)
		_, err = w.s.Publish(w.ctx, w.coord, w.im.ID, pub(wk, wk, "0", true))
		if m := apperr.FieldsOf(err)["seats"]; apperr.CodeOf(err) != apperr.Invalid || m.Key != "rotation.err.below_taken" {
			t.Errorf("below what is taken, confirmed: %v %v", err, m)
		}
		if w.taken(w.im.ID, wk) != 1 || w.count("SELECT seats FROM rotation_blocks WHERE department_id = ? AND taken = 1", w.im.ID) != 12 {
			t.Errorf("a refused publication changed the week")
		}
	})
}
