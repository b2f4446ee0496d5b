package catalog_test

import (
	"testing"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

func TestAcademicYearStartsOnAugustFirst(t *testing.T) {
	tests := []struct {
		day  string
		want int
	}{
		{"2026-07-31", 2025}, {"2026-08-01", 2026}, {"2026-12-31", 2026}, {"2027-01-01", 2026}, {"2027-07-31", 2026}, {"2027-08-01", 2027},
	}
	for _, tt := range tests {
		d, _ := catalog.Date(tt.day)
		if got := catalog.AcademicYear(d); got != tt.want {
			t.Errorf("AcademicYear(%s) = %d, want %d", tt.day, got, tt.want)
		}
	}
}

// TestOverviewFlagsAgreementsAndSumsQuotaUse: the office sees agreements
// ending within 90 days apart from those already ended, and per agreement
// and academic year the seats taken in periods starting that year, by
// direction.
func TestOverviewFlagsAgreementsAndSumsQuotaUse(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		home := w.home()
		p := w.partner("Imperial College London", "", "GB", "London")
		titled := func(from, until int, title string) *catalog.Agreement {
			in := agreementInput(p.ID, from, until)
			in.Title = title
			a, err := w.s.CreateAgreement(w.ctx, in)
			w.must(err, title)
			return a
		}
		titled(-300, 30, "in 30 days")
		titled(-300, 90, "in 90 days")
		titled(-300, 91, "in 91 days")
		titled(-300, 0, "today")
		titled(-300, -1, "yesterday")
		gone := titled(-300, 10, "retired")
		w.must(w.s.Retire(w.ctx, catalog.KindAgreement, gone.ID), "retire")
		long := titled(-400, 1200, "long")

		// Outgoing placements under the long agreement.
		taken := func(electiveID int64, from, to string, seats int) {
			t.Helper()
			pr, err := w.s.AddPeriod(w.ctx, electiveID, catalog.PeriodInput{StartsOn: from, EndsOn: to, Capacity: "9"})
			w.must(err, "period "+from)
			w.take(pr.ID, seats)
		}
		in := electiveInput(p.ID, "Thoracic medicine clinical elective")
		in.AgreementID, in.ClosesOn = long.ID, day(5)
		e1 := w.elective(in)
		taken(e1.ID, "2026-12-01", "2026-12-20", 1)
		taken(e1.ID, "2027-07-31", "2027-08-10", 2) // starts in 2026's academic year
		taken(e1.ID, "2028-08-01", "2028-08-20", 4) // beyond the two years shown
		in.TitleEN = "Sleep medicine clinical elective"
		e2 := w.elective(in)
		taken(e2.ID, "2027-08-01", "2027-08-20", 3) // first day of 2027's
		in.TitleEN, in.OpensOn, in.ClosesOn = "Lung cancer research exchange", day(-250), day(-150)
		e3 := w.elective(in)
		taken(e3.ID, "2026-07-15", "2026-07-30", 5) // last academic year
		taken(e3.ID, "2026-08-01", "2026-08-20", 1)
		// Placements made stay counted when the elective is retired later.
		w.must(w.s.Retire(w.ctx, catalog.KindElective, e3.ID), "retire elective")

		// Incoming placements: an agreement of the home institution.
		homeIn := agreementInput(home.ID, -30, 900)
		homeIn.Title = "incoming"
		ha, err := w.s.CreateAgreement(w.ctx, homeIn)
		w.must(err, "home agreement")
		dep, err := w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "CHEST", NameEN: "Chest medicine", NameZH: "胸腔內科"})
		w.must(err, "department")
		rin := electiveInput(0, "Chest medicine rotation")
		rin.Direction, rin.DepartmentID, rin.AgreementID = catalog.Incoming, dep.ID, ha.ID
		r := w.elective(rin)
		taken(r.ID, "2027-03-01", "2027-03-20", 2)

		o, err := w.s.Overview(w.ctx)
		w.must(err, "overview")
		names := func(rows []catalog.AgreementRow) []string {
			var out []string
			for _, a := range rows {
				out = append(out, a.Title)
			}
			return out
		}
		if got := sorted(names(o.Expiring)); len(got) != 3 || got[0] != "in 30 days" || got[1] != "in 90 days" || got[2] != "today" {
			t.Errorf("expiring %q, want in 30 days, in 90 days, today", got)
		}
		if got := names(o.Expired); len(got) != 1 || got[0] != "yesterday" {
			t.Errorf("expired %q, want yesterday", got)
		}
		if !o.Today.Equal(catalog.Day(fixedToday)) || len(o.Years) != 2 || o.Years[0] != 2026 || o.Years[1] != 2027 {
			t.Errorf("today %s, years %v; want 2026 and 2027", o.Today, o.Years)
		}
		use := map[string][]catalog.QuotaUse{}
		for _, q := range o.Quotas {
			use[q.Title] = q.Use
		}
		if _, ok := use["retired"]; ok || len(o.Quotas) != 7 {
			t.Errorf("%d agreements in the quota table (want the 7 live ones)", len(o.Quotas))
		}
		want := map[string][2][2]int{ // title: per year, [used out, used in]
			"long":       {{1 + 2 + 1, 0}, {3, 0}},
			"incoming":   {{0, 2}, {0, 0}},
			"in 30 days": {{0, 0}, {0, 0}},
		}
		for title, years := range want {
			u := use[title]
			if len(u) != 2 {
				t.Fatalf("%s: %d years of use", title, len(u))
			}
			for i, y := range years {
				if u[i].UsedOut != y[0] || u[i].UsedIn != y[1] || u[i].QuotaOut != 4 || u[i].QuotaIn != 2 || u[i].AcademicYear != o.Years[i] {
					t.Errorf("%s in %d: %+v, want %d out and %d in of quotas 4 and 2", title, o.Years[i], u[i], y[0], y[1])
				}
			}
		}
	})
}
