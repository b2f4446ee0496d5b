package application_test

import (
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/testutil"
)

// A student's dashboard lists their own applications only, newest first,
// with their choices; the choice options are what is open today; the
// tracker's path places every stage.
func TestMineOptionsAndPath(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		first := w.at(w.student, application.Submitted)
		w.clock.Set(start.Add(time.Hour))
		second := w.draft(w.student, w.p3, w.p1)
		w.at(w.other, application.Submitted)

		mine, err := w.s.Mine(w.ctx, w.student)
		w.must(err, "mine")
		if len(mine) != 2 || mine[0].ID != second.ID || mine[1].ID != first.ID {
			t.Fatalf("Mine = %v, want [%d %d]", ids(mine), second.ID, first.ID)
		}
		if len(mine[0].Choices) != 2 || mine[0].Choices[0].PeriodID != w.p3.ID || mine[0].Choices[1].PeriodID != w.p1.ID {
			t.Errorf("choices of the newest: %+v", mine[0].Choices)
		}
		if mine[1].Turn != application.Reviewer || mine[0].Turn != application.Applicant {
			t.Errorf("turns %s, %s", mine[0].Turn, mine[1].Turn)
		}
		if none, err := w.s.Mine(w.ctx, nil); err != nil || none != nil {
			t.Errorf("Mine(nil) = %v, %v", none, err)
		}

		opts, err := w.s.Options(w.ctx)
		w.must(err, "options")
		if len(opts) != 3 {
			t.Fatalf("%d options, want the 3 open periods", len(opts))
		}
		w.must(d.Exec("UPDATE electives SET retired_at = ? WHERE id = ?", start, w.lab.ID).Error, "retire")
		w.must(d.Exec("UPDATE periods SET starts_on = ? WHERE id = ?", start.AddDate(0, 0, -1), w.p2.ID).Error, "start p2")
		opts, err = w.s.Options(w.ctx)
		w.must(err, "options")
		if len(opts) != 1 || opts[0].PeriodID != w.p1.ID || opts[0].SeatsLeft() != 50 {
			t.Errorf("options after retiring the lab and starting p2: %+v", opts)
		}

		detail, err := w.s.Get(w.ctx, w.office, first.ID)
		w.must(err, "get")
		docs, err := w.s.Attached(w.ctx, detail.Documents)
		w.must(err, "attached")
		if len(docs) != 2 || docs[0].Type != "passport" || docs[1].Type != "transcript" {
			t.Errorf("attached documents: %+v", docs)
		}
	})
}

func ids(list []application.Summary) []int64 {
	var out []int64
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func TestPathStep(t *testing.T) {
	for _, st := range application.Stages {
		step, ok := application.PathStep(st)
		switch st {
		case application.Rejected, application.Withdrawn, application.Declined, application.Expired:
			if ok {
				t.Errorf("%s is on the path at %d", st, step)
			}
		default:
			if !ok || step < 0 || step >= len(application.Path) {
				t.Errorf("%s: step %d, %v", st, step, ok)
			}
		}
	}
	a := application.Application{StageSince: start}
	if n := a.DaysInStage(start.Add(49 * time.Hour)); n != 2 {
		t.Errorf("DaysInStage = %d, want 2", n)
	}
}
