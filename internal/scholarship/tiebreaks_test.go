package scholarship_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/scholarship"
	"portal/internal/testutil"
)

// Two requests tie at 70 for the one award. With the interview first among
// the keys, the better interview wins; with the year of study first, the
// senior student wins, whatever the lottery would say. The keys are kept
// on the call in the office's order; a key naming an empty rubric row is
// refused on the form.
func TestACallsTieBreakKeysDecideATieInTheirOrder(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		rubric := []scholarship.ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "50", MaxValue: "100"},
			{NameEN: "Interview", NameZH: "面談", Weight: "50", MaxValue: "10"}, {}}
		in := scholarship.CallInput{FundingID: w.fund.ID, Name: "2027 study abroad", Year: "2027", Deadline: day(10),
			PerAward: "1000", MaxAwards: "1", Components: rubric, Tiebreaks: []string{"component:3"}}
		if _, err := w.svc.Create(w.ctx, w.office, in); apperr.FieldsOf(err)["tiebreaks"].Key != "form.not_a_choice" {
			t.Fatalf("a key on an empty rubric row: %v", err)
		}
		senior, appS := w.student("Senior", "nominated")
		junior, appJ := w.student("Junior", "nominated")
		w.must(d.Table("users").Where("id = ?", senior.ID).Update("year_of_study", 6).Error, "year")
		w.must(d.Table("users").Where("id = ?", junior.ID).Update("year_of_study", 4).Error, "year")

		winner := func(ties ...string) int64 {
			t.Helper()
			in.Tiebreaks = ties
			c, err := w.svc.Create(w.ctx, w.office, in)
			w.must(err, "call")
			full, err := w.svc.Get(w.ctx, w.office, c.ID)
			w.must(err, "get call")
			if len(full.Tiebreaks) != len(ties) || full.Tiebreaks[0].Kind != map[string]string{"component:2": scholarship.TieComponent, "year": scholarship.TieYear}[ties[0]] {
				t.Fatalf("the call keeps the keys %+v, want %v", full.Tiebreaks, ties)
			}
			w.request(c, senior, appS, "", "80", "6") // 40 + 30 = 70
			w.request(c, junior, appJ, "", "60", "8") // 30 + 40 = 70
			p, err := w.svc.DryRun(w.ctx, w.office, c.ID)
			w.must(err, "dry run")
			if p.Awarded != 1 || p.Outcomes[0].Score != p.Outcomes[1].Score {
				t.Fatalf("the tie is not a tie: %+v", p.Outcomes)
			}
			return p.Outcomes[0].StudentID
		}
		if got := winner("component:2", "year"); got != junior.ID {
			t.Fatalf("with the interview first the better interview (Junior) should win, got user %d", got)
		}
		if got := winner("year", "component:2"); got != senior.ID {
			t.Fatalf("with the year of study first the senior should win, got user %d", got)
		}
	})
}
