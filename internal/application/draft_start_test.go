package application_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// One student starting the same period from many tabs at once (each form
// with its own key) gets one draft: the first start makes it, every other
// is told they already applied for that period, with its number. Starts
// with one key at once all answer with that draft. Other students' starts
// of the same period are not held up or refused.
func TestConcurrentStartsOfOnePeriodMakeOneDraft(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for round := range 3 {
			u := w.applicant()
			in := func() application.StartInput {
				return application.StartInput{Key: key(), ElectiveID: w.ward.ID, PeriodID: w.p1.ID}
			}
			const n = 12
			got := make([]*application.Application, n)
			errs := together(n, func(i int) (err error) {
				got[i], err = w.s.Start(w.ctx, u, in())
				return err
			})
			if ok := tally(t, errs, apperr.Conflict, "home.start.err.same_period"); ok != 1 {
				t.Fatalf("round %d: %d of %d starts with their own keys made a draft, want 1", round, ok, n)
			}
			var drafts []application.Application
			w.must(d.Where("applicant_id = ?", u.ID).Find(&drafts).Error, "drafts")
			if len(drafts) != 1 {
				t.Fatalf("round %d: %d drafts of one period, want 1", round, len(drafts))
			}
			for i, err := range errs {
				var ae *apperr.Error
				if asAppErr(err, &ae) && (len(ae.Args) != 1 || ae.Args[0] != drafts[0].ID) {
					t.Errorf("refusal %d names %v, want application %d", i, ae.Args, drafts[0].ID)
				}
			}
		}

		// One key, many requests (a double click and its retries).
		u := w.applicant()
		k := key()
		got := make([]*application.Application, 12)
		errs := together(len(got), func(i int) (err error) {
			got[i], err = w.s.Start(w.ctx, u, application.StartInput{Key: k, ElectiveID: w.ward.ID, PeriodID: w.p2.ID})
			return err
		})
		if ok := tally(t, errs, "", ""); ok != len(got) {
			t.Fatalf("%d of %d identical starts succeeded", ok, len(got))
		}
		for _, a := range got {
			if a.ID != got[0].ID {
				t.Errorf("identical starts answered with applications %d and %d", got[0].ID, a.ID)
			}
		}

		// Different students at once: each gets their own draft.
		students := make([]*testStudent, 8)
		for i := range students {
			students[i] = &testStudent{u: w.applicant()}
		}
		errs = together(len(students), func(i int) (err error) {
			students[i].a, err = w.s.Start(w.ctx, students[i].u, application.StartInput{Key: key(), ElectiveID: w.ward.ID, PeriodID: w.p1.ID})
			return err
		})
		if ok := tally(t, errs, "", ""); ok != len(students) {
			t.Errorf("%d of %d students' starts succeeded", ok, len(students))
		}
	})
}

type testStudent struct {
	u *user.User
	a *application.Application
}
