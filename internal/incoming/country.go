package incoming

import (
	"slices"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country is a country as a choice of the profile form.
type Country struct{ Code, Name string }

// notCountries are two-letter codes x/text knows as regions that are not
// ISO 3166-1 country codes: exceptional and transitional reservations and
// user-assigned codes.
var notCountries = []string{"AC", "AN", "CP", "CQ", "CS", "DG", "EA", "EZ", "IC", "NT", "QO", "SU", "TA", "UN", "XK", "YU"}

// codes are the ISO 3166-1 alpha-2 codes, computed once from the CLDR data
// of golang.org/x/text rather than kept by hand.
var codes = sync.OnceValue(func() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			r, err := language.ParseRegion(c)
			if err != nil || !r.IsCountry() || r.String() != c || r.Canonicalize() != r || slices.Contains(notCountries, c) {
				continue
			}
			out = append(out, c)
		}
	}
	return out
})

// IsCountry reports whether code is an ISO 3166-1 alpha-2 country code.
func IsCountry(code string) bool {
	_, ok := slices.BinarySearch(codes(), code)
	return ok
}

// Countries lists every country with its name in lang (a BCP 47 tag such
// as "en" or "zh-Hant"), sorted as a reader of that language expects.
func Countries(lang string) []Country {
	tag := language.Make(lang)
	names := display.Regions(tag)
	out := make([]Country, 0, len(codes()))
	for _, c := range codes() {
		out = append(out, Country{Code: c, Name: CountryName(names, c)})
	}
	col := collate.New(tag)
	slices.SortFunc(out, func(a, b Country) int { return col.CompareString(a.Name, b.Name) })
	return out
}

// CountryName is the name of code in lang, the code itself when unknown.
func CountryName(names display.Namer, code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := names.Name(r); n != "" {
		return n
	}
	return code
}

// NameOf is the name of the country code in lang.
func NameOf(lang, code string) string { return CountryName(display.Regions(language.Make(lang)), code) }
