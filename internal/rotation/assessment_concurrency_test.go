package rotation_test

import (
	"sync"
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// Evaluations and certificates racing on one rotation whose attendance is
// confirmed: a certificate is issued at most once and never without the
// evaluation, the student is mailed once that the evaluation is in, and
// nothing is recorded after the certificate. Each refusal is one the page
// explains (the request changed, the evaluation missing, the rotation
// closed).
func TestRacingEvaluationsAndCertificatesKeepTheGate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Confirmed, nil)
		w.clock.Set(start.AddDate(0, 0, 120))
		w.must(w.s.RecordAttendance(w.ctx, w.coord, r.ID, rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10", Confirm: true}), "attendance")
		const n = 8
		var wg sync.WaitGroup
		evals, completes := make([]error, n), make([]error, n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				evals[i] = w.s.RecordEvaluation(w.ctx, w.coord, r.ID, goodEvaluation())
			}()
			go func() {
				defer wg.Done()
				_, completes[i] = w.s.Complete(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
			}()
		}
		wg.Wait()
		completed := 0
		for i := range n {
			if err := evals[i]; err != nil && apperr.CodeOf(err) != apperr.Conflict {
				t.Errorf("an evaluation refused with %v", err)
			}
			switch err := completes[i]; {
			case err == nil:
				completed++
			case apperr.CodeOf(err) != apperr.Conflict && apperr.CodeOf(err) != apperr.Invalid:
				t.Errorf("a certificate refused with %v", err)
			}
		}
		if completed > 1 {
			t.Errorf("%d certificates issued, want at most 1", completed)
		}
		after := w.reload(r)
		evaluated := w.count("SELECT COUNT(*) FROM rotation_assessments WHERE request_id = ? AND evaluated_at IS NOT NULL", r.ID)
		if after.Status == rotation.Completed && evaluated != 1 {
			t.Errorf("completed without the evaluation")
		}
		if (completed == 1) != (after.Status == rotation.Completed) {
			t.Errorf("%d certificates succeeded but the rotation is %s", completed, after.Status)
		}
		if got := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_evaluated'"); got != 1 {
			t.Errorf("%d evaluation mails, want 1", got)
		}
	})
}
