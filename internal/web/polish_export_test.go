package web

import "portal/internal/i18n"

// SizeText is Page.Size in lang, for the tests of package web_test.
func SizeText(b *i18n.Bundle, lang i18n.Lang, n int64) string {
	return Page{Lang: lang, bundle: b}.Size(n)
}
