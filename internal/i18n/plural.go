package i18n

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Plural messages: "1 seat left" but "2 seats left". A message that holds
// a count is written in a locale file as an object of its language's CLDR
// plural forms instead of one string:
//
//	"browse.seats_left": {"one": "Only %d seat left", "other": "%d seats left"}
//
// English needs one and other; Traditional Chinese has only other, as it
// does not inflect nouns for number. The forms a language needs come from
// CLDR (golang.org/x/text/feature/plural), so a third language gets its own
// rule without code. Such keys live in locales/<lang>/plural.json.

// formOf names the CLDR forms as locale files write them.
var formOf = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// formName is formOf the other way round.
var formName = func() map[plural.Form]string {
	m := map[plural.Form]string{}
	for k, v := range formOf {
		m[v] = k
	}
	return m
}()

// N returns the plural message key in lang for the count n, formatted with
// args; without args, n is the one argument ("%d seats left"). A message
// with more to fill places its count among args as it likes. The form is the one lang's CLDR rule gives n; when
// the message lacks that form, "other" stands in. When lang lacks the key,
// English does, and the key itself when no language has it, as with T. A
// key that is a plain message is returned as T returns it.
func (b *Bundle) N(lang Lang, key string, n int, args ...any) string {
	msg, ok := b.pick(lang, key, n)
	if !ok {
		return b.T(lang, key, args...) // a plain message, or none at all
	}
	if len(args) == 0 {
		if !strings.Contains(msg, "%") {
			return msg
		}
		args = []any{n}
	}
	return fmt.Sprintf(msg, args...)
}

// pick is the form of plural key for n in lang, unformatted: English's
// when lang lacks the key (reported to OnMissing), "other" when the
// message lacks n's form. It is false when key is no plural message in
// lang nor in English.
func (b *Bundle) pick(lang Lang, key string, n int) (string, bool) {
	forms, ok := b.plurals[lang][key]
	if !ok {
		if _, plain := b.msgs[lang][key]; plain {
			return "", false
		}
		if forms, ok = b.plurals[English][key]; !ok {
			return "", false
		}
		if f := b.missing.Load(); f != nil {
			(*f)(lang, key)
		}
		lang = English
	}
	msg, ok := forms[formName[FormOf(lang, n)]]
	if !ok {
		msg = forms["other"]
	}
	return msg, true
}

// FormOf is the CLDR plural form of the whole number n in lang: One for 1
// in English, Other for every number in Traditional Chinese.
func FormOf(lang Lang, n int) plural.Form {
	if n < 0 {
		n = -n
	}
	tag, err := language.Parse(string(lang))
	if err != nil {
		tag = language.English
	}
	return plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)
}

// Forms lists the names of the plural forms lang uses for whole numbers
// ("one", "other" in English; "other" alone in Traditional Chinese): what
// every plural message of lang must have. It samples the rule, as CLDR's
// rules tell forms apart within the first thousand whole numbers.
func Forms(lang Lang) []string {
	seen := map[string]bool{}
	for n := 0; n <= 1000; n++ {
		seen[formName[FormOf(lang, n)]] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// PluralForms returns the forms key has in lang ("one", "other"), nil
// when it is not a plural key there: for completeness tests.
func (b *Bundle) PluralForms(lang Lang, key string) []string {
	forms, ok := b.plurals[lang][key]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(forms))
	for f := range forms {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// isPlural reports whether key is a plural message in some language.
func (b *Bundle) isPlural(key string) bool {
	for _, l := range b.tags {
		if _, ok := b.plurals[l][key]; ok {
			return true
		}
	}
	return false
}

// firstCount is the first whole number among args, for T's plural keys.
func firstCount(args []any) (int, bool) {
	for _, a := range args {
		switch v := a.(type) {
		case int:
			return v, true
		case int64:
			return int(v), true
		case int32:
			return int(v), true
		case uint:
			return int(v), true
		case uint64:
			return int(v), true
		}
	}
	return 0, false
}
