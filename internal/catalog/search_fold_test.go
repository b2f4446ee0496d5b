package catalog_test

import (
	"fmt"
	"slices"
	"testing"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// TestSearchFindsWhatPeopleType: a Taiwanese student types Traditional
// characters, a French partner's name is typed without its accent, a
// phone types full-width letters; each finds what the catalog's own
// spelling finds.
func TestSearchFindsWhatPeopleType(t *testing.T) {
	kumamoto := []string{"Liver disease clinical elective", "Virology research exchange"}
	lille := []string{"Neuroscience and tissue engineering", "Surgery 100% hands-on"}
	tests := []struct {
		typed string
		want  []string
	}{
		{"熊本大学", kumamoto}, // as the partner writes its name
		{"熊本大學", kumamoto}, // as a Taiwanese student types it
		{"universite", lille},
		{"Universite", lille},
		{"UNIVERSITÉ", lille},
		{"université lille", lille},
		{"ＬＩＬＬＥ", lille},      // full-width, as some phone keyboards type
		{"病毒学", kumamoto[1:]}, // a Simplified character for the Traditional title
		{"法国", lille},         // the country's name, Simplified
	}
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		for _, tt := range tests {
			res := w.search(catalog.Query{Text: tt.typed})
			if got := sorted(titles(res)); !slices.Equal(got, tt.want) {
				t.Errorf("%q finds %q, want %q", tt.typed, got, tt.want)
			}
			if res.Suggestion != "" {
				t.Errorf("%q is spelt right, yet suggests %q", tt.typed, res.Suggestion)
			}
		}
	})
}

// TestSearchCorrectsTypos: a misspelt word that finds nothing is
// corrected to the nearest word of the catalog, whose results are shown
// with a "did you mean".
func TestSearchCorrectsTypos(t *testing.T) {
	cardiology := []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership"}
	tests := []struct {
		typed, suggestion string
		want              []string
	}{
		{"cardiolgy", "cardiology", cardiology},             // a letter left out
		{"Cardiolgoy", "cardiology", cardiology},            // two swapped
		{"seoul cardiolgy", "seoul cardiology", cardiology}, // the right word is kept
		{"neurosceince", "neuroscience", []string{"Neuroscience and tissue engineering"}},
		{"kumamoto cardiolgy", "", nil}, // corrected, still nothing: no suggestion
		{"xqzvw", "", nil},              // nothing near
		{"cardio", "", cardiology},      // a beginning is not a typo
	}
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		for _, tt := range tests {
			res := w.search(catalog.Query{Text: tt.typed})
			if res.Suggestion != tt.suggestion {
				t.Errorf("%q suggests %q, want %q", tt.typed, res.Suggestion, tt.suggestion)
			}
			if got := sorted(titles(res)); !slices.Equal(got, tt.want) || res.Total != int64(len(tt.want)) {
				t.Errorf("%q shows %q (total %d), want %q", tt.typed, got, res.Total, tt.want)
			}
			if res.Query.Text != tt.typed {
				t.Errorf("the query keeps %q, want what was typed, %q", res.Query.Text, tt.typed)
			}
		}
	})
}

// TestSearchRanksByRelevance: a word in the title comes before the same
// word in the partner's name, which comes before it in a description,
// whatever the deadlines.
func TestSearchRanksByRelevance(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		kyoto := w.partner("Kyoto University", "京都大学", "JP", "Kyoto")
		liverpool := w.partner("Liverpool University Hospitals", "", "GB", "Liverpool")
		in := electiveInput(kyoto.ID, "Nephrology wards")
		in.DescriptionEN, in.ClosesOn = "Patients with liver and kidney disease.", day(1)
		w.elective(in)
		in = electiveInput(liverpool.ID, "Trauma surgery")
		in.ClosesOn = day(5)
		w.elective(in)
		// A title with the word inside another: after titles that start a
		// word with it, before the partner's name (Liverpool, whose
		// elective has no Chinese title).
		in = electiveInput(kyoto.ID, "Deliverance ward")
		in.ClosesOn = day(6)
		w.elective(in)
		in = electiveInput(kyoto.ID, "Liver transplantation")
		in.ClosesOn = day(20)
		w.elective(in)
		in = electiveInput(kyoto.ID, "Living donor liver surgery")
		in.ClosesOn = day(-2) // closed: after the open one of the same relevance
		w.elective(in)

		want := []string{"Liver transplantation", "Living donor liver surgery", "Deliverance ward", "Trauma surgery", "Nephrology wards"}
		if got := titles(w.search(catalog.Query{Text: "liver"})); !slices.Equal(got, want) {
			t.Errorf("liver lists %q, want %q", got, want)
		}
		// Without words, the order is the deadline's.
		want = []string{"Nephrology wards", "Trauma surgery", "Deliverance ward", "Liver transplantation", "Living donor liver surgery"}
		if got := titles(w.search(catalog.Query{})); !slices.Equal(got, want) {
			t.Errorf("the catalog lists %q, want %q", got, want)
		}
	})
}

// TestSearchSeesChangesMadeByAnotherReplica: each portal keeps the catalog
// in memory; a change made through another portal on the same database is
// found by the next search.
func TestSearchSeesChangesMadeByAnotherReplica(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		other := newService(t, d, fixedToday)
		if res, err := other.Search(w.ctx, catalog.Query{Text: "higo"}); err != nil || res.Total != 0 {
			t.Fatalf("before the rename: %v, %v", titles(res), err)
		}
		w.must(w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, catalog.InstitutionInput{
			NameEN: "Higo Medical School", NameLocal: "肥後医学校", Country: "JP", City: "Kumamoto", Kind: "university",
		}), "rename")
		res, err := other.Search(w.ctx, catalog.Query{Text: "肥後醫學校"})
		w.must(err, "search the other replica")
		if res.Total != 2 {
			t.Errorf("the other replica finds %q under the new name, want Kumamoto's two electives", titles(res))
		}
		w.must(w.s.Retire(w.ctx, catalog.KindElective, w.virology.ID), "retire")
		res, err = other.Search(w.ctx, catalog.Query{Text: "higo"})
		w.must(err, "search the other replica")
		if got := titles(res); !slices.Equal(got, []string{"Liver disease clinical elective"}) {
			t.Errorf("after retiring Virology the other replica finds %q", got)
		}
		countries, err := other.CountriesInUse(w.ctx)
		w.must(err, "countries")
		w.must(w.s.Retire(w.ctx, catalog.KindInstitution, w.seoul.ID), "retire Seoul")
		after, err := other.CountriesInUse(w.ctx)
		w.must(err, "countries")
		if !slices.Contains(countries, "KR") || slices.Contains(after, "KR") {
			t.Errorf("countries %v, after retiring Seoul %v", countries, after)
		}
	})
}

// TestSearchSeesSeatsTakenThroughAnotherReplica: the cards' seats are kept
// in memory too; a seat taken or freed in the database (a placement on
// another replica) shows on the next search of every replica, and a new
// period as soon as it is added.
func TestSearchSeesSeatsTakenThroughAnotherReplica(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		other := newService(t, d, fixedToday)
		seats := func(want string) {
			t.Helper()
			res, err := other.Search(w.ctx, catalog.Query{Text: "liver disease"})
			w.must(err, "search the other replica")
			if len(res.Cards) != 1 {
				t.Fatalf("found %q", titles(res))
			}
			c := res.Cards[0]
			if got := fmt.Sprintf("%d left of the next, %d periods, %d later", c.SeatsLeft, c.Periods, c.LaterSeats); got != want {
				t.Errorf("Liver's card says %s, want %s", got, want)
			}
		}
		seats("3 left of the next, 2 periods, 3 later")
		var next catalog.Period
		w.must(d.Where("elective_id = ? AND taken = 2", w.liver.ID).First(&next).Error, "the next period")
		w.take(next.ID, 5)
		seats("0 left of the next, 2 periods, 3 later")
		w.take(next.ID, 1)
		seats("4 left of the next, 2 periods, 3 later")
		w.period(w.liver.ID, 110, 120, 6)
		seats("4 left of the next, 3 periods, 9 later")
	})
}

// TestSearchesAtOnceWhileTheCatalogChanges: searches running together,
// while an elective is renamed, each see the catalog before or after the
// change, never a mix or an error (run with -race).
func TestSearchesAtOnceWhileTheCatalogChanges(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		fresh := newService(t, d, fixedToday)
		errs := make(chan error, 8)
		totals := make(chan int64, 8)
		for range 8 {
			go func() {
				res, err := fresh.Search(w.ctx, catalog.Query{Text: "熊本大學"})
				errs <- err
				totals <- res.Total
			}()
		}
		w.must(w.s.UpdateInstitution(w.ctx, w.seoul.ID, catalog.InstitutionInput{
			NameEN: "Seoul National University Hospital", NameLocal: "서울대학교병원", Country: "KR", City: "Seoul", Kind: "hospital",
		}), "rename Seoul")
		for range 8 {
			w.must(<-errs, "search")
			if n := <-totals; n != 2 {
				t.Errorf("a search found %d Kumamoto electives, want 2", n)
			}
		}
		if res, err := fresh.Search(w.ctx, catalog.Query{Text: "hospital seoul"}); err != nil || res.Total != 2 {
			t.Errorf("after the rename: %v, %v", titles(res), err)
		}
	})
}
