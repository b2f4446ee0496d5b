package report_test

import (
	"context"
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
)

// The seat fill pages by first day: every page in turn gives the periods
// of the whole year exactly once, in the export's order, with the same
// figures, and counts them all; a page past the last is the last.
func TestTheSeatFillPagesThroughEveryPeriodOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		g := generate(t, d, 23)
		s, _ := service(t, d)
		ctx := context.Background()
		for _, f := range []report.Filter{{Year: 2026}, {Year: 2027, Specialty: "surgery"}} {
			all, err := s.Seats(ctx, office(), f)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			want := 0
			for _, p := range g.periods {
				if p.starts.Year() == f.Year && (f.Specialty == "" || p.specialty == f.Specialty) {
					want++
				}
			}
			if len(all) != want || (want < 3 && f.Specialty == "") {
				t.Fatalf("filter %+v: the export holds %d periods, want %d (and enough for pages)", f, len(all), want)
			}
			for i := 1; i < len(all); i++ {
				if all[i].StartsOn.Before(all[i-1].StartsOn) {
					t.Fatalf("filter %+v: period %d starts before the one above it", f, all[i].PeriodID)
				}
			}
			const size = 2
			var paged []report.SeatRow
			for n := 1; ; n++ {
				page, err := s.SeatsPage(ctx, office(), f, n, size)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != want || page.Page != n || page.Offset != (n-1)*size {
					t.Fatalf("filter %+v page %d: %+v", f, n, page)
				}
				paged = append(paged, page.Rows...)
				if n == page.Pages {
					break
				}
			}
			if len(paged) != len(all) {
				t.Fatalf("filter %+v: the pages hold %d periods, the export %d", f, len(paged), len(all))
			}
			for i := range all {
				a, p := all[i], paged[i]
				if a.PeriodID != p.PeriodID || a.Nominated != p.Nominated || a.Accepted != p.Accepted || a.Confirmed != p.Confirmed ||
					a.Waitlisted != p.Waitlisted || a.FirstChoice != p.FirstChoice || a.CutoffCenti != p.CutoffCenti || a.HasCutoff != p.HasCutoff {
					t.Fatalf("filter %+v row %d: page %+v, export %+v", f, i, p, a)
				}
			}
			last, err := s.SeatsPage(ctx, office(), f, 1000, size)
			if err != nil || last.Page != last.Pages || len(last.Rows) == 0 {
				t.Fatalf("a page past the last: %+v (%v)", last, err)
			}
		}
	})
}
