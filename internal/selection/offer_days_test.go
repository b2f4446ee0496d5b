package selection_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/selection"
	"portal/internal/testutil"
)

// The office sets the days to answer an offer in the round's own form,
// before publication, so that the rule students read at publication is
// the one that applies; a number out of range is refused by its field and
// changes nothing.
func TestTheOfficeSetsTheOfferDaysBeforePublication(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		f := w.round()
		if f.OfferDays != selection.DefaultOfferDays {
			t.Fatalf("a round made without the field gives %d days, want %d", f.OfferDays, selection.DefaultOfferDays)
		}
		in := selection.RoundInput{Version: f.Version, Name: f.Name, Term: f.Term, Deadline: day(20), AppealDays: "7",
			AutoPromote: true, PeriodIDs: []int64{w.p1.ID, w.p2.ID, w.p3.ID},
			Components: []selection.ComponentInput{
				{ID: f.Components[0].ID, NameEN: "Grades", NameZH: "成績", Weight: "70", MinValue: "0", MaxVal: "100"},
				{ID: f.Components[1].ID, NameEN: "Oral exam", NameZH: "口試", Weight: "30", MinValue: "0", MaxVal: "10"},
			}, Tiebreaks: []string{"submitted"}}
		for _, bad := range []string{"0", "61", "soon"} {
			in.OfferDays = bad
			_, err := w.sel.Update(w.ctx, w.office, f.ID, in)
			if apperr.FieldsOf(err)["offer_days"].Key != "selection.auto.err.offer_days" {
				t.Fatalf("%q days: %v, want the field refused", bad, err)
			}
		}
		in.OfferDays = "9"
		if _, err := w.sel.Update(w.ctx, w.office, f.ID, in); err != nil {
			t.Fatal(err)
		}
		got, err := w.sel.Get(w.ctx, w.office, f.ID)
		w.must(err, "get round")
		if got.OfferDays != 9 || got.Version != f.Version+1 {
			t.Fatalf("after the edit: %d days, version %d", got.OfferDays, got.Version)
		}
	})
}
