package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold reduces text to the form search compares, so that what a student
// types meets what the catalog says however either was written:
//   - width and compatibility forms (NFKC): full-width ＵＣＬＡ is UCLA,
//     half-width katakana are katakana, ligatures are letters;
//   - case: lower case;
//   - accents on Latin letters: Université is universite, München is
//     munchen (only the marks of the combining diacritics block go, so
//     Japanese dakuten and Korean syllables stay what they are);
//   - a few Latin letters without a decomposition (ß, æ, ø, đ, ł ...);
//   - character variants between Traditional Chinese, Simplified Chinese
//     and Japanese: 學, 学 are one character, as are 藥, 薬 and 药 (see
//     variantGroups);
//   - runs of white space: one space.
//
// Stored search text and typed queries go through the same function, so a
// match never depends on which form either side used. Fold is idempotent.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	// NFKD splits accented letters into letter + mark and maps the
	// compatibility forms; dropping the Latin marks and composing again
	// (NFC) gives back Hangul syllables and kana with their dakuten.
	s = strings.ToLower(norm.NFKD.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0x300 && r <= 0x36f: // combining diacritical marks
			continue
		}
		b.WriteRune(r)
	}
	s = norm.NFC.String(b.String())
	b.Reset()
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if v, ok := variantOf[r]; ok {
			b.WriteString(v)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isFolded reports, cheaply, whether s is already what Fold returns, so
// that folding folded text (the stored search text, read back) costs a
// scan: no upper case, accented Latin letter, full- or half-width form,
// variant, or white space other than single spaces between words, and
// normal under NFKC. It may say no to folded text; never yes to text that
// folds to something else.
func isFolded(s string) bool {
	prev := ' '
	for _, r := range s {
		switch {
		case r == ' ':
			if prev == ' ' {
				return false
			}
		case r < utf8.RuneSelf:
			if r >= 'A' && r <= 'Z' || r < ' ' || r == 0x7f {
				return false
			}
		// Latin, Greek and Cyrillic letters with marks, and the full- and
		// half-width forms.
		case r >= 0xc0 && r <= 0x52f, r >= 0x1e00 && r <= 0x1fff, r >= 0xff00 && r <= 0xffef,
			unicode.IsUpper(r), unicode.IsSpace(r), variantOf[r] != "":
			return false
		}
		prev = r
	}
	if s != "" && prev == ' ' {
		return false // a trailing space
	}
	return norm.NFKC.IsNormalString(s)
}

// variantOf maps every character of variantGroups and latinLetters to the
// form search stores. Built once from the tables below, never changed.
var variantOf = func() map[rune]string {
	m := map[rune]string{}
	for _, g := range variantGroups {
		rs := []rune(g)
		for _, r := range rs[1:] {
			if old, dup := m[r]; dup && old != string(rs[0]) {
				panic("catalog: character " + string(r) + " in two variant groups")
			}
			m[r] = string(rs[0])
		}
	}
	for r, v := range latinLetters {
		m[r] = v
	}
	return m
}()

// latinLetters are lower-case Latin letters that NFKD leaves whole, spelled
// as a student without the key would type them.
var latinLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'ł': "l", 'ı': "i", 'þ': "th", 'ħ': "h",
}
