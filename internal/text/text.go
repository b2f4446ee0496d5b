// Package text says which strings the portal accepts as text. PostgreSQL
// refuses bytes that are not UTF-8 and NUL in a text column (the request
// then fails with a 500) while SQLite stores them and serves them back; and
// invisible bidirectional controls in a name make it print differently from
// what was typed (on an official letter, "‮okanaH" reads "Hanako"). One
// place decides, for the web layer and the domain packages alike.
package text

import (
	"strings"
	"unicode/utf8"
)

// Readable reports whether s is valid UTF-8 without control characters
// other than tab, line feed and carriage return, which text areas send.
func Readable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return false
		}
	}
	return true
}

// HasHidden reports whether s holds a character that changes how the text
// around it is displayed without being seen itself: the bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the
// direction marks (U+200E, U+200F, U+061C) and the byte order mark
// (U+FEFF). Names must show what they say.
func HasHidden(s string) bool {
	for _, r := range s {
		switch {
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
			r == 0x200E, r == 0x200F, r == 0x061C, r == 0xFEFF:
			return true
		}
	}
	return false
}

// Clean returns s as something safe to store and show: bytes that are not
// UTF-8 become U+FFFD and control characters are dropped. It is for values
// a browser sends on its own (User-Agent), which a person cannot correct.
func Clean(s string) string {
	if Readable(s) && !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
