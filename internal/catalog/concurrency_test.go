package catalog_test

import (
	"sync"
	"testing"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// TestConcurrentOverlappingPeriodsStoreOne: ten admins adding overlapping
// periods to one elective at the same instant end with one period: the
// overlap check and the insert run under the elective's row lock
// (PostgreSQL) or in immediate transactions (SQLite).
func TestConcurrentOverlappingPeriodsStoreOne(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Case Western Reserve University", "", "US", "Cleveland")
		e := w.elective(electiveInput(inst.ID, "Translational research exchange"))
		const n = 10
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = w.s.AddPeriod(w.ctx, e.ID, periodInput(60+i, 80+i, 3))
			})
		}
		close(start)
		wg.Wait()
		stored := 0
		for _, err := range errs {
			switch {
			case err == nil:
				stored++
			case apperr.FieldsOf(err)["starts_on"].Key != "catalog.err.period_overlap":
				t.Errorf("a refused period says %v (%v), want the overlap", err, apperr.FieldsOf(err))
			}
		}
		var periods int64
		w.must(d.Model(&catalog.Period{}).Where("elective_id = ?", e.ID).Count(&periods).Error, "count")
		if stored != 1 || periods != 1 {
			t.Errorf("%d additions succeeded and %d periods are stored; want exactly one", stored, periods)
		}
	})
}
