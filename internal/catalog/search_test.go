package catalog_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// searchWorld is a small catalog of four partners, as a student searches it.
type searchWorld struct {
	*world
	kumamoto, lille, seoul *catalog.Institution
	liver, virology        *catalog.Elective // at Kumamoto
	neuro, hands           *catalog.Elective // at Lille
	lab2, lab22            *catalog.Elective // at Seoul
	rotation               *catalog.Elective // incoming, at home
}

func newSearchWorld(t *testing.T, d *db.DB) *searchWorld {
	w := &searchWorld{world: newWorld(t, d)}
	w.home()
	w.kumamoto = w.partner("Kumamoto University", "熊本大学", "JP", "Kumamoto")
	w.lille = w.partner("Université de Lille", "", "FR", "Lille")
	w.seoul = w.partner("Seoul National University", "서울대학교", "KR", "Seoul")

	// Liver: window closed 70 days ago; a past period, two to come (the
	// first with 2 of 5 seats taken) and a retired one.
	in := electiveInput(w.kumamoto.ID, "Liver disease clinical elective")
	in.TitleZH, in.Specialty, in.Language = "肝病臨床選修", "hepatology", "ja"
	in.OpensOn, in.ClosesOn = day(-100), day(-70)
	w.liver = w.elective(in)
	w.period(w.liver.ID, -60, -41, 4)
	p := w.period(w.liver.ID, 30, 50, 5)
	w.take(p.ID, 2)
	w.period(w.liver.ID, 60, 80, 3)
	gone := w.period(w.liver.ID, 90, 100, 7)
	w.must(w.s.Retire(w.ctx, catalog.KindPeriod, gone.ID), "retire period")

	// Virology: its one period to come is full.
	in = electiveInput(w.kumamoto.ID, "Virology research exchange")
	in.TitleZH, in.Specialty, in.Kind = "病毒學研究交換", "infectious_disease", "research_exchange"
	in.ClosesOn = day(20)
	w.virology = w.elective(in)
	p = w.period(w.virology.ID, 40, 60, 2)
	w.take(p.ID, 2)

	// Neuroscience in March 2027, from 25 February to 5 March.
	in = electiveInput(w.lille.ID, "Neuroscience and tissue engineering")
	in.Specialty, in.Language = "neuroscience", "fr"
	in.ClosesOn = "2027-01-31"
	w.neuro = w.elective(in)
	w.addPeriod(w.neuro.ID, "2027-02-25", "2027-03-05", 2)

	// Literal % and _ in titles, with near misses.
	in = electiveInput(w.lille.ID, "Surgery 100% hands-on")
	in.Specialty, in.ClosesOn = "surgery", day(25)
	w.hands = w.elective(in)
	w.addPeriod(w.hands.ID, "2027-02-01", "2027-02-28", 1)
	in = electiveInput(w.seoul.ID, "Cardiology lab_2 observership")
	in.Specialty, in.Kind, in.Language, in.ClosesOn = "cardiology", "observership", "ko", day(10)
	w.lab2 = w.elective(in)
	in.TitleEN, in.ClosesOn = "Cardiology lab22 observership 1000 hours", day(11)
	w.lab22 = w.elective(in)

	dep, err := w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "HEP", NameEN: "Hepatology", NameZH: "肝膽腸胃科"})
	w.must(err, "department")
	in = electiveInput(0, "Hepatology rotation")
	in.Direction, in.DepartmentID, in.Specialty = catalog.Incoming, dep.ID, "hepatology"
	w.rotation = w.elective(in)
	return w
}

func (w *searchWorld) addPeriod(electiveID int64, from, to string, capacity int) {
	w.t.Helper()
	_, err := w.s.AddPeriod(w.ctx, electiveID, catalog.PeriodInput{StartsOn: from, EndsOn: to, Capacity: fmt.Sprint(capacity)})
	w.must(err, "add period")
}

func TestSearchFindsWhatAStudentAsksFor(t *testing.T) {
	all := []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership", "Liver disease clinical elective",
		"Neuroscience and tissue engineering", "Surgery 100% hands-on", "Virology research exchange"}
	tests := []struct {
		name string
		q    catalog.Query
		want []string
	}{
		{"everything outgoing", catalog.Query{}, all},
		{"institution in English", catalog.Query{Text: "kumamoto"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		{"upper case", catalog.Query{Text: "KUMAMOTO"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		{"institution in Japanese", catalog.Query{Text: "熊本"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		{"institution in Korean", catalog.Query{Text: "서울"}, []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership"}},
		{"country in English", catalog.Query{Text: "japan"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		{"country in Chinese", catalog.Query{Text: "法國"}, []string{"Neuroscience and tissue engineering", "Surgery 100% hands-on"}},
		{"specialty in Chinese", catalog.Query{Text: "肝臟"}, []string{"Liver disease clinical elective"}},
		{"title in Chinese", catalog.Query{Text: "病毒學"}, []string{"Virology research exchange"}},
		{"kind in Chinese", catalog.Query{Text: "見習"}, []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership"}},
		{"language in English", catalog.Query{Text: "french"}, []string{"Neuroscience and tissue engineering"}},
		{"every word must match", catalog.Query{Text: "kumamoto virology"}, []string{"Virology research exchange"}},
		{"words in both languages", catalog.Query{Text: "熊本 liver"}, []string{"Liver disease clinical elective"}},
		{"a word nowhere", catalog.Query{Text: "kumamoto dermatology"}, nil},
		{"percent is literal", catalog.Query{Text: "100%"}, []string{"Surgery 100% hands-on"}},
		{"underscore is literal", catalog.Query{Text: "lab_2"}, []string{"Cardiology lab_2 observership"}},
		{"a lone percent", catalog.Query{Text: "%"}, []string{"Surgery 100% hands-on"}},
		{"a backslash", catalog.Query{Text: `\`}, nil},
		{"country", catalog.Query{Country: "JP"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		{"country in lower case", catalog.Query{Country: "kr"}, []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership"}},
		{"unknown country is no filter", catalog.Query{Country: "ZZ"}, all},
		{"specialty", catalog.Query{Specialty: "hepatology"}, []string{"Liver disease clinical elective"}},
		{"kind", catalog.Query{Kind: "research_exchange"}, []string{"Virology research exchange"}},
		{"language", catalog.Query{Language: "ko"}, []string{"Cardiology lab22 observership 1000 hours", "Cardiology lab_2 observership"}},
		// Liver's retired period runs into March, its live one ends in February.
		{"month with a period overlapping it", catalog.Query{Month: "2027-03"}, []string{"Neuroscience and tissue engineering"}},
		{"month with several", catalog.Query{Month: "2027-02"}, []string{"Liver disease clinical elective", "Neuroscience and tissue engineering", "Surgery 100% hands-on"}},
		{"month of the past period", catalog.Query{Month: date(-50).Format("2006-01")}, []string{"Liver disease clinical elective"}},
		{"bad month is no filter", catalog.Query{Month: "2027-13"}, all},
		{"seats left", catalog.Query{SeatsOnly: true}, []string{"Liver disease clinical elective", "Neuroscience and tissue engineering", "Surgery 100% hands-on"}},
		{"month", catalog.Query{Month: "2027-01"}, []string{"Liver disease clinical elective", "Virology research exchange"}},
		// Virology's January period is full.
		{"month and seats left", catalog.Query{Month: "2027-01", SeatsOnly: true}, []string{"Liver disease clinical elective"}},
		{"filters together", catalog.Query{Country: "FR", Month: "2027-02", Text: "surgery"}, []string{"Surgery 100% hands-on"}},
		{"incoming", catalog.Query{Direction: catalog.Incoming}, []string{"Hepatology rotation"}},
	}
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w.t = t
				res := w.search(tt.q)
				if got := sorted(titles(res)); !slices.Equal(got, tt.want) {
					t.Errorf("found %q, want %q", got, tt.want)
				}
				if res.Total != int64(len(tt.want)) {
					t.Errorf("Total %d, want %d", res.Total, len(tt.want))
				}
			})
		}
	})
}

// TestSeatsLeftCountOnlyPeriodsToCome: a card shows the first live period
// that has not started with the seats of that period alone ("Next period
// starts 30 days from now · 3 seats left", not the 6 of both periods to
// come), and counts the seats of the later ones apart.
func TestSeatsLeftCountOnlyPeriodsToCome(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		cards := map[string]catalog.Card{}
		for _, c := range w.search(catalog.Query{}).Cards {
			cards[c.TitleEN] = c
		}
		tests := []struct {
			title                 string
			seats, periods, later int
			next                  string
		}{
			// 5-2 in the next period, 3 after it; not the 4 of the past
			// period nor the 7 of the retired one.
			{"Liver disease clinical elective", 3, 2, 3, day(30)},
			{"Virology research exchange", 0, 1, 0, day(40)},
			{"Neuroscience and tissue engineering", 2, 1, 0, "2027-02-25"},
			{"Cardiology lab_2 observership", 0, 0, 0, ""},
		}
		for _, tt := range tests {
			c, ok := cards[tt.title]
			if !ok {
				t.Fatalf("no card for %s", tt.title)
			}
			var next string
			if c.NextStart != nil {
				next = c.NextStart.Format(time.DateOnly)
			}
			if c.SeatsLeft != tt.seats || c.Periods != tt.periods || c.LaterSeats != tt.later || next != tt.next {
				t.Errorf("%s: %d seats in the period of %q (%d periods, %d seats later), want %d in %q (%d, %d later)",
					tt.title, c.SeatsLeft, next, c.Periods, c.LaterSeats, tt.seats, tt.next, tt.periods, tt.later)
			}
			if c.InstitutionNameEN == "" || c.Country == "" {
				t.Errorf("%s: card without its institution: %+v", tt.title, c)
			}
		}
		// The elective's page shows its live periods, past ones included.
		detail, err := w.s.ElectiveDetail(w.ctx, w.liver.ID)
		w.must(err, "detail")
		if len(detail.Periods) != 3 || detail.Institution.NameLocal != "熊本大学" {
			t.Errorf("detail has %d periods (want 3 live) at %q", len(detail.Periods), detail.Institution.NameLocal)
		}
	})
}

// TestRetiredInstitutionHidesItsElectives: nothing at a retired partner is
// offered, nor is its country.
func TestRetiredInstitutionHidesItsElectives(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		countries, err := w.s.CountriesInUse(w.ctx)
		w.must(err, "countries")
		if !slices.Equal(countries, []string{"FR", "JP", "KR"}) {
			t.Errorf("countries in use %v", countries)
		}
		w.must(w.s.Retire(w.ctx, catalog.KindInstitution, w.lille.ID), "retire")
		if res := w.search(catalog.Query{Text: "lille"}); res.Total != 0 {
			t.Errorf("electives of a retired partner found: %v", titles(res))
		}
		if res := w.search(catalog.Query{}); res.Total != 4 {
			t.Errorf("%d electives in all, want 4", res.Total)
		}
		countries, _ = w.s.CountriesInUse(w.ctx)
		if !slices.Equal(countries, []string{"JP", "KR"}) {
			t.Errorf("countries in use after retiring Lille %v", countries)
		}
	})
}

// TestRenamingAnInstitutionRefreshesTheSearch: electives carry their
// institution's names in their search text.
func TestRenamingAnInstitutionRefreshesTheSearch(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newSearchWorld(t, d)
		w.must(w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, catalog.InstitutionInput{
			NameEN: "Higo Medical School", NameLocal: "肥後医学校", Country: "JP", City: "Kumamoto", Kind: "university",
		}), "rename")
		for _, q := range []string{"higo", "肥後医学校", "higo virology"} {
			if res := w.search(catalog.Query{Text: q}); res.Total == 0 {
				t.Errorf("the new name %q finds nothing", q)
			}
		}
		if res := w.search(catalog.Query{Text: "higo"}); res.Total != 2 {
			t.Errorf("the new name finds %v, want Kumamoto's two electives", titles(res))
		}
		if res := w.search(catalog.Query{Text: "熊本大学"}); res.Total != 0 {
			t.Errorf("the old name still finds %v", titles(res))
		}
		if res := w.search(catalog.Query{Text: "seoul"}); res.Total != 2 {
			t.Errorf("another partner's electives changed: %v", titles(res))
		}
	})
}

// TestSearchPages: open windows first, soonest deadline first, in pages.
func TestSearchPages(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Kyoto University", "京都大学", "JP", "Kyoto")
		// 25 electives, closing on days -3..21 in a scrambled order: three
		// windows already closed.
		for i := range 25 {
			c := (i*7)%25 - 3
			in := electiveInput(inst.ID, fmt.Sprintf("Elective closing on day %03d", c+100))
			in.OpensOn, in.ClosesOn = day(-40), day(c)
			w.elective(in)
		}
		var seen []catalog.Card
		for page := 1; page <= 3; page++ {
			res := w.search(catalog.Query{Page: page, PerPage: 10})
			if res.Total != 25 || res.Pages != 3 || res.Page != page {
				t.Fatalf("page %d: total %d, pages %d, page %d", page, res.Total, res.Pages, res.Page)
			}
			if want := min(10, 25-10*(page-1)); len(res.Cards) != want {
				t.Errorf("page %d has %d cards, want %d", page, len(res.Cards), want)
			}
			seen = append(seen, res.Cards...)
		}
		var order []int
		for _, c := range seen {
			order = append(order, int(c.ClosesOn.Sub(catalog.Day(fixedToday)).Hours()/24))
		}
		want := []int{}
		for c := 0; c <= 21; c++ {
			want = append(want, c)
		}
		want = append(want, -3, -2, -1)
		if !slices.Equal(order, want) {
			t.Errorf("closing days in page order %v, want open ones soonest first, then closed ones: %v", order, want)
		}
		if res := w.search(catalog.Query{Page: 4, PerPage: 10}); len(res.Cards) != 0 || res.Total != 25 {
			t.Errorf("page beyond the end: %d cards, total %d", len(res.Cards), res.Total)
		}
		if res := w.search(catalog.Query{Page: -2}); res.Page != 1 || len(res.Cards) != 20 || res.Pages != 2 {
			t.Errorf("page -2 with the default size: page %d, %d cards, %d pages", res.Page, len(res.Cards), res.Pages)
		}
		if res := w.search(catalog.Query{Text: "nothing like this"}); res.Total != 0 || res.Pages != 0 || len(res.Cards) != 0 {
			t.Errorf("no match: %+v", res)
		}
	})
}

// TestSearchQueriesDoNotGrowWithThePage: a page of cards costs the same
// few queries whether it holds 5 cards or 50.
func TestSearchQueriesDoNotGrowWithThePage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inst := w.partner("Kyoto University", "京都大学", "JP", "Kyoto")
		for i := range 50 {
			e := w.elective(electiveInput(inst.ID, fmt.Sprintf("Elective %d", i)))
			w.period(e.ID, 60, 70, 2)
			w.period(e.ID, 80, 90, 2)
		}
		// The first search reads the catalog into memory; the pages
		// compared are the searches after it.
		w.search(catalog.Query{})
		queries := func(perPage int) int64 {
			before := d.Queries()
			res := w.search(catalog.Query{PerPage: perPage, SeatsOnly: true, Text: "elective"})
			if len(res.Cards) != perPage || res.Cards[perPage-1].SeatsLeft != 2 || res.Cards[perPage-1].LaterSeats != 2 {
				t.Fatalf("%d cards, want %d with 2 seats in the next period and 2 later each", len(res.Cards), perPage)
			}
			return d.Queries() - before
		}
		if small, large := queries(5), queries(50); small != large || large > 3 {
			t.Errorf("a page of 5 cards takes %d queries, of 50 %d; want the same, at most 3", small, large)
		}
	})
}
