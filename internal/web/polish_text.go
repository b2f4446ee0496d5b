package web

import (
	"strconv"
	"strings"
)

// Words of the catalog's data and of files that a page says in its
// reader's language where the portal knows them.

// Size is a file's size as its reader reads it: "820 bytes" ("820 位元組"),
// "1.2 KB", "3.4 MB" (the symbols are the same in both languages); one
// decimal under ten, none above.
func (p Page) Size(n int64) string {
	unit := func(v float64, symbol string) string {
		prec := 1
		if v >= 10 || v == float64(int64(v)) {
			prec = 0
		}
		return strconv.FormatFloat(v, 'f', prec, 64) + " " + symbol
	}
	switch {
	case n >= 1<<20:
		return unit(float64(n)/(1<<20), "MB")
	case n >= 1<<10:
		return unit(float64(n)/(1<<10), "KB")
	}
	return p.T("size.bytes", n)
}

// dataKey is the message key of a value of the catalog's data (a city, a
// tag): prefix and the value folded to lowercase words joined by "_", so
// that "Los Angeles" is city.los_angeles.
func dataKey(prefix, value string) string {
	return prefix + "." + strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(value, "'", ""))), "_")
}

// dataText is value in the page's language when the portal has a name for
// it (city.*, tag.*), else value as the catalog holds it, and whether it
// was translated.
func (p Page) dataText(prefix, value string) (string, bool) {
	if value == "" {
		return "", false
	}
	k := dataKey(prefix, value)
	if !p.bundle.Has(k) {
		return value, false
	}
	return p.T(k), true
}

// browseData is a value of the catalog's data as a page shows it: in the
// page's language where the portal knows a name (dataText), else as
// stored, marked as English.
func browseData(p Page, prefix, s string) browseText {
	if t, ok := p.dataText(prefix, s); ok {
		return browseText{Text: t}
	}
	return browseEnglish(p, s)
}
