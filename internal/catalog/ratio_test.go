package catalog_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/testutil"
)

// The reciprocity report measures an exchange against the ratio its
// agreement states: blank is one for one, and a ratio of nothing is
// refused with its field named.
func TestAnAgreementKeepsItsAgreedRatioAndBlankIsOneForOne(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Kumamoto University", "熊本大学", "JP", "Kumamoto")
		a := w.agreement(inst.ID, -10, 300)
		if a.RatioOut != 1 || a.RatioIn != 1 {
			t.Errorf("a blank ratio reads %d:%d, want 1:1", a.RatioOut, a.RatioIn)
		}
		in := agreementInput(inst.ID, -10, 300)
		in.RatioOut, in.RatioIn = "2", "1"
		w.must(w.s.UpdateAgreement(w.ctx, a.ID, in), "update ratio")
		got, err := w.s.Agreement(w.ctx, a.ID)
		w.must(err, "read agreement")
		if got.RatioOut != 2 || got.RatioIn != 1 {
			t.Errorf("stored ratio %d:%d, want 2:1", got.RatioOut, got.RatioIn)
		}
		in.RatioOut = "0"
		err = w.s.UpdateAgreement(w.ctx, a.ID, in)
		if f := apperr.FieldsOf(err); f["ratio_out"].Key != "form.at_least" {
			t.Errorf("a ratio of 0: %v %v", err, f)
		}
		got, err = w.s.Agreement(w.ctx, a.ID)
		w.must(err, "read agreement")
		if got.RatioOut != 2 {
			t.Errorf("a refused ratio changed the agreement to %d", got.RatioOut)
		}
	})
}
