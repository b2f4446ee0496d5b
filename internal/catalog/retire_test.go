package catalog_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// TestRetireKeepsTheRow: retiring anything sets retired_at and keeps the
// row, so that what applications refer to stays; restoring clears it.
func TestRetireKeepsTheRow(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.home()
		inst := w.partner("Kyoto University", "京都大学", "JP", "Kyoto")
		a := w.agreement(inst.ID, -30, 700)
		in := electiveInput(inst.ID, "Drug discovery research exchange")
		in.AgreementID = a.ID
		e := w.elective(in)
		p := w.period(e.ID, 60, 80, 4)
		dep, err := w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "PED", NameEN: "Pediatrics", NameZH: "小兒科"})
		w.must(err, "department")
		f, err := w.s.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Kyoto travel grant", Sponsor: "Kyoto University", SponsorKind: "university",
			InstitutionID: inst.ID, Amount: "100000", Currency: "JPY", Deadline: day(20)})
		w.must(err, "funding")

		for _, x := range []struct {
			kind catalog.Kind
			id   int64
		}{
			{catalog.KindPeriod, p.ID}, {catalog.KindElective, e.ID}, {catalog.KindAgreement, a.ID},
			{catalog.KindInstitution, inst.ID}, {catalog.KindDepartment, dep.ID}, {catalog.KindFunding, f.ID},
		} {
			rows := w.count(string(x.kind))
			w.must(w.s.Retire(w.ctx, x.kind, x.id), "retire "+string(x.kind))
			if n := w.count(string(x.kind)); n != rows {
				t.Errorf("retiring from %s left %d rows of %d", x.kind, n, rows)
			}
			if !retired(t, d, x.kind, x.id) {
				t.Errorf("retired %s %d has no retired_at", x.kind, x.id)
			}
		}
		// Everything is still there to read, marked retired.
		if got, err := w.s.ElectiveDetail(w.ctx, e.ID); err != nil || got.Elective.RetiredAt == nil || got.Institution.RetiredAt == nil || got.Agreement == nil {
			t.Errorf("ElectiveDetail of a retired elective = %+v, %v", got, err)
		}
		if list, err := w.s.Institutions(w.ctx, false); err != nil || len(list) != 1 {
			t.Errorf("live institutions = %v, %v; want only home", list, err)
		}
		if list, err := w.s.Institutions(w.ctx, true); err != nil || len(list) != 2 {
			t.Errorf("all institutions = %v, %v; want home and the retired partner", list, err)
		}
		for _, kind := range []catalog.Kind{catalog.KindInstitution, catalog.KindAgreement, catalog.KindElective, catalog.KindPeriod, catalog.KindDepartment, catalog.KindFunding} {
			var id int64
			w.must(d.Table(string(kind)).Select("MAX(id)").Scan(&id).Error, "id")
			w.must(w.s.Restore(w.ctx, kind, id), "restore "+string(kind))
			if retired(t, d, kind, id) {
				t.Errorf("restored %s %d is still retired", kind, id)
			}
		}
		if res := w.search(catalog.Query{}); res.Total != 1 || res.Cards[0].SeatsLeft != 4 {
			t.Errorf("after restoring everything the search finds %+v; want the elective with its 4 seats", res)
		}
	})
}

func retired(t *testing.T, d *db.DB, kind catalog.Kind, id int64) bool {
	t.Helper()
	var n int64
	if err := d.Table(string(kind)).Where("id = ? AND retired_at IS NOT NULL", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestRetiredElectiveLeavesTheSearch: students no longer find a retired
// elective, its page still opens (history), and restoring brings it back.
func TestRetiredElectiveLeavesTheSearch(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Hokkaido University", "北海道大学", "JP", "Sapporo")
		e := w.elective(electiveInput(inst.ID, "Drug discovery research exchange"))
		w.elective(electiveInput(inst.ID, "Pharmacy internship"))
		w.period(e.ID, 60, 80, 2)

		w.must(w.s.Retire(w.ctx, catalog.KindElective, e.ID), "retire")
		if got := titles(w.search(catalog.Query{Text: "hokkaido"})); len(got) != 1 || got[0] != "Pharmacy internship" {
			t.Errorf("search after retiring finds %v", got)
		}
		if got := w.search(catalog.Query{Text: "drug discovery"}); got.Total != 0 {
			t.Errorf("the retired elective is still found: %v", titles(got))
		}
		detail, err := w.s.ElectiveDetail(w.ctx, e.ID)
		if err != nil || detail.Elective.RetiredAt == nil || len(detail.Periods) != 1 {
			t.Fatalf("ElectiveDetail of the retired elective = %+v, %v", detail, err)
		}
		if list, _ := w.s.Electives(w.ctx, inst.ID, false); len(list) != 1 {
			t.Errorf("admin list without retired has %d electives, want 1", len(list))
		}
		if list, _ := w.s.Electives(w.ctx, inst.ID, true); len(list) != 2 {
			t.Errorf("admin list with retired has %d electives, want 2", len(list))
		}
		// A retired elective takes no new periods.
		_, err = w.s.AddPeriod(w.ctx, e.ID, periodInput(100, 110, 2))
		wantCode(t, err, apperr.Conflict, "catalog.err.elective_retired")

		w.must(w.s.Restore(w.ctx, catalog.KindElective, e.ID), "restore")
		if got := w.search(catalog.Query{Text: "drug discovery"}); got.Total != 1 || got.Cards[0].SeatsLeft != 2 {
			t.Errorf("after restoring the search finds %+v", got)
		}
	})
}

// TestRetiringATakenPeriodIsRefused: seats taken mean placements refer to
// the period.
func TestRetiringATakenPeriodIsRefused(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Seoul National University", "서울대학교", "KR", "Seoul")
		e := w.elective(electiveInput(inst.ID, "Cardiology observership"))
		p := w.period(e.ID, 60, 80, 4)
		w.take(p.ID, 1)
		before := w.snapshot()
		wantCode(t, w.s.Retire(w.ctx, catalog.KindPeriod, p.ID), apperr.Conflict, "catalog.err.period_in_use")
		if w.snapshot() != before {
			t.Error("the refused retirement changed the database")
		}
		if res := w.search(catalog.Query{}); res.Cards[0].SeatsLeft != 3 {
			t.Errorf("seats left %d, want 3", res.Cards[0].SeatsLeft)
		}
	})
}

// TestRestoringAPeriodKeepsTheRules: a period comes back only if it still
// fits, as a new one would: no overlap with the periods added meanwhile.
func TestRestoringAPeriodKeepsTheRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("National University of Singapore", "", "SG", "Singapore")
		e := w.elective(electiveInput(inst.ID, "Public health internship"))
		old := w.period(e.ID, 60, 80, 4)
		w.must(w.s.Retire(w.ctx, catalog.KindPeriod, old.ID), "retire")
		w.period(e.ID, 70, 90, 4)
		before := w.snapshot()
		err := w.s.Restore(w.ctx, catalog.KindPeriod, old.ID)
		wantCode(t, err, apperr.Conflict, "catalog.err.period_overlap")
		if w.snapshot() != before {
			t.Error("the refused restore changed the database")
		}
	})
}

// TestUnknownIDsAreNotFound: every method that takes an id says NotFound
// for one that does not exist, and changes nothing.
func TestUnknownIDsAreNotFound(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Harvard Medical School", "", "US", "Boston")
		e := w.elective(electiveInput(inst.ID, "Surgery clinical elective"))
		const missing = 424242
		calls := map[string]func() error{
			"UpdateInstitution": func() error {
				return w.s.UpdateInstitution(w.ctx, missing, catalog.InstitutionInput{NameEN: "X", Country: "US", Kind: "university"})
			},
			"UpdateAgreement": func() error { return w.s.UpdateAgreement(w.ctx, missing, agreementInput(inst.ID, 0, 300)) },
			"UpdateDepartment": func() error {
				return w.s.UpdateDepartment(w.ctx, missing, catalog.DepartmentInput{Code: "X", NameEN: "X", NameZH: "X"})
			},
			"UpdateElective": func() error { return w.s.UpdateElective(w.ctx, missing, electiveInput(inst.ID, "X")) },
			"UpdatePeriod":   func() error { return w.s.UpdatePeriod(w.ctx, missing, periodInput(60, 70, 1)) },
			"UpdateFunding": func() error {
				return w.s.UpdateFunding(w.ctx, missing, catalog.FundingInput{NameEN: "X", Sponsor: "X", SponsorKind: "ministry", Amount: "1", Currency: "TWD", Deadline: day(1)})
			},
			"AddPeriod": func() error {
				_, err := w.s.AddPeriod(w.ctx, missing, periodInput(60, 70, 1))
				return err
			},
			"Institution":               func() error { _, err := w.s.Institution(w.ctx, missing); return err },
			"Agreement":                 func() error { _, err := w.s.Agreement(w.ctx, missing); return err },
			"Department":                func() error { _, err := w.s.Department(w.ctx, missing); return err },
			"Funding":                   func() error { _, err := w.s.Funding(w.ctx, missing); return err },
			"Period":                    func() error { _, err := w.s.Period(w.ctx, missing); return err },
			"ElectiveDetail":            func() error { _, err := w.s.ElectiveDetail(w.ctx, missing); return err },
			"InstitutionDetail":         func() error { _, err := w.s.InstitutionDetail(w.ctx, missing); return err },
			"Retire of an unknown kind": func() error { return w.s.Retire(w.ctx, catalog.Kind("users"), e.ID) },
		}
		for _, k := range catalogTables {
			calls["Retire "+k] = func() error { return w.s.Retire(w.ctx, catalog.Kind(k), missing) }
			calls["Restore "+k] = func() error { return w.s.Restore(w.ctx, catalog.Kind(k), missing) }
		}
		before := w.snapshot()
		for name, call := range calls {
			t.Run(name, func(t *testing.T) { wantCode(t, call(), apperr.NotFound, "") })
		}
		if w.snapshot() != before {
			t.Error("calls with unknown ids changed the database")
		}
	})
}

// Retiring what is already retired keeps the day it first left use.
func TestRetiringTwiceKeepsTheFirstDate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.home()
		inst := w.partner("Kyoto University", "京都大学", "JP", "Kyoto")
		w.must(w.s.Retire(w.ctx, catalog.KindInstitution, inst.ID), "retire")
		later := newService(t, d, fixedToday.AddDate(0, 1, 0))
		w.must(later.Retire(w.ctx, catalog.KindInstitution, inst.ID), "retire again")
		got, err := w.s.Institution(w.ctx, inst.ID)
		w.must(err, "institution")
		if got.RetiredAt == nil || !got.RetiredAt.Equal(fixedToday) {
			t.Errorf("retired at %v, want the first retirement %v", got.RetiredAt, fixedToday)
		}
	})
}
