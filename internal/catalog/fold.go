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
	if isFoldedASCII(s) {
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

// isFoldedASCII reports whether s is already folded: ASCII without upper
// case or repeated, leading or other white space than single spaces. The
// common case (an English word typed in lower case) then costs nothing.
func isFoldedASCII(s string) bool {
	prev := byte(' ')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf, c >= 'A' && c <= 'Z', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
			return false
		case c == ' ' && prev == ' ':
			return false
		}
		prev = c
	}
	return len(s) == 0 || s[len(s)-1] != ' '
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
