// Package i18n translates the portal's user-facing text. Messages live in
// JSON files under locales/<language>/, one file per area of the portal,
// keyed by a stable id; code and templates name keys, never English
// sentences. A message holding a count has its language's plural forms
// (plural.go, locales/<language>/plural.json).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync/atomic"

	"golang.org/x/text/language"
)

//go:embed locales
var locales embed.FS

// Lang is a supported language tag.
type Lang string

// The supported languages; English is the fallback.
const (
	English            Lang = "en"
	TraditionalChinese Lang = "zh-Hant"
	Japanese           Lang = "ja"
)

// Option is a language as offered in the language switch, named in itself.
type Option struct {
	Lang Lang
	Name string
}

// Options lists the languages in the switch's order.
var Options = []Option{{English, "English"}, {TraditionalChinese, "繁體中文"}, {Japanese, "日本語"}}

// Bundle holds every message of every language.
type Bundle struct {
	msgs map[Lang]map[string]string
	// plurals are the messages that depend on a count, by the forms of
	// the language's CLDR rule (plural.go).
	plurals map[Lang]map[string]map[string]string
	matcher language.Matcher
	tags    []Lang
	// missing, when set, hears of every key T had no message for: the
	// tests that render every page use it to fail on an untranslated key
	// (T itself shows the key, a visible bug rather than a blank).
	missing atomic.Pointer[func(Lang, string)]
}

// OnMissing calls f, from any goroutine, for each key T is asked for that
// lang does not have (English then stands in, or the key itself). nil
// stops it.
func (b *Bundle) OnMissing(f func(lang Lang, key string)) {
	if f == nil {
		b.missing.Store(nil)
		return
	}
	b.missing.Store(&f)
}

// Load reads the embedded message files.
func Load() (*Bundle, error) {
	b := &Bundle{msgs: map[Lang]map[string]string{}, plurals: map[Lang]map[string]map[string]string{}}
	var tags []language.Tag
	for _, o := range Options {
		files, err := fs.Glob(locales, "locales/"+string(o.Lang)+"/*.json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("no messages for %s", o.Lang)
		}
		m, pl := map[string]string{}, map[string]map[string]string{}
		for _, f := range files {
			raw, err := locales.ReadFile(f)
			if err != nil {
				return nil, err
			}
			// A message is a string, or an object of plural forms
			// ({"one": "%d seat", "other": "%d seats"}).
			part := map[string]json.RawMessage{}
			if err := json.Unmarshal(raw, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for k, v := range part {
				_, dup := m[k]
				if _, dupPlural := pl[k]; dup || dupPlural {
					return nil, fmt.Errorf("%s: key %q is defined in another file too", f, k)
				}
				var msg string
				if err := json.Unmarshal(v, &msg); err == nil {
					m[k] = msg
					continue
				}
				forms := map[string]string{}
				if err := json.Unmarshal(v, &forms); err != nil {
					return nil, fmt.Errorf("%s: key %q is neither a message nor plural forms", f, k)
				}
				for form := range forms {
					if _, ok := formOf[form]; !ok {
						return nil, fmt.Errorf("%s: key %q has the unknown plural form %q", f, k, form)
					}
				}
				if _, ok := forms["other"]; !ok {
					return nil, fmt.Errorf("%s: key %q has no \"other\" form", f, k)
				}
				pl[k] = forms
			}
		}
		b.msgs[o.Lang] = m
		b.plurals[o.Lang] = pl
		b.tags = append(b.tags, o.Lang)
		tags = append(tags, language.MustParse(string(o.Lang)))
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// T returns the message key in lang, formatted with args; English when lang
// lacks it, and the key itself when no language has it (a visible bug, not
// a blank).
//
// A plural key (plural.go) asked for through T takes its count from the
// first whole number among args, so that a message made far from a page
// (a domain error's key and arguments) agrees with its number too; N says
// which argument counts.
func (b *Bundle) T(lang Lang, key string, args ...any) string {
	msg, ok := b.msgs[lang][key]
	if !ok && b.isPlural(key) {
		n, _ := firstCount(args)
		if pm, found := b.pick(lang, key, n); found {
			if len(args) == 0 {
				return pm
			}
			return fmt.Sprintf(pm, args...)
		}
	}
	if !ok {
		if f := b.missing.Load(); f != nil {
			(*f)(lang, key)
		}
		if msg, ok = b.msgs[English][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key exists in English.
func (b *Bundle) Has(key string) bool {
	_, ok := b.msgs[English][key]
	return ok || b.isPlural(key)
}

// Parse returns the supported language named s.
func (b *Bundle) Parse(s string) (Lang, bool) {
	for _, l := range b.tags {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// Negotiate picks the language of a request: the remembered choice when it
// is supported, otherwise the best match of Accept-Language (zh-TW and
// zh-HK find Traditional Chinese, ja-JP Japanese), otherwise English.
func (b *Bundle) Negotiate(chosen, acceptLanguage string) Lang {
	if l, ok := b.Parse(chosen); ok {
		return l
	}
	if acceptLanguage == "" {
		return English
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := b.matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return b.tags[i]
}

// Keys returns the sorted keys of lang, plural ones included, for
// completeness tests.
func (b *Bundle) Keys(lang Lang) []string {
	keys := make([]string, 0, len(b.msgs[lang])+len(b.plurals[lang]))
	for k := range b.msgs[lang] {
		keys = append(keys, k)
	}
	for k := range b.plurals[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
