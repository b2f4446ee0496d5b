package catalog_test

import (
	"context"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
)

// taipeiEarly is 01:30 on 2 April 2027 in Taipei, still 1 April in UTC.
var taipeiEarly = time.Date(2027, 4, 1, 17, 30, 0, 0, time.UTC)

func taipeiCatalog(t *testing.T, d *db.DB, now func() time.Time) *catalog.Service {
	t.Helper()
	zone, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewServiceWith(d, b, catalog.Options{Now: now, Zone: zone})
}

// The catalog's today is the portal zone's day: at 01:30 on 2 April in
// Taipei (17:30 UTC on 1 April) a window opening on 2 April is open and
// one that closed on 1 April is closed; an agreement that ended on 1 April
// has ended for the office's overview, for its list of agreements ending
// soon, for a new elective and for an import.
func TestTodayIsThePortalZonesDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		clk := testutil.NewClock(taipeiEarly)
		w := &world{t: t, ctx: context.Background(), d: d, s: taipeiCatalog(t, d, clk.Now)}
		if got := w.s.Today(); !got.Equal(time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("today at %s is %s, want 2027-04-02", taipeiEarly, got)
		}
		w.home()
		p := w.partner("Kumamoto University", "熊本大学", "JP", "Kumamoto")
		agreement := func(title, until string) *catalog.Agreement {
			a, err := w.s.CreateAgreement(w.ctx, catalog.AgreementInput{InstitutionID: p.ID, Kind: "student_exchange", Title: title,
				ValidFrom: "2026-04-01", ValidUntil: until, QuotaOut: "4", QuotaIn: "2"})
			w.must(err, title)
			return a
		}
		ended := agreement("Ended yesterday", "2027-04-01")
		last := agreement("Ends today", "2027-04-02")

		o, err := w.s.Overview(w.ctx)
		w.must(err, "overview")
		if len(o.Expired) != 1 || o.Expired[0].ID != ended.ID || len(o.Expiring) != 1 || o.Expiring[0].ID != last.ID {
			t.Errorf("overview: expired %v, expiring %v; want only %d ended and %d ending", o.Expired, o.Expiring, ended.ID, last.ID)
		}
		soon, err := w.s.AgreementsExpiring(w.ctx, catalog.AgreementExpiryDays)
		w.must(err, "expiring")
		if len(soon) != 1 || soon[0].ID != last.ID {
			t.Errorf("agreements ending soon: %v, want only %d", soon, last.ID)
		}

		in := electiveInput(p.ID, "Hepatology elective")
		in.AgreementID = ended.ID
		_, err = w.s.CreateElective(w.ctx, in)
		wantField(t, err, "agreement_id", "catalog.err.agreement_expired", []any{"2027-04-01"})

		row := catalog.ImportRow{ElectiveRef: "E1", Institution: "Kumamoto University", Agreement: "Ended yesterday",
			Kind: "clinical_elective", TitleEN: "Liver unit elective", Specialty: "hepatology", Language: "en", MinYear: "5",
			DurationWeeks: "4", FeeAmount: "0", OpensOn: "2027-04-02", ClosesOn: "2027-05-31",
			DescriptionEN: "Four weeks on the wards of the liver unit.", PeriodStart: "2027-07-05", PeriodEnd: "2027-08-01", Capacity: "2"}
		res, err := w.s.ImportElectives(w.ctx, []catalog.ImportRow{row}, true)
		w.must(err, "import check")
		if len(res.Errors) != 1 || res.Errors[0].Column != "agreement" || res.Errors[0].Msg.Key != "catalog.err.agreement_expired" {
			t.Errorf("an import naming the agreement that ended yesterday: %+v", res.Errors)
		}
		row.Agreement = "Ends today"
		res, err = w.s.ImportElectives(w.ctx, []catalog.ImportRow{row}, true)
		w.must(err, "import check")
		for _, e := range res.Errors { // its periods come after it, which is another matter
			if e.Column == "agreement" {
				t.Errorf("an import naming the agreement ending today: %+v", e)
			}
		}

		// Windows: search lists the electives still open first; one that
		// closed yesterday (local) is no longer open.
		opens := electiveInput(p.ID, "Opens today")
		opens.OpensOn, opens.ClosesOn = "2027-04-02", "2027-05-31"
		closed := electiveInput(p.ID, "Closed yesterday")
		closed.OpensOn, closed.ClosesOn = "2027-03-01", "2027-04-01"
		for _, e := range []catalog.ElectiveInput{opens, closed} {
			el := w.elective(e)
			_, err := w.s.AddPeriod(w.ctx, el.ID, catalog.PeriodInput{StartsOn: "2027-07-05", EndsOn: "2027-08-01", Capacity: "2"})
			w.must(err, "period")
		}
		res2 := w.search(catalog.Query{})
		if got := titles(res2); len(got) != 2 || got[0] != "Opens today" {
			t.Errorf("search order %q: the elective open today must come first", got)
		}
		for _, c := range res2.Cards {
			open := !w.s.Today().Before(c.OpensOn) && !w.s.Today().After(c.ClosesOn)
			if open != (c.TitleEN == "Opens today") {
				t.Errorf("%s open %v at 01:30 on 2 April in Taipei", c.TitleEN, open)
			}
		}

		// The same instant on a portal in UTC is still 1 April.
		utc := catalog.NewServiceWith(d, nil, catalog.Options{Now: clk.Now})
		if got := utc.Today(); !got.Equal(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("a UTC portal's today is %s", got)
		}
	})
}
