package selection_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/selection"
	"portal/internal/testutil"
)

func (w *world) count(table, where string, args ...any) int64 {
	w.t.Helper()
	var n int64
	w.must(w.d.Table(table).Where(where, args...).Count(&n).Error, "count "+table)
	return n
}

// A student shown their score before publication appeals within the
// window; a second appeal while the first waits is refused; the office
// upholds it with a better oral exam, which re-runs the dry run at once:
// the student now takes the seat, the dry run is not stale, and
// everything is audited and mailed.
func TestAnUpheldAppealBeforePublicationChangesTheScoreAndReRunsTheDryRun(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2)
		ben := w.approved("Ben", w.p2)
		f := w.round()
		w.score(f, w.office, ann, "80", "6") // 74
		w.score(f, w.office, ben, "90", "5") // 78
		first, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		if first.Result.Outcomes[0].ApplicantID != ben.ID {
			t.Fatalf("Ben (78) should come first: %+v", first.Result.Outcomes)
		}
		student := w.applicant(ann)
		if v, err := w.sel.StudentScore(w.ctx, student, ann.ID); err != nil || v != nil {
			t.Fatalf("before the office shows scores Ann reads %+v, %v", v, err)
		}
		if _, err := w.sel.FileAppeal(w.ctx, student, ann.ID, "My oral exam was 9."); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("an appeal of a score not shown: %v", err)
		}
		w.must(w.sel.ShowScores(w.ctx, w.office, f.ID, w.version(f.ID)), "show scores")

		v, err := w.sel.StudentScore(w.ctx, student, ann.ID)
		w.must(err, "Ann's score")
		if v == nil || v.ScoreCenti != 7400 || !v.MayAppeal || v.Values[f.Components[1].ID] != 600 {
			t.Fatalf("Ann reads %+v", v)
		}
		if v, _ := w.sel.StudentScore(w.ctx, student, ben.ID); v != nil {
			t.Fatal("Ann reads Ben's score")
		}
		if _, err := w.sel.FileAppeal(w.ctx, student, ben.ID, "Mine."); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("Ann appeals Ben's score: %v", err)
		}
		if _, err := w.sel.FileAppeal(w.ctx, student, ann.ID, "   "); apperr.FieldsOf(err)["reason"].Key == "" {
			t.Fatalf("an appeal without a reason: %v", err)
		}
		ap, err := w.sel.FileAppeal(w.ctx, student, ann.ID, "My oral exam was marked 6; the examiner said 10.")
		w.must(err, "appeal")
		_, err = w.sel.FileAppeal(w.ctx, student, ann.ID, "Again.")
		if ae, ok := err.(*apperr.Error); !ok || ae.Key != "selection.err.appeal_open" {
			t.Fatalf("a second appeal while one waits: %v", err)
		}
		if n := w.count("selection_appeals", "application_id = ?", ann.ID); n != 1 {
			t.Fatalf("%d appeals stored, want 1", n)
		}

		w.clock.Advance(49 * time.Hour)
		rows, err := w.sel.Appeals(w.ctx, w.office, f.ID)
		w.must(err, "appeals")
		if len(rows) != 1 || rows[0].DaysOpen != 2 || rows[0].Name != "Ann" || rows[0].ScoreBefore != 7400 {
			t.Fatalf("the office reads %+v", rows)
		}
		if _, err := w.sel.Appeals(w.ctx, student, f.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a student reads the appeals: %v", err)
		}
		oral := f.Components[1].ID
		same := map[int64]string{f.Components[0].ID: "80", oral: "6"}
		_, err = w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: ap.Version, Decision: selection.AppealUpheld, Reply: "Right.", Values: same})
		if ae, ok := err.(*apperr.Error); !ok || ae.Key != "selection.err.appeal_unchanged" {
			t.Fatalf("upholding without a change: %v", err)
		}
		_, err = w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: ap.Version, Decision: selection.AppealUpheld, Reply: " ",
			Values: map[int64]string{f.Components[0].ID: "80", oral: "10"}})
		if apperr.FieldsOf(err)["reply"].Key == "" {
			t.Fatalf("an answer without a reply: %v", err)
		}
		if n := w.count("selection_scores", "application_id = ? AND component_id = ? AND value_centi = 600", ann.ID, oral); n != 1 {
			t.Fatal("a refused answer changed the score")
		}

		rep, err := w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: ap.Version, Decision: selection.AppealUpheld,
			Reply: "The examiner's sheet says 10.", Values: map[int64]string{f.Components[0].ID: "80", oral: "10"}})
		w.must(err, "uphold")
		if rep.RerunSeq != 2 || rep.Appeal.State != selection.AppealUpheld || rep.Appeal.ScoreAfter == nil || *rep.Appeal.ScoreAfter != 8600 {
			t.Fatalf("upheld: %+v", rep)
		}
		run, err := w.sel.DryRun(w.ctx, w.office, f.ID, 0)
		w.must(err, "latest dry run")
		if run.Seq != 2 || run.Result.Outcomes[0].ApplicantID != ann.ID || run.Result.Outcomes[0].RankGiven != 1 {
			t.Fatalf("the re-run dry run: seq %d, %+v", run.Seq, run.Result.Outcomes)
		}
		v, err = w.sel.StudentScore(w.ctx, student, ann.ID)
		w.must(err, "Ann's score after")
		if v.ScoreCenti != 8600 || len(v.Appeals) != 1 || v.Appeals[0].Reply != "The examiner's sheet says 10." || !v.MayAppeal {
			t.Fatalf("Ann reads after the answer %+v", v)
		}
		if _, err := w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: rep.Appeal.Version, Decision: selection.AppealDismissed, Reply: "No."}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("answering twice: %v", err)
		}
		for action, want := range map[string]int64{"selection.appeal.file": 1, "selection.appeal.answer": 1, "selection.scores.shown": 1} {
			if n := w.count("audit_events", "action = ? AND object_id = ?", action, strconv.FormatInt(f.ID, 10)); n != want {
				t.Fatalf("%d %s audited, want %d", n, action, want)
			}
		}
		var changed []audit.Event
		w.must(d.Where("action = ? AND object_id = ?", "selection.score.set", strconv.FormatInt(f.ID, 10)).Order("id DESC").Limit(1).Find(&changed).Error, "audit")
		if len(changed) != 1 || changed[0].ActorID == nil || *changed[0].ActorID != w.office.ID {
			t.Fatalf("the changed score is audited as %+v", changed)
		}
		if n := w.count("outbox", "kind = ? AND recipient_user_id = ?", "selection_appeal_answered", ann.ApplicantID); n != 1 {
			t.Fatalf("%d answer mails to Ann, want 1", n)
		}
		// Publication takes the re-run dry run as it is: nothing is stale.
		w.clock.Advance(time.Minute)
		pub, err := w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "publish")
		if pub.Nominated != 1 {
			t.Fatalf("publication: %+v", pub)
		}
		var a application.Application
		w.must(d.Take(&a, ann.ID).Error, "Ann")
		if a.Status != application.Nominated {
			t.Fatalf("Ann is %s after her upheld appeal, want nominated", a.Status)
		}
	})
}

// After publication the window counts from publication: a dismissed
// appeal leaves the score; once the window ends, an appeal is refused
// with its date and nothing is stored.
func TestAfterTheAppealWindowAnAppealIsRefusedAndChangesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2)
		ben := w.approved("Ben", w.p2)
		f := w.round()
		w.score(f, w.office, ann, "80", "6")
		w.score(f, w.office, ben, "90", "5")
		_, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		_, err = w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "publish")
		student := w.applicant(ann)

		w.clock.Advance(24 * time.Hour)
		ap, err := w.sel.FileAppeal(w.ctx, student, ann.ID, "I was ill on the day of the oral exam.")
		w.must(err, "appeal within the window")
		rep, err := w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: ap.Version,
			Decision: selection.AppealDismissed, Reply: "The oral exam could be moved on request; none was made."})
		w.must(err, "dismiss")
		if rep.Appeal.State != selection.AppealDismissed || rep.Appeal.ScoreAfter != nil || rep.RerunSeq != 0 {
			t.Fatalf("dismissed: %+v", rep)
		}
		v, err := w.sel.StudentScore(w.ctx, student, ann.ID)
		w.must(err, "Ann's score")
		if v.ScoreCenti != 7400 || v.Appeals[0].State != selection.AppealDismissed {
			t.Fatalf("Ann reads %+v", v)
		}

		w.clock.Advance(7 * 24 * time.Hour) // published on day 0: the window ended with day 7
		v, err = w.sel.StudentScore(w.ctx, student, ann.ID)
		w.must(err, "Ann's score later")
		if v.MayAppeal || v.InWindow {
			t.Fatalf("after the window Ann may appeal: %+v", v)
		}
		_, err = w.sel.FileAppeal(w.ctx, student, ann.ID, "Please look again.")
		ae, ok := err.(*apperr.Error)
		if !ok || ae.Key != "selection.err.appeal_closed" || len(ae.Args) != 1 || ae.Args[0] != "2026-11-28" {
			t.Fatalf("an appeal after the window: %v", err)
		}
		if n := w.count("selection_appeals", "application_id = ?", ann.ID); n != 1 {
			t.Fatalf("%d appeals stored, want the one answered", n)
		}
	})
}

// Ten requests at once for the same appeal (a double click, two tabs):
// one appeal opens, the others are told one already waits.
func TestAppealsFiledAtOnceOpenOne(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	ann := w.approved("Ann", w.p2)
	f := w.round()
	w.score(f, w.office, ann, "80", "6")
	w.must(w.sel.ShowScores(w.ctx, w.office, f.ID, w.version(f.ID)), "show scores")
	student := w.applicant(ann)
	var wg sync.WaitGroup
	var mu sync.Mutex
	opened, refused := 0, 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.sel.FileAppeal(w.ctx, student, ann.ID, "Please review my oral exam.")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				opened++
			} else if ae, ok := err.(*apperr.Error); ok && ae.Key == "selection.err.appeal_open" {
				refused++
			} else {
				t.Errorf("an appeal at once: %v", err)
			}
		}()
	}
	wg.Wait()
	if opened != 1 || refused != 9 {
		t.Fatalf("%d opened and %d refused, want 1 and 9", opened, refused)
	}
	if n := w.count("selection_appeals", "application_id = ? AND state = ?", ann.ID, selection.AppealOpen); n != 1 {
		t.Fatalf("%d open appeals stored, want 1", n)
	}
}

// Upheld while the round is back in scoring after a dry run: nothing is
// re-run (the office is still changing scores), but the last dry run is
// marked out of date until the next one.
func TestAnUpheldAppealWhileScoringMarksTheLastDryRunStale(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2)
		f := w.round()
		w.score(f, w.office, ann, "80", "6")
		_, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		_, err = w.sel.Act(w.ctx, w.office, f.ID, selection.Rescore, w.version(f.ID))
		w.must(err, "back to scoring")
		w.must(w.sel.ShowScores(w.ctx, w.office, f.ID, w.version(f.ID)), "show scores")
		if stale, err := w.sel.Stale(w.ctx, w.office, f.ID); err != nil || stale {
			t.Fatalf("before the appeal the dry run is stale: %v, %v", stale, err)
		}
		ap, err := w.sel.FileAppeal(w.ctx, w.applicant(ann), ann.ID, "The oral exam sheet says 9.")
		w.must(err, "appeal")
		w.clock.Advance(time.Hour)
		rep, err := w.sel.AnswerAppeal(w.ctx, w.office, f.ID, ap.ID, selection.AnswerInput{Version: ap.Version, Decision: selection.AppealUpheld,
			Reply: "Corrected.", Values: map[int64]string{f.Components[0].ID: "80", f.Components[1].ID: "9"}})
		w.must(err, "uphold")
		if rep.RerunSeq != 0 || !rep.Stale {
			t.Fatalf("upheld while scoring: %+v, want no re-run and the dry run stale", rep)
		}
		if stale, err := w.sel.Stale(w.ctx, w.office, f.ID); err != nil || !stale {
			t.Fatalf("after the appeal the dry run is stale: %v, %v", stale, err)
		}
		w.clock.Advance(time.Minute)
		_, err = w.sel.RunDryRun(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "dry run again")
		if stale, _ := w.sel.Stale(w.ctx, w.office, f.ID); stale {
			t.Fatal("a new dry run is still stale")
		}
	})
}
