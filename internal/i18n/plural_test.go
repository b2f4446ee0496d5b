package i18n

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func load(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// English says "1 seat" and "2 seats"; Chinese does not inflect, so one
// form serves every count.
func TestACountChoosesTheFormOfItsLanguage(t *testing.T) {
	b := load(t)
	cases := []struct {
		lang Lang
		key  string
		n    int
		args []any
		want string
	}{
		{English, "browse.seats_left", 1, nil, "Only 1 seat left"},
		{English, "browse.seats_left", 2, nil, "2 seats left"},
		{English, "browse.seats_left", 0, nil, "0 seats left"},
		{English, "browse.weeks", 1, nil, "1 week"},
		{English, "browse.weeks", 4, nil, "4 weeks"},
		{English, "application.option.period", 1, []any{"2 Apr 2027", "29 Apr 2027", 1}, "2 Apr 2027 to 29 Apr 2027 (1 seat free)"},
		{English, "application.option.period", 3, []any{"2 Apr 2027", "29 Apr 2027", 3}, "2 Apr 2027 to 29 Apr 2027 (3 seats free)"},
		// The count is the capacity, not the first number.
		{English, "application.choice.seats", 1, []any{0, 1}, "0 of 1 seat free"},
		{English, "application.choice.seats", 3, []any{1, 3}, "1 of 3 seats free"},
		{TraditionalChinese, "browse.seats_left", 1, nil, "尚餘 1 個名額"},
		{TraditionalChinese, "browse.seats_left", 5, nil, "尚餘 5 個名額"},
		{TraditionalChinese, "browse.weeks", 1, nil, "1 週"},
	}
	for _, c := range cases {
		if got := b.N(c.lang, c.key, c.n, c.args...); got != c.want {
			t.Errorf("N(%s, %s, %d) = %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
	}
}

// A domain error names its key and arguments far from any page: through
// T, a plural key counts by its first whole number.
func TestTCountsAPluralKeyByItsFirstWholeNumber(t *testing.T) {
	b := load(t)
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"2027-04-05", 1}, "The week of 2027-04-05 already holds 1 accepted rotation: its seats cannot go below that. Nothing was changed."},
		{[]any{"2027-04-05", 2}, "The week of 2027-04-05 already holds 2 accepted rotations: its seats cannot go below that. Nothing was changed."},
	} {
		if got := b.T(English, "rotation.err.below_taken", c.args...); got != c.want {
			t.Errorf("T = %q, want %q", got, c.want)
		}
	}
	if got := b.T(English, "form.too_long", 1); got != "Use at most 1 character." {
		t.Errorf("form.too_long for 1: %q", got)
	}
	// Without arguments T gives the message unformatted, as for any key.
	if got := b.T(English, "browse.weeks"); got != "%d weeks" {
		t.Errorf("T without arguments: %q", got)
	}
}

// The forms each language needs come from CLDR.
func TestEachLanguageNeedsTheFormsOfItsRule(t *testing.T) {
	if got := Forms(English); !reflect.DeepEqual(got, []string{"one", "other"}) {
		t.Errorf("English forms: %v", got)
	}
	if got := Forms(TraditionalChinese); !reflect.DeepEqual(got, []string{"other"}) {
		t.Errorf("Traditional Chinese forms: %v", got)
	}
}

// Completeness: every plural message has, in every language, exactly the
// forms that language needs, with the same placeholders as English.
func TestEveryPluralMessageHasEveryFormItsLanguageNeeds(t *testing.T) {
	b := load(t)
	var plural []string
	for _, k := range b.Keys(English) {
		if b.PluralForms(English, k) != nil {
			plural = append(plural, k)
		}
	}
	if len(plural) < 20 {
		t.Fatalf("only %d plural messages", len(plural))
	}
	for _, o := range Options {
		need := Forms(o.Lang)
		for _, k := range plural {
			got := b.PluralForms(o.Lang, k)
			if got == nil {
				t.Errorf("%s: %s is plural in English but not here", o.Lang, k)
				continue
			}
			if !reflect.DeepEqual(got, need) {
				t.Errorf("%s: %s has the forms %v, the language needs %v", o.Lang, k, got, need)
			}
			for n := range 3 {
				if msg, _ := b.pick(o.Lang, k, n); strings.Count(msg, "%") != strings.Count(b.plurals[English][k]["other"], "%") {
					t.Errorf("%s: %s for %d has other placeholders than English: %q", o.Lang, k, n, msg)
				}
			}
		}
		// No key is plural in one language and plain in another.
		for _, k := range b.Keys(o.Lang) {
			if b.PluralForms(o.Lang, k) != nil && !slices.Contains(plural, k) {
				t.Errorf("%s: %s is plural here but not in English", o.Lang, k)
			}
		}
	}
}

// A language without the key borrows English and says so; a form the
// message lacks is its "other"; a plain key asked for through N is T's.
func TestPluralFallbacks(t *testing.T) {
	b := load(t)
	delete(b.plurals[TraditionalChinese], "browse.weeks")
	delete(b.plurals[English]["browse.seats_left"], "one")
	var heard []string
	b.OnMissing(func(l Lang, key string) { heard = append(heard, string(l)+":"+key) })
	if got := b.N(TraditionalChinese, "browse.weeks", 1); got != "1 week" {
		t.Errorf("missing in Chinese: %q, want English", got)
	}
	if got := b.N(English, "browse.seats_left", 1); got != "1 seats left" {
		t.Errorf("missing form: %q, want the other form", got)
	}
	if got := b.N(English, "browse.seats.full", 0); got != "Full" {
		t.Errorf("plain key through N: %q", got)
	}
	if got := b.N(English, "no.such.key", 2); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	if !reflect.DeepEqual(heard, []string{"zh-Hant:browse.weeks", "en:no.such.key"}) {
		t.Errorf("heard %v", heard)
	}
}
