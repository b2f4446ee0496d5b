package application_test

import (
	"slices"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/catalog"
	tz "portal/internal/clock"
	"portal/internal/db"
	"portal/internal/testutil"
)

// A window opening on 22 November takes submissions from midnight in
// Taipei: at 01:30 there (17:30 UTC on 21 November) the portal in Taipei
// offers the elective's periods and submits, while a portal on UTC still
// says the window has not opened.
func TestAWindowOpensAtLocalMidnight(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taipei, err := tz.Load("Asia/Taipei")
		w.must(err, "zone")
		e, err := w.cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: w.partner.ID,
			Kind: "clinical_elective", TitleEN: "Opens on the 22nd", Specialty: "surgery", Language: "en", MinYear: "5",
			DurationWeeks: "4", OpensOn: day(1), ClosesOn: day(30)})
		w.must(err, "elective")
		p := w.period(e.ID, 60, 87, 5)
		u := w.applicant()
		a := w.draft(u, p)

		w.clock.Set(time.Date(2026, 11, 21, 17, 30, 0, 0, time.UTC)) // 01:30 on 22 November in Taipei
		local := application.NewService(d, application.Options{Now: w.clock.Now, Outbox: w.out, Zone: taipei})

		_, err = w.s.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
		wantField(t, err, "choice_1", "application.err.window_closed")
		opts, err := w.s.Options(w.ctx)
		w.must(err, "options in UTC")
		if slices.ContainsFunc(opts, func(o application.Option) bool { return o.PeriodID == p.ID }) {
			t.Error("a UTC portal offers a window that opens tomorrow there")
		}

		opts, err = local.Options(w.ctx)
		w.must(err, "options in Taipei")
		if !slices.ContainsFunc(opts, func(o application.Option) bool { return o.PeriodID == p.ID }) {
			t.Error("the portal in Taipei does not offer the window that opened at midnight there")
		}
		got, err := local.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
		w.must(err, "submit at 01:30 in Taipei")
		if got.Status != application.Submitted {
			t.Errorf("submitted at 01:30 in Taipei: %s", got.Status)
		}
	})
}
